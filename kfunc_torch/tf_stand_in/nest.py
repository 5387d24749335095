"""``tf.nest``: flatten and rebuild nested structures as TensorFlow does.

Lists, tuples, namedtuples and dicts (mappings) are structure; anything else (tensors, arrays,
numbers, strings, None) is a leaf. Dicts flatten in sorted key order, as in TensorFlow, and are
rebuilt with their own type and key order.

Example::

    >>> tf.nest.flatten({"b": [1, 2], "a": (3,)})
    [3, 1, 2]
    >>> tf.nest.map_structure(lambda v: v * 10, {"a": 1, "b": (2, 3)})
    {'a': 10, 'b': (20, 30)}
    >>> tf.nest.pack_sequence_as(((0, 0), 0), [1, 2, 3])
    ((1, 2), 3)
"""
from __future__ import annotations

import collections.abc

__all__ = ["is_nested", "flatten", "pack_sequence_as", "map_structure", "assert_same_structure",
           "flatten_with_joined_string_paths", "is_sequence"]


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def is_nested(structure) -> bool:
    """Whether ``structure`` is a list, tuple, namedtuple or mapping (not a leaf)."""
    return isinstance(structure, (list, tuple, collections.abc.Mapping))


is_sequence = is_nested  # TF1's name


def _sorted_keys(mapping):
    try:
        return sorted(mapping)
    except TypeError:  # keys that do not order (mixed types): TensorFlow refuses them too
        raise TypeError(f"nest only supports dicts with sortable keys; received keys {list(mapping)}.") from None


def _children(structure):
    if isinstance(structure, collections.abc.Mapping):
        return [structure[k] for k in _sorted_keys(structure)]
    return list(structure)


def flatten(structure, expand_composites=False) -> list:
    """The leaves of ``structure``, depth first (dicts by sorted key). ``flatten(leaf) == [leaf]``."""
    if not is_nested(structure):
        return [structure]
    out = []
    for child in _children(structure):
        out.extend(flatten(child))
    return out


def _rebuild(structure, children):
    if isinstance(structure, collections.abc.Mapping):
        by_key = dict(zip(_sorted_keys(structure), children))
        items = [(k, by_key[k]) for k in structure]  # the mapping's own key order
        if isinstance(structure, collections.defaultdict):
            out = collections.defaultdict(structure.default_factory)
            out.update(items)
            return out
        return type(structure)(items)
    if _is_namedtuple(structure):
        return type(structure)(*children)
    return type(structure)(children)


def _pack(structure, flat, start):
    if not is_nested(structure):
        return flat[start], start + 1
    children = []
    for child in _children(structure):
        value, start = _pack(child, flat, start)
        children.append(value)
    return _rebuild(structure, children), start


def pack_sequence_as(structure, flat_sequence, expand_composites=False):
    """``flat_sequence`` put back into the shape of ``structure``."""
    flat_sequence = list(flat_sequence)
    n = len(flatten(structure))
    if n != len(flat_sequence):
        raise ValueError(f"Could not pack sequence: the structure has {n} leaves, but flat_sequence has "
                         f"{len(flat_sequence)} elements. Structure: {structure!r}.")
    return _pack(structure, flat_sequence, 0)[0]


def assert_same_structure(nest1, nest2, check_types=True, expand_composites=False) -> None:
    """Raises ValueError (different nesting) or TypeError (different container types) unless the two match."""
    if is_nested(nest1) != is_nested(nest2):
        raise ValueError(f"The two structures don't have the same nested structure: {nest1!r} and {nest2!r}.")
    if not is_nested(nest1):
        return
    if check_types:
        same = type(nest1) is type(nest2) or (
            isinstance(nest1, collections.abc.Mapping) and isinstance(nest2, collections.abc.Mapping))
        if not same:
            raise TypeError(f"The two structures don't have the same sequence type: {type(nest1).__name__} and "
                            f"{type(nest2).__name__}.")
    if isinstance(nest1, collections.abc.Mapping) and set(nest1) != set(nest2):
        raise ValueError(f"The two dicts don't have the same keys: {sorted(nest1)} and {sorted(nest2)}.")
    c1, c2 = _children(nest1), _children(nest2)
    if len(c1) != len(c2):
        raise ValueError(f"The two structures don't have the same number of elements: {nest1!r} and {nest2!r}.")
    for a, b in zip(c1, c2):
        assert_same_structure(a, b, check_types)


def map_structure(func, *structure, check_types=True, expand_composites=False):
    """``func`` applied to the leaves of the structures (which must match), in the first one's shape."""
    if not structure:
        raise ValueError("map_structure needs at least one structure.")
    for other in structure[1:]:
        assert_same_structure(structure[0], other, check_types)
    flats = [flatten(s) for s in structure]
    return pack_sequence_as(structure[0], [func(*leaves) for leaves in zip(*flats)])


def _paths(structure, prefix):
    if not is_nested(structure):
        return [(prefix, structure)]
    keys = _sorted_keys(structure) if isinstance(structure, collections.abc.Mapping) else range(len(structure))
    out = []
    for k, child in zip(keys, _children(structure)):
        out.extend(_paths(child, f"{prefix}/{k}" if prefix else str(k)))
    return out


def flatten_with_joined_string_paths(structure, separator="/", expand_composites=False) -> list:
    """``[(path, leaf), ...]`` with paths such as ``'a/0'``."""
    return [(p.replace("/", separator), v) for p, v in _paths(structure, "")]
