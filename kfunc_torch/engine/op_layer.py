"""Operations written directly on KerasTensors (``x + y``, ``x[:, 0]``, ``ops.mean(x)``) become
one small layer each, so the graph stays a graph of layers."""
from __future__ import annotations

import torch

from .layer import Layer


class TorchOpLayer(Layer):
    """Calls a torch function on its inputs. Built for ``x + y`` on symbolic tensors.

    Example::

        >>> y = Input(shape=(3,)) * 2.0      # a TorchOpLayer named 'multiply'
    """

    def __init__(self, fn, op_name="op", **kwargs):
        super().__init__(**kwargs)
        self.fn = fn
        self.op_name = op_name

    def call(self, *args):
        return self.fn(*args)

    def get_config(self):
        raise NotImplementedError(
            f"Layer {self.name!r} records a Python operation on symbolic tensors and has no config. "
            "Use a Lambda layer or a named layer to make the model serializable.")


class KerasMask(TorchOpLayer):
    """``x._keras_mask`` of a symbolic tensor (engine/masking.py): returns the mask of its input,
    which the graph passes to ``call(mask=)``. Example: ``LSTM(4)(x, mask=x._keras_mask)``."""

    def __init__(self, **kwargs):
        super().__init__(fn=None, op_name="keras_mask", **kwargs)

    def call(self, inputs, mask=None):
        if mask is None:
            raise ValueError(f'Layer "{self.name}" reads the mask of a tensor, but the tensor it received '
                             "has no mask (the layer before it computed none for this input).")
        return mask

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1])  # the timesteps: a mask has no feature axis

    def _output_dtype(self, in_tensors):
        return torch.bool

    def compute_mask(self, inputs, mask=None):
        return None


def apply_op(fn, args, name="op"):
    """Apply ``fn`` to ``args``: eagerly on tensors, or as a recorded TorchOpLayer when an argument is a KerasTensor. Example: ``apply_op(torch.add, (x, 1.0), name='add')``."""
    from .keras_tensor import KerasTensor
    if not any(isinstance(a, KerasTensor) for a in args):
        return fn(*args)
    return TorchOpLayer(fn, op_name=name, name=_op_name(name))(*args)


def _op_name(base):
    from ..naming import unique_name
    return unique_name(base)
