"""``BatchedDataset``: what ``image_dataset_from_directory`` & co return without TensorFlow.

A torch ``IterableDataset`` whose items are whole batches (tuples of CPU tensors, or numpy arrays
of strings for text), freshly loaded on each pass, reshuffled each epoch when asked. ``fit``,
``evaluate`` and ``predict`` take it as it is; ``for x, y in ds`` iterates it. The few ``tf.data``
methods tutorials call on these datasets are here too: ``take``, ``skip``, ``map``, ``unbatch``,
``as_numpy_iterator``, ``cardinality``, and ``prefetch`` / ``cache`` (which change nothing).

Example::

    >>> ds = BatchedDataset(n=10, load=lambda idx: (np.asarray(idx), np.asarray(idx) * 2), batch_size=4)
    >>> [x.tolist() for x, _ in ds]
    [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch.utils.data import IterableDataset


def _as_batch_value(v):
    """numpy numbers -> a CPU tensor (Keras's dtypes kept); strings stay a numpy array of str."""
    if isinstance(v, torch.Tensor):
        return v
    a = np.asarray(v)
    if a.dtype.kind in "OSU":
        return a.astype(object)
    return torch.from_numpy(np.ascontiguousarray(a))


class BatchedDataset(IterableDataset):
    """Batches of ``load(indices)`` over ``n`` samples. ``shuffle`` draws a new order each epoch
    (the first from ``seed``, so it is reproducible); ``batch_size=None`` yields single samples."""

    _kfunc_batched = True  # fit must not re-batch it with a DataLoader

    def __init__(self, n, load, batch_size=32, shuffle=False, seed=None, transforms=(), order=None):
        self.n, self._load, self.batch_size = n, load, batch_size
        self.shuffle, self.seed = shuffle, seed
        self._transforms = tuple(transforms)  # map() functions, applied in order to each batch
        self._order = order  # a fixed subset/order of sample indices (take/skip build these)
        self._epoch = 0

    def _indices(self):
        idx = np.arange(self.n) if self._order is None else np.asarray(self._order)
        if self.shuffle:
            seed = None if self.seed is None else self.seed + self._epoch
            idx = idx[np.random.RandomState(seed).permutation(len(idx))]
        self._epoch += 1
        return idx

    def __len__(self):
        count = self.n if self._order is None else len(self._order)
        return count if self.batch_size is None else math.ceil(count / self.batch_size)

    def __iter__(self):
        idx = self._indices()
        step = self.batch_size or 1
        for start in range(0, len(idx), step):
            part = idx[start:start + step]
            batch = self._load(part)
            batch = tuple(_as_batch_value(v) for v in batch) if isinstance(batch, tuple) else _as_batch_value(batch)
            if self.batch_size is None:  # single samples: drop the batch axis
                batch = tuple(v[0] for v in batch) if isinstance(batch, tuple) else batch[0]
            for fn in self._transforms:
                batch = fn(*batch) if isinstance(batch, tuple) else fn(batch)
            yield batch

    def _derived(self, **changes):
        out = object.__new__(type(self))
        out.__dict__.update(self.__dict__)
        out.__dict__.update(changes)
        return out

    # ------------------------------------------------------------------ tf.data-style helpers
    def map(self, fn, num_parallel_calls=None, deterministic=None):
        """A dataset whose batches are ``fn(*batch)``. Example: ``ds.map(lambda x, y: (x / 255, y))``."""
        return self._derived(_transforms=self._transforms + (fn,))

    def take(self, count):
        """The first ``count`` batches (a fixed sample order: taken before any shuffle)."""
        return self._batch_window(0, count)

    def skip(self, count):
        """All but the first ``count`` batches."""
        return self._batch_window(count, None)

    def _batch_window(self, first, count):
        idx = np.arange(self.n) if self._order is None else np.asarray(self._order)
        step = self.batch_size or 1
        stop = None if count is None or count < 0 else (first + count) * step
        return self._derived(_order=idx[first * step:stop], shuffle=False)

    def unbatch(self):
        """Single samples, one at a time (a plain generator over the batches)."""
        for batch in self:
            parts = batch if isinstance(batch, tuple) else (batch,)
            for i in range(len(parts[0])):
                yield tuple(p[i] for p in parts) if isinstance(batch, tuple) else batch[i]

    def as_numpy_iterator(self):
        """The batches with tensors turned into numpy arrays."""
        for batch in self:
            conv = lambda v: v.numpy() if isinstance(v, torch.Tensor) else v  # noqa: E731
            yield tuple(conv(v) for v in batch) if isinstance(batch, tuple) else conv(batch)

    def cardinality(self):
        """The number of batches (``len(ds)``), as tf.data reports it."""
        return len(self)

    def prefetch(self, buffer_size=None):
        """Returns the dataset: batches are loaded when asked for (no background queue here)."""
        return self

    def cache(self, filename=""):
        """Returns the dataset unchanged (files are read again on each pass)."""
        return self

    def __repr__(self):
        return (f"<BatchedDataset: {len(self)} batches of {self.batch_size} from {self.n} samples"
                + (f", classes {self.class_names}" if getattr(self, "class_names", None) else "") + ">")
