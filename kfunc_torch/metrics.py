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


class _ConfusionMetric(Metric):
    def __init__(self, thresholds=None, name=None, dtype=None, **kwargs):
        self.thresholds = 0.5 if thresholds is None else thresholds
        self._thresholds_arg, self._top_k, self._class_id = thresholds, kwargs.get("top_k"), kwargs.get("class_id")
        super().__init__(name=name)

    def get_config(self):
        """Keras 3's Precision/Recall config. Example: ``Precision.from_config(Precision(0.3).get_config())``."""
        return {**super().get_config(), "thresholds": self._thresholds_arg, "top_k": self._top_k,
                "class_id": self._class_id}

    def reset_state(self):
        self.tp = self.fp = self.fn = 0.0

    @torch.no_grad()
    def update_state(self, y_true, y_pred, sample_weight=None):
        t = _losses._match_rank(y_true, y_pred).bool() if y_true.dtype == torch.bool else \
            _losses._match_rank(y_true, y_pred) > 0.5
        p = y_pred > self.thresholds
        w = 1.0 if sample_weight is None else sample_weight.reshape(-1, *([1] * (p.dim() - 1))).float()
        self.tp = self.tp + ((t & p).float() * w).sum()
        self.fp = self.fp + ((~t & p).float() * w).sum()
        self.fn = self.fn + ((t & ~p).float() * w).sum()


class Precision(_ConfusionMetric):
    """tp / (tp + fp) at ``thresholds`` (0.5). Example: ``Precision()``."""

    def result(self):
        tp = torch.as_tensor(self.tp)
        return torch.where(tp + self.fp > 0, tp / (tp + self.fp), torch.zeros_like(tp))


class Recall(_ConfusionMetric):
    """tp / (tp + fn) at ``thresholds`` (0.5). Example: ``Recall()``."""

    def result(self):
        tp = torch.as_tensor(self.tp)
        return torch.where(tp + self.fn > 0, tp / (tp + self.fn), torch.zeros_like(tp))


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
                    "Recall": Recall, "recall": Recall}


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
