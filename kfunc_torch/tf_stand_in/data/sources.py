"""Where datasets start: ``from_tensor_slices``, ``from_tensors``, ``from_generator``, ``range``.

Example::

    >>> ds = tf.data.Dataset.from_tensor_slices({"a": np.arange(3), "b": np.ones((3, 2))})
    >>> next(iter(ds))
    {'a': tensor(0), 'b': tensor([1., 1.], dtype=torch.float64)}
"""
from __future__ import annotations

import numpy as np
import torch

from ..dtypes import as_dtype, int64
from ..nest import flatten as nest_flatten, pack_sequence_as
from ..tensor_shape import TensorShape
from . import structure
from .dataset import UNKNOWN_CARDINALITY, Dataset


class TensorSliceDataset(Dataset):
    """One element per index of the first axis of every leaf (all leaves have the same length)."""

    def __init__(self, tensors):
        element = structure.to_element(tensors)
        leaves = structure.flatten(element)
        lengths = {structure.length(v) for v in leaves}
        if any(isinstance(v, torch.Tensor) and v.dim() == 0 for v in leaves):
            raise ValueError("from_tensor_slices needs tensors of rank >= 1 to slice; a scalar has no rows. Use "
                             "from_tensors for a single element.")
        if len(lengths) > 1:
            shapes = [tuple(v.shape) if hasattr(v, "shape") else len(v) for v in leaves]
            raise ValueError(f"from_tensor_slices: all tensors must have the same first dimension (the number of "
                             f"elements); received shapes {shapes}.")
        self._element = element
        self._n = lengths.pop() if lengths else 0
        # One C call splits each leaf into row views: iterating is then a list walk.
        self._rows = [list(torch.unbind(v)) if isinstance(v, torch.Tensor) else list(v) for v in leaves]

    def _iterate(self):
        rows, element = self._rows, self._element
        if not structure.is_structure(element):
            yield from rows[0]
            return
        for i in range(self._n):
            yield structure.pack(element, [r[i] for r in rows])

    def _cardinality(self):
        return self._n


class TensorDataset(Dataset):
    """A single element."""

    def __init__(self, tensors):
        self._element = structure.to_element(tensors)

    def _iterate(self):
        yield self._element

    def _cardinality(self):
        return 1


class RangeDataset(Dataset):
    def __init__(self, *args, output_type=None):
        if not 1 <= len(args) <= 3:
            raise ValueError("Dataset.range takes (stop), (start, stop) or (start, stop, step).")
        self._range = range(*(int(a) for a in args))
        self._dtype = as_dtype(output_type or int64).torch_dtype

    def _iterate(self):
        dtype = self._dtype
        for i in self._range:
            yield torch.tensor(i, dtype=dtype)

    def _cardinality(self):
        return len(self._range)


def _signature(output_types, output_shapes, output_signature):
    """(dtype structure, shape structure) from either spelling; None where not given."""
    if output_signature is not None:
        specs = output_signature
        return (pack_sequence_as(specs, [s.dtype for s in nest_flatten(specs)]),
                pack_sequence_as(specs, [s.shape for s in nest_flatten(specs)]))
    return output_types, output_shapes


def _up_to(dtypes, shapes) -> list:
    """The shapes, one per dtype leaf (a shape is itself a tuple, so it is not flattened further)."""
    if isinstance(dtypes, dict):
        return [s for k in sorted(dtypes) for s in _up_to(dtypes[k], shapes[k])]
    if isinstance(dtypes, tuple):
        return [s for d, sh in zip(dtypes, shapes) for s in _up_to(d, sh)]
    return [shapes]


class GeneratorDataset(Dataset):
    """Elements of ``generator(*args)``, converted to the signature's dtypes and checked against its shapes."""

    def __init__(self, generator, output_types=None, output_shapes=None, args=None, output_signature=None):
        if not callable(generator):
            raise TypeError("from_generator needs a callable that returns an iterator (e.g. a generator function), "
                            f"not {type(generator).__name__}; wrap it: lambda: gen.")
        if output_signature is None and output_types is None:
            raise TypeError("from_generator needs output_signature (a structure of tf.TensorSpec) or "
                            "output_types, as in TensorFlow.")
        self._generator, self._args = generator, tuple(args or ())
        self._dtypes, self._shapes = _signature(output_types, output_shapes, output_signature)

    def _convert(self, value):
        dtypes = nest_flatten(self._dtypes)
        if isinstance(value, list) and len(dtypes) > 1:
            value = tuple(value)
        leaves = nest_flatten(value) if len(dtypes) > 1 or isinstance(self._dtypes, (tuple, dict)) else [value]
        if len(leaves) != len(dtypes):
            raise ValueError(f"from_generator: the generator yielded {value!r}, whose structure does not match the "
                             f"declared {self._dtypes!r}.")
        shapes = _up_to(self._dtypes, self._shapes) if self._shapes is not None else [None] * len(dtypes)
        out = []
        for leaf, dt, shape in zip(leaves, dtypes, shapes):
            dt = as_dtype(dt)
            if dt == "string":
                out.append(leaf.decode() if isinstance(leaf, bytes) else leaf)
                continue
            t = leaf.to(dt.torch_dtype) if isinstance(leaf, torch.Tensor) else \
                torch.as_tensor(np.asarray(leaf), dtype=dt.torch_dtype)
            if shape is not None and not TensorShape(shape).is_compatible_with(tuple(t.shape)):
                raise TypeError(f"from_generator: the generator yielded an element of shape {tuple(t.shape)}, "
                                f"where the signature declares {TensorShape(shape)}.")
            out.append(t)
        return pack_sequence_as(self._dtypes, out) if isinstance(self._dtypes, (tuple, dict)) else out[0]

    def _iterate(self):
        for value in self._generator(*self._args):
            yield self._convert(value)

    def _cardinality(self):
        return UNKNOWN_CARDINALITY
