"""``tf.TensorShape``: a possibly partial shape, as TensorFlow documents it.

Known dimensions are ints, unknown ones None; a shape of unknown rank has ``dims is None``. It
iterates, indexes and compares like a tuple (``TensorShape([2, None]) == (2, None)``), so code that
reads a shape with ``tuple(s)``, ``s[0]`` or ``len(s)`` (the RNN layer reading a cell's
``state_size``) takes it as it is.

Example::

    >>> s = tf.TensorShape([None, 20, 30])
    >>> s.rank, s.as_list(), s[1:], s.is_fully_defined()
    (3, [None, 20, 30], TensorShape([20, 30]), False)
"""
from __future__ import annotations

__all__ = ["TensorShape", "Dimension", "dimension_value"]


class Dimension:
    """A TF1-style dimension (``shape[0].value``); TensorShape itself gives plain ints or None."""

    def __init__(self, value):
        self.value = None if value is None else int(value)

    def __int__(self):
        return self.value

    __index__ = __int__

    def __eq__(self, other):
        return self.value == dimension_value(other)

    def __hash__(self):
        return hash(self.value)

    def __repr__(self):
        return f"Dimension({self.value})"


def dimension_value(dimension):
    """A dimension as an int or None. Example: ``tf.compat.dimension_value(shape[0])``."""
    return dimension.value if isinstance(dimension, Dimension) else None if dimension is None else int(dimension)


def _dims(value):
    if value is None:
        return None
    if isinstance(value, TensorShape):
        return value._dims
    if isinstance(value, (int, Dimension)):
        return (dimension_value(value),)  # TensorShape(3) is the rank-1 shape (3,)
    try:
        return tuple(dimension_value(d) for d in value)
    except TypeError:  # a numpy / 0-d tensor integer
        return (dimension_value(value),)


class TensorShape:
    """A shape: a tuple of ints / None, or unknown rank (``TensorShape(None)``)."""

    __slots__ = ("_dims",)

    def __init__(self, dims):
        self._dims = _dims(dims)

    # ------------------------------------------------------------------ reading
    @property
    def rank(self):
        return None if self._dims is None else len(self._dims)

    ndims = rank

    @property
    def dims(self):
        return None if self._dims is None else list(self._dims)

    def as_list(self) -> list:
        if self._dims is None:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self._dims)

    def num_elements(self):
        if not self.is_fully_defined():
            return None
        n = 1
        for d in self._dims:
            n *= d
        return n

    def is_fully_defined(self) -> bool:
        return self._dims is not None and all(d is not None for d in self._dims)

    def __len__(self):
        if self._dims is None:
            raise ValueError("Cannot take the length of a shape with unknown rank.")
        return len(self._dims)

    def __bool__(self):
        return self._dims is not None

    def __iter__(self):
        if self._dims is None:
            raise ValueError("Cannot iterate over a shape with unknown rank.")
        return iter(self._dims)

    def __getitem__(self, key):
        if self._dims is None:
            return TensorShape(None) if isinstance(key, slice) else None
        if isinstance(key, slice):
            return TensorShape(self._dims[key])
        return self._dims[key]

    # ------------------------------------------------------------------ combining
    def concatenate(self, other) -> "TensorShape":
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return TensorShape(None)
        return TensorShape(self._dims + other._dims)

    def __add__(self, other):
        return self.concatenate(other)

    def __radd__(self, other):
        return as_shape(other).concatenate(self)

    def is_compatible_with(self, other) -> bool:
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return True
        return len(self._dims) == len(other._dims) and all(
            a is None or b is None or a == b for a, b in zip(self._dims, other._dims))

    def merge_with(self, other) -> "TensorShape":
        other = as_shape(other)
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {other} are not compatible.")
        if self._dims is None:
            return other
        if other._dims is None:
            return self
        return TensorShape([a if a is not None else b for a, b in zip(self._dims, other._dims)])

    def assert_is_compatible_with(self, other) -> None:
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {as_shape(other)} are incompatible.")

    def assert_has_rank(self, rank) -> None:
        if self.rank not in (None, rank):
            raise ValueError(f"Shape {self} must have rank {rank}.")

    def with_rank(self, rank) -> "TensorShape":
        self.assert_has_rank(rank)
        return self if self._dims is not None else TensorShape([None] * rank)

    # ------------------------------------------------------------------ identity
    def __eq__(self, other):
        try:
            other = as_shape(other)
        except (TypeError, ValueError):
            return NotImplemented
        return self._dims == other._dims

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self):
        return hash(self._dims)

    def __repr__(self):
        return "TensorShape(None)" if self._dims is None else f"TensorShape({list(self._dims)})"

    def __str__(self):
        if self._dims is None:
            return "<unknown>"
        inner = ", ".join("None" if d is None else str(d) for d in self._dims)
        return f"({inner},)" if len(self._dims) == 1 else f"({inner})"

    def __reduce__(self):
        return TensorShape, (self.dims,)


def as_shape(shape) -> TensorShape:
    """``shape`` as a TensorShape. Example: ``as_shape((None, 3))``."""
    return shape if isinstance(shape, TensorShape) else TensorShape(shape)
