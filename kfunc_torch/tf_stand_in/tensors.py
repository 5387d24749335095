"""Making and inspecting tensors: ``tf.constant``, ``tf.convert_to_tensor``, ``tf.Variable``, ``tf.cast``,
``tf.shape``, ``tf.zeros``/``ones``/``fill``/``range``..., ``tf.Tensor`` (torch's tensor class here).

Tensors are torch tensors, so ``.numpy()``, ``.shape`` and arithmetic work as on TensorFlow's eager
tensors; a ``tf.Variable`` is kfunc_torch's ``Variable`` (an ``nn.Parameter`` with ``assign``,
``assign_add``, ``numpy()``), so ``tf.GradientTape`` and torch autograd see it.

Example::

    >>> v = tf.Variable(3.0)
    >>> v.assign_add(1.0).numpy(), tf.constant([[1, 2]]).dtype, tf.shape(tf.zeros((2, 5))).tolist()
    (4.0, torch.int32, [2, 5])
"""
from __future__ import annotations

import numpy as np
import torch

from ..engine.factory_device import factory_device
from ..engine.keras_tensor import KerasTensor
from ..engine.variable import Variable as _KerasVariable
from ._convert import as_ints, symbolic, to_tensor
from .dtypes import as_dtype, float32, int32, torch_dtype_of
from .tensor_shape import TensorShape

__all__ = ["Tensor", "Variable", "TensorSpec", "constant", "convert_to_tensor", "cast", "identity", "stop_gradient",
           "shape", "rank", "size", "is_tensor", "zeros", "ones", "zeros_like", "ones_like", "fill", "range", "eye",
           "linspace", "newaxis", "ensure_shape"]

Tensor = torch.Tensor  # what TF ops return here; ``isinstance(t, tf.Tensor)`` holds for their results
newaxis = None


class Variable(_KerasVariable):
    """``tf.Variable(initial_value, trainable=True, name=None, dtype=None, ...)``: a kfunc_torch Variable.

    Floating variables are trainable (they require grad); integer and bool ones cannot be. A callable
    ``initial_value`` is called, as in TensorFlow. Example: ``step = tf.Variable(0, trainable=False)``.
    """

    def __new__(cls, initial_value=None, trainable=None, validate_shape=True, caching_device=None, name=None,
                variable_def=None, dtype=None, import_scope=None, constraint=None, synchronization=None,
                aggregation=None, shape=None, **kwargs):
        if initial_value is None:
            raise ValueError("tf.Variable needs an initial_value (a value, or a callable that returns one).")
        if callable(initial_value):
            initial_value = initial_value()
        data = to_tensor(initial_value, dtype)
        if isinstance(data, KerasTensor) or not isinstance(data, torch.Tensor):
            raise TypeError(f"tf.Variable needs a numeric value; received {type(initial_value).__name__}.")
        data = data.detach().clone()
        differentiable = data.is_floating_point() or data.is_complex()
        v = super().__new__(cls, data, name=name or "Variable", requires_grad=differentiable and trainable is not False)
        v.__dict__["_tf_constraint"] = constraint
        return v

    @property
    def constraint(self):
        return self.__dict__.get("_tf_constraint")

    def read_value(self) -> torch.Tensor:
        """The current value, as a tensor detached from the variable (a snapshot)."""
        return self.detach().clone()

    def __repr__(self):
        return (f"<tf.Variable '{self.name}:0' shape={tuple(self.shape)} dtype={as_dtype(self.dtype).name}, "
                f"numpy={self.numpy()!r}>")


class TensorSpec:
    """``tf.TensorSpec(shape, dtype=tf.float32, name=None)``: the shape and dtype of a tensor (used by
    ``Dataset.from_generator``'s ``output_signature`` and ``tf.function``'s ``input_signature``)."""

    def __init__(self, shape, dtype=float32, name=None):
        self.shape = TensorShape(shape)
        self.dtype = as_dtype(dtype)
        self.name = name

    @classmethod
    def from_tensor(cls, tensor, name=None):
        return cls(tuple(tensor.shape), as_dtype(tensor.dtype), name)

    def is_compatible_with(self, value) -> bool:
        shape = value.shape if hasattr(value, "shape") else np.shape(value)
        dtype = value.dtype if hasattr(value, "dtype") else np.asarray(value).dtype
        return self.shape.is_compatible_with(tuple(shape)) and self.dtype == as_dtype(dtype)

    def __eq__(self, other):
        return isinstance(other, TensorSpec) and (self.shape, self.dtype, self.name) == \
            (other.shape, other.dtype, other.name)

    def __hash__(self):
        return hash((self.shape, self.dtype, self.name))

    def __repr__(self):
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype!r}, name={self.name!r})"


