"""``python -m bench``: every workload x implementation, each run in its own subprocess.

Order: for each repeat, for each workload, the implementations in an order rotated by the
repeat index (kfunc, torch, keras; then torch, keras, kfunc; ...) so that drifts of the machine
(thermal, other tenants) spread over all implementations. The table shows medians over repeats.

Examples::

    python -m bench --quick                      # smoke run, 1 repeat, small step counts
    python -m bench                              # full suite, 3 repeats
    python -m bench -w mlp_fit,lstm_qa_fit -i kfunc,torch --json out.json
    python -m bench --device cuda                # adds the kfunc jit_compile variant of the fit rows
    python -m bench -w 'corpus_*' -r 1           # opt-in: each corpus program on kfunc_torch and Keras 3
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from . import machine, report
from .worker import MARK
from .workloads import CPU_METRIC, KERAS, KFUNC, TORCH, WORKLOADS

ROOT = Path(__file__).resolve().parent.parent


def select(patterns: str | None):
    """Workloads matching the comma-separated globs (default: all but the opt-in ones).

    An opt-in workload (the corpus programs) is chosen only by a pattern with a literal start
    (``corpus_*``, ``corpus_k2_mnist_mlp``), never by ``*`` or by default."""
    if not patterns:
        return [w for w in WORKLOADS if not w.optin]
    pats = [p.strip() for p in patterns.split(",") if p.strip()]

    def chosen_by(w, p):
        if not fnmatch.fnmatch(w.name, p):
            return False
        return not w.optin or not p.startswith(("*", "?", "["))

    chosen = [w for w in WORKLOADS if any(chosen_by(w, p) for p in pats)]
    if not chosen:
        raise SystemExit(f"no workload matches {patterns!r}; known: {[w.name for w in WORKLOADS]}")
    return chosen


def impls_of(w, impls, device="cpu"):
    """The implementations run for workload ``w``: the ones asked for (``-i``) that it has, or by
    default all of its own (plus ``kfunc_jit`` for the fit workloads on a GPU)."""
    if impls is None:
        own = list(w.impls)
        if device.startswith("cuda") and w.group == "fit" and KFUNC in own:
            own.append("kfunc_jit")
        return own
    return [i for i in impls if i in w.impls or (i == "kfunc_jit" and KFUNC in w.impls and w.group == "fit")]


def schedule(workloads, impls, repeats, quick=False, device="cpu"):
    """[(workload, impl, repeat)] interleaved: implementation order rotates with the repeat.

    Under ``quick``, Keras skips the 10,000-layer graphs (it fails on the chain after ~30 s:
    RESULTS.md)."""
    jobs = []
    for r in range(repeats):
        for w in workloads:
            order = impls_of(w, impls, device)
            if not order:
                continue
            k = r % len(order)
            if w.max_repeats and r >= w.max_repeats:
                continue
            jobs += [(w, i, r) for i in order[k:] + order[:k]
                     if not (i.startswith(KERAS) and w.keras_repeats and (quick or r >= max(0, w.keras_repeats)))]
    return jobs


def worker_env(device: str, threads: int) -> dict:
    """The environment of a worker process: this tree first on the path, Keras on torch, and
    OpenMP threads that sleep when idle.

    ``OMP_WAIT_POLICY=PASSIVE`` (unless set already): with torch's default intra-op threads on a
    machine whose cores other processes keep busy, OpenMP's spinning waits at every parallel
    region's barrier fight those processes; a 784-step RNN's forward + backward ran 35x slower
    (RESULTS.md, "Threads on a shared machine"). It must be set before torch loads, hence here."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["KERAS_BACKEND"] = "torch"
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)  # programs the worker starts (the corpus rows) follow too
    if device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = ""  # Keras would otherwise pick a GPU on its own
    return env


