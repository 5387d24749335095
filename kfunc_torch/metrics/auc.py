"""``AUC``: area under the ROC or precision-recall curve, Keras 3 semantics, accumulated on the device.

Predictions are counted into ``num_thresholds`` buckets per step (one ``scatter_add``, no loop over
thresholds, no host sync); the true/false positive/negative counts at every threshold are reverse
cumulative sums of the buckets. ``result()`` integrates the curve from those counts.

Example::

    >>> m = AUC(num_thresholds=3)
    >>> m.update_state(torch.tensor([0., 0., 1., 1.]), torch.tensor([0., 0.5, 0.3, 0.9]))
    >>> float(m.result())
    0.75
    >>> model.compile("adam", "binary_crossentropy", metrics=["AUC"])   # history key 'auc'
"""
from __future__ import annotations

import numpy as np
import torch

from .. import losses as _losses
from .base import Metric

_EPSILON = 1e-7  # Keras's backend.epsilon(): the endpoint thresholds are -eps and 1 + eps
_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "majoring", "minoring")


def _div_no_nan(x, y):
    """x / y, and 0 where y == 0 (Keras's ``divide_no_nan``)."""
    zero = y == 0
    return torch.where(zero, torch.zeros_like(x), x / torch.where(zero, torch.ones_like(y), y))


def _evenly_distributed(thresholds):
    """Whether ``[0] + thresholds + [1]`` are evenly spaced (Keras then buckets by arithmetic)."""
    n = len(thresholds)
    if n < 3:
        return False
    return bool(np.allclose(thresholds, np.arange(n, dtype=np.float32) / (n - 1), atol=_EPSILON))