# ---------------------------------------------------------------- making tensors
def constant(value, dtype=None, shape=None, name=None):
    """A tensor of ``value``; a scalar with ``shape`` fills it, an array of as many elements is reshaped.
    Example: ``tf.constant(0.5, shape=(2, 2))``."""
    t = to_tensor(value, dtype)
    if isinstance(t, torch.Tensor):
        t = t.detach()
    if shape is None:
        return t
    shape = as_ints(shape)
    if t.numel() == 1:
        return t.reshape(()).expand(shape).clone()
    if t.numel() == int(np.prod(shape)):
        return t.reshape(shape)
    raise TypeError(f"tf.constant: eager execution expects a value of {int(np.prod(shape))} elements for shape "
                    f"{tuple(shape)}; received {t.numel()} elements.")


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    """``value`` as a tensor (tensors pass through; ``dtype_hint`` applies only to Python values)."""
    if dtype is None and dtype_hint is not None and not isinstance(value, (torch.Tensor, np.ndarray, KerasTensor)):
        try:
            return to_tensor(value, dtype_hint)
        except TypeError:
            pass
    return to_tensor(value, dtype)


@symbolic
def cast(x, dtype, name=None):
    """``x`` converted to ``dtype`` (floats to ints truncate toward zero, as in TensorFlow)."""
    return to_tensor(x).to(torch_dtype_of(dtype))


@symbolic
def identity(input, name=None):  # noqa: A002  TensorFlow's argument name
    """The same values (a new tensor in TensorFlow; here the tensor itself). Example: ``tf.identity(x)``."""
    return to_tensor(input)


@symbolic
def stop_gradient(input, name=None):  # noqa: A002
    """``input`` with no gradient flowing back through it."""
    return to_tensor(input).detach()


@symbolic
def shape(input, out_type=int32, name=None):  # noqa: A002
    """The shape as a 1-D int32 tensor (on the CPU, so ``int(tf.shape(x)[0])`` is free anywhere)."""
    return torch.tensor(list(to_tensor(input).shape), dtype=torch_dtype_of(out_type))


@symbolic
def rank(input, name=None):  # noqa: A002
    """The number of dimensions as an int32 scalar tensor."""
    return torch.tensor(to_tensor(input).dim(), dtype=torch.int32)


@symbolic
def size(input, out_type=int32, name=None):  # noqa: A002
    """The number of elements as a scalar tensor."""
    return torch.tensor(to_tensor(input).numel(), dtype=torch_dtype_of(out_type))


def is_tensor(x) -> bool:
    """Whether ``x`` is a tensor (a torch tensor or a symbolic KerasTensor)."""
    return isinstance(x, (torch.Tensor, KerasTensor))


def ensure_shape(x, shape, name=None):
    """``x``, after checking its shape is compatible with ``shape`` (None: any size)."""
    expected = TensorShape(shape)
    if not expected.is_compatible_with(tuple(x.shape)):
        raise ValueError(f"Shape of tensor {tuple(x.shape)} is not compatible with expected shape {expected}.")
    return x


def zeros(shape, dtype=float32, name=None):
    return torch.zeros(as_ints(shape), dtype=torch_dtype_of(dtype), device=factory_device())


def ones(shape, dtype=float32, name=None):
    return torch.ones(as_ints(shape), dtype=torch_dtype_of(dtype), device=factory_device())


@symbolic
def zeros_like(input, dtype=None, name=None):  # noqa: A002
    t = to_tensor(input)
    return torch.zeros_like(t, dtype=None if dtype is None else torch_dtype_of(dtype))


@symbolic
def ones_like(input, dtype=None, name=None):  # noqa: A002
    t = to_tensor(input)
    return torch.ones_like(t, dtype=None if dtype is None else torch_dtype_of(dtype))


def fill(dims, value, name=None):
    """A tensor of shape ``dims`` filled with ``value`` (whose dtype it takes)."""
    v = to_tensor(value)
    return torch.full(as_ints(dims), v.item() if v.dim() == 0 else v, dtype=v.dtype, device=factory_device())


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001  TensorFlow's name
    """``tf.range(5)``, ``tf.range(2, 10, 3)``: int32 for ints, float32 when any bound is a float."""
    if limit is None:
        start, limit = 0, start
    bounds = [b.item() if isinstance(b, torch.Tensor) else b for b in (start, limit, delta)]
    if dtype is None:
        dtype = float32 if any(isinstance(b, float) for b in bounds) else int32
    return torch.arange(*bounds, dtype=torch_dtype_of(dtype), device=factory_device())


def eye(num_rows, num_columns=None, batch_shape=None, dtype=float32, name=None):
    """An identity matrix (a batch of them with ``batch_shape``)."""
    m = torch.eye(int(num_rows), int(num_columns if num_columns is not None else num_rows),
                  dtype=torch_dtype_of(dtype), device=factory_device())
    if batch_shape is not None:
        m = m.expand(*as_ints(batch_shape), *m.shape).clone()
    return m


def linspace(start, stop, num, name=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop`` inclusive (float32)."""
    start, stop = to_tensor(start, float32), to_tensor(stop, float32)
    steps = torch.linspace(0, 1, int(num), device=start.device)
    shape = (-1,) + (1,) * start.dim()
    out = start + (stop - start) * steps.reshape(shape)
    return out if axis == 0 else torch.movedim(out, 0, axis)
