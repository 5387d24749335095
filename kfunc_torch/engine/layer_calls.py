"""What a layer call takes and makes: shapes of KerasTensor structures, output KerasTensors from
shapes, tensors from numpy inputs, the Keras arguments of ``Layer.__init__``, and whether a layer's
``call`` takes ``training`` / ``mask`` (cached per class).

Example::

    >>> _make_outputs([(None, 4), (None, 2)], torch.float32)
    [<KerasTensor shape=(None, 4), ...>, <KerasTensor shape=(None, 2), ...>]
    >>> call_accepts(Dropout(0.5), "training")
    True
"""
from __future__ import annotations

import inspect
from typing import TYPE_CHECKING

import numpy as np
import torch

from .keras_tensor import KerasTensor

if TYPE_CHECKING:
    from .layer import Layer

def _add_note(e: BaseException, note: str) -> None:
    if hasattr(e, "add_note"):
        e.add_note(note)


def _batch_input_shape_from_kwargs(kwargs) -> tuple | None:
    if kwargs.get("batch_input_shape") is not None:
        return tuple(kwargs["batch_input_shape"])
    if kwargs.get("input_shape") is not None:
        return (kwargs.get("batch_size"),) + tuple(kwargs["input_shape"])
    if kwargs.get("input_dim") is not None:  # Keras 1/2: Dense(32, input_dim=784)
        if kwargs.get("input_length") is not None:
            return (kwargs.get("batch_size"), kwargs["input_length"], kwargs["input_dim"])
        return (kwargs.get("batch_size"), kwargs["input_dim"])
    return None


def _shape_struct(x):
    """The shape (or list / dict of shapes) of a KerasTensor structure."""
    if isinstance(x, KerasTensor):
        return x.shape
    if isinstance(x, (list, tuple)):
        return [_shape_struct(v) for v in x]
    if isinstance(x, dict):
        return {k: _shape_struct(v) for k, v in x.items()}
    if isinstance(x, torch.Tensor):
        return tuple(x.shape)
    return None


def _flat_shapes(x):
    if isinstance(x, KerasTensor):
        return x.shape
    if isinstance(x, (list, tuple)):
        return [v.shape for v in x if isinstance(v, KerasTensor)]
    return None


def _as_shape_struct(s):
    if isinstance(s, list):
        return [_as_shape_struct(v) for v in s]
    if isinstance(s, dict):
        return {k: _as_shape_struct(v) for k, v in s.items()}
    return tuple(s) if s is not None else None


def _is_shape(s) -> bool:
    if not isinstance(s, tuple):
        return False
    for d in s:
        if d is not None and not isinstance(d, int):
            return False
    return True


def _make_outputs(shape, dtype):
    if _is_shape(shape):
        return KerasTensor(shape, dtype)
    if isinstance(shape, (list, tuple)):
        return [_make_outputs(s, dtype) for s in shape]
    if isinstance(shape, dict):
        return {k: _make_outputs(s, dtype) for k, s in shape.items()}
    raise TypeError(f"compute_output_shape returned {shape!r}; expected a shape tuple, a list or a dict of them.")


def _to_tensor(value, device):
    """numpy arrays and Python lists become tensors on ``device`` (floats as float32, as Keras's floatx)."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "USO":  # strings stay numpy: only string-taking layers (StringLookup) read them
            return value
        t = torch.from_numpy(np.ascontiguousarray(value))
        if t.dtype == torch.float64:
            t = t.float()
        return t.to(device)
    if isinstance(value, torch.Tensor) and value.device != device and device.type != "cpu" and value.device.type == "cpu":
        return value.to(device)
    return value


_ACCEPTS: dict = {}
_TAKES_TRAINING: dict = {}


def _takes_training(layer: "Layer") -> bool:
    """Whether the layer's ``call`` takes ``training`` (cached per class: one dict lookup per call)."""
    known = _TAKES_TRAINING.get(type(layer))
    if known is None:
        known = _TAKES_TRAINING[type(layer)] = call_accepts(layer, "training")
    return known


def call_accepts(layer: Layer, arg: str) -> bool:
    """Whether ``layer.call`` takes the keyword ``arg`` (training, mask); cached per class."""
    key = (type(layer), arg)
    cached = _ACCEPTS.get(key) if "call" not in layer.__dict__ else None
    if cached is not None:
        return cached
    try:
        result = arg in inspect.signature(layer.call).parameters
    except (TypeError, ValueError):
        result = False
    if "call" not in layer.__dict__:  # an instance-level call() override is not cached
        _ACCEPTS[key] = result
    return result
