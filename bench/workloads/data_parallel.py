"""Data-parallel fit: the same training on 1 and on 2 processes (torchrun), side by side.

An MLP (784-256-256-10, softmax, rmsprop, categorical crossentropy + accuracy) trained on the
global batch of 512: one process takes all of it; under ``torchrun --nproc_per_node 2`` each takes
256 rows of every global batch and the gradients are summed over the group (kfunc_torch: ``fit``
as written, its data parallelism; torch: the same module wrapped in ``DistributedDataParallel``
over each rank's rows, the idiomatic hand-written loop). Throughput counts global samples per wall
second, measured on rank 0 (the ranks step together); the CPU figure is global samples per CPU
second of all processes together, so ideal scaling keeps it flat while the wall figure doubles.

On the recorded 2-core machine two processes share the cores that one process's torch threads
would otherwise use: the figure shows scaling behaviour (communication and framework overhead),
not what two GPUs give. On a GPU machine, ``--device cuda`` runs one process per GPU (NCCL).

Run alone: ``python -m bench -w 'dp_*' -i kfunc,torch``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

import numpy as np

from ..common import Unavailable, fit_keras_style, train_loop_torch

GLOBAL_BATCH = 512


def _sizes(cfg):
    return (GLOBAL_BATCH * 8, 3) if cfg.quick else (GLOBAL_BATCH * 60, 10)  # (rows, warm-up steps)


def _data(n):
    rng = np.random.default_rng(0)
    x = rng.random((n, 784), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]
    return x, y


def build(k):
    inputs = k.Input(shape=(784,))
    x = k.layers.Dense(256, activation='relu')(inputs)
    x = k.layers.Dense(256, activation='relu')(x)
    return k.Model(inputs=inputs, outputs=k.layers.Dense(10, activation='softmax')(x))


def run(impl, cfg, procs=1):
    if procs == 1:
        return _one_rank(impl, cfg.quick, cfg.device)
    return _launch(impl, cfg, procs)


def _one_rank(impl, quick, device):
    """This process's part: one process alone, or one rank of a torchrun group."""
    import torch
    cfg = type("Cfg", (), {"quick": quick, "device": device})
    n, warmup = _sizes(cfg)
    x, y = _data(n)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    if device.startswith("cuda"):
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        device = f"cuda:{torch.cuda.current_device()}"
    if impl == "kfunc":
        import kfunc_torch as k
        model = build(k)
        if device != "cpu":
            model.to(device)
        model.compile(optimizer='rmsprop', loss='categorical_crossentropy', metrics=['accuracy'])
        out = fit_keras_style(model, x, y, GLOBAL_BATCH, device, warmup, k.callbacks)
    elif impl == "torch":
        out = _torch_rank(x, y, device, warmup, rank, world)
    else:
        raise Unavailable(f"no {impl} implementation of the data-parallel workload")
    out["processes"] = world
    return out


def _torch_rank(x, y, device, warmup, rank, world):
    import torch
    import torch.nn.functional as F
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)).to(device)
    if world > 1:
        import torch.distributed as dist
        if not dist.is_initialized():
            dist.init_process_group("nccl" if device.startswith("cuda") else "gloo")
        model = nn.parallel.DistributedDataParallel(model, device_ids=[torch.device(device).index]
                                                    if device.startswith("cuda") else None)
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    # Each rank's rows (DistributedSampler's split), batches of the global batch / world.
    xs = [torch.from_numpy(x[rank::world]).to(device)]
    ys = [torch.from_numpy(y[rank::world]).to(device)]

    def loss_fn(out, targets):
        t = targets[0]
        return F.cross_entropy(out, t.argmax(-1)), (out.argmax(-1) == t.argmax(-1)).float().mean().detach()

    out = train_loop_torch(model, loss_fn, opt, xs, ys, GLOBAL_BATCH // world, device, warmup)
    # train_loop_torch counts this rank's rows: the group's are world times as many.
    for key in ("samples_per_s", "cpu_samples_per_s"):
        out[key] *= world
    return out


def _launch(impl, cfg, procs):
    """Run the ranks under torchrun; rank 0's wall figure, the CPU figure over all ranks."""
    import torch
    if cfg.device.startswith("cuda") and torch.cuda.device_count() < procs:
        raise Unavailable(f"{procs} processes need {procs} GPUs; {torch.cuda.device_count()} visible")
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, OMP_NUM_THREADS=str(torch.get_num_threads()))
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(procs),
               "-m", "bench.workloads.data_parallel", impl, "1" if cfg.quick else "0", cfg.device, d]
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1200)
        if p.returncode != 0:
            raise RuntimeError(f"torchrun exited {p.returncode}: {(p.stderr or p.stdout)[-400:]}")
        ranks = []
        for r in range(procs):
            with open(os.path.join(d, f"rank{r}.json")) as f:
                ranks.append(json.load(f))
    out = dict(ranks[0])
    # Global samples per CPU second of all processes: 1 / sum over ranks of (CPU s per global sample).
    out["cpu_samples_per_s"] = 1.0 / sum(1.0 / r["cpu_samples_per_s"] for r in ranks)
    out["cpu_step_ms_median"] = sum(r["cpu_step_ms_median"] for r in ranks)
    return out


if __name__ == "__main__":  # one rank under torchrun: IMPL QUICK DEVICE OUTDIR
    impl, quick, device, out_dir = sys.argv[1], sys.argv[2] == "1", sys.argv[3], sys.argv[4]
    res = _one_rank(impl, quick, device)
    with open(os.path.join(out_dir, f"rank{os.environ.get('RANK', '0')}.json"), "w") as f:
        json.dump(res, f)
