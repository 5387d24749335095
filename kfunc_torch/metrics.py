"""Metrics: stateful running values kept on the model's device (no host sync until ``result()``).

A metric function gives one value per sample; a ``Metric`` object accumulates a (sample-weighted)
mean of them over batches, as Keras's ``MeanMetricWrapper`` does.

Example::

    >>> m = metrics.CategoricalAccuracy()
    >>> m.update_state(torch.tensor([[0., 1.]]), torch.tensor([[0.3, 0.7]]))
    >>> float(m.result())
    1.0
    >>> model.compile("rmsprop", "categorical_crossentropy", metrics=["accuracy"])
"""
from __future__ import annotations

import numpy as np
import torch

from . import losses as _losses


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Per-sample mean of ``t == (p > threshold)``. Example: ``binary_accuracy(t, sigmoid_out)``."""
    y_true = _losses._match_rank(y_true, y_pred)
    return torch.mean((y_true == (y_pred > threshold).to(y_true.dtype)).float(), dim=-1)


def categorical_accuracy(y_true, y_pred):
    """``argmax(t) == argmax(p)`` per sample. Example: ``categorical_accuracy(onehot, probs)``."""
    return (torch.argmax(y_true, dim=-1) == torch.argmax(y_pred, dim=-1)).float()


def sparse_categorical_accuracy(y_true, y_pred):
    """``t == argmax(p)`` per sample, t the class id. Example: ``sparse_categorical_accuracy(ids, probs)``."""
    if y_true.dim() == y_pred.dim():
        y_true = y_true.squeeze(-1)
    return (y_true.long() == torch.argmax(y_pred, dim=-1)).float()


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Whether the true class is in the k largest outputs. Example: ``top_k_categorical_accuracy(t, p, k=3)``."""
    return sparse_top_k_categorical_accuracy(torch.argmax(y_true, dim=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Top-k accuracy with class ids as targets. Example: ``sparse_top_k_categorical_accuracy(ids, p)``."""
    if y_true.dim() == y_pred.dim():
        y_true = y_true.squeeze(-1)
    # Ties count as hits (as Keras's in_top_k): the true class's score reaches the k-th largest score.
    kth = torch.topk(y_pred, min(k, y_pred.shape[-1]), dim=-1).values[..., -1]
    target = torch.take_along_dim(y_pred, y_true.long().unsqueeze(-1), dim=-1).squeeze(-1)
    return (target >= kth).float()


class Metric:
    """Base class: ``update_state(y_true, y_pred, sample_weight=None)``, ``result()``, ``reset_state()``.

    Example: subclass, keep device tensors in ``reset_state`` and add to them in ``update_state``.
    """

    def __init__(self, name=None, dtype=None):
        from ._compat import to_snake_case
        self.name = name or to_snake_case(type(self).__name__)
        self.reset_state()

    def reset_state(self):
        pass

    reset_states = property(lambda self: self.reset_state)  # Keras 2 spelling

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        """The constructor arguments, as Keras 3 writes them. Example: ``type(m).from_config(m.get_config())``."""
        return {"name": self.name, "dtype": "float32"}

    @classmethod
    def from_config(cls, config):
        """A new metric from ``get_config()``'s dict (keys the constructor does not take are dropped when it
        has no ``**kwargs``: a subclass whose ``__init__`` takes only ``name``). Example:
        ``Precision.from_config({"name": "p", "thresholds": 0.3})``."""
        import inspect
        try:
            params = inspect.signature(cls.__init__).parameters
        except (TypeError, ValueError):
            return cls(**config)
        if any(p.kind is p.VAR_KEYWORD for p in params.values()):
            return cls(**config)
        return cls(**{k: v for k, v in config.items() if k in params})


class Mean(Metric):
    """Weighted mean of the values seen. Example: ``Mean()`` then ``update_state(values, sample_weight)``."""

    def reset_state(self):
        self.total = 0.0
        self.count = 0.0

    @torch.no_grad()
    def update_state(self, values, sample_weight=None):
        values = values.detach()
        if sample_weight is None:
            self.total = self.total + values.float().sum()
            self.count = self.count + values.numel()  # a Python number: known on the host
            return
        sw = sample_weight.to(device=values.device, dtype=torch.float32)
        while sw.dim() < values.dim():
            sw = sw.unsqueeze(-1)
        while sw.dim() > values.dim():
            sw = sw.squeeze(-1)
        sw = torch.broadcast_to(sw, values.shape)
        self.total = self.total + (values.float() * sw).sum()
        self.count = self.count + sw.sum()

    def result(self):
        if isinstance(self.count, float) and self.count == 0:
            return torch.tensor(0.0)
        return torch.as_tensor(self.total) / self.count


class Sum(Metric):
    """Sum of the values seen. Example: ``Sum()``."""

    def reset_state(self):
        self.total = 0.0

    @torch.no_grad()
    def update_state(self, values, sample_weight=None):
        values = values.detach().float()
        self.total = self.total + (values if sample_weight is None else values * sample_weight).sum()

    def result(self):
        return torch.as_tensor(self.total)


class MeanMetricWrapper(Mean):
    """A per-sample metric function turned into a running mean. Example: ``MeanMetricWrapper(fn, name="acc")``."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        self._fn, self._fn_kwargs = fn, kwargs
        super().__init__(name=name or getattr(fn, "__name__", "metric"))

    @torch.no_grad()
    def update_state(self, y_true, y_pred, sample_weight=None):
        super().update_state(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)


def _wrapper(class_name, fn, default_name, doc, **fixed):
    def __init__(self, name=default_name, dtype=None, **kwargs):
        MeanMetricWrapper.__init__(self, fn, name=name, **{**fixed, **kwargs})

    def get_config(self):  # name, dtype and the function's arguments (BinaryAccuracy's threshold, top-k's k)
        return {**Metric.get_config(self), **self._fn_kwargs}
    cls = type(class_name, (MeanMetricWrapper,), {"__init__": __init__, "__doc__": doc, "get_config": get_config})
    cls.__module__ = __name__
    return cls


BinaryAccuracy = _wrapper("BinaryAccuracy", binary_accuracy, "binary_accuracy", "``BinaryAccuracy(threshold=0.5)``.")
CategoricalAccuracy = _wrapper("CategoricalAccuracy", categorical_accuracy, "categorical_accuracy",
                               "``CategoricalAccuracy()``.")
SparseCategoricalAccuracy = _wrapper("SparseCategoricalAccuracy", sparse_categorical_accuracy,
                                     "sparse_categorical_accuracy", "``SparseCategoricalAccuracy()``.")
TopKCategoricalAccuracy = _wrapper("TopKCategoricalAccuracy", top_k_categorical_accuracy,
                                   "top_k_categorical_accuracy", "``TopKCategoricalAccuracy(k=5)``.")
SparseTopKCategoricalAccuracy = _wrapper("SparseTopKCategoricalAccuracy", sparse_top_k_categorical_accuracy,
                                         "sparse_top_k_categorical_accuracy", "``SparseTopKCategoricalAccuracy(k=5)``.")
MeanSquaredError = _wrapper("MeanSquaredError", _losses.mean_squared_error, "mean_squared_error", "``MeanSquaredError()``.")
MeanAbsoluteError = _wrapper("MeanAbsoluteError", _losses.mean_absolute_error, "mean_absolute_error", "``MeanAbsoluteError()``.")
MeanAbsolutePercentageError = _wrapper("MeanAbsolutePercentageError", _losses.mean_absolute_percentage_error,
                                       "mean_absolute_percentage_error", "``MeanAbsolutePercentageError()``.")
BinaryCrossentropy = _wrapper("BinaryCrossentropy", _losses.binary_crossentropy, "binary_crossentropy", "``BinaryCrossentropy()``.")
CategoricalCrossentropy = _wrapper("CategoricalCrossentropy", _losses.categorical_crossentropy,
                                   "categorical_crossentropy", "``CategoricalCrossentropy()``.")
SparseCategoricalCrossentropy = _wrapper("SparseCategoricalCrossentropy", _losses.sparse_categorical_crossentropy,
                                         "sparse_categorical_crossentropy", "``SparseCategoricalCrossentropy()``.")


class Accuracy(MeanMetricWrapper):
    """Exact equality of targets and outputs. Example: ``Accuracy()``."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(lambda t, p: (_losses._match_rank(t, p) == p).float().mean(-1), name=name)


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


from .metrics_auc import AUC  # noqa: E402  (defined in its own file; needs Metric above)

acc = accuracy = None  # resolved per loss/output by compile ('accuracy'/'acc'), see compile_utils
mse = MSE = _losses.mean_squared_error
mae = MAE = _losses.mean_absolute_error
mape = MAPE = _losses.mean_absolute_percentage_error
binary_crossentropy = _losses.binary_crossentropy
categorical_crossentropy = _losses.categorical_crossentropy
sparse_categorical_crossentropy = _losses.sparse_categorical_crossentropy

_BY_NAME = {
    "binary_accuracy": binary_accuracy, "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "top_k_categorical_accuracy": top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy": sparse_top_k_categorical_accuracy,
    "mse": mse, "mean_squared_error": mse, "mae": mae, "mean_absolute_error": mae,
    "mape": mape, "mean_absolute_percentage_error": mape,
    "binary_crossentropy": binary_crossentropy, "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "msle": _losses.msle, "mean_squared_logarithmic_error": _losses.msle,
    "kld": _losses.kld, "kl_divergence": _losses.kld, "poisson": _losses.poisson, "hinge": _losses.hinge,
    "squared_hinge": _losses.squared_hinge, "cosine_similarity": _losses.cosine_similarity,
    "cosine_proximity": _losses.cosine_similarity, "logcosh": _losses.log_cosh,
}
# Names that mean a stateful Metric class (Keras 3's metrics.get: the class name, or its snake_case).
# Stateful metrics a string can name (Keras 3 resolves class names and their snake_case spellings).
_CLASSES_BY_NAME = {"AUC": AUC, "auc": AUC, "Precision": Precision, "precision": Precision,
                    "Recall": Recall, "recall": Recall,
                    "TruePositives": TruePositives, "true_positives": TruePositives,
                    "FalsePositives": FalsePositives, "false_positives": FalsePositives,
                    "TrueNegatives": TrueNegatives, "true_negatives": TrueNegatives,
                    "FalseNegatives": FalseNegatives, "false_negatives": FalseNegatives}


def get(identifier):
    """A metric object from a Keras name, a ``Metric``, or a function ``(y_true, y_pred) -> per-sample values``.

    Example: ``metrics.get("mae").name == "mae"``; ``metrics.get("AUC")`` is a new ``AUC()``.
    ('accuracy' depends on the loss: see ``compile``.)
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, str):
        if identifier in _CLASSES_BY_NAME:
            return _CLASSES_BY_NAME[identifier]()
        fn = _BY_NAME.get(identifier)
        if fn is None:
            raise ValueError(f"Unknown metric {identifier!r}. Expected a Keras metric name such as 'accuracy', "
                             f"'mae', 'mse', 'AUC', one of {sorted(_BY_NAME)}, a Metric or a function.")
        return MeanMetricWrapper(fn, name=identifier)
    if callable(identifier):
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", "metric"))
    raise TypeError(f"Could not interpret metric {identifier!r} ({type(identifier).__name__}). Pass a metric "
                    "name, a kfunc_torch.metrics.Metric, or a function (y_true, y_pred) -> values.")
