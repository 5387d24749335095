"""The datasets that transformations return: each wraps its input's iteration (``map``, ``filter``,
``batch``, ``padded_batch``, ``unbatch``, ``shuffle``, ``repeat``, ``take``, ``skip``, ``shard``,
``cache``, ``zip``, ``concatenate``, ``interleave``/``flat_map``, ``sample_from_datasets``).

Example::

    >>> list(tf.data.Dataset.range(6).shuffle(6, seed=1).take(3).as_numpy_iterator())   # 3 distinct values
"""
from __future__ import annotations

import random as _random

import numpy as np
import torch
import torch.nn.functional as F

from ..tensor_shape import TensorShape
from . import structure
from .dataset import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset


def _call(fn, element):
    """Call ``fn`` as tf.data does: a tuple element is spread over the arguments."""
    if isinstance(element, tuple) and not hasattr(type(element), "_fields"):
        return fn(*element)
    return fn(element)


class MapDataset(Dataset):
    def __init__(self, source, fn):
        self._source, self._fn = source, fn

    def _iterate(self):
        fn = self._fn
        for element in self._source:
            yield structure.from_callable_result(_call(fn, element))

    def _cardinality(self):
        return self._source._cardinality()


class FilterDataset(Dataset):
    def __init__(self, source, predicate):
        self._source, self._predicate = source, predicate

    def _iterate(self):
        for element in self._source:
            keep = _call(self._predicate, element)
            if bool(keep.item() if isinstance(keep, torch.Tensor) else keep):
                yield element

    def _cardinality(self):
        n = self._source._cardinality()
        return INFINITE_CARDINALITY if n == INFINITE_CARDINALITY else UNKNOWN_CARDINALITY


def _batched_count(n, size, drop_remainder):
    if n < 0:
        return n
    return n // size if drop_remainder else -(-n // size)


class BatchDataset(Dataset):
    def __init__(self, source, batch_size, drop_remainder):
        if batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer; received {batch_size}.")
        self._source, self._size, self._drop = source, batch_size, drop_remainder

    def _batches(self):
        size, group = self._size, []
        for element in self._source:
            group.append(element)
            if len(group) == size:
                yield group
                group = []
        if group and not self._drop:
            yield group

    def _iterate(self):
        for group in self._batches():
            yield structure.stack(group)

    def _cardinality(self):
        return _batched_count(self._source._cardinality(), self._size, self._drop)

    def _adjust_spec(self, spec):
        from ..tensors import TensorSpec
        if self._drop:
            return spec
        return structure.map_leaves(lambda s: TensorSpec([None] + s.shape.as_list()[1:], s.dtype, s.name), spec)


def _pad_to(t, shape, value):
    pads = []
    for dim, target in reversed(list(zip(t.shape, shape))):
        pads.extend([0, target - dim])
    return F.pad(t, pads, value=value) if any(pads) else t


class PaddedBatchDataset(BatchDataset):
    def __init__(self, source, batch_size, padded_shapes, padding_values, drop_remainder):
        super().__init__(source, batch_size, drop_remainder)
        self._shapes, self._values = padded_shapes, padding_values

    def _iterate(self):
        for group in self._batches():
            flat = [structure.flatten(e) for e in group]
            shapes = structure.flatten(self._shapes) if isinstance(self._shapes, (tuple, dict)) and \
                not all(isinstance(v, (int, type(None))) for v in self._shapes) else [self._shapes] * len(flat[0])
            values = structure.flatten(self._values) if isinstance(self._values, (tuple, dict)) else \
                [self._values] * len(flat[0])
            leaves = []
            for k in range(len(flat[0])):
                tensors = [f[k] for f in flat]
                longest = [max(t.shape[d] for t in tensors) for d in range(tensors[0].dim())]
                wanted = shapes[k]
                target = longest if wanted is None else [
                    m if w is None or w == -1 else int(w) for w, m in zip(TensorShape(wanted), longest)]
                value = 0 if values[k] is None else (values[k].item() if isinstance(values[k], torch.Tensor)
                                                      else values[k])
                leaves.append(torch.stack([_pad_to(t, target, value) for t in tensors]))
            yield structure.pack(group[0], leaves)


class UnbatchDataset(Dataset):
    def __init__(self, source):
        self._source = source

    def _iterate(self):
        for element in self._source:
            yield from structure.unstack(element)

    def _cardinality(self):
        n = self._source._cardinality()
        return INFINITE_CARDINALITY if n == INFINITE_CARDINALITY else UNKNOWN_CARDINALITY


class ShuffleDataset(Dataset):
    def __init__(self, source, buffer_size, seed, reshuffle):
        if buffer_size <= 0:
            raise ValueError(f"shuffle: buffer_size must be positive; received {buffer_size}.")
        self._source, self._buffer, self._reshuffle = source, buffer_size, reshuffle
        self._seed = seed if seed is not None else int(torch.randint(0, 2**31 - 1, ()).item())
        self._passes = 0

    def _iterate(self):
        # The seed comes from torch's generator (tf.random.set_seed seeds it); each pass draws a new
        # order unless reshuffle_each_iteration=False.
        rng = _random.Random(self._seed + (self._passes if self._reshuffle else 0))
        self._passes += 1
        buffer, size = [], self._buffer
        for element in self._source:
            if len(buffer) < size:
                buffer.append(element)
                continue
            i = rng.randrange(size)
            yield buffer[i]
            buffer[i] = element
        rng.shuffle(buffer)
        yield from buffer

    def _cardinality(self):
        return self._source._cardinality()


