"""Confusion-matrix metrics: ``Precision``, ``Recall``, ``TruePositives`` ... ``FalseNegatives``, with Keras 3's
thresholds lists, ``top_k`` and ``class_id``; counts accumulated on the device.

Example::

    >>> model.compile("adam", "binary_crossentropy", metrics=[Precision(thresholds=[0.3, 0.7])])
"""
from __future__ import annotations

import numpy as np
import torch

from .base import Metric

_NEG_INF = -1e10  # Keras's NEG_INF: the default threshold with top_k, and what top_k gives the other entries
_EPS = 1e-7       # Keras's backend.epsilon(), the tolerance of its "evenly spaced thresholds" test


def _same_rank(x1, x2, expand_rank_1=True):
    """Keras's squeeze-or-expand: when the ranks differ by one and the longer ends in 1, squeeze it (or, if the
    other is rank 1 and ``expand_rank_1``, expand that one instead)."""
    if x1.dim() == x2.dim() + 1 and x1.shape[-1] == 1:
        if x2.dim() == 1 and expand_rank_1:
            x2 = x2.unsqueeze(-1)
        else:
            x1 = x1.squeeze(-1)
    if x2.dim() == x1.dim() + 1 and x2.shape[-1] == 1:
        if x1.dim() == 1 and expand_rank_1:
            x1 = x1.unsqueeze(-1)
        else:
            x2 = x2.squeeze(-1)
    return x1, x2


def _parse_thresholds(thresholds, default):
    """``thresholds`` as a list of floats (a float is a one-element list), each checked to lie in [0, 1]."""
    if thresholds is None:
        return [float(default)]
    if hasattr(thresholds, "tolist") and not isinstance(thresholds, (list, tuple)):
        thresholds = thresholds.tolist()  # a numpy array or tensor
    values = list(thresholds) if isinstance(thresholds, (list, tuple)) else [thresholds]
    bad = [t for t in values if t is None or not 0 <= t <= 1]
    if bad:
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {bad}")
    return [float(t) for t in values]


def _div_no_nan(x, y):
    zero = y == 0
    return torch.where(zero, torch.zeros_like(x), x / torch.where(zero, torch.ones_like(y), y))


