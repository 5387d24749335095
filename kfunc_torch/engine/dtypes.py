"""Keras's dtype names and torch's dtypes, both ways, and the marker dtype of string data.

A leaf of the engine (it imports only settings), so that weights, metrics and ops read dtypes
without importing the symbolic tensor.

Example::

    >>> to_torch_dtype("int32"), to_torch_dtype(None)      # None: the session's floatx
    (torch.int32, torch.float32)
    >>> dtype_name(torch.float16)
    'float16'
"""
from __future__ import annotations

import numpy as np
import torch

from ..settings import backend_settings

_DTYPES = {
    "float16": torch.float16, "half": torch.float16, "bfloat16": torch.bfloat16,
    "float32": torch.float32, "float": torch.float32, "float64": torch.float64, "double": torch.float64,
    "int8": torch.int8, "uint8": torch.uint8, "int16": torch.int16, "int32": torch.int32,
    "int64": torch.int64, "int": torch.int64, "bool": torch.bool, "complex64": torch.complex64,
}
# torch has no string dtype. A symbolic string input (Input(dtype="string"), fed to StringLookup or
# TextVectorization) is marked with torch's otherwise unused bits8 dtype; its data stays a numpy array
# of Python strings, which only the string-taking preprocessing layers read.
STRING = torch.bits8
_DTYPES["string"] = STRING
_DTYPES["str"] = STRING


def to_torch_dtype(dtype) -> torch.dtype:
    """Map a Keras dtype spelling ('int32', np.float32, torch.float32) to a torch dtype."""
    if dtype is None:
        return _DTYPES[backend_settings["floatx"]]
    if isinstance(dtype, torch.dtype):
        return dtype
    if isinstance(dtype, str) and dtype in _DTYPES:
        return _DTYPES[dtype]
    try:
        np_dtype = np.dtype(dtype)
        if np_dtype.kind in "USO":  # str, bytes, object arrays: strings
            return STRING
        return _DTYPES[np_dtype.name]
    except (TypeError, KeyError):
        raise ValueError(f"Unknown dtype {dtype!r}. Expected one of: {', '.join(sorted(_DTYPES))}.") from None


def dtype_name(dtype: torch.dtype) -> str:
    """Keras's name of a torch dtype. Example: ``dtype_name(torch.float32)`` gives ``'float32'``."""
    return "string" if dtype is STRING else str(dtype).replace("torch.", "")
