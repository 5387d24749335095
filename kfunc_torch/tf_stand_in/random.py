"""``tf.random``: ``normal``, ``uniform``, ``truncated_normal``, ``categorical``, ``shuffle``, ``set_seed``.

Draws use torch's global generator, which ``tf.random.set_seed`` seeds (TensorFlow's seed seeds only
TensorFlow's draws, so numpy's and Python's generators are left alone); an op-level ``seed`` makes that
one call reproducible. Tensors
made inside a forward pass go to the model's device.

Example::

    >>> tf.random.set_seed(0)
    >>> tf.random.uniform((2,), maxval=10, dtype=tf.int32)       # ints in [0, 10)
"""
from __future__ import annotations

import torch

from ..engine.factory_device import factory_device
from ._convert import as_ints, to_tensor
from .dtypes import as_dtype, float32, int64, torch_dtype_of

__all__ = ["set_seed", "normal", "uniform", "truncated_normal", "categorical", "shuffle", "gamma", "poisson",
           "experimental"]


def set_seed(seed):
    """Seed the generator draws come from (torch's global one)."""
    torch.manual_seed(int(seed))


def _gen(seed):
    if seed is None:
        return None
    return torch.Generator(device=factory_device() or "cpu").manual_seed(int(seed))


def _value(v):
    return v.item() if isinstance(v, torch.Tensor) and v.dim() == 0 else v


def normal(shape, mean=0.0, stddev=1.0, dtype=float32, seed=None, name=None):
    return torch.randn(as_ints(shape), generator=_gen(seed), dtype=torch_dtype_of(dtype),
                       device=factory_device()) * _value(stddev) + _value(mean)


def uniform(shape, minval=0, maxval=None, dtype=float32, seed=None, name=None):
    """Floats in [minval, maxval) (maxval defaults to 1); integer dtypes need ``maxval``."""
    dt = as_dtype(dtype)
    minval, maxval = _value(minval), _value(maxval)
    if dt.is_integer:
        if maxval is None:
            raise ValueError(f"tf.random.uniform: maxval must be given for integer dtype {dt!r}.")
        return torch.randint(int(minval), int(maxval), as_ints(shape), generator=_gen(seed),
                             dtype=dt.torch_dtype, device=factory_device())
    maxval = 1.0 if maxval is None else maxval
    return torch.rand(as_ints(shape), generator=_gen(seed), dtype=dt.torch_dtype,
                      device=factory_device()) * (maxval - minval) + minval


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=float32, seed=None, name=None):
    """Normal samples redrawn until they lie within two standard deviations of the mean."""
    out = torch.empty(as_ints(shape), dtype=torch_dtype_of(dtype), device=factory_device())
    torch.nn.init.trunc_normal_(out, 0.0, 1.0, -2.0, 2.0, generator=_gen(seed))
    return out * _value(stddev) + _value(mean)


def categorical(logits, num_samples, dtype=int64, seed=None, name=None):
    """``num_samples`` class ids per row of ``logits`` (unnormalised log-probabilities)."""
    probs = torch.softmax(to_tensor(logits).float(), dim=-1)
    return torch.multinomial(probs, int(num_samples), replacement=True, generator=_gen(seed)).to(
        torch_dtype_of(dtype))


def shuffle(value, seed=None, name=None):
    """``value`` with its first axis randomly permuted."""
    x = to_tensor(value)
    return x[torch.randperm(x.shape[0], generator=_gen(seed), device=x.device)]


def gamma(shape, alpha, beta=None, dtype=float32, seed=None, name=None):
    a = to_tensor(alpha, dtype)
    b = torch.ones_like(a) if beta is None else to_tensor(beta, dtype)
    dist = torch.distributions.Gamma(a, b)
    return dist.sample(tuple(as_ints(shape)))


def poisson(shape, lam, dtype=float32, seed=None, name=None):
    rate = to_tensor(lam, float32)
    return torch.poisson(rate.expand(tuple(as_ints(shape)) + tuple(rate.shape)).contiguous(),
                         generator=_gen(seed)).to(torch_dtype_of(dtype))


class experimental:  # noqa: N801  tf.random.experimental's stateless draws
    @staticmethod
    def stateless_normal(shape, seed, mean=0.0, stddev=1.0, dtype=float32, name=None):
        return normal(shape, mean, stddev, dtype, seed=_pair_seed(seed))

    @staticmethod
    def stateless_uniform(shape, seed, minval=0, maxval=None, dtype=float32, name=None):
        return uniform(shape, minval, maxval, dtype, seed=_pair_seed(seed))


def _pair_seed(seed):
    a, b = as_ints(seed)
    return (a * 1_000_003 + b) % (2**63 - 1)


stateless_normal = experimental.stateless_normal
stateless_uniform = experimental.stateless_uniform
