"""Metrics by name: Keras's short names and aliases, and ``get``.

Example::

    >>> get("mae").name
    'mae'
"""
from __future__ import annotations

from .. import losses as _losses
from .auc import AUC
from .base import MeanMetricWrapper, Metric
from .confusion import FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives
from .functions import (binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
                        sparse_top_k_categorical_accuracy, top_k_categorical_accuracy)

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
            from ..engine.suggest import did_you_mean
            known = [*_BY_NAME, *_CLASSES_BY_NAME, "accuracy", "acc"]
            raise ValueError(f"Unknown metric {identifier!r}.{did_you_mean(identifier, known)} Expected a Keras metric "
                             "name such as 'accuracy', "
                             f"'mae', 'mse', 'AUC', one of {sorted(_BY_NAME)}, a Metric or a function.")
        return MeanMetricWrapper(fn, name=identifier)
    if callable(identifier):
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", "metric"))
    raise TypeError(f"Could not interpret metric {identifier!r} ({type(identifier).__name__}). Pass a metric "
                    "name, a kfunc_torch.metrics.Metric, or a function (y_true, y_pred) -> values.")
