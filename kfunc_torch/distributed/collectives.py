"""The communication of data-parallel training: gradients, running sums and predictions.

Gradients: each rank backpropagates ``rows × loss`` (its mean loss over its rows, times its row
count, a host integer), and the gradients are summed over the ranks in flat buckets together with
the row counts; dividing by the summed count (a device scalar: no host sync) gives the gradient of
the mean over the global batch, exactly what one process computes on it, also for a short last
batch. The loss terms that do not depend on rows (``model.losses``, weight regularizers) come out
once, because the row weights sum to the global row count.

Running sums: the logged loss is a batch-size-weighted mean and every Keras metric keeps sums
(totals, counts, confusion counts), so summing the states over the ranks and computing the result
once gives the metric over all rows. This runs once per epoch (and at the end of ``evaluate``).

Example::

    >>> sync = GradientSync(params)
    >>> sync.zero_grad(); (loss * rows).backward(); sync(rows); optimizer.step()
"""
from __future__ import annotations

import contextlib
import numbers

import torch
import torch.distributed as dist

_BUCKET_BYTES = 25 * 1024 * 1024  # DistributedDataParallel's default bucket size


class GradientSync:
    """Sum the gradients of ``params`` over the group, weighted by each rank's rows (see the module).

    Each parameter's ``.grad`` is a view into one flat buffer per bucket (DistributedDataParallel's
    ``gradient_as_bucket_view``): backward accumulates straight into the buffers, which then travel
    as they are, with the row count in their last element; no packing or unpacking copies.
    """

    def __init__(self, params):
        self.params = list(params)
        groups, current, size = [], [], 0
        for p in self.params:  # consecutive parameters of one dtype and device share a bucket
            if current and (size + p.numel() * p.element_size() > _BUCKET_BYTES or
                            p.dtype != current[0].dtype or p.device != current[0].device):
                groups.append(current)
                current, size = [], 0
            current.append(p)
            size += p.numel() * p.element_size()
        if current:
            groups.append(current)
        self.flats, self.pairs = [], []
        for bucket in groups:
            flat = torch.zeros(sum(p.numel() for p in bucket) + 1, dtype=bucket[0].dtype, device=bucket[0].device)
            at = 0
            for p in bucket:
                self.pairs.append((p, flat[at:at + p.numel()].view_as(p)))
                at += p.numel()
            self.flats.append(flat)

    def zero_grad(self) -> None:
        """Zero the buffers and point every ``.grad`` at its view (again, if something replaced it)."""
        for flat in self.flats:
            flat.zero_()
        for p, view in self.pairs:
            if p.grad is not view:
                p.grad = view

    def __call__(self, rows: int) -> None:
        works = []
        for flat in self.flats:
            flat[-1:].fill_(float(rows))
            works.append(dist.all_reduce(flat, async_op=True))  # buckets travel while the next is queued
        for flat, work in zip(self.flats, works):
            work.wait()
            flat[:-1].div_(flat[-1:].clamp_min(1))  # a device scalar: no host sync


def broadcast_weights(model) -> None:
    """Every rank starts from rank 0's weights (trainable and not), whatever each rank initialised."""
    with torch.no_grad():
        for p in model.parameters():
            dist.broadcast(p.data, src=0)


def average_non_trainable(model) -> None:
    """Non-trainable floating weights (BatchNormalization's moving statistics, updated from each rank's
    rows) averaged over the group, as Keras's distribution strategies aggregate them on read."""
    ps = [p for p in model.parameters() if not p.requires_grad and p.is_floating_point()]
    if not ps:
        return
    with torch.no_grad():
        flat = torch.cat([p.data.reshape(-1).float() for p in ps])
        dist.all_reduce(flat)
        flat /= dist.get_world_size()
        at = 0
        for p in ps:
            p.data.copy_(flat[at:at + p.numel()].view_as(p))
            at += p.numel()


# ---------------------------------------------------------------- running sums
_SENTINEL = object()


def _state_names(metric, cache):
    """The attributes ``reset_state`` assigns: the metric's accumulators (found once per metric)."""
    names = cache.get(type(metric))
    if names is None:
        import copy
        probe = copy.copy(metric)
        candidates = [k for k, v in vars(metric).items()
                      if v is None or isinstance(v, (numbers.Number, torch.Tensor))]
        for k in candidates:
            probe.__dict__[k] = _SENTINEL
        try:
            probe.reset_state()
            names = [k for k in candidates if probe.__dict__.get(k) is not _SENTINEL]
        except Exception:  # a reset_state that reads its own state: every number and tensor counts
            names = candidates
        cache[type(metric)] = names
    return names


def _describe(v):
    if v is None:
        return None
    if isinstance(v, torch.Tensor):
        return ("t", tuple(v.shape), v.dtype)
    return ("n",)


@contextlib.contextmanager
def reduced_trackers(model, device, cache):
    """Within the block, the model's running loss sums and metric states are the group's sums."""
    multi = model._compiled_loss.multi
    width = 1 + len(model._compiled_loss.entries) if multi else 1
    slots = [(model, "_loss_sum"), (model, "_loss_count")]
    for e in model._metric_entries:
        slots += [(e.metric, k) for k in _state_names(e.metric, cache)]
    saved = [getattr(o, k) for o, k in slots]
    # Shapes can differ where a rank saw no rows (a state still None): agree on them first.
    descs = [_describe(v) for v in saved]
    descs[0] = ("t", () if not multi else (width,), torch.float32)
    every = [None] * dist.get_world_size()
    dist.all_gather_object(every, descs)
    merged = [next((d[i] for d in every if d[i] is not None and d[i][0] == "t"),
                   next((d[i] for d in every if d[i] is not None), None)) for i in range(len(descs))]
    parts = []
    for v, d in zip(saved, merged):
        if d is None:
            continue
        if v is None:
            v = torch.zeros(d[1], device=device) if d[0] == "t" else 0.0
        parts.append(torch.as_tensor(v, dtype=torch.float64, device=device).reshape(-1)
                     if d[0] == "t" else torch.tensor([float(v)], dtype=torch.float64, device=device))
    flat = torch.cat(parts) if parts else torch.zeros(0, dtype=torch.float64, device=device)
    dist.all_reduce(flat)
    at = 0
    try:
        for (o, k), d in zip(slots, merged):
            if d is None:
                continue
            if d[0] == "t":
                n = 1
                for s in d[1]:
                    n *= s
                setattr(o, k, flat[at:at + n].reshape(d[1]).to(d[2]))
            else:
                n = 1
                setattr(o, k, float(flat[at]))
            at += n
        model._loss_count = int(round(model._loss_count)) if model._loss_count else 0
        if not model._loss_count:
            model._loss_sum = None
        yield
    finally:
        for (o, k), v in zip(slots, saved):
            setattr(o, k, v)


# ---------------------------------------------------------------- predictions
def gather_rows(chunks_per_output, n_total, world):
    """Concatenate each output's per-rank row blocks in rank order (every rank gets all rows)."""
    out = []
    for t in chunks_per_output:
        m = -(-n_total // world)  # rows per rank, padded to the same length for all_gather
        pad = m - t.shape[0]
        if pad:
            t = torch.cat([t, t.new_zeros((pad,) + tuple(t.shape[1:]))])
        got = [torch.empty_like(t) for _ in range(world)]
        dist.all_gather(got, t.contiguous())
        out.append(torch.cat(got)[:n_total] if n_total % world == 0 else
                   torch.cat([g[:max(0, min(m, n_total - i * m))] for i, g in enumerate(got)]))
    return out
