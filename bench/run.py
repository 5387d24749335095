"""``python -m bench``: every workload x implementation, each run in its own subprocess.

Order: for each repeat, for each workload, the implementations in an order rotated by the
repeat index (kfunc, torch, keras; then torch, keras, kfunc; ...) so that drifts of the machine
(thermal, other tenants) spread over all implementations. The table shows medians over repeats.

Examples::

    python -m bench --quick                      # smoke run, 1 repeat, small step counts
    python -m bench                              # full suite, 3 repeats
    python -m bench -w mlp_fit,lstm_qa_fit -i kfunc,torch --json out.json
    python -m bench --device cuda                # adds the kfunc jit_compile variant
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
    if not patterns:
        return list(WORKLOADS)
    pats = [p.strip() for p in patterns.split(",") if p.strip()]
    chosen = [w for w in WORKLOADS if any(fnmatch.fnmatch(w.name, p) for p in pats)]
    if not chosen:
        raise SystemExit(f"no workload matches {patterns!r}; known: {[w.name for w in WORKLOADS]}")
    return chosen


def schedule(workloads, impls, repeats, quick=False):
    """[(workload, impl, repeat)] interleaved: implementation order rotates with the repeat.

    Under ``quick``, Keras skips the 10,000-layer graphs (it fails on the chain after ~30 s:
    RESULTS.md)."""
    jobs = []
    for r in range(repeats):
        for w in workloads:
            order = [i for i in impls if i in w.impls or (i == "kfunc_jit" and KFUNC in w.impls and w.group == "fit")]
            if not order:
                continue
            k = r % len(order)
            if w.max_repeats and r >= w.max_repeats:
                continue
            jobs += [(w, i, r) for i in order[k:] + order[:k]
                     if not (i == KERAS and w.keras_repeats and (quick or r >= max(0, w.keras_repeats)))]
    return jobs


def run_one(w, impl, quick, device, timeout, threads=0) -> dict:
    """Run one worker process; parse its last ``@@BENCH@@`` line."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["KERAS_BACKEND"] = "torch"
    if device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = ""  # Keras would otherwise pick a GPU on its own
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
    p.add_argument("-i", "--impls", default=None, help=f"comma list of {KFUNC},{TORCH},{KERAS},kfunc_jit")
    p.add_argument("-r", "--repeats", type=int, default=None, help="processes per (workload, impl); default 3, quick 1")
    p.add_argument("--timeout", type=float, default=None, help="seconds per process (default 300, quick 120)")
    p.add_argument("--threads", type=int, default=0, help="torch threads per process (default: torch's own)")
    p.add_argument("--json", help="write raw per-process results and the machine description here")
    p.add_argument("--markdown", help="write the printed tables here")
    a = p.parse_args(argv)

    impls = a.impls.split(",") if a.impls else [KFUNC, TORCH, KERAS] + (["kfunc_jit"] if a.device.startswith("cuda") else [])
    repeats = a.repeats or (1 if a.quick else 3)
    timeout = a.timeout or (120 if a.quick else 300)
    jobs = schedule(select(a.workloads), impls, repeats, a.quick)
    info = machine.describe(a.device)
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
