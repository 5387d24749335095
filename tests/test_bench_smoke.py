"""Smoke test of the benchmark harness: one tiny workload, kfunc_torch and hand-written torch,
--quick, one repeat. Checks the result table's shape, never the timings."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_bench_quick_mlp(tmp_path):
    out = tmp_path / "raw.json"
    p = subprocess.run([sys.executable, "-m", "bench", "--quick", "-w", "mlp_fit", "-i", "kfunc,torch", "--threads", "1",
                        "--json", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600)  # a hang guard only: no timing is asserted
    assert p.returncode == 0, p.stderr
    text = p.stdout
    # Machine description, then a Markdown table with one row for the workload.
    assert "CPU:" in text and "torch" in text
    header = next(l for l in text.splitlines() if l.startswith("| workload | unit |"))  # wall-clock table
    assert header.split("|")[3].strip() == "kfunc" and header.split("|")[4].strip() == "torch"
    row = next(l for l in text.splitlines() if l.startswith("| mlp_fit |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert len(cells) == len([c for c in header.strip("|").split("|")])
    assert cells[1] == "samples/s"
    assert cells[3].replace(",", "").replace(".", "").isdigit()  # the torch reference always runs
    # kfunc either ran (a number) or says cleanly why not.
    assert cells[2].replace(",", "").replace(".", "").isdigit() or cells[2].startswith(("unavailable:", "error:"))
    assert "| target | wall | CPU | verdict (wall) | verdict (CPU) |" in text
    raw = json.loads(out.read_text())
    runs = {r["impl"]: r["runs"] for r in raw["results"]}
    assert set(runs) == {"kfunc", "torch"}
    assert runs["torch"][0]["status"] == "ok" and runs["torch"][0]["samples_per_s"] > 0
    assert runs["torch"][0]["rss_peak_mb"] > 0
    assert raw["machine"]["cores"] >= 1


def test_bench_torch_build_workload_in_process():
    """The hand-written torch side of the graph-construction workloads: registered, and run through
    the worker entry point it reports the same keys as the Keras-API side (no timing asserted)."""
    import pytest

    from bench.workloads import BY_NAME, TORCH
    from bench.worker import measure

    pytest.importorskip("torchinfo")
    for topo in ("chain", "dag"):
        w = BY_NAME[f"build_{topo}_100"]
        assert TORCH in w.impls
        res = measure(w.name, TORCH, quick=True, device="cpu")
        assert res["status"] == "ok", res
        for key in ("build_s", "summary_s", "total_s", "cpu_build_s", "cpu_summary_s", "cpu_total_s"):
            assert res[key] >= 0, key
        assert res["total_s"] > 0 and res["summary_chars"] > 0
        # Every Linear is listed in the summary, so it grows with the layer count (100 rows at least).
        assert res["summary_chars"] > 100 * 40


def test_bench_data_parallel_table_from_results():
    """The 1-vs-2-process table: one row per implementation, scaling = 2-process / 1-process."""
    from bench import report
    raw = {("dp_mlp_fit_1proc", "kfunc"): [{"status": "ok", "samples_per_s": 100.0, "cpu_samples_per_s": 90.0,
                                            "rss_peak_mb": 1, "rss_start_mb": 1}],
           ("dp_mlp_fit_2proc", "kfunc"): [{"status": "ok", "samples_per_s": 150.0, "cpu_samples_per_s": 81.0,
                                            "rss_peak_mb": 1, "rss_start_mb": 1}],
           ("dp_mlp_fit_2proc", "torch"): [{"status": "error", "reason": "boom"}]}
    text = report.render(report.summarize(raw), "machine", "cpu")
    row = next(l for l in text.splitlines() if l.startswith("| kfunc | 100"))
    assert "150" in row and "1.50x / 0.90x" in row
    assert next(l for l in text.splitlines() if l.startswith("| torch |")).count("error") == 1


@pytest.mark.slow
def test_bench_data_parallel_two_processes_run():
    """The 2-process workload launches torchrun, and rank 0 reports the group's throughput."""
    from bench.worker import measure
    for impl in ("kfunc", "torch"):
        res = measure("dp_mlp_fit_2proc", impl, quick=True, device="cpu", threads=1)
        assert res["status"] == "ok", res
        assert res["processes"] == 2 and res["samples_per_s"] > 0 and res["cpu_samples_per_s"] > 0


def test_bench_rnn_workloads_in_process():
    """The recurrent rows (fused masked GRU, the Python loop under recurrent_dropout): registered,
    and both the Keras-API side and the torch reference run and report a throughput."""
    from bench.workloads import BY_NAME, KERAS, KFUNC, TORCH
    from bench.worker import measure

    for name in ("gru_masked_fit", "lstm_loop_fit", "irnn_fit"):
        assert {KFUNC, TORCH, KERAS} <= set(BY_NAME[name].impls)
    for name in ("gru_masked_fit", "lstm_loop_fit"):
        for impl in (KFUNC, TORCH):
            res = measure(name, impl, quick=True, device="cpu")
            assert res["status"] == "ok", res
            assert res["samples_per_s"] > 0 and res["cpu_samples_per_s"] > 0


