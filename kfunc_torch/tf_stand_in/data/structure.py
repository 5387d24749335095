"""The elements of a ``tf.data.Dataset``: nested tuples / namedtuples / dicts of tensors.

As in tf.data, a Python list is a value, not structure: ``from_tensor_slices([1, 2, 3])`` slices one
tensor, while ``from_tensor_slices((x, y))`` slices two. Leaves are torch tensors (strings: numpy
object arrays, or a Python str for one string). Batching stacks the leaves; unbatching splits them.

Example::

    >>> stack([(torch.tensor(1), {"a": torch.tensor([2.])})] * 2)
    (tensor([1, 1]), {'a': tensor([[2.], [2.]])})
"""
from __future__ import annotations

import collections.abc

import numpy as np
import torch

from .._convert import to_tensor


def is_structure(v) -> bool:
    return isinstance(v, (tuple, collections.abc.Mapping))


def flatten(element) -> list:
    if isinstance(element, collections.abc.Mapping):
        return [leaf for k in sorted(element) for leaf in flatten(element[k])]
    if isinstance(element, tuple):
        return [leaf for v in element for leaf in flatten(v)]
    return [element]


def _pack(structure, leaves, i):
    if isinstance(structure, collections.abc.Mapping):
        out = {}
        for k in sorted(structure):
            out[k], i = _pack(structure[k], leaves, i)
        return type(structure)((k, out[k]) for k in structure), i
    if isinstance(structure, tuple):
        items = []
        for v in structure:
            item, i = _pack(v, leaves, i)
            items.append(item)
        return (type(structure)(*items) if hasattr(type(structure), "_fields") else tuple(items)), i
    return leaves[i], i + 1


def pack(structure, leaves):
    """``leaves`` in the nesting of ``structure``."""
    return _pack(structure, list(leaves), 0)[0]


def map_leaves(fn, element):
    return pack(element, [fn(v) for v in flatten(element)])


def _leaf_value(v):
    if isinstance(v, torch.Tensor):
        return v
    if isinstance(v, str) or (isinstance(v, np.ndarray) and v.dtype == object):
        return v
    if isinstance(v, bytes):
        return v.decode()
    out = to_tensor(v)
    return out


def to_element(value):
    """A value as a dataset element: tuples / dicts kept as structure, every leaf a tensor."""
    if isinstance(value, list):  # tf.data: a list is one tensor
        return _leaf_value(value)
    return map_leaves(_leaf_value, value) if is_structure(value) else _leaf_value(value)


def from_callable_result(value):
    """What ``map`` / ``from_generator`` functions return, as an element (a returned list becomes a tuple,
    since a list of tensors is what Python code returns for several values)."""
    if isinstance(value, list) and any(isinstance(v, (torch.Tensor, tuple, dict)) for v in value):
        value = tuple(value)
    return to_element(value)


def length(leaf) -> int:
    return len(leaf) if not isinstance(leaf, torch.Tensor) else (leaf.shape[0] if leaf.dim() else 0)


def _stack_leaves(leaves):
    first = leaves[0]
    if isinstance(first, torch.Tensor):
        try:
            return torch.stack(leaves)
        except RuntimeError:
            shapes = sorted({tuple(t.shape) for t in leaves})
            raise ValueError(f"Cannot batch tensors with different shapes {shapes[:4]} into one batch. Use "
                             "padded_batch() (or ragged_batch) for variable-length elements, or map them to "
                             "one shape first.") from None
    return np.array(list(leaves) if not isinstance(first, np.ndarray) else [np.asarray(v) for v in leaves],
                    dtype=object)


def stack(elements):
    """A batch: the elements' leaves stacked on a new first axis."""
    flat = [flatten(e) for e in elements]
    return pack(elements[0], [_stack_leaves([f[k] for f in flat]) for k in range(len(flat[0]))])


def unstack(element) -> list:
    """The inverse of ``stack``: the elements along the first axis."""
    leaves = flatten(element)
    n = length(leaves[0])
    parts = [list(torch.unbind(v)) if isinstance(v, torch.Tensor) else list(v) for v in leaves]
    return [pack(element, [p[i] for p in parts]) for i in range(n)]
