"""Keras 3 ``keras.ops``: numpy-style tensor functions for custom layers and Lambda bodies.

They compute on torch tensors and record an operation layer when given KerasTensors. Most share
their implementation with ``backend`` (``ops.tensor_functions``); the ones defined here differ from Keras 2's
``K.*`` in argument names or defaults (``concatenate`` joins on axis 0, ``transpose`` takes ``axes``).

Example::

    >>> from kfunc_torch import ops
    >>> ops.matmul(torch.ones(2, 3), torch.ones(3, 4)).shape
    torch.Size([2, 4])
    >>> ops.mean(Input(shape=(5, 8)), axis=1).shape       # symbolic: records a layer
    (None, 8)
"""
from __future__ import annotations

import builtins

import numpy as np
import torch
import torch.nn.functional as F

from .tensor_functions import (_t, abs, all, any, argmax, argmin, cast, ceil, cos, cumprod, cumsum, exp, floor,  # noqa: F401
                          is_keras_tensor, log, logsumexp, max, maximum, mean, min, minimum, ndim, ones_like, prod,
                          relu, round, sigmoid, sign, sin, softmax, softplus, softsign, sqrt,
                          square, stack, std, sum, symbolic, tanh, var, zeros_like)
from .tensor_functions import equal, greater, greater_equal, less, less_equal, not_equal  # noqa: F401
from ..engine.factory_device import factory_device
from ..engine.keras_tensor import KerasTensor, to_torch_dtype

__all__ = ["abs", "absolute", "add", "all", "any", "arange", "argmax", "argmin", "cast", "ceil", "clip", "concatenate",
           "convert_to_numpy", "convert_to_tensor", "cos", "cumprod", "cumsum", "divide", "dtype", "einsum", "equal",
           "erf", "exp", "expand_dims", "eye", "floor", "full", "gelu", "greater", "greater_equal", "less",
           "less_equal", "log", "log_softmax", "logsumexp", "matmul", "max", "maximum", "mean", "min", "minimum",
           "mod", "multiply", "ndim", "negative", "norm", "not_equal", "one_hot", "ones", "ones_like", "power", "prod",
           "relu", "repeat", "reshape", "round", "shape", "sigmoid", "sign", "sin", "softmax", "softplus", "softsign",
           "sort", "split", "sqrt", "square", "squeeze", "stack", "std", "stop_gradient", "subtract", "sum", "take",
           "tanh", "tile", "top_k", "transpose", "var", "where", "zeros", "zeros_like"]


def _bin(name, fn, doc):
    def f(x1, x2):
        return fn(_t(x1), _t(x2))
    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc
    return symbolic(f)


add = _bin("add", torch.add, "x1 + x2. Example: ``ops.add(a, b)``.")
subtract = _bin("subtract", torch.sub, "x1 - x2. Example: ``ops.subtract(a, b)``.")
multiply = _bin("multiply", torch.mul, "x1 * x2. Example: ``ops.multiply(a, b)``.")
divide = _bin("divide", torch.true_divide, "x1 / x2. Example: ``ops.divide(a, b)``.")
matmul = _bin("matmul", torch.matmul, "Matrix product (batched). Example: ``ops.matmul(q, ops.transpose(k))``.")
power = _bin("power", torch.pow, "x1 ** x2. Example: ``ops.power(x, 2)``.")


@symbolic
def negative(x):
    """-x. Example: ``ops.negative(x)``."""
    return -_t(x)


@symbolic
def concatenate(xs, axis=0):
    """Join a list of tensors on ``axis`` (default 0, as numpy). Example: ``ops.concatenate([a, b], axis=-1)``."""
    return torch.cat([_t(x) for x in xs], dim=axis)


@symbolic
def reshape(x, newshape):
    """Reshape (one -1 allowed). Example: ``ops.reshape(x, (-1, 4))``."""
    return _t(x).reshape(tuple(int(d) for d in newshape))


@symbolic
def transpose(x, axes=None):
    """Permute axes (reverse them when ``axes`` is None), as numpy. Example: ``ops.transpose(x, (0, 2, 1))``."""
    x = _t(x)
    return x.permute(*(reversed(range(x.dim())) if axes is None else axes))


@symbolic
def expand_dims(x, axis):
    """Insert a length-1 axis. Example: ``ops.expand_dims(x, -1)``."""
    return _t(x).unsqueeze(axis)


@symbolic
def squeeze(x, axis=None):
    """Remove length-1 axes. Example: ``ops.squeeze(x, axis=-1)``."""
    x = _t(x)
    return x.squeeze() if axis is None else x.squeeze(axis if isinstance(axis, int) else tuple(axis))


@symbolic
def where(condition, x1=None, x2=None):
    """Choose x1 where condition holds, else x2; with one argument, the indices where it holds.

    Example: ``ops.where(x > 0, x, 0.0)``
    """
    cond = _t(condition).bool()
    if x1 is None and x2 is None:
        return torch.where(cond)
    if x1 is None or x2 is None:
        raise ValueError("ops.where needs both x1 and x2, or neither (to get indices); received only one.")
    a, b = _t(x1), _t(x2)
    return torch.where(cond, a, b.to(a.dtype) if a.is_floating_point() and not b.is_floating_point() else b)


@symbolic
def clip(x, x_min, x_max):
    """Clamp into [x_min, x_max]. Example: ``ops.clip(x, 0, 1)``."""
    return torch.clamp(_t(x), x_min, x_max)


@symbolic
def einsum(subscripts, *operands):
    """Einstein summation. Example: ``ops.einsum('bij,bjk->bik', a, b)``."""
    return torch.einsum(subscripts, *[_t(o) for o in operands])


