"""KerasTensor: the symbolic placeholder that flows through layer calls while a graph is built.

It holds a shape (None for unknown dimensions), a dtype and its history: the layer, node index and
tensor index that produced it. It holds no data.

Example::

    >>> x = Input(shape=(784,))
    >>> x.shape
    (None, 784)
    >>> x._keras_history.layer.name
    'input_1'
"""
from __future__ import annotations

from typing import NamedTuple, Optional, Tuple

import torch

from .dtypes import STRING, dtype_name, to_torch_dtype

# The dtype helpers are re-exported: layers, ops and the tf stand-in import them from here too.
__all__ = ["KerasHistory", "KerasTensor", "STRING", "Shape", "dtype_name", "to_torch_dtype"]

Shape = Tuple[Optional[int], ...]


class KerasHistory(NamedTuple):
    """Where a KerasTensor comes from: (layer, node_index, tensor_index), as in Keras."""
    layer: "object"
    node_index: int
    tensor_index: int


class KerasTensor:
    """A symbolic tensor: shape, dtype, name and the history of the call that made it."""

    __slots__ = ("shape", "torch_dtype", "name", "_keras_history", "_has_mask", "_mask_tensor", "__weakref__")
    # Makes numpy defer to our operators (`array + x`), as for torch tensors.
    __array_priority__ = 100

    def __init__(self, shape, dtype=torch.float32, name: str | None = None, has_mask: bool = False):
        self.shape: Shape = tuple(None if d is None else int(d) for d in shape)
        self.torch_dtype = to_torch_dtype(dtype)
        self.name = name
        self._keras_history: KerasHistory | None = None
        self._has_mask = has_mask
        self._mask_tensor = None  # the KerasTensor that `_keras_mask` returns, made on first read

    @property
    def _keras_mask(self):
        """The mask this tensor carries, as a boolean KerasTensor (Keras 3); no attribute without one."""
        if not self._has_mask:
            raise AttributeError("'KerasTensor' object has no attribute '_keras_mask' (this tensor carries no mask)")
        from .masking import symbolic_mask
        return symbolic_mask(self)

    @property
    def dtype(self) -> str:
        return dtype_name(self.torch_dtype)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def _keras_shape(self) -> Shape:  # Keras 2 spelling used by old tutorials
        return self.shape

    @property
    def node(self):
        layer, node_index, _ = self._keras_history
        return layer._inbound_nodes[node_index]

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __bool__(self):
        raise TypeError(
            "A symbolic KerasTensor has no value, so it cannot be used as a Python bool "
            "(in `if`, `and`, `assert x == y`...). Compare shapes with `x.shape`, or put the logic "
            "in a layer's call().")

    def __len__(self):
        if self.shape and self.shape[0] is not None:
            return self.shape[0]
        raise TypeError(f"len() of a KerasTensor with unknown first dimension: shape {self.shape}.")

    def __iter__(self):
        raise TypeError("A symbolic KerasTensor is not iterable; index it (`x[:, 0]`) instead.")

    def __hash__(self):
        return id(self)

    # Arithmetic on symbolic tensors records an operation layer, as Keras 3 does (`x + y`).
    def _op(self, fn, *others, name=None):
        from .op_layer import apply_op
        return apply_op(fn, (self, *others), name=name)

    def __add__(self, o): return self._op(torch.add, o, name="add")
    def __radd__(self, o): return self._op(lambda a, b: b + a, o, name="add")
    def __sub__(self, o): return self._op(torch.sub, o, name="subtract")
    def __rsub__(self, o): return self._op(lambda a, b: b - a, o, name="subtract")
    def __mul__(self, o): return self._op(torch.mul, o, name="multiply")
    def __rmul__(self, o): return self._op(lambda a, b: b * a, o, name="multiply")
    def __truediv__(self, o): return self._op(torch.true_divide, o, name="divide")
    def __rtruediv__(self, o): return self._op(lambda a, b: b / a, o, name="divide")
    def __pow__(self, o): return self._op(torch.pow, o, name="power")
    def __matmul__(self, o): return self._op(torch.matmul, o, name="matmul")
    def __neg__(self): return self._op(torch.neg, name="negative")
    def __abs__(self): return self._op(torch.abs, name="absolute")
    def __getitem__(self, key): return self._op(lambda a: a[key], name="get_item")
