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
