"""Measurement helpers shared by the workloads (run inside a worker subprocess).

Every helper here is implementation-neutral: the same timer is handed to kfunc_torch's fit, to
Keras's fit and to the hand-written loop, so the three are measured the same way.
"""
from __future__ import annotations

import resource
import statistics
import time

import numpy as np


class Unavailable(Exception):
    """A workload cannot run for this implementation (a missing layer, no GPU, ...)."""


def rss_now_mb() -> float:
    """Current resident set size in MiB (Linux /proc), -1 where unknown."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * resource.getpagesize() / 2**20
    except OSError:
        return -1.0


def rss_peak_mb() -> float:
    """High-water resident set size of this process in MiB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def syncer(device: str):
    """A function that waits for queued device work, so a timestamp means 'work done'."""
    if device.startswith("cuda"):
        import torch
        return torch.cuda.synchronize
    return lambda: None


class StepClock:
    """Timestamps at the end of each training step; throughput after a warm-up.

    Each step's end is stamped after a device sync. The steady-state rate counts only steps after
    ``warmup`` (first-call allocations, lazy optimizer state, autotuning are excluded).
    """

    def __init__(self, device: str = "cpu"):
        self.sync = syncer(device)
        self.stamps: list[float] = []
        self.cpu: list[float] = []

    def stamp(self) -> None:
        self.sync()
        self.stamps.append(time.perf_counter())
        # CPU time of this process (all threads): on a machine shared with other tenants the wall
        # clock also counts their time slices; CPU seconds count only ours.
        self.cpu.append(time.process_time())

    def throughput(self, batch_size: int, warmup: int) -> dict:
        n = len(self.stamps)
        if n < warmup + 2:
            raise RuntimeError(f"only {n} steps were timed; need more than warm-up {warmup} + 1")
        steps = n - 1 - warmup
        dt = self.stamps[-1] - self.stamps[warmup]
        per_step = np.diff(self.stamps[warmup:])
        cpu_dt = self.cpu[-1] - self.cpu[warmup]
        return {"samples_per_s": steps * batch_size / dt, "steps_timed": steps,
                "step_ms_median": float(np.median(per_step) * 1e3),
                "cpu_samples_per_s": steps * batch_size / cpu_dt if cpu_dt > 0 else float("nan"),
                "cpu_step_ms_median": float(np.median(np.diff(self.cpu[warmup:])) * 1e3)}


def keras_timer_callback(callbacks_module, clock: StepClock):
    """A ``Callback`` (of the given framework's callbacks module) stamping ``clock`` each batch."""
    base = getattr(callbacks_module, "Callback", None)
    if base is None:
        raise Unavailable("no callbacks.Callback to time steps with")

    class _Timer(base):
        def on_train_batch_end(self, batch, logs=None):
            clock.stamp()

    return _Timer()


def median_call_us(fn, calls: int, warmup: int, sync) -> dict:
    """Median wall time of ``fn()`` over ``calls`` calls, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    sync()
    times, cpu_times = [], []
    perf, cpu = time.perf_counter, time.process_time
    for _ in range(calls):
        t0, c0 = perf(), cpu()
        fn()
        sync()
        times.append(perf() - t0)
        cpu_times.append(cpu() - c0)
    return {"median_us": statistics.median(times) * 1e6, "p10_us": float(np.percentile(times, 10) * 1e6),
            "p90_us": float(np.percentile(times, 90) * 1e6), "calls": calls,
            "cpu_median_us": statistics.median(cpu_times) * 1e6}


def fit_keras_style(model, x, y, batch_size, device, warmup, callbacks_module, epochs=1):
    """Run ``model.fit`` as a tutorial writes it, timed per step by a callback.

    Falls back to timing the whole ``fit`` call when the framework has no usable callbacks.
    """
    clock = StepClock(device)
    try:
        cbs = [keras_timer_callback(callbacks_module, clock)]
    except Unavailable:
        cbs = None
    sync = syncer(device)
    sync()
    t0, c0 = time.perf_counter(), time.process_time()
    if cbs is None:
        model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
    else:
        model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=cbs)
    sync()
    wall, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    n = len(_first(x))
    if cbs is None or len(clock.stamps) < warmup + 2:
        # No per-step stamps: the whole fit (first-call costs included) is the measurement.
        return {"samples_per_s": epochs * n / wall, "cpu_samples_per_s": epochs * n / cpu_s,
                "fit_wall_s": wall, "timing": "whole-fit"}
    out = clock.throughput(batch_size, warmup)
    out.update(fit_wall_s=wall, timing="per-step")
    return out


def train_loop_torch(model, loss_fn, opt, xs, ys, batch_size, device, warmup):
    """The hand-written reference: randperm batches over pre-loaded tensors, one epoch.

    ``xs``/``ys`` are lists of tensors already on the device; ``loss_fn(outputs, targets)``
    returns the scalar loss and the metric tensor accumulated (as Keras's fit does each step).
    """
    import torch
    n = xs[0].shape[0]
    clock = StepClock(device)
    sync = syncer(device)
    model.train()
    sync()
    t0 = time.perf_counter()
    perm = torch.randperm(n, device=xs[0].device)
    total_loss = torch.zeros((), device=xs[0].device)
    total_metric = torch.zeros((), device=xs[0].device)
    for i in range(0, n, batch_size):
        idx = perm[i:i + batch_size]
        out = model(*[x[idx] for x in xs])
        loss, metric = loss_fn(out, [y[idx] for y in ys])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        total_loss += loss.detach()
        total_metric += metric
        clock.stamp()
    sync()
    wall = time.perf_counter() - t0
    out = clock.throughput(batch_size, warmup)
    out.update(fit_wall_s=wall, timing="per-step", final_loss=float(total_loss) / max(1, len(clock.stamps)))
    return out


def _first(x):
    if isinstance(x, dict):
        return next(iter(x.values()))
    if isinstance(x, (list, tuple)):
        return x[0]
    return x
