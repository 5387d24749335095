"""``keras.random``: random tensors, with Keras 3's seeding rules.

``seed`` may be None (torch's global generator), an int (the same numbers on every call, as in
Keras) or a ``SeedGenerator`` (new numbers on every call, reproducible from its seed: what layers
use). Inside a model's forward pass the tensors are made on the model's device.

Example::

    >>> from kfunc_torch import random
    >>> gen = random.SeedGenerator(1337)
    >>> eps = random.normal((32, 2), seed=gen)      # the VAE sampling trick
    >>> random.uniform((2,), seed=7).equal(random.uniform((2,), seed=7))
    True
"""
from __future__ import annotations

import math

import torch

from .engine.factory_device import factory_device, generator
from .engine.dtypes import to_torch_dtype


class SeedGenerator:
    """A seed that advances on every draw. Example: ``SeedGenerator(42)`` in a layer's ``__init__``."""

    def __init__(self, seed=None, **kwargs):
        self.seed = int(torch.randint(0, 2**31 - 1, ()).item()) if seed is None else int(seed)
        self.counter = 0

    def next(self) -> int:
        """The seed of the next draw (and advance)."""
        self.counter += 1
        return (self.seed * 1_000_003 + self.counter) % (2**63 - 1)

    def get_config(self) -> dict:
        return {"seed": self.seed}


def _generator(seed):
    if isinstance(seed, SeedGenerator):
        seed = seed.next()
    return generator(seed)


def _shape(shape):
    return (shape,) if isinstance(shape, int) else tuple(int(d) for d in shape)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Gaussian samples. Example: ``random.normal((batch, dim), seed=gen)``."""
    return torch.randn(_shape(shape), generator=_generator(seed), dtype=to_torch_dtype(dtype),
                       device=factory_device()) * stddev + mean


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Uniform samples in [minval, maxval). Example: ``random.uniform((3,), seed=1)``."""
    return torch.rand(_shape(shape), generator=_generator(seed), dtype=to_torch_dtype(dtype),
                      device=factory_device()) * (maxval - minval) + minval


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Gaussian samples redrawn outside two standard deviations. Example: ``random.truncated_normal((3,))``."""
    out = torch.empty(_shape(shape), dtype=to_torch_dtype(dtype), device=factory_device())
    g = _generator(seed)
    # Inverse-CDF sampling of the truncated normal with the given generator (torch's trunc_normal_
    # takes none): u uniform in [Phi(-2), Phi(2)], then Phi^-1(u).
    lo, hi = (1 + math.erf(-2 / math.sqrt(2))) / 2, (1 + math.erf(2 / math.sqrt(2))) / 2
    u = torch.rand(out.shape, generator=g, dtype=torch.float32, device=out.device) * (hi - lo) + lo
    z = torch.erfinv(2 * u - 1) * math.sqrt(2)
    return out.copy_(z * stddev + mean)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers in [minval, maxval). Example: ``random.randint((4,), 0, 10, seed=3)``."""
    return torch.randint(int(minval), int(maxval), _shape(shape), generator=_generator(seed),
                         dtype=to_torch_dtype(dtype), device=factory_device())


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zero each entry with probability ``rate``, scale the rest by 1/(1-rate). Example: ``random.dropout(x, 0.5)``."""
    if rate <= 0:
        return inputs
    shape = inputs.shape if noise_shape is None else tuple(
        inputs.shape[i] if d is None else d for i, d in enumerate(noise_shape))
    keep = torch.rand(shape, generator=_generator(seed), device=inputs.device) >= rate
    return inputs * keep.to(inputs.dtype) / (1.0 - rate)


def shuffle(x, axis=0, seed=None):
    """``x`` with its entries along ``axis`` permuted. Example: ``random.shuffle(x, seed=0)``."""
    g = _generator(seed)
    perm = torch.randperm(x.shape[axis], generator=g, device=g.device if g is not None else x.device)
    return x.index_select(axis, perm.to(x.device))


def categorical(logits, num_samples, dtype="int32", seed=None):
    """Class indices drawn from softmax(logits), per row. Example: ``random.categorical(logits, 5)``."""
    probs = torch.softmax(logits.float(), dim=-1)
    return torch.multinomial(probs, num_samples, replacement=True,
                             generator=_generator(seed)).to(to_torch_dtype(dtype))