class _ConfusionMetric(Metric):
    """Weighted confusion-matrix counts at one or more thresholds, with Keras 3's semantics.

    Per batch: targets are cast to bool (any non-zero is positive); targets, outputs and ``sample_weight`` are
    squeezed/expanded to the same rank as Keras does; ``top_k`` keeps the k largest outputs of each row (last
    axis) and sets the others to -1e10; ``class_id`` keeps only that column; then everything is flattened and
    an output counts as positive at threshold t when it is ``> t``. The counts of one batch come from one
    ``scatter_add`` into per-threshold bins and a cumulative sum (no loop over thresholds, no host sync); they are
    added out of place into tensors on the data's device. Evenly spaced thresholds (0, 1/(n-1), ..., 1; n >= 3)
    are binned by arithmetic on the outputs clipped to [0, 1], as Keras does for them.
    """

    _COUNTS = ()  # which of "tp", "fp", "tn", "fn" the metric keeps

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        self.init_thresholds, self.top_k, self.class_id = thresholds, top_k, class_id
        default = 0.5 if top_k is None else _NEG_INF
        self._thr_list = _parse_thresholds(thresholds, default)
        # The value given (or the default) as the attribute: a float stays a float, a list a list.
        self.thresholds = default if thresholds is None else thresholds
        n = len(self._thr_list)
        self._evenly = n >= 3 and bool(np.allclose(self._thr_list, np.arange(n, dtype=np.float32) / (n - 1),
                                                   atol=_EPS))
        order = sorted(range(n), key=lambda i: self._thr_list[i])
        self._sorted_thr = [self._thr_list[i] for i in order]
        inverse = [0] * n
        for rank, i in enumerate(order):
            inverse[i] = rank
        self._inverse = None if inverse == list(range(n)) else inverse
        self._cache = {}  # device -> (sorted thresholds, inverse permutation) as tensors
        super().__init__(name=name)

    def reset_state(self):
        """Forget the counts (re-created on the next batch's device)."""
        self.true_positives = self.false_positives = self.true_negatives = self.false_negatives = None

    def _on(self, device):
        got = self._cache.get(device)
        if got is None:
            thr = torch.tensor(self._sorted_thr, dtype=torch.float32, device=device)
            inv = None if self._inverse is None else torch.tensor(self._inverse, dtype=torch.long, device=device)
            got = self._cache[device] = (thr, inv)
        return got

    def _batch_counts(self, y_true, y_pred, sample_weight):
        """One batch's weighted counts at every threshold (in the order given): {"tp": (T,), ...}."""
        y_pred = torch.as_tensor(y_pred)
        device = y_pred.device
        p = y_pred.detach().to(torch.float32)
        t = torch.as_tensor(y_true, device=device).detach().to(torch.float32)
        p, t = _same_rank(p, t)
        w = None
        if sample_weight is not None:
            w = torch.as_tensor(sample_weight, device=device).detach().to(torch.float32).unsqueeze(-1)
            if w.dim() == t.dim() + 1 and w.shape[-1] == 1:
                w = w.squeeze(-1)
        if self.top_k is not None:
            idx = torch.topk(p, self.top_k, dim=-1).indices
            keep = torch.zeros(p.shape, dtype=torch.bool, device=device).scatter_(-1, idx, True)
            p = torch.where(keep, p, torch.full_like(p, _NEG_INF))
        if self.class_id is not None:
            if p.dim() == 1:
                raise ValueError("When class_id is provided, y_pred must be a 2D array with shape (num_samples, "
                                 f"num_classes), found shape: {tuple(p.shape)}")
            t, p = t[..., self.class_id, None], p[..., self.class_id, None]
        positive = torch.broadcast_to(t != 0, p.shape).reshape(-1)
        w = torch.ones(p.numel(), device=device) if w is None else torch.broadcast_to(w, p.shape).reshape(-1)
        p = p.reshape(-1)
        thr, inv = self._on(device)
        T = thr.shape[0]
        if self._evenly:  # Keras's bucket arithmetic: positive at threshold k when ceil(clip(p) (T-1)) > k
            bins = torch.ceil(p.clamp(0.0, 1.0) * float(T - 1)).long()
        else:             # how many thresholds lie strictly below p: p > thr[j] exactly for j < bins
            bins = torch.searchsorted(thr, p.contiguous(), right=False)
        bins = torch.where(torch.isnan(p), torch.zeros_like(bins), bins)  # NaN is above no threshold
        # One scatter: positives' weights into bins 0..T, negatives' into T+1..2T+1.
        counts = torch.zeros(2 * (T + 1), device=device, dtype=torch.float32)
        counts.scatter_add_(0, bins + (T + 1) * (~positive).long(), w)
        counts = counts.view(2, T + 1)
        above = counts.flip(1).cumsum(1).flip(1)[:, 1:]  # above[:, j]: weight of entries in bins > j
        out = {"tp": above[0], "fp": above[1]}
        if "fn" in self._COUNTS or "tn" in self._COUNTS:
            if self._evenly:  # Keras subtracts from the totals here
                out["fn"], out["tn"] = counts[0].sum() - above[0], counts[1].sum() - above[1]
            else:             # entries in bins <= j: not above threshold j
                below = counts.cumsum(1)[:, :T]
                out["fn"], out["tn"] = below[0], below[1]
        if inv is not None:
            out = {k: v[inv] for k, v in out.items()}
        return out

    @torch.no_grad()
    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch's counts. Example: ``m.update_state(t, p)`` or ``m.update_state(t, p, w)``."""
        counts = self._batch_counts(y_true, y_pred, sample_weight)
        for key, attr in (("tp", "true_positives"), ("fp", "false_positives"), ("tn", "true_negatives"),
                          ("fn", "false_negatives")):
            if key in self._COUNTS:
                old = getattr(self, attr)
                # out of place: a shallow copy of this metric (compile copies instances) keeps its own counts
                setattr(self, attr, counts[key] if old is None else old + counts[key])

    def _value(self, per_threshold):
        """A 0-dim tensor for one threshold, else one value per threshold."""
        return per_threshold[0] if len(self._thr_list) == 1 else per_threshold

    def _zeros(self):
        return torch.zeros(len(self._thr_list))

    def get_config(self):
        """Keras 3's config. Example: ``Precision.from_config(Precision(0.3, top_k=2).get_config())``."""
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_ConfusionMetric):
    """tp / (tp + fp), as ``keras.metrics.Precision(thresholds=None, top_k=None, class_id=None)``.

    ``thresholds``: a float (default 0.5; with ``top_k`` and no thresholds, -1e10: the top-k entries are the
    positives) or a list (then ``result()`` has one value per threshold). ``top_k``: only the k largest outputs
    of each row count as predicted positive. ``class_id``: only that column (last axis) counts.
    Example: ``Precision(top_k=2, class_id=3)``; ``Precision(thresholds=[0.3, 0.5, 0.7]).result().shape == (3,)``.
    """
    _COUNTS = ("tp", "fp")

    def result(self):
        if self.true_positives is None:
            return self._value(self._zeros())
        tp = self.true_positives
        return self._value(_div_no_nan(tp, tp + self.false_positives))


class Recall(_ConfusionMetric):
    """tp / (tp + fn), as ``keras.metrics.Recall(thresholds=None, top_k=None, class_id=None)`` (arguments as
    ``Precision``). Example: ``Recall(thresholds=[0.3, 0.7])``."""
    _COUNTS = ("tp", "fn")

    def result(self):
        if self.true_positives is None:
            return self._value(self._zeros())
        tp = self.true_positives
        return self._value(_div_no_nan(tp, tp + self.false_negatives))


class _ConfusionCount(_ConfusionMetric):
    """One weighted count at ``thresholds`` (a float, default 0.5, or a list: one count per threshold)."""
    _ATTR = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)

    @property
    def accumulator(self):
        """The running count(s), as Keras names the variable (``None`` before the first batch)."""
        return getattr(self, self._ATTR)

    def result(self):
        value = self.accumulator
        return self._value(self._zeros() if value is None else value)

    def get_config(self):
        """Keras 3's config: name, dtype, thresholds. Example: ``TruePositives.from_config(m.get_config())``."""
        return {**Metric.get_config(self), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionCount):
    """Weighted count of positives predicted positive (output > threshold). Example: ``TruePositives(0.3)``."""
    _COUNTS, _ATTR = ("tp",), "true_positives"


class FalsePositives(_ConfusionCount):
    """Weighted count of negatives predicted positive. Example: ``FalsePositives(thresholds=[0.3, 0.5])``."""
    _COUNTS, _ATTR = ("fp",), "false_positives"


class TrueNegatives(_ConfusionCount):
    """Weighted count of negatives predicted negative (output <= threshold). Example: ``TrueNegatives()``."""
    _COUNTS, _ATTR = ("tn",), "true_negatives"


class FalseNegatives(_ConfusionCount):
    """Weighted count of positives predicted negative. Example: ``FalseNegatives()``."""
    _COUNTS, _ATTR = ("fn",), "false_negatives"
