"""One measurement in a fresh process: ``python -m bench.worker WORKLOAD IMPL [--quick] [--device D]``.

Prints one line ``@@BENCH@@ {json}`` last: ``{"status": "ok", ...metrics..., "rss_peak_mb"}``,
``{"status": "unavailable", "reason"}`` (a piece of a framework is missing) or
``{"status": "error", "reason", "traceback"}`` (it is there but failed).
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
import traceback
from types import SimpleNamespace

MARK = "@@BENCH@@ "


def measure(workload: str, impl: str, quick: bool, device: str, threads: int = 0) -> dict:
    from .common import Unavailable, rss_now_mb, rss_peak_mb
    from .workloads import BY_NAME

    w = BY_NAME[workload]
    cfg = SimpleNamespace(quick=quick, device=device)
    t0 = time.perf_counter()
    rss_start = rss_now_mb()
    load_start = os.getloadavg()[0]
    if threads:
        import torch
        torch.set_num_threads(threads)
    try:
        if impl not in w.impls and not (impl == "kfunc_jit" and "kfunc" in w.impls):
            raise Unavailable(f"no {impl} implementation of {workload}")
        if device.startswith("cuda"):
            import torch
            if not torch.cuda.is_available():
                raise Unavailable("CUDA is not available")
            torch.cuda.reset_peak_memory_stats()
        mod = importlib.import_module(f"bench.workloads.{w.module}")
        result = mod.run(impl, cfg, **w.kwargs)
        result = {"status": "ok", **result}
    except Unavailable as e:
        result = {"status": "unavailable", "reason": str(e)}
    except Exception as e:  # noqa: BLE001 - report, don't crash the suite
        tb = traceback.format_exc()
        result = {"status": "error", "reason": f"{type(e).__name__}: {e}"[:300], "traceback": tb[-3000:]}
    # Load average before/after: this machine may be shared, and the table should say so.
    result.update(rss_peak_mb=rss_peak_mb(), rss_start_mb=rss_start, process_s=time.perf_counter() - t0,
                  load_start=load_start, load_end=os.getloadavg()[0])
    if "torch" in sys.modules:
        import torch
        result["torch_threads"] = torch.get_num_threads()
        if torch.cuda.is_available():
            result["gpu"] = torch.cuda.get_device_name(0)
    if device.startswith("cuda") and result["status"] == "ok":
        import torch
        result["cuda_peak_mb"] = torch.cuda.max_memory_allocated() / 2**20
    return result


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("workload")
    p.add_argument("impl")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: torch's default)")
    a = p.parse_args(argv)
    result = measure(a.workload, a.impl, a.quick, a.device, a.threads)
    sys.stdout.flush()
    print(MARK + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
