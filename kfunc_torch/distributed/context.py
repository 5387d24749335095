"""The process group that data-parallel ``fit``/``evaluate``/``predict`` run in.

A group exists when the user called ``torch.distributed.init_process_group`` (or
``kfunc_torch.distributed.initialize()``), or when the process was launched by ``torchrun``: its
environment (``WORLD_SIZE`` > 1, ``RANK``, ``LOCAL_RANK``, ``MASTER_ADDR``/``MASTER_PORT``) is then
enough to start the group on the first ``fit`` (gloo on the CPU, NCCL when CUDA is available, one
GPU per local rank). With one process nothing here runs: ``current()`` returns None.

Example::

    >>> # torchrun --nproc_per_node 2 train.py
    >>> from kfunc_torch import distributed
    >>> distributed.initialize()          # optional: fit() does it from torchrun's environment
    >>> distributed.rank(), distributed.world_size()
    (0, 2)
"""
from __future__ import annotations

import datetime
import os

import torch


def _dist():
    import torch.distributed as dist
    return dist if dist.is_available() else None


def _env_world_size() -> int:
    try:
        return int(os.environ.get("WORLD_SIZE", "1"))
    except ValueError:
        return 1


def launched_by_torchrun() -> bool:
    """Whether this process's environment describes a group of several processes (torchrun's variables).

    Example: ``launched_by_torchrun()`` is True in every process of ``torchrun --nproc_per_node 2 train.py``."""
    return _env_world_size() > 1 and "RANK" in os.environ and "MASTER_ADDR" in os.environ


def initialize(backend: str | None = None, timeout_s: float | None = None) -> bool:
    """Start the default process group from torchrun's environment, if it is not started yet.

    ``backend`` defaults to NCCL when CUDA is available and gloo otherwise; with NCCL this process
    uses GPU ``LOCAL_RANK``. Returns whether a group of several processes is running afterwards.
    Example: ``kfunc_torch.distributed.initialize()``."""
    dist = _dist()
    if dist is None:
        return False
    if not dist.is_initialized():
        if not launched_by_torchrun():
            return False
        if backend is None:
            backend = "nccl" if torch.cuda.is_available() else "gloo"
        if backend == "nccl":
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        kwargs = {} if timeout_s is None else {"timeout": datetime.timedelta(seconds=timeout_s)}
        dist.init_process_group(backend=backend, **kwargs)
        # Ours to close: a group left open at exit can abort the process ("terminate called ...").
        import atexit
        atexit.register(_close_group)
    return dist.get_world_size() > 1


def _close_group() -> None:
    dist = _dist()
    if dist is not None and dist.is_initialized():
        try:
            dist.destroy_process_group()
        except Exception:  # exiting anyway: nothing useful to report
            pass


def is_distributed() -> bool:
    """Whether a process group of several processes is running. Example: ``if is_distributed(): ...``."""
    dist = _dist()
    return dist is not None and dist.is_initialized() and dist.get_world_size() > 1


def rank() -> int:
    """This process's rank in the group (0 without one). Example: ``if rank() == 0: print(...)``."""
    dist = _dist()
    if dist is not None and dist.is_initialized():
        return dist.get_rank()
    return int(os.environ.get("RANK", "0")) if launched_by_torchrun() else 0


def world_size() -> int:
    """The number of processes in the group (1 without one). Example: ``world_size()``."""
    dist = _dist()
    if dist is not None and dist.is_initialized():
        return dist.get_world_size()
    return _env_world_size() if launched_by_torchrun() else 1


def is_main_process() -> bool:
    """Whether this process prints and writes files (rank 0, or no group). Example: ``is_main_process()``."""
    return rank() == 0


def barrier() -> None:
    """Wait for every process of the group (nothing without one). Example: ``barrier()`` after rank 0 saves."""
    if is_distributed():
        _dist().barrier()


def local_device(model) -> torch.device:
    """The device this rank trains on: the model's, except that NCCL needs this rank's GPU
    (``LOCAL_RANK``, else the rank modulo the GPUs visible). NCCL's collectives run on the current
    CUDA device, so it is set to the one chosen."""
    device = model._device()
    dist = _dist()
    if dist.get_backend() != "nccl":
        return device
    if device.type != "cuda":
        local = int(os.environ.get("LOCAL_RANK", dist.get_rank() % max(1, torch.cuda.device_count())))
        device = torch.device("cuda", local)
    elif device.index is None:
        device = torch.device("cuda", torch.cuda.current_device())
    torch.cuda.set_device(device)
    return device
