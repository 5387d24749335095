"""``tf.dtypes``: TensorFlow's dtype objects (``tf.float32``, ``tf.int64``, ``tf.string``...).

A ``DType`` is a ``str`` subclass holding Keras's dtype name, so it goes anywhere kfunc_torch takes
a dtype (``Input(dtype=tf.int32)``, ``ops.cast(x, tf.float16)``), compares equal to its name, numpy
dtypes and torch dtypes, and answers TensorFlow's attributes (``name``, ``as_numpy_dtype``,
``is_floating``, ``is_integer``, ``is_bool``, ``size``, ``min``, ``max``).

Example::

    >>> tf.float32 == "float32", tf.float32 == torch.float32, tf.as_dtype(np.int64)
    (True, True, tf.int64)
    >>> tf.float32.as_numpy_dtype
    <class 'numpy.float32'>
"""
from __future__ import annotations

import numpy as np
import torch

from ..engine.keras_tensor import STRING, dtype_name

__all__ = ["DType", "as_dtype", "float16", "half", "bfloat16", "float32", "float64", "double", "int8", "int16",
           "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool", "complex64", "complex128", "string",
           "variant", "resource"]


class DType(str):
    """A TensorFlow dtype: the Keras dtype name, with TensorFlow's attributes."""

    __slots__ = ()

    @property
    def name(self) -> str:
        return str.__str__(self)

    @property
    def torch_dtype(self) -> torch.dtype:
        """The torch dtype tensors of this dtype have (``tf.string`` has none: strings stay numpy)."""
        if self.name == "string":
            return STRING
        found = getattr(torch, self.name, None)
        if not isinstance(found, torch.dtype):
            raise TypeError(f"{self!r} has no torch dtype: tensors of it cannot be made here.")
        return found

    @property
    def as_numpy_dtype(self):
        return object if self.name == "string" else np.dtype(self.name).type

    @property
    def base_dtype(self) -> "DType":
        return self

    @property
    def real_dtype(self) -> "DType":
        return {"complex64": float32, "complex128": float64}.get(self.name, self)

    @property
    def is_floating(self) -> bool:
        return self.name in ("float16", "bfloat16", "float32", "float64")

    @property
    def is_integer(self) -> bool:
        return self.name.startswith(("int", "uint"))

    @property
    def is_unsigned(self) -> bool:
        return self.name.startswith("uint") or self.name == "bool"

    @property
    def is_bool(self) -> bool:
        return self.name == "bool"

    @property
    def is_complex(self) -> bool:
        return self.name.startswith("complex")

    @property
    def is_numeric(self) -> bool:
        return self.name not in ("string", "bool", "variant", "resource")

    @property
    def size(self) -> int:
        return 1 if self.name in ("string", "variant", "resource") else np.dtype(self._np_name()).itemsize

    def _np_name(self):
        return "float32" if self.name == "bfloat16" else self.name

    @property
    def min(self):
        return self._limits()[0]

    @property
    def max(self):
        return self._limits()[1]

    def _limits(self):
        if self.name == "bool":
            return False, True
        if self.name == "bfloat16":
            info = torch.finfo(torch.bfloat16)
            return float(info.min), float(info.max)
        if self.is_floating:
            info = np.finfo(self.name)
            return float(info.min), float(info.max)
        if self.is_integer:
            info = np.iinfo(self.name)
            return int(info.min), int(info.max)
        raise TypeError(f"Cannot find minimum/maximum value for {self!r}.")

    def is_compatible_with(self, other) -> bool:
        return self == as_dtype(other)

    def __eq__(self, other):
        if isinstance(other, str):
            return str.__eq__(self, _NAME_ALIASES.get(other, other))
        try:
            return str.__eq__(self, as_dtype(other))
        except TypeError:
            return False

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = str.__hash__

    def __repr__(self):
        return f"tf.{self.name}"

    def __reduce__(self):
        return as_dtype, (self.name,)


_NAME_ALIASES = {"float": "float32", "double": "float64", "half": "float16", "str": "string", "int": "int64"}
_NAMES = ("float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16",
          "uint32", "uint64", "bool", "complex64", "complex128", "string", "variant", "resource")
_BY_NAME = {n: DType(n) for n in _NAMES}


def as_dtype(type_value) -> DType:
    """The ``DType`` of a name, numpy dtype, torch dtype or ``DType``. Example: ``tf.as_dtype("int32")``."""
    if isinstance(type_value, DType):
        return type_value
    if isinstance(type_value, str):
        name = _NAME_ALIASES.get(type_value, type_value)
        if name in _BY_NAME:
            return _BY_NAME[name]
    elif isinstance(type_value, torch.dtype):
        if type_value is STRING:
            return _BY_NAME["string"]
        name = dtype_name(type_value)
        if name in _BY_NAME:
            return _BY_NAME[name]
    else:
        try:
            np_dtype = np.dtype(type_value)
        except TypeError:
            np_dtype = None
        if np_dtype is not None:
            if np_dtype.kind in "OSU":
                return _BY_NAME["string"]
            if np_dtype.name in _BY_NAME:
                return _BY_NAME[np_dtype.name]
    raise TypeError(f"Cannot convert {type_value!r} to a TensorFlow DType. Expected a dtype name "
                    f"({', '.join(_NAMES[:-2])}), a numpy or torch dtype, or a tf.DType.")


def torch_dtype_of(dtype) -> torch.dtype:
    """The torch dtype for any dtype spelling TensorFlow accepts (``tf.float32``, ``"int32"``, ``np.int64``)."""
    return as_dtype(dtype).torch_dtype


float16 = half = _BY_NAME["float16"]
bfloat16 = _BY_NAME["bfloat16"]
float32 = _BY_NAME["float32"]
float64 = double = _BY_NAME["float64"]
int8, int16, int32, int64 = (_BY_NAME[n] for n in ("int8", "int16", "int32", "int64"))
uint8, uint16, uint32, uint64 = (_BY_NAME[n] for n in ("uint8", "uint16", "uint32", "uint64"))
bool = _BY_NAME["bool"]  # noqa: A001  TensorFlow's own name
complex64, complex128 = _BY_NAME["complex64"], _BY_NAME["complex128"]
string = _BY_NAME["string"]
variant, resource = _BY_NAME["variant"], _BY_NAME["resource"]