def run_one(w, impl, quick, device, timeout, threads=0) -> dict:
    """Run one worker process; parse its last ``@@BENCH@@`` line."""
    env = worker_env(device, threads)
    timeout = max(timeout, w.timeout_s)
    cmd = [sys.executable, "-m", "bench.worker", w.name, impl, "--device", device] + (["--quick"] if quick else []) + ["--threads", str(threads)]
    try:
        p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "reason": f"over {timeout} s"}
    for line in reversed(p.stdout.splitlines()):
        if line.startswith(MARK):
            return json.loads(line[len(MARK):])
    tail = (p.stderr or p.stdout).strip().splitlines()[-1:] or ["no output"]
    return {"status": "error", "reason": f"worker exited {p.returncode}: {tail[0][:200]}"}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small step counts, 1 repeat: a smoke run")
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("-w", "--workloads", help="comma-separated names or globs (default: all)")
    p.add_argument("-i", "--impls", default=None,
                   help=f"comma list of {KFUNC},{TORCH},{KERAS},kfunc_jit,keras_jit,torch_compile "
                        "(default: each workload's own)")
    p.add_argument("-r", "--repeats", type=int, default=None, help="processes per (workload, impl); default 3, quick 1")
    p.add_argument("--timeout", type=float, default=None, help="seconds per process (default 300, quick 120)")
    p.add_argument("--threads", type=int, default=0, help="torch threads per process (default: torch's own)")
    p.add_argument("--json", help="write raw per-process results and the machine description here")
    p.add_argument("--markdown", help="write the printed tables here")
    a = p.parse_args(argv)

    impls = a.impls.split(",") if a.impls else None  # None: each workload's own implementations
    repeats = a.repeats or (1 if a.quick else 3)
    timeout = a.timeout or (120 if a.quick else 300)
    jobs = schedule(select(a.workloads), impls, repeats, a.quick, a.device)
    info = machine.describe(a.device)
    info["omp_wait_policy"] = worker_env(a.device, a.threads)["OMP_WAIT_POLICY"]
    header = machine.format_machine(info)
    print(header, file=sys.stderr)

    raw: dict = {}
    dead: set = set()  # (workload, impl) that was unavailable/failed: don't spend repeats on it
    t_start = time.perf_counter()
    for n, (w, impl, r) in enumerate(jobs, 1):
        key = (w.name, impl)
        if key in dead:
            continue
        t0 = time.perf_counter()
        res = run_one(w, impl, a.quick, a.device, timeout, a.threads)
        raw.setdefault(key, []).append(res)
        if res["status"] != "ok":
            dead.add(key)
            shown = f"{res['status']}: {res.get('reason', '')[:100]}"
        else:
            cpu = CPU_METRIC.get(w.metric)
            cpu_txt = f", CPU-time {res[cpu]:.4g}" if cpu in res else ""
            if "cnn_samples_per_s" in res:  # the jit rows: the second model of the process
                cpu_txt += f"; CNN {res['cnn_samples_per_s']:.4g}, CPU-time {res.get('cnn_cpu_samples_per_s', 0):.4g}"
            shown = f"{res[w.metric]:.4g} {w.unit}{cpu_txt} (load {res['load_start']:.1f}->{res['load_end']:.1f})"
        print(f"[{n}/{len(jobs)}] {w.name} {impl} #{r}: {shown} ({time.perf_counter() - t0:.1f} s)",
              file=sys.stderr, flush=True)
    for runs in raw.values():  # what the workers saw: torch's thread count, the GPU
        for res in runs:
            for key in ("torch_threads", "gpu"):
                if key in res:
                    info[key] = res[key]
    header = machine.format_machine(info)
    summary = report.summarize(raw)
    text = report.render(summary, header, a.device)
    text += f"\n\nsuite wall time: {time.perf_counter() - t_start:.0f} s, {repeats} repeat(s), quick={a.quick}"
    print(text)
    if a.json:
        Path(a.json).write_text(json.dumps({"machine": info, "quick": a.quick, "device": a.device,
                                            "repeats": repeats,
                                            "results": [{"workload": k[0], "impl": k[1], "runs": v}
                                                        for k, v in raw.items()]}, indent=1))
    if a.markdown:
        Path(a.markdown).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