def test_bench_jit_and_corpus_tables_and_targets_from_results():
    """The eager-vs-compiled table (two models per process), the corpus table and their targets,
    rendered from hand-made results: ratios are compiled / eager and kfunc / Keras time."""
    from bench import report

    def ok(**kw):
        return {"status": "ok", "rss_peak_mb": 1, "rss_start_mb": 1, **kw}

    raw = {("jit_fit", "kfunc"): [ok(mlp_samples_per_s=100.0, mlp_cpu_samples_per_s=80.0, cnn_samples_per_s=10.0,
                                     cnn_cpu_samples_per_s=8.0)],
           ("jit_fit", "kfunc_jit"): [ok(mlp_samples_per_s=150.0, mlp_cpu_samples_per_s=120.0, cnn_samples_per_s=9.0,
                                         cnn_cpu_samples_per_s=8.8, mlp_fit_wall_s=5.0, cnn_fit_wall_s=7.0)],
           ("jit_fit", "torch_compile"): [{"status": "error", "reason": "no compiler"}],
           ("corpus_x", "kfunc"): [ok(wall_s=10.0, cpu_s=8.0)], ("corpus_x", "keras"): [ok(wall_s=20.0, cpu_s=4.0)]}
    from bench.workloads import BY_NAME, Workload
    BY_NAME["corpus_x"] = Workload("corpus_x", "corpus", "wall_s", "s", False, ("kfunc", "keras"), group="corpus")
    try:
        text = report.render(report.summarize(raw), "machine", "cpu")
    finally:
        del BY_NAME["corpus_x"]
    mlp = next(l for l in text.splitlines() if l.startswith("| MLP |"))
    cnn = next(l for l in text.splitlines() if l.startswith("| CNN |"))
    assert "1.50x / 1.50x" in mlp and "0.90x / 1.10x" in cnn
    assert mlp.count("error: no compiler") == 1
    target = {l.split("|")[1].strip()[:12]: l for l in text.splitlines() if l.startswith("| jit_fit")}
    assert target["jit_fit MLP:"].rstrip().endswith("| met | met |")
    assert target["jit_fit CNN:"].rstrip().endswith("| MISSED | met |")
    row = next(l for l in text.splitlines() if l.startswith("| x |"))
    assert "0.50x / 2.00x" in row
    corpus_target = next(l for l in text.splitlines() if l.startswith("| corpus:"))
    assert "| met |" in corpus_target and "MISSED: x" in corpus_target


def test_bench_selection_schedule_and_worker_environment(monkeypatch):
    """Opt-in rows (the corpus) only by name; each workload runs its own implementations by default;
    workers get sleeping OpenMP waits unless the caller chose a policy."""
    from bench import run
    from bench.workloads import BY_NAME, Workload

    monkeypatch.setitem(BY_NAME, "corpus_demo", Workload("corpus_demo", "corpus", "wall_s", "s", False,
                                                          ("kfunc", "keras"), group="corpus", optin=True))
    monkeypatch.setattr(run, "WORKLOADS", [*run.WORKLOADS, BY_NAME["corpus_demo"]])
    assert "corpus_demo" not in [w.name for w in run.select(None)]
    assert "corpus_demo" not in [w.name for w in run.select("*")]
    assert "corpus_demo" in [w.name for w in run.select("corpus_*")]
    assert [w.name for w in run.select("corpus_demo,mlp_fit")] == ["mlp_fit", "corpus_demo"]
    jobs = run.schedule([BY_NAME["jit_fit"]], None, 1)
    assert {i for _, i, _ in jobs} == {"kfunc", "kfunc_jit", "torch", "torch_compile", "keras", "keras_jit"}
    assert {i for _, i, _ in run.schedule([BY_NAME["mlp_fit"]], None, 1)} == {"kfunc", "torch", "keras"}
    assert {i for _, i, _ in run.schedule([BY_NAME["mlp_fit"]], None, 1, device="cuda")} == \
        {"kfunc", "torch", "keras", "kfunc_jit"}
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    env = run.worker_env("cpu", 1)
    assert env["OMP_WAIT_POLICY"] == "PASSIVE" and env["OMP_NUM_THREADS"] == "1" and env["CUDA_VISIBLE_DEVICES"] == ""
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    assert run.worker_env("cpu", 0)["OMP_WAIT_POLICY"] == "ACTIVE"


def test_bench_graph_build_rows_reach_100k_layers_and_corpus_rows_are_registered():
    from bench.workloads import BY_NAME
    from bench.workloads.corpus import corpus_dir, program_ids

    for n in (1000, 10000, 100000):
        assert BY_NAME[f"build_chain_{n}"].kwargs == {"topology": "chain", "n_layers": n}
    assert BY_NAME["build_chain_100000"].keras_repeats == -1  # Keras 3 fails at 10k already
    if corpus_dir() is not None:
        ids = program_ids()
        assert ids and all(BY_NAME[f"corpus_{i}"].optin for i in ids)