@symbolic
def tile(x, repeats):
    """Tile like numpy. Example: ``ops.tile(x, (1, 3))``."""
    x = _t(x)
    reps = (repeats,) if isinstance(repeats, int) else tuple(repeats)
    return x.tile(reps)


@symbolic
def repeat(x, repeats, axis=None):
    """Repeat elements like numpy. Example: ``ops.repeat(x, 2, axis=1)``."""
    x = _t(x)
    return torch.repeat_interleave(x.reshape(-1) if axis is None else x, repeats, dim=0 if axis is None else axis)


@symbolic
def take(x, indices, axis=None):
    """Elements at ``indices`` along ``axis`` (flattened when None). Example: ``ops.take(table, ids, axis=0)``."""
    x, idx = _t(x), _t(indices).long()
    if axis is None:
        return x.reshape(-1)[idx]
    return torch.index_select(x, axis, idx.reshape(-1)).reshape(
        tuple(x.shape[:axis % x.dim()]) + tuple(idx.shape) + tuple(x.shape[axis % x.dim() + 1:]))


@symbolic
def one_hot(x, num_classes, axis=-1, dtype=None):
    """Integer ids to one-hot vectors. Example: ``ops.one_hot(labels, 10)``."""
    out = F.one_hot(_t(x).long(), num_classes).to(to_torch_dtype(dtype))
    return out if axis == -1 else out.movedim(-1, axis)


@symbolic
def split(x, indices_or_sections, axis=0):
    """Split into equal sections or at indices, as numpy. Example: ``a, b = ops.split(x, 2, axis=-1)``."""
    x = _t(x)
    if isinstance(indices_or_sections, int):
        return list(torch.tensor_split(x, indices_or_sections, dim=axis))
    return list(torch.tensor_split(x, list(indices_or_sections), dim=axis))


@symbolic
def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002
    """Vector or matrix norm (2-norm by default). Example: ``ops.norm(v, axis=-1)``."""
    return torch.linalg.norm(_t(x).float() if not _t(x).is_floating_point() else _t(x), ord=ord, dim=axis,
                             keepdim=keepdims)


@symbolic
def erf(x):
    """Error function. Example: ``ops.erf(x)``."""
    return torch.erf(_t(x))


@symbolic
def gelu(x, approximate=True):
    """GELU (tanh approximation by default, as Keras 3). Example: ``ops.gelu(x)``."""
    return F.gelu(_t(x), approximate="tanh" if approximate else "none")


@symbolic
def log_softmax(x, axis=-1):
    """log(softmax(x)). Example: ``ops.log_softmax(logits)``."""
    return torch.log_softmax(_t(x), dim=axis)


@symbolic
def sort(x, axis=-1):
    """Sorted values along ``axis``. Example: ``ops.sort(x)``."""
    return torch.sort(_t(x), dim=axis).values


@symbolic
def top_k(x, k, sorted=True):  # noqa: A002
    """(values, indices) of the k largest on the last axis. Example: ``v, i = ops.top_k(x, 3)``."""
    r = torch.topk(_t(x), k, dim=-1, sorted=sorted)
    return r.values, r.indices


@symbolic
def stop_gradient(x):
    """x, with no gradient flowing back. Example: ``ops.stop_gradient(target)``."""
    return _t(x).detach()


def convert_to_tensor(x, dtype=None, sparse=None):
    """Arrays, lists and numbers to a torch tensor. Example: ``ops.convert_to_tensor([1., 2.])``."""
    if isinstance(x, KerasTensor):
        return x if dtype is None else cast(x, dtype)
    return _t(x, dtype)


def convert_to_numpy(x):
    """A tensor as a numpy array. Example: ``ops.convert_to_numpy(model(x))``."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def shape(x):
    """The shape as a tuple (None where unknown on a KerasTensor). Example: ``ops.shape(x)[0]``."""
    return tuple(x.shape)


def dtype(x) -> str:
    """dtype name. Example: ``ops.dtype(x)`` -> 'float32'."""
    from .tensor_functions import dtype as _dtype
    return _dtype(x)


def ones(shape, dtype=None):
    """Tensor of ones. Example: ``ops.ones((2, 3))``."""
    return torch.ones((shape,) if isinstance(shape, int) else tuple(shape), dtype=to_torch_dtype(dtype),
                      device=factory_device())


def zeros(shape, dtype=None):
    """Tensor of zeros. Example: ``ops.zeros((2, 3))``."""
    return torch.zeros((shape,) if isinstance(shape, int) else tuple(shape), dtype=to_torch_dtype(dtype),
                       device=factory_device())


def full(shape, fill_value, dtype=None):
    """Tensor filled with ``fill_value``. Example: ``ops.full((2,), 7.0)``."""
    return torch.full((shape,) if isinstance(shape, int) else tuple(shape), fill_value,
                      dtype=to_torch_dtype(dtype) if dtype else None, device=factory_device())


def eye(N, M=None, k=0, dtype=None):  # noqa: N803
    """Identity-like matrix. Example: ``ops.eye(3)``."""
    out = torch.zeros(N, M if M is not None else N, dtype=to_torch_dtype(dtype), device=factory_device())
    torch.diagonal(out, offset=k).fill_(1)
    return out


def arange(start, stop=None, step=1, dtype=None):
    """Evenly spaced values, as numpy (ints give int64 unless dtype says). Example: ``ops.arange(5)``."""
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        dtype = "float32" if builtins.any(isinstance(v, float) for v in (start, stop, step)) else "int64"
    return torch.arange(start, stop, step, dtype=to_torch_dtype(dtype), device=factory_device())


# Keras 3 spellings that are the same function under another name.
mod = _bin("mod", torch.remainder, "x1 % x2. Example: ``ops.mod(x, 2)``.")
absolute = abs
