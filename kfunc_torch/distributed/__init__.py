"""Data parallelism across processes and machines, on torch.distributed (torchrun, gloo, NCCL).

Launch the same script once per device with ``torchrun``; ``fit``/``evaluate``/``predict`` find the
process group (started by the user, by ``initialize()``, or from torchrun's environment on the first
call) and then:

- ``batch_size`` is the global batch: each of the W ranks takes ``batch_size / W`` rows of every
  global batch (numpy/tensor/list/dict data; Sequences and DataLoaders by batch index, a DataLoader
  with a ``DistributedSampler`` as it is; plain generators are refused);
- gradients are summed over the ranks in flat buckets, weighted by rows, so the update is the one a
  single process computes on the global batch; every rank starts from rank 0's weights;
- the logged loss and metrics (training, validation, ``evaluate``) are the group's, equal on every
  rank; ``predict`` returns all rows, in order, on every rank;
- only rank 0 prints the progress bar and runs ModelCheckpoint, CSVLogger and TensorBoard; every
  rank restores from BackupAndRestore, only rank 0 writes it; ``model.save`` writes on rank 0 only.

Example::

    # torchrun --nproc_per_node 2 train.py
    model.fit(x, y, batch_size=64, epochs=3)      # each process: 32 rows of every batch of 64
    from kfunc_torch import distributed
    if distributed.is_main_process():
        print("done")
"""
from .context import (barrier, initialize, is_distributed, is_main_process, launched_by_torchrun, rank,
                      world_size)


def replicas(model):
    """The model's per-rank state under a process group of several processes, else None (see replica.py)."""
    if not (is_distributed() or launched_by_torchrun()):
        return None  # the common case: no group, no import of the machinery
    from .replica import replicas as _replicas
    return _replicas(model)


__all__ = ["barrier", "initialize", "is_distributed", "is_main_process", "launched_by_torchrun", "rank",
           "world_size"]