class AUC(Metric):
    """Approximate area under the ROC (default) or precision-recall curve, as ``keras.metrics.AUC``.

    ``num_thresholds`` (200) thresholds evenly spaced in [0, 1] (the end ones are ``-1e-7`` and
    ``1 + 1e-7``), or your own ``thresholds`` (the two end ones are added). ``curve``: 'ROC', 'PR'
    (or 'PRGAIN'). ``summation_method``: 'interpolation' (trapezoids; for PR the Davis & Goadrich
    interpolation of true and predicted positives), 'minoring' or 'majoring' (lower or upper
    rectangles). ``multi_label=True``: one curve per label (last axis of a rank-2 output), averaged,
    weighted by ``label_weights`` if given; with ``multi_label=False`` the data is flattened and
    ``label_weights`` weight each label's entries. ``from_logits=True`` applies a sigmoid first.

    Example::

        >>> m = AUC(curve="PR")
        >>> m.update_state(y_true, probabilities, sample_weight=w)   # repeat per batch
        >>> float(m.result())
        >>> model.compile("adam", "binary_crossentropy", metrics=[AUC(from_logits=True)])
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, dtype=None,
                 thresholds=None, multi_label=False, num_labels=None, label_weights=None, from_logits=False):
        key = curve.lower() if isinstance(curve, str) else curve
        if key not in _CURVES:
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are ["PR", "ROC", "PRGAIN"].')
        method = summation_method.lower() if isinstance(summation_method, str) else summation_method
        if method not in _SUMMATIONS:
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". Expected values are '
                             f'["interpolation", "majoring", "minoring"].')
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            self.num_thresholds = len(inner) + 2
            self._evenly = _evenly_distributed(np.array([0.0] + inner + [1.0]))
        else:
            if not isinstance(num_thresholds, (int, np.integer)) or num_thresholds <= 1:
                raise ValueError(f"Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = int(num_thresholds)
            inner = [(i + 1) * 1.0 / (self.num_thresholds - 1) for i in range(self.num_thresholds - 2)]
            self._evenly = True
        self._thresholds = np.array([0.0 - _EPSILON] + inner + [1.0 + _EPSILON])
        self.curve, self.summation_method = _CURVES[key], method
        self.multi_label = bool(multi_label)
        if num_labels and not self.multi_label:
            raise ValueError("`num_labels` is needed only when `multi_label` is True.")
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else \
            torch.as_tensor(np.asarray(label_weights, dtype=np.float32))
        self._from_logits = bool(from_logits)
        self._num_labels = num_labels if self.multi_label else None
        self._thr_cache = None  # thresholds as a float32 tensor on the data's device (uneven thresholds only)
        self._lw_cache = None   # label_weights on the data's device
        if name is None:
            from ..naming import unique_name
            name = unique_name("auc", zero_based=True)  # auc, auc_1, ... as Keras names metric instances
        super().__init__(name=name)

    @property
    def thresholds(self):
        """All thresholds, the two end ones included. Example: ``AUC(num_thresholds=3).thresholds``."""
        return list(self._thresholds)

    # ------------------------------------------------------------------ state
    def reset_state(self):
        """Forget the counts (they are re-created on the next batch's device)."""
        self.true_positives = self.false_positives = self.true_negatives = self.false_negatives = None

    def _label_weights_on(self, device):
        if self._lw_cache is None or self._lw_cache.device != device:
            self._lw_cache = self.label_weights.to(device)
        return self._lw_cache

    def _bins(self, p, device):
        """Per value, how many thresholds it exceeds (0..T): its bin; Keras's two ways of counting."""
        T = self.num_thresholds
        if self._evenly:
            # Keras's bucket arithmetic for evenly spaced thresholds: clip to [0, 1], ceil(p (T-1)) - 1,
            # at least 0; bucket k means above thresholds 0..k, i.e. bin k + 1.
            bucket = torch.ceil(p.clamp(0.0, 1.0) * float(T - 1)) - 1
            return bucket.clamp_min(0).long() + 1
        if self._thr_cache is None or self._thr_cache.device != device:
            self._thr_cache = torch.as_tensor(self._thresholds, dtype=torch.float32, device=device)
        # The number of thresholds strictly below p: p > t_i exactly for those.
        return torch.searchsorted(self._thr_cache, p.contiguous(), right=False)

    @torch.no_grad()
    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch's weighted counts at every threshold. Example: ``m.update_state(t, p, w)``."""
        y_pred = torch.as_tensor(y_pred)
        device = y_pred.device
        p = y_pred.detach().float()
        if self._from_logits:
            p = torch.sigmoid(p)
        t = _losses._match_rank(torch.as_tensor(y_true, device=device).detach(), p)
        if self.multi_label and p.dim() != 2:
            raise ValueError(f"`y_pred` must have rank 2 when `multi_label=True`. Found rank {p.dim()}. "
                             f"Full shape received for `y_pred`: {tuple(p.shape)}")
        t = torch.broadcast_to((t != 0).float(), p.shape)
        w = None
        if sample_weight is not None:
            w = torch.as_tensor(sample_weight, device=device).detach().float()
            if w.dim() == p.dim() + 1 and w.shape[-1] == 1:
                w = w.squeeze(-1)
            while w.dim() < p.dim():
                w = w.unsqueeze(-1)
            w = torch.broadcast_to(w, p.shape)
        if self.label_weights is not None and not self.multi_label:
            lw = torch.broadcast_to(self._label_weights_on(device), p.shape)
            w = lw if w is None else w * lw
        if w is None:
            w = torch.ones_like(p)
        T = self.num_thresholds
        bins = self._bins(p, device)                       # 0..T
        L = p.shape[-1] if self.multi_label else 1
        if self.multi_label:
            if self._num_labels is None:
                self._num_labels = L
            elif self._num_labels != L:
                raise ValueError(f"AUC(multi_label=True) was built for {self._num_labels} labels; got y_pred "
                                 f"with {L} on its last axis.")
            label = torch.arange(L, device=device).expand_as(bins)
            index = bins * L + label
        else:
            index, t, w = bins.reshape(-1), t.reshape(-1), w.reshape(-1)
        # One scatter: positives' weights into the first (T+1)·L slots, negatives' into the next.
        size = (T + 1) * L
        index = (index + size * (1 - t).long()).reshape(-1)
        counts = torch.zeros(2 * size, device=device, dtype=torch.float32)
        counts.scatter_add_(0, index, w.reshape(-1))
        counts = counts.reshape(2, T + 1, L)
        # Above threshold i = in a bin > i: reverse cumulative sum over the bins.
        above = counts.flip(1).cumsum(1).flip(1)            # above[:, b] = sum of bins >= b
        tp, fp = above[0, 1:], above[1, 1:]                  # (T, L)
        total_true, total_false = above[0, 0], above[1, 0]   # (L,)
        fn, tn = total_true - tp, total_false - fp
        if not self.multi_label:
            tp, fp, fn, tn = tp[:, 0], fp[:, 0], fn[:, 0], tn[:, 0]
        if self.true_positives is None:
            self.true_positives, self.false_positives, self.true_negatives, self.false_negatives = tp, fp, tn, fn
        else:  # out of place: a shallow copy of this metric (compile copies instances) keeps its own counts
            self.true_positives = self.true_positives + tp
            self.false_positives = self.false_positives + fp
            self.true_negatives = self.true_negatives + tn
            self.false_negatives = self.false_negatives + fn

    # ------------------------------------------------------------------ result
    def _average(self, per_threshold_terms):
        if not self.multi_label:
            return per_threshold_terms.sum()
        by_label = per_threshold_terms.sum(0)
        if self.label_weights is None:
            return by_label.mean()
        lw = self._label_weights_on(by_label.device)
        return _div_no_nan((by_label * lw).sum(), lw.sum())

    def _interpolate_pr_auc(self):
        # Davis & Goadrich: between neighbouring thresholds true positives and predicted positives P
        # vary linearly, so precision = (TP_A + slope (P - P_A)) / P integrates in closed form:
        # slope · (dTP + intercept · log(P_A / P_B)) / (TP_B + FN_B).
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _div_no_nan(dtp, dp.clamp_min(0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        ratio = torch.where(both, _div_no_nan(p[:-1], p[1:].clamp_min(0)), torch.ones_like(p[1:]))
        increments = _div_no_nan(slope * (dtp + intercept * torch.log(ratio)), (tp[1:] + fn[1:]).clamp_min(0))
        return self._average(increments)

    def result(self):
        """The area under the curve so far (a 0-dim tensor on the data's device; 0 before any data)."""
        if self.true_positives is None:
            return torch.tensor(0.0)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolate_pr_auc()
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        recall = _div_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _div_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, _div_no_nan(tp, tp + fp)
        else:  # PRGAIN, with Keras's fixes: no true positives -> recall gain 0, precision gain 1
            scale = _div_no_nan(tp + fn, tn + fp)
            recall_gain = torch.where(tp == 0, torch.zeros_like(tp), 1.0 - scale * _div_no_nan(fn, tp))
            precision_gain = torch.where(tp == 0, torch.ones_like(tp), 1.0 - scale * _div_no_nan(fp, tp))
            x, y = recall_gain.clamp_min(0.0), precision_gain
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = torch.minimum(y[:-1], y[1:])
        else:
            heights = torch.maximum(y[:-1], y[1:])
        return self._average((x[:-1] - x[1:]) * heights)

    # ------------------------------------------------------------------ config
    def get_config(self):
        """Keras 3's AUC config. Example: ``AUC.from_config(AUC(curve="PR").get_config())``."""
        config = {"name": self.name, "dtype": "float32", "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method, "multi_label": self.multi_label,
                  "num_labels": self.num_labels,
                  "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
                  "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self._thresholds[1:-1]]
        return config

    @classmethod
    def from_config(cls, config):
        """A new AUC from ``get_config()``'s dict. Example: ``AUC.from_config(m.get_config())``."""
        return cls(**config)
