"""``Replicas``: what ``fit``/``evaluate``/``predict`` do differently on one rank of a process group.

The trainer asks ``replicas(model)`` once per call (None with one process) and then:

- shards its data (``sharding.py``; ``batch_size`` is the global batch),
- trains with ``train_step``: the model's own forward and loss, then the gradients summed over the
  ranks weighted by rows (``collectives.GradientSync``) before the optimizer step,
- reads the epoch's logs inside ``reduced(model)``, so every rank logs the group's loss and metrics,
- keeps the progress bar and the writing callbacks on rank 0 only (``for_this_rank``).

Example::

    >>> rep = replicas(model)                   # under torchrun --nproc_per_node 2
    >>> train = rep.shard(train_data, "fit()")  # this rank's half of every global batch
"""
from __future__ import annotations

import weakref

import torch
import torch.distributed as dist

from . import collectives, context
from .sharding import shard

# Callbacks whose only effect is output (a file, the terminal): rank 0 runs them, the others skip them.
_WRITERS = ("ProgbarLogger", "ModelCheckpoint", "CSVLogger", "TensorBoard")


class Replicas:
    """This process's place in the group and the per-model state data parallelism needs."""

    def __init__(self, model):
        self.rank, self.world = dist.get_rank(), dist.get_world_size()
        self.device = context.local_device(model)
        if model._device() != self.device:
            model.to(self.device)  # NCCL: this rank's GPU
        self._metric_states = {}
        self._sync = None

    # ------------------------------------------------------------------ data
    def new_seed(self) -> int:
        """A shuffling seed drawn on rank 0 and shared, once per fit (the order is the group's)."""
        seed = torch.randint(0, 2 ** 31 - 1, (1,), dtype=torch.int64).to(self.device)
        dist.broadcast(seed, src=0)
        return int(seed)

    def shard(self, data, what, seed=0):
        return shard(data, self.rank, self.world, seed, what)

    # ------------------------------------------------------------------ training
    def begin_fit(self, model):
        collectives.broadcast_weights(model)

    def end_epoch(self, model):
        collectives.average_non_trainable(model)

    def train_step(self, model):
        """The train step for this rank: forward and loss on its rows, summed gradients, one step."""
        self._sync = collectives.GradientSync([p for p in model.trainable_weights if p.requires_grad])
        sync = self._sync

        def step(xs, ys, sws):
            opt = model.optimizer
            rows = xs[0].shape[0]
            outs = total = parts = None
            if rows:  # a rank with no rows in a short last batch only takes part in the sums
                outs, total, parts = model._loss_fn(xs, ys, sws)
            sync.zero_grad()  # the gradients live in the all-reduce buffers
            scaler = model._scaler
            if rows:
                weighted = total * rows  # the gradient of the global mean: see collectives.py
                (scaler.scale(weighted) if scaler is not None else weighted).backward()
            sync(rows)
            if scaler is not None:
                scaler.step(opt)
                scaler.update()
            else:
                opt.step()
            if model._constraint_terms:
                with torch.no_grad():
                    for layer, attr, fn in model._constraint_terms:
                        p = getattr(layer, attr)
                        p.copy_(fn(p))
            return outs, total, parts

        return step

    # ------------------------------------------------------------------ logs
    def reduced(self, model):
        return collectives.reduced_trackers(model, self.device, self._metric_states)

    def end_fit(self):
        dist.barrier()  # rank 0's files (checkpoints, backups) are complete before any rank goes on

    # ------------------------------------------------------------------ predict
    def predict_part(self, data):
        """This rank's contiguous block of rows of an ``ArrayData`` (rank order is row order), with the
        global batch split between the ranks."""
        n, m = data.n, -(-data.n // self.world)
        lo, hi = min(n, self.rank * m), min(n, (self.rank + 1) * m)
        part = object.__new__(type(data))
        part.__dict__.update(data.__dict__)
        part.xs, part.n = [t[lo:hi] for t in data.xs], hi - lo
        part.batch_size = max(1, -(-data.batch_size // self.world))
        part.n_total = n
        return part

    def gather_predictions(self, model, part, chunks):
        """Every rank's outputs, all rows in order, on every rank (a list of tensors, one per output)."""
        if chunks is None:  # no rows here: the outputs' shapes from an empty batch
            chunks = [[o] for o in model._outputs_list(model._run_model([t[:0] for t in part.xs], None))]
        local = [torch.cat(c) for c in chunks]
        return collectives.gather_rows(local, part.n_total, self.world)

    # ------------------------------------------------------------------ callbacks
    def for_this_rank(self, verbose, callbacks):
        """Rank 0 keeps everything; the others print nothing and skip the writing callbacks."""
        if self.rank == 0:
            return verbose, callbacks
        kept = []
        for cb in callbacks or []:
            name = type(cb).__name__
            if name in _WRITERS:
                continue
            kept.append(_RestoreOnly(cb) if name == "BackupAndRestore" else cb)
        return 0, kept


def _restore_only_class():
    from ..callbacks import Callback

    class RestoreOnly(Callback):
        """BackupAndRestore on a rank other than 0: restores with rank 0, never writes or deletes."""

        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def set_model(self, model):
            super().set_model(model)
            self.inner.set_model(model)

        def set_params(self, params):
            super().set_params(params)
            self.inner.set_params(params)

        def on_train_begin(self, logs=None):
            self.inner.on_train_begin(logs)

    return RestoreOnly


def _RestoreOnly(cb):
    return _restore_only_class()(cb)


def replicas(model):
    """The model's ``Replicas`` when a group of several processes runs (started from torchrun's
    environment on first use), else None. Cached on the model; cheap when there is no group."""
    if not (context.is_distributed() or (context.launched_by_torchrun() and context.initialize())):
        return None
    rep = _BY_MODEL.get(model)
    if rep is None or rep.world != dist.get_world_size():
        rep = Replicas(model)
        _BY_MODEL[model] = rep  # beside the model, not in it: pickling and saving never see it
        model._train_fn = None  # the next fit prepares the replicated step
    return rep


_BY_MODEL: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
