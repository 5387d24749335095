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


def apply_op(fn, args, name="op"):
    """Apply ``fn`` to ``args``: eagerly on tensors, or as a recorded TorchOpLayer when an argument is a KerasTensor. Example: ``apply_op(torch.add, (x, 1.0), name='add')``."""
    from .keras_tensor import KerasTensor
    if not any(isinstance(a, KerasTensor) for a in args):
        return fn(*args)
    return TorchOpLayer(fn, op_name=name, name=_op_name(name))(*args)


def _op_name(base):
    from ..naming import unique_name
    return unique_name(base)
