"""``keras.distribution`` as Keras 3 spells it, over kfunc_torch's data parallelism.

kfunc_torch runs data parallelism with one process per device (torchrun: see
``kfunc_torch.distributed``), which ``fit``/``evaluate``/``predict`` find on their own. These names
let a Keras 3 program that sets a ``DataParallel`` distribution run unchanged: in a process group it
describes what already happens, with one process and one device it changes nothing, and a
distribution over several devices of one process raises, saying how to launch one process per device.
``ModelParallel`` (sharding weights) is not provided.

Example::

    >>> import keras
    >>> keras.distribution.initialize()                   # starts the group under torchrun
    >>> keras.distribution.set_distribution(keras.distribution.DataParallel())
    >>> keras.distribution.list_devices()                 # ['cpu:0'] (or this process's GPU)
"""
from __future__ import annotations

import torch

from .distributed import context as _context

_state = {"distribution": None}


def list_devices(device_type: str | None = None) -> list:
    """This process's devices as Keras names them (``'cpu:0'``, ``'cuda:0'``, ...).

    Example: ``list_devices("gpu")``."""
    kind = (device_type or ("cuda" if torch.cuda.is_available() else "cpu")).lower()
    if kind in ("gpu", "cuda"):
        return [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if kind == "cpu":
        return ["cpu:0"]
    raise ValueError(f"list_devices: unknown device_type {device_type!r}; expected 'cpu' or 'gpu'.")


def initialize(job_addresses=None, num_processes=None, process_id=None) -> None:
    """Start the process group (Keras 3's multi-process set-up). Under torchrun its environment says
    everything; the arguments, when given, must agree with it. Example: ``initialize()``."""
    if num_processes is not None and _context.launched_by_torchrun() and int(num_processes) != _context.world_size():
        raise ValueError(f"initialize(num_processes={num_processes}) but torchrun started "
                         f"{_context.world_size()} processes; launch with --nproc_per_node/--nnodes to match.")
    if process_id is not None and _context.launched_by_torchrun() and int(process_id) != _context.rank():
        raise ValueError(f"initialize(process_id={process_id}) but this process is torchrun's rank {_context.rank()}.")
    _context.initialize()


class DataParallel:
    """Replicate the model, split each global batch between the processes (Keras 3's ``DataParallel``).

    ``devices``: the devices of *this process* to use; more than one raises (one process per device:
    ``torchrun --nproc_per_node N``). Example: ``set_distribution(DataParallel())``."""

    def __init__(self, device_mesh=None, devices=None, auto_shard_dataset=True):
        if device_mesh is not None:
            raise ValueError("DataParallel(device_mesh=...): kfunc_torch takes one device per process; pass "
                             "devices=None and launch one process per device with torchrun.")
        devices = list(devices) if devices is not None else None
        if devices is not None and len(devices) > 1:
            raise ValueError(f"DataParallel(devices={devices}): kfunc_torch runs data parallelism with one process "
                             f"per device. Launch `torchrun --nproc_per_node {len(devices)} script.py` and leave "
                             "devices=None; each process then uses its own device.")
        self.devices = devices or list_devices()[:1]
        self.auto_shard_dataset = auto_shard_dataset

    @property
    def num_processes(self) -> int:
        return _context.world_size()

    @property
    def process_id(self) -> int:
        return _context.rank()

    def __repr__(self):
        return f"DataParallel(processes={self.num_processes}, devices={self.devices})"


def set_distribution(value) -> None:
    """Set the global distribution (None: none). Example: ``set_distribution(DataParallel())``."""
    if value is not None and not isinstance(value, DataParallel):
        raise ValueError(f"set_distribution: kfunc_torch supports DataParallel (or None); received "
                         f"{type(value).__name__}.")
    if value is not None:
        _context.initialize()
    _state["distribution"] = value


def distribution():
    """The distribution set by ``set_distribution`` (None by default). Example: ``distribution()``."""
    return _state["distribution"]
