"""Tensor creation and introspection with Keras names (``K.zeros``, ``K.random_normal``, ``K.int_shape``),
shared by ``backend`` and ``ops`` through ``ops.tensor_functions``. None of these records an op layer.

Example::

    >>> from kfunc_torch.ops.tensor_creation import constant, int_shape
    >>> int_shape(constant(0.5, shape=(2, 2)))
    (2, 2)
"""
from __future__ import annotations

import numpy as np
import torch

from ..engine.factory_device import factory_device, generator
from ..engine.keras_tensor import KerasTensor, dtype_name, to_torch_dtype


def _t(x, dtype=None):
    if isinstance(x, torch.Tensor):
        return x if dtype is None else x.to(to_torch_dtype(dtype))
    t = torch.as_tensor(np.asarray(x), device=factory_device())
    if dtype is not None:
        return t.to(to_torch_dtype(dtype))
    return t.float() if t.dtype == torch.float64 else t


def _is_kt(v) -> bool:
    return isinstance(v, KerasTensor)


# ---------------------------------------------------------------- creation
def _shape_arg(shape):
    return (shape,) if isinstance(shape, int) else tuple(int(d) for d in shape)


def zeros(shape, dtype=None, name=None):
    """A tensor of zeros. Example: ``K.zeros((3, 4))``."""
    return torch.zeros(_shape_arg(shape), dtype=to_torch_dtype(dtype), device=factory_device())


def ones(shape, dtype=None, name=None):
    """A tensor of ones. Example: ``K.ones((3, 4))``."""
    return torch.ones(_shape_arg(shape), dtype=to_torch_dtype(dtype), device=factory_device())


def eye(size, dtype=None, name=None):
    """An identity matrix. Example: ``K.eye(3)``."""
    return torch.eye(size, dtype=to_torch_dtype(dtype), device=factory_device())


def variable(value, dtype=None, name=None, constraint=None):
    """A trainable tensor (``nn.Parameter``) holding ``value``. Example: ``w = K.variable(np.zeros((3,)))``."""
    t = _t(value, dtype if dtype is not None else ("float32" if np.asarray(value).dtype.kind == "f" else None))
    if t.is_floating_point():
        return torch.nn.Parameter(t.clone())
    return t.clone()


def constant(value, dtype=None, shape=None, name=None):
    """A constant tensor (a scalar fills ``shape``). Example: ``K.constant(0.5, shape=(2, 2))``."""
    t = _t(value, dtype if dtype is not None else "float32")
    return t.expand(_shape_arg(shape)).clone() if shape is not None else t


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Gaussian samples (the VAE sampling trick). Example: ``K.random_normal((K.shape(z)[0], 2))``."""
    return (torch.randn(_shape_arg(shape), generator=generator(seed), dtype=to_torch_dtype(dtype),
                        device=factory_device()) * stddev + mean)


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Uniform samples in [minval, maxval). Example: ``K.random_uniform((3,))``."""
    return (torch.rand(_shape_arg(shape), generator=generator(seed), dtype=to_torch_dtype(dtype),
                       device=factory_device()) * (maxval - minval) + minval)


# ---------------------------------------------------------------- introspection (never recorded)
def is_keras_tensor(x) -> bool:
    """Whether ``x`` is a symbolic KerasTensor. Example: ``K.is_keras_tensor(Input((3,)))`` -> True."""
    return isinstance(x, KerasTensor)


def int_shape(x):
    """Shape as a tuple of ints (None where unknown). Example: ``K.int_shape(Input((3,)))`` -> (None, 3)."""
    return tuple(x.shape)


def shape(x):
    """The shape; on a tensor inside a Lambda the sizes are ints, so ``K.shape(x)[0]`` is the batch size.

    Example: ``K.reshape(x, (K.shape(x)[0], -1))``
    """
    return tuple(x.shape) if _is_kt(x) else x.shape


def ndim(x) -> int:
    """Number of axes. Example: ``K.ndim(x)``."""
    return len(x.shape)


def dtype(x) -> str:
    """dtype name, e.g. 'float32'. Example: ``K.dtype(x)``."""
    if _is_kt(x):
        return x.dtype
    return dtype_name(x.dtype) if isinstance(x, torch.Tensor) else np.asarray(x).dtype.name