class RepeatDataset(Dataset):
    def __init__(self, source, count):
        self._source, self._count = source, count

    def _iterate(self):
        k = 0
        while self._count is None or k < self._count:
            empty = True
            for element in self._source:
                empty = False
                yield element
            if empty:  # repeating an empty dataset stays empty (no endless loop)
                return
            k += 1

    def _cardinality(self):
        n = self._source._cardinality()
        if self._count is None:
            return 0 if n == 0 else INFINITE_CARDINALITY
        return n * self._count if n >= 0 else n


class TakeDataset(Dataset):
    def __init__(self, source, count):
        self._source, self._count = source, count

    def _iterate(self):
        if self._count < 0:
            yield from self._source
            return
        if self._count == 0:
            return
        for k, element in enumerate(self._source):
            yield element
            if k + 1 >= self._count:
                return

    def _cardinality(self):
        n = self._source._cardinality()
        if self._count < 0:
            return n
        if n == INFINITE_CARDINALITY:
            return self._count
        return min(n, self._count) if n >= 0 else UNKNOWN_CARDINALITY


class SkipDataset(Dataset):
    def __init__(self, source, count):
        self._source, self._count = source, count

    def _iterate(self):
        it = iter(self._source)
        if self._count < 0:  # skip(-1) skips everything
            return
        for _ in range(self._count):
            if next(it, _END) is _END:
                return
        yield from it

    def _cardinality(self):
        n = self._source._cardinality()
        if self._count < 0:
            return 0
        return max(n - self._count, 0) if n >= 0 else n


_END = object()


class ShardDataset(Dataset):
    def __init__(self, source, num_shards, index):
        if not 0 <= index < num_shards:
            raise ValueError(f"shard: index must be in [0, num_shards); received index={index}, "
                             f"num_shards={num_shards}.")
        self._source, self._n, self._index = source, num_shards, index

    def _iterate(self):
        for k, element in enumerate(self._source):
            if k % self._n == self._index:
                yield element

    def _cardinality(self):
        n = self._source._cardinality()
        return n if n < 0 else len(range(self._index, n, self._n))


class CacheDataset(Dataset):
    def __init__(self, source):
        self._source, self._cache = source, None

    def _iterate(self):
        if self._cache is not None:
            yield from self._cache
            return
        seen = []
        for element in self._source:
            seen.append(element)
            yield element
        self._cache = seen  # only a complete pass is kept

    def _cardinality(self):
        return self._source._cardinality()


class ZipDataset(Dataset):
    def __init__(self, datasets):
        if not isinstance(datasets, (tuple, dict)) or not all(
                isinstance(d, Dataset) for d in structure.flatten(datasets)):
            raise TypeError("Dataset.zip takes datasets (or a tuple / dict of them).")
        self._datasets = datasets

    def _iterate(self):
        sources = structure.flatten(self._datasets)
        for items in zip(*sources):
            yield structure.pack(self._datasets, list(items))

    def _cardinality(self):
        counts = [d._cardinality() for d in structure.flatten(self._datasets)]
        finite = [c for c in counts if c >= 0]
        if finite:
            return min(finite)
        return UNKNOWN_CARDINALITY if UNKNOWN_CARDINALITY in counts else INFINITE_CARDINALITY


class ConcatenateDataset(Dataset):
    def __init__(self, first, second):
        self._first, self._second = first, second

    def _iterate(self):
        yield from self._first
        yield from self._second

    def _cardinality(self):
        a, b = self._first._cardinality(), self._second._cardinality()
        if INFINITE_CARDINALITY in (a, b):
            return INFINITE_CARDINALITY
        return a + b if a >= 0 and b >= 0 else UNKNOWN_CARDINALITY


class InterleaveDataset(Dataset):
    """``cycle_length`` inner datasets open at once, ``block_length`` elements from each in turn."""

    def __init__(self, source, fn, cycle_length, block_length):
        self._source, self._fn = source, fn
        self._cycle, self._block = max(1, cycle_length), max(1, block_length)

    def _open(self, element):
        inner = _call(self._fn, element)
        if not isinstance(inner, Dataset):
            raise TypeError(f"flat_map / interleave: map_func must return a Dataset; it returned "
                            f"{type(inner).__name__}.")
        return iter(inner)

    def _iterate(self):
        outer = iter(self._source)
        active = []
        for element in outer:
            active.append(self._open(element))
            if len(active) == self._cycle:
                break
        while active:
            for it in list(active):
                for _ in range(self._block):
                    value = next(it, _END)
                    if value is _END:
                        active.remove(it)
                        nxt = next(outer, _END)
                        if nxt is not _END:
                            active.insert(len(active), self._open(nxt))
                        break
                    yield value

    def _cardinality(self):
        return UNKNOWN_CARDINALITY


class SampleDataset(Dataset):
    def __init__(self, datasets, weights, seed, stop_on_empty):
        self._datasets = datasets
        w = np.ones(len(datasets)) if weights is None else np.asarray(
            weights.tolist() if isinstance(weights, torch.Tensor) else weights, dtype=float)
        self._weights = w / w.sum()
        self._seed, self._stop = seed, stop_on_empty

    def _iterate(self):
        rng = np.random.default_rng(self._seed)
        its = [iter(d) for d in self._datasets]
        weights = self._weights.copy()
        while weights.sum() > 0:
            k = rng.choice(len(its), p=weights / weights.sum())
            value = next(its[k], _END)
            if value is _END:
                if self._stop:
                    return
                weights[k] = 0
                continue
            yield value
