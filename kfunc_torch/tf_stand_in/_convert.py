"""Values to torch tensors with TensorFlow's dtype rules, and the argument spellings TF ops share.

TensorFlow keeps a numpy array's dtype (float64 stays float64) and makes Python floats float32 and
Python ints int32; strings have no torch dtype and stay numpy object arrays. Tensors made inside a
forward pass go to the model's device (``factory_device``). ``symbolic`` (from ``ops``) makes a TF op
record an op layer when it is given a KerasTensor, so ``tf.concat`` works on ``Input()`` too.

Example::

    >>> to_tensor(1.5).dtype, to_tensor([1, 2]).dtype, to_tensor(np.zeros(2)).dtype
    (torch.float32, torch.int32, torch.float64)
"""
from __future__ import annotations

import numbers

import numpy as np
import torch

from ..engine.factory_device import factory_device
from ..engine.keras_tensor import KerasTensor
from ..ops.tensor_functions import symbolic  # noqa: F401  re-exported for the op modules
from .dtypes import as_dtype, torch_dtype_of

_PY_DEFAULTS = {"f": torch.float32, "i": torch.int32, "u": torch.int32, "b": torch.bool, "c": torch.complex64}


def _from_sequence(value):
    """A (nested) list holding tensors, stacked (None when it holds none: numpy converts it)."""
    if not any(isinstance(v, torch.Tensor) for v in _leaves(value)):
        return None
    return torch.stack([to_tensor(v) for v in value])


def _leaves(value):
    for v in value:
        if isinstance(v, (list, tuple)):
            yield from _leaves(v)
        else:
            yield v


def to_tensor(value, dtype=None):
    """``value`` as a torch tensor (a KerasTensor stays symbolic). Strings give a numpy array of str."""
    if isinstance(value, KerasTensor):
        if dtype is None:
            return value
        from .. import ops
        return ops.cast(value, as_dtype(dtype).name)
    if isinstance(value, torch.Tensor):
        return value if dtype is None else value.to(torch_dtype_of(dtype))
    if isinstance(value, (list, tuple)) and value:
        stacked = _from_sequence(value)
        if stacked is not None:
            return stacked if dtype is None else stacked.to(torch_dtype_of(dtype))
    is_numpy = isinstance(value, (np.ndarray, np.generic))
    arr = np.asarray(value)
    if arr.dtype.kind in "OSU":
        if dtype is not None and as_dtype(dtype) != "string":
            raise TypeError(f"Cannot convert {value!r} (strings or Python objects) to a {as_dtype(dtype)!r} tensor.")
        return arr.astype(object)
    if dtype is not None:
        target = torch_dtype_of(dtype)
        if not is_numpy and arr.dtype.kind == "f" and not (target.is_floating_point or target.is_complex):
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {as_dtype(dtype).name}: "
                            "a float value for an integer tensor. Round it or cast it with tf.cast.")
    elif is_numpy:
        target = None
    else:
        target = _PY_DEFAULTS.get(arr.dtype.kind)
    if not (arr.flags.c_contiguous and arr.flags.writeable):  # (np.ascontiguousarray would make 0-d 1-d)
        arr = arr.copy()
    t = torch.as_tensor(arr, device=factory_device())
    return t if target is None or t.dtype == target else t.to(target)


def is_number(v) -> bool:
    return isinstance(v, numbers.Number) and not isinstance(v, bool)


def operand(x, like=None):
    """A binary op's operand: Python numbers stay numbers (torch gives them the tensor's dtype, as TF
    does), everything else becomes a tensor."""
    if isinstance(x, (numbers.Number, torch.Tensor)) and not isinstance(x, np.ndarray):
        return x
    return to_tensor(x)


def as_axis(axis):
    """An ``axis`` argument (None, int, list, tensor) as None, an int or a tuple of ints."""
    if axis is None:
        return None
    if isinstance(axis, torch.Tensor):
        axis = axis.tolist()
    if isinstance(axis, np.ndarray):
        axis = axis.tolist()
    if isinstance(axis, (list, tuple)):
        return tuple(int(a) for a in axis)
    return int(axis)


def as_ints(values) -> list:
    """A shape-like argument (list of ints / 0-d tensors, a tensor, a TensorShape) as a list of ints."""
    if isinstance(values, torch.Tensor):
        return [int(v) for v in values.reshape(-1).tolist()]
    if isinstance(values, (int, np.integer)):
        return [int(values)]
    return [int(v) for v in values]
