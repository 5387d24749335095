"""Each rank's part of every global batch.

``batch_size`` is the global batch, as in Keras 3's data parallelism: every step all ranks walk the
same global batches (one order, from a seed shared by the group, drawn anew each epoch as
``DistributedSampler.set_epoch`` does) and rank ``r`` of ``W`` takes rows ``r, r + W, ...`` of it.
Nothing is padded or repeated: in a last, short batch a rank may get fewer rows (or none), and the
gradient and the logged means are weighted by rows (``collectives.py``), so W processes compute
what one process computes on the global batches.

A ``Sequence``/``PyDataset`` (indexable batches) is split by batch index: rank ``r`` takes batches
``r, r + W, ...``; a rank short of a batch takes an empty one, so every rank runs the same number
of steps. A ``DataLoader`` whose sampler is a ``DistributedSampler`` is already one rank's part and
is used as it is; other DataLoaders are split by batch index like Sequences (each rank still
iterates them in full). Plain generators cannot be split: ``shard`` raises, saying what to pass.

Example::

    >>> part = shard(ArrayData(model, x, y, batch_size=64), rank=1, world=2, seed=7)
    >>> for xs, ys, sws in part.batches(shuffle=True): ...   # 32 rows of each global batch of 64
"""
from __future__ import annotations

import math

import torch


class ShardedArrays:
    """One rank's rows of every global batch of in-memory data (an ``ArrayData``)."""

    def __init__(self, data, rank: int, world: int, seed: int):
        self.data, self.rank, self.world, self.seed = data, rank, world, seed
        self.n, self.batch_size = data.n, data.batch_size
        self._epoch = 0

    def steps(self):
        return self.data.steps()

    def _generator(self):
        # The same stream on every rank: the group's seed and the number of passes so far.
        g = torch.Generator()
        g.manual_seed(self.seed * 1_000_003 + self._epoch)
        self._epoch += 1
        return g

    def batches(self, shuffle=False, steps=None):
        d, r, w = self.data, self.rank, self.world
        bs, n = d.batch_size, d.n
        n_batches = math.ceil(n / bs)
        total = n_batches if steps is None else steps
        perm = order = None
        if shuffle:
            g = self._generator()
            if shuffle == "batch":  # Keras 2: whole batches shuffled
                order = torch.randperm(n_batches, generator=g).tolist()
            else:
                perm = torch.randperm(n, generator=g).to(d.device)
        order = order if order is not None else range(n_batches)
        produced = 0
        while produced < total:
            for b in order:
                if produced >= total:
                    return
                if perm is not None:
                    idx = perm[b * bs:(b + 1) * bs][r::w]
                    take = lambda t: t.index_select(0, idx)
                else:
                    sl = slice(b * bs + r, min((b + 1) * bs, n), w)
                    take = lambda t: t[sl]
                yield ([take(t) for t in d.xs],
                       None if d.ys is None else [None if t is None else take(t) for t in d.ys],
                       None if d.sws is None else [None if t is None else take(t) for t in d.sws])
                produced += 1


def _empty(batch):
    xs, ys, sws = batch
    cut = (lambda ts: None if ts is None else [None if t is None else t[:0] for t in ts])
    return cut(xs), cut(ys), cut(sws)


class ShardedBatches:
    """One rank's batches of an indexable source (Sequence, PyDataset) or a DataLoader, by batch index."""

    def __init__(self, data, rank: int, world: int, seed: int):
        self.data, self.rank, self.world, self.seed = data, rank, world, seed
        self.batch_size = getattr(data, "batch_size", None)
        self._epoch = 0

    def steps(self):
        total = self.data.steps()
        return None if total is None else math.ceil(total / self.world)

    def batches(self, shuffle=False, steps=None):
        d, r, w = self.data, self.rank, self.world
        if d.is_sequence:
            yield from self._sequence(shuffle, steps)
            return
        # A DataLoader: every rank iterates it in full (the same order needs a seeded sampler) and
        # keeps batches r, r + W, ...; the last round is completed with empty batches.
        count, last, mine = 0, None, None
        limit = None if steps is None else steps * w
        for k, batch in enumerate(d.batches(False, limit)):
            if k % w == r:
                mine = batch
            last = batch
            if k % w == w - 1:
                yield mine
                count += 1
                mine = None
        if last is not None and (count * w) < (k + 1):
            yield mine if mine is not None else _empty(last)

    def _sequence(self, shuffle, steps):
        d, r, w = self.data, self.rank, self.world
        src = d.source
        n = len(src)
        order = list(range(n))
        if shuffle:
            g = torch.Generator()
            g.manual_seed(self.seed * 1_000_003 + self._epoch)
            order = [order[i] for i in torch.randperm(n, generator=g).tolist()]
        self._epoch += 1
        rounds = math.ceil(n / w)
        if steps is not None:
            rounds = min(rounds, steps)
        for k in range(rounds):
            i = k * w + r
            if i < n:
                yield d._convert(src[order[i]])
            else:  # this rank is short of a batch: an empty one keeps the ranks in step
                yield _empty(d._convert(src[order[-1]]))
        if hasattr(src, "on_epoch_end"):
            src.on_epoch_end()


def shard(data, rank: int, world: int, seed: int, what: str = "fit()"):
    """This rank's part of ``data`` (see the module docstring), or a ValueError for an unsplittable source."""
    from ..engine import data_adapter as _data
    if data is None:
        return None
    if isinstance(data, _data.ArrayData):
        return ShardedArrays(data, rank, world, seed)
    from torch.utils.data import DataLoader
    from torch.utils.data.distributed import DistributedSampler
    src = getattr(data, "source", None)
    if isinstance(src, DataLoader) and isinstance(getattr(src, "sampler", None), DistributedSampler):
        return data  # already this rank's part
    if isinstance(src, DataLoader) or getattr(data, "is_sequence", False):
        return ShardedBatches(data, rank, world, seed)
    raise ValueError(
        f"{what} under data parallelism ({world} processes) received a {type(src).__name__}, which cannot be "
        "split between the processes (each would train on all of it). Pass numpy arrays or tensors, a "
        "keras.utils.Sequence / PyDataset, or a torch DataLoader with a DistributedSampler; or run one process.")
