"""The device for tensors created inside a forward pass (``K.random_normal``, ``ops.zeros``,
``keras.random.normal`` in a Lambda or a custom layer).

In Keras such tensors land on the device the model runs on; torch's factories default to the CPU,
which would break the classic VAE sampling Lambda on a GPU. ``Model.forward`` sets the model's
device here for the duration of a call when the model is not on the CPU. It is a context
variable, not a torch function mode, so the layers' own operations pay nothing for it.

Example::

    >>> with running_on(torch.device("cuda")):
    ...     factory_device()
    device(type='cuda')
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

import torch

_current: ContextVar = ContextVar("kfunc_torch_factory_device", default=None)


def factory_device() -> torch.device | None:
    """The device factories should use now (None: torch's default, the CPU)."""
    return _current.get()


@contextmanager
def running_on(device: torch.device):
    """Make ``factory_device()`` return ``device`` inside the block."""
    token = _current.set(device)
    try:
        yield
    finally:
        _current.reset(token)


def generator(seed: int | None) -> torch.Generator | None:
    """A generator seeded with ``seed`` on the factory device (None without a seed)."""
    if seed is None:
        return None
    return torch.Generator(device=factory_device() or "cpu").manual_seed(int(seed))
