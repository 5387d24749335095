"""``tf.data.Dataset``: an iterable of elements, re-iterable (each ``iter()`` is a fresh pass, reshuffled
when asked), with TensorFlow's transformations: ``map``, ``filter``, ``batch``, ``padded_batch``,
``unbatch``, ``shuffle``, ``repeat``, ``take``, ``skip``, ``prefetch``, ``cache``, ``zip``,
``concatenate``, ``enumerate``, ``flat_map``, ``interleave``, ``reduce``, ``as_numpy_iterator``,
``cardinality``. ``fit``/``evaluate``/``predict`` take a dataset as they take a generator of batches:
each element is one batch, ``(x, y[, sample_weight])`` or ``x``.

Example::

    >>> ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(1024).batch(64)
    >>> model.fit(ds, epochs=3)
    >>> [b.tolist() for b in tf.data.Dataset.range(5).batch(2)]
    [[0, 1], [2, 3], [4]]
"""
from __future__ import annotations

import numpy as np
import torch

from . import structure

AUTOTUNE = -1
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2


class Dataset:
    """The base of every dataset here: subclasses give ``_iterate()`` (a generator of elements) and
    ``_cardinality()``; the transformations below wrap them."""

    # ------------------------------------------------------------------ sources (see sources.py)
    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """One element per row of ``tensors`` (a tensor, array, or tuple / dict of them)."""
        from .sources import TensorSliceDataset
        return TensorSliceDataset(tensors)

    @staticmethod
    def from_tensors(tensors, name=None):
        """A dataset of one element, ``tensors`` itself."""
        from .sources import TensorDataset
        return TensorDataset(tensors)

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None, output_signature=None,
                       name=None):
        """Elements from ``generator()`` (called afresh on each pass), converted to ``output_signature``'s
        (or ``output_types``') dtypes and checked against its shapes."""
        from .sources import GeneratorDataset
        return GeneratorDataset(generator, output_types, output_shapes, args, output_signature)

    @staticmethod
    def range(*args, output_type=None, name=None):  # noqa: A003  TensorFlow's name
        """``range(stop)``, ``range(start, stop[, step])`` as int64 scalars."""
        from .sources import RangeDataset
        return RangeDataset(*args, output_type=output_type)

    @staticmethod
    def zip(*datasets, name=None):
        """Elements ``(a, b, ...)`` from datasets walked together (a tuple or dict of datasets; stops at
        the shortest)."""
        from .transforms import ZipDataset
        if len(datasets) == 1 and isinstance(datasets[0], (tuple, dict)):
            datasets = datasets[0]
        return ZipDataset(datasets)

    @staticmethod
    def sample_from_datasets(datasets, weights=None, seed=None, stop_on_empty_dataset=False,
                             rerandomize_each_iteration=None):
        from .transforms import SampleDataset
        return SampleDataset(list(datasets), weights, seed, stop_on_empty_dataset)

    # ------------------------------------------------------------------ what subclasses give
    def _iterate(self):
        raise NotImplementedError

    def _cardinality(self) -> int:
        return UNKNOWN_CARDINALITY

    # ------------------------------------------------------------------ iteration
    def __iter__(self):
        return iter(self._iterate())

    def as_numpy_iterator(self):
        """The elements with tensors as numpy arrays (strings as they are)."""
        for element in self:
            yield structure.map_leaves(_to_numpy, element)

    def as_numpy(self):
        return list(self.as_numpy_iterator())

    def __bool__(self):
        return True

    def __len__(self):
        n = self._cardinality()
        if n == INFINITE_CARDINALITY:
            raise TypeError("The dataset is infinite (repeat() without a count). fit/evaluate/predict need "
                            "steps_per_epoch / steps for it; len() needs a finite dataset.")
        if n == UNKNOWN_CARDINALITY:
            raise TypeError("The dataset length is unknown (filter() or a generator decide it); iterate it to "
                            "count, or use dataset.apply(tf.data.experimental.assert_cardinality(n)).")
        return n

    def cardinality(self):
        """The number of elements as an int64 scalar tensor; -1 infinite, -2 unknown."""
        return torch.tensor(self._cardinality(), dtype=torch.int64)

    @property
    def element_spec(self):
        """The structure of ``tf.TensorSpec``s of the elements (read from the first element)."""
        from ..tensors import TensorSpec
        first = next(iter(self), None)
        if first is None:
            raise ValueError("element_spec of an empty dataset is not known here (no element to read it from).")
        spec = structure.map_leaves(lambda v: TensorSpec.from_tensor(v) if isinstance(v, torch.Tensor)
                                    else TensorSpec((), "string"), first)
        return self._adjust_spec(spec)

    def _adjust_spec(self, spec):
        return spec

    def get_single_element(self, name=None):
        it = iter(self)
        first = next(it, _END)
        if first is _END or next(it, _END) is not _END:
            raise ValueError("get_single_element() needs a dataset of exactly one element.")
        return first

    # ------------------------------------------------------------------ transformations (transforms.py)
    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """``map_func(*element)`` for tuple elements, ``map_func(element)`` otherwise."""
        from .transforms import MapDataset
        return MapDataset(self, map_func)

    def filter(self, predicate, name=None):
        from .transforms import FilterDataset
        return FilterDataset(self, predicate)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None, deterministic=None, name=None):
        """Consecutive elements stacked into batches of ``batch_size`` (the last may be smaller)."""
        from .transforms import BatchDataset
        return BatchDataset(self, int(batch_size), bool(drop_remainder))

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None, drop_remainder=False, name=None):
        """Batches whose elements are padded (at the end of each axis) to the longest, or to ``padded_shapes``."""
        from .transforms import PaddedBatchDataset
        return PaddedBatchDataset(self, int(batch_size), padded_shapes, padding_values, bool(drop_remainder))

    def unbatch(self, name=None):
        from .transforms import UnbatchDataset
        return UnbatchDataset(self)

    def rebatch(self, batch_size, drop_remainder=False, name=None):
        return self.unbatch().batch(batch_size, drop_remainder)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None):
        """TensorFlow's buffered shuffle: keep ``buffer_size`` elements, emit a random one, refill."""
        from .transforms import ShuffleDataset
        return ShuffleDataset(self, int(buffer_size), seed, True if reshuffle_each_iteration is None
                              else bool(reshuffle_each_iteration))

    def repeat(self, count=None, name=None):
        """The dataset ``count`` times (forever without a count, or with -1)."""
        from .transforms import RepeatDataset
        return RepeatDataset(self, None if count is None or int(count) < 0 else int(count))

    def take(self, count, name=None):
        """The first ``count`` elements (all with -1)."""
        from .transforms import TakeDataset
        return TakeDataset(self, int(count))

    def skip(self, count, name=None):
        from .transforms import SkipDataset
        return SkipDataset(self, int(count))

    def shard(self, num_shards, index, name=None):
        from .transforms import ShardDataset
        return ShardDataset(self, int(num_shards), int(index))

    def concatenate(self, dataset, name=None):
        from .transforms import ConcatenateDataset
        return ConcatenateDataset(self, dataset)

    def enumerate(self, start=0, name=None):
        """Elements ``(index, element)``, the index an int64 scalar."""
        return Dataset.zip((Dataset.range(int(start), np.iinfo(np.int64).max), self))

    def flat_map(self, map_func, name=None):
        """The elements of the datasets ``map_func`` returns, one dataset after another."""
        from .transforms import InterleaveDataset
        return InterleaveDataset(self, map_func, cycle_length=1, block_length=1)

    def interleave(self, map_func, cycle_length=None, block_length=None, num_parallel_calls=None,
                   deterministic=None, name=None):
        """Elements taken in turn, ``block_length`` at a time, from ``cycle_length`` of the datasets that
        ``map_func`` returns."""
        from .transforms import InterleaveDataset
        cycle = 1 if cycle_length in (None, AUTOTUNE) else int(cycle_length)
        return InterleaveDataset(self, map_func, cycle_length=cycle, block_length=int(block_length or 1))

    def reduce(self, initial_state, reduce_func, name=None):
        """``state = reduce_func(state, element)`` over the dataset; the final state."""
        state = initial_state
        for element in self:
            state = reduce_func(state, element)
        return state

    def apply(self, transformation_func):
        return transformation_func(self)

    def prefetch(self, buffer_size, name=None):
        """The dataset itself: elements are made when asked for (no background thread here)."""
        return self

    def cache(self, filename="", name=None):
        """Elements kept in memory after the first complete pass (``filename`` is not written)."""
        from .transforms import CacheDataset
        return CacheDataset(self)

    def with_options(self, options, name=None):
        return self

    def options(self):
        from . import Options
        return Options()

    def __repr__(self):
        n = self._cardinality()
        size = {INFINITE_CARDINALITY: "infinite", UNKNOWN_CARDINALITY: "unknown length"}.get(n, f"{n} elements")
        return f"<{type(self).__name__} ({size})>"


_END = object()


def _to_numpy(v):
    if isinstance(v, torch.Tensor):
        out = v.detach().cpu().numpy()
        return out[()] if out.ndim == 0 else out  # a numpy scalar, as TensorFlow gives
    return v
