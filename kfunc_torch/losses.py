"""Losses with Keras 3's formulas: a function gives one value per sample (the last axis reduced), a
``Loss`` object reduces it to a scalar ("sum_over_batch_size": sum of sample-weighted values divided by
their count).

Crossentropies on probabilities renormalise and clip to ``[1e-7, 1 - 1e-7]`` as Keras does;
``from_logits=True`` takes logits.

Example::

    >>> losses.categorical_crossentropy(torch.tensor([[0., 1.]]), torch.tensor([[0.2, 0.8]]))
    tensor([0.2231])
    >>> losses.BinaryCrossentropy(from_logits=True)(y_true, logits, sample_weight=w)   # a scalar
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

EPSILON = 1e-7


def _match_rank(y_true, y_pred):
    """Keras's squeeze-or-expand: (N,) targets for (N, 1) outputs and the reverse."""
    if y_true.dim() == y_pred.dim() - 1 and y_pred.shape[-1] == 1:
        return y_true.unsqueeze(-1)
    if y_true.dim() == y_pred.dim() + 1 and y_true.shape[-1] == 1:
        return y_true.squeeze(-1)
    return y_true


def _float_target(y_true, y_pred):
    y_true = _match_rank(y_true, y_pred)
    return y_true if y_true.dtype == y_pred.dtype else y_true.to(y_pred.dtype)


def mean_squared_error(y_true, y_pred):
    """Per-sample mean of squared differences. Example: ``mse(t, p).shape == (batch,)``."""
    y_true = _float_target(y_true, y_pred)
    return torch.mean(torch.square(y_pred - y_true), dim=-1)


def mean_absolute_error(y_true, y_pred):
    """Per-sample mean of absolute differences. Example: ``mae(t, p)``."""
    y_true = _float_target(y_true, y_pred)
    return torch.mean(torch.abs(y_pred - y_true), dim=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(|t - p| / max(|t|, eps))``. Example: ``mape(t, p)``."""
    y_true = _float_target(y_true, y_pred)
    return 100.0 * torch.mean(torch.abs((y_true - y_pred) / torch.clamp(torch.abs(y_true), min=EPSILON)), dim=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean((log(1 + max(p, eps)) - log(1 + max(t, eps)))^2)``. Example: ``msle(t, p)``."""
    y_true = _float_target(y_true, y_pred)
    a = torch.log(torch.clamp(y_pred, min=EPSILON) + 1.0)
    b = torch.log(torch.clamp(y_true, min=EPSILON) + 1.0)
    return torch.mean(torch.square(a - b), dim=-1)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample mean binary crossentropy. Example: ``binary_crossentropy(t, sigmoid_out)``."""
    y_true = _float_target(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        bce = F.binary_cross_entropy_with_logits(y_pred, y_true, reduction="none")
    else:
        bce = F.binary_cross_entropy(torch.clamp(y_pred, EPSILON, 1.0 - EPSILON), y_true, reduction="none")
    return torch.mean(bce, dim=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """``-sum(t * log(p))`` over the class axis; targets one-hot. Example: ``cce(onehot, softmax_out)``."""
    y_true = _float_target(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError("categorical_crossentropy needs targets of the same shape as the outputs (one-hot); "
                         f"received targets {tuple(y_true.shape)} for outputs {tuple(y_pred.shape)}. For integer "
                         "class ids use loss='sparse_categorical_crossentropy'.")
    if label_smoothing:
        n = y_pred.shape[axis]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / n
    if from_logits:
        log_prob = torch.log_softmax(y_pred, dim=axis)
    else:
        p = y_pred / torch.sum(y_pred, dim=axis, keepdim=True)
        log_prob = torch.log(torch.clamp(p, EPSILON, 1.0 - EPSILON))
    return -torch.sum(y_true * log_prob, dim=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1, ignore_class=None):
    """Crossentropy with integer class ids as targets. Example: ``scce(ids, softmax_out)``."""
    if y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1:
        y_true = y_true.squeeze(-1)
    y_true = y_true.long()
    if tuple(y_true.shape) != tuple(y_pred.shape[:-1]):
        raise ValueError("sparse_categorical_crossentropy needs one class id per sample: targets of shape "
                         f"{tuple(y_pred.shape[:-1])} for outputs {tuple(y_pred.shape)}; received targets "
                         f"{tuple(y_true.shape)}. For one-hot targets use loss='categorical_crossentropy'.")
    logits = y_pred.movedim(-1, 1) if y_pred.dim() > 2 else y_pred
    if from_logits:
        return F.cross_entropy(logits, y_true, reduction="none",
                               ignore_index=-100 if ignore_class is None else ignore_class)
    p = logits / torch.sum(logits, dim=1, keepdim=True)
    return F.nll_loss(torch.log(torch.clamp(p, EPSILON, 1.0 - EPSILON)), y_true, reduction="none",
                      ignore_index=-100 if ignore_class is None else ignore_class)


def hinge(y_true, y_pred):
    """``mean(max(1 - t*p, 0))`` with 0/1 targets mapped to -1/1. Example: ``hinge(t, p)``."""
    y_true = _float_target(y_true, y_pred)
    y_true = torch.where(y_true == 0, -torch.ones_like(y_true), y_true)
    return torch.mean(torch.clamp(1.0 - y_true * y_pred, min=0.0), dim=-1)


def squared_hinge(y_true, y_pred):
    """``mean(max(1 - t*p, 0)^2)``. Example: ``squared_hinge(t, p)``."""
    y_true = _float_target(y_true, y_pred)
    y_true = torch.where(y_true == 0, -torch.ones_like(y_true), y_true)
    return torch.mean(torch.square(torch.clamp(1.0 - y_true * y_pred, min=0.0)), dim=-1)


def categorical_hinge(y_true, y_pred):
    """``max(max((1-t)*p) - sum(t*p) + 1, 0)``. Example: ``categorical_hinge(t, p)``."""
    y_true = _float_target(y_true, y_pred)
    pos = torch.sum(y_true * y_pred, dim=-1)
    neg = torch.amax((1.0 - y_true) * y_pred, dim=-1)
    return torch.clamp(neg - pos + 1.0, min=0.0)


def kl_divergence(y_true, y_pred):
    """``sum(t * log(t / p))`` with both clipped to [eps, 1]. Example: ``kld(t, p)``."""
    y_true = torch.clamp(_float_target(y_true, y_pred), EPSILON, 1.0)
    y_pred = torch.clamp(y_pred, EPSILON, 1.0)
    return torch.sum(y_true * torch.log(y_true / y_pred), dim=-1)


def poisson(y_true, y_pred):
    """``mean(p - t * log(p + eps))``. Example: ``poisson(t, p)``."""
    y_true = _float_target(y_true, y_pred)
    return torch.mean(y_pred - y_true * torch.log(y_pred + EPSILON), dim=-1)


def log_cosh(y_true, y_pred):
    """``mean(log(cosh(p - t)))`` computed stably. Example: ``log_cosh(t, p)``."""
    d = y_pred - _float_target(y_true, y_pred)
    return torch.mean(d + F.softplus(-2.0 * d) - torch.log(torch.tensor(2.0, dtype=d.dtype)), dim=-1)


def huber(y_true, y_pred, delta=1.0):
    """Quadratic below ``delta``, linear above. Example: ``huber(t, p, delta=1.0)``."""
    d = torch.abs(y_pred - _float_target(y_true, y_pred))
    return torch.mean(torch.where(d <= delta, 0.5 * d * d, delta * d - 0.5 * delta * delta), dim=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity (Keras's loss sign). Example: ``cosine_similarity(t, p)``."""
    y_true = F.normalize(_float_target(y_true, y_pred), dim=axis, eps=1e-12)
    return -torch.sum(y_true * F.normalize(y_pred, dim=axis, eps=1e-12), dim=axis)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
cosine_proximity = cosine_similarity


class Loss:
    """A loss object: ``loss(y_true, y_pred, sample_weight=None)`` returns a reduced scalar.

    ``reduction``: "sum_over_batch_size" (default; mean over samples), "sum", or "none".
    Example: ``MeanSquaredError()(t, p)``; subclass and define ``call(y_true, y_pred)``.
    """

    def __init__(self, reduction="sum_over_batch_size", name=None, **kwargs):
        if reduction in ("auto", "mean"):
            reduction = "sum_over_batch_size"
        if reduction not in ("sum_over_batch_size", "sum", "none", None):
            raise ValueError(f"Unknown reduction {reduction!r}; expected 'sum_over_batch_size', 'sum' or 'none'.")
        self.reduction = reduction
        self.name = name or _snake(type(self).__name__)
        self._kwargs = kwargs

    def call(self, y_true, y_pred):
        return self._fn(y_true, y_pred, **self._kwargs)

    def __call__(self, y_true, y_pred, sample_weight=None):
        values = self.call(y_true, y_pred)
        return reduce_values(values, sample_weight, self.reduction)

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction, **self._kwargs}


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Keras's reduction: weight per sample, then sum, divided by the number of values for the mean.

    Example: ``reduce_values(torch.tensor([1., 3.]), torch.tensor([1., 0.]))`` is ``0.5``.
    """
    if sample_weight is not None:
        sw = sample_weight.to(values.dtype)
        while sw.dim() > values.dim():
            sw = sw.squeeze(-1)
        while sw.dim() < values.dim():
            sw = sw.unsqueeze(-1)
        values = values * sw
    if reduction in ("none", None):
        return values
    if reduction == "sum_over_batch_size" and sample_weight is None:
        return torch.mean(values)
    total = torch.sum(values)
    return total if reduction == "sum" else total / values.numel()


def _snake(name):
    from .naming import to_snake_case
    return to_snake_case(name)


def _loss_class(fn, doc):
    def __init__(self, reduction="sum_over_batch_size", name=None, **kwargs):
        Loss.__init__(self, reduction=reduction, name=name, **kwargs)
    return {"__init__": __init__, "_fn": staticmethod(fn), "__doc__": doc}


MeanSquaredError = type("MeanSquaredError", (Loss,), _loss_class(mean_squared_error, "MSE loss. ``MeanSquaredError()(t, p)``."))
MeanAbsoluteError = type("MeanAbsoluteError", (Loss,), _loss_class(mean_absolute_error, "MAE loss. ``MeanAbsoluteError()(t, p)``."))
MeanAbsolutePercentageError = type("MeanAbsolutePercentageError", (Loss,), _loss_class(mean_absolute_percentage_error, "``MeanAbsolutePercentageError()(t, p)``."))
MeanSquaredLogarithmicError = type("MeanSquaredLogarithmicError", (Loss,), _loss_class(mean_squared_logarithmic_error, "``MeanSquaredLogarithmicError()(t, p)``."))
BinaryCrossentropy = type("BinaryCrossentropy", (Loss,), _loss_class(binary_crossentropy, "``BinaryCrossentropy(from_logits=False, label_smoothing=0.0)``."))
CategoricalCrossentropy = type("CategoricalCrossentropy", (Loss,), _loss_class(categorical_crossentropy, "``CategoricalCrossentropy(from_logits=False)``."))
SparseCategoricalCrossentropy = type("SparseCategoricalCrossentropy", (Loss,), _loss_class(sparse_categorical_crossentropy, "``SparseCategoricalCrossentropy(from_logits=False)``."))
Hinge = type("Hinge", (Loss,), _loss_class(hinge, "Hinge loss. ``Hinge()(t, p)``."))
SquaredHinge = type("SquaredHinge", (Loss,), _loss_class(squared_hinge, "``SquaredHinge()(t, p)``."))
CategoricalHinge = type("CategoricalHinge", (Loss,), _loss_class(categorical_hinge, "``CategoricalHinge()(onehot, p)``."))
KLDivergence = type("KLDivergence", (Loss,), _loss_class(kl_divergence, "KL divergence. ``KLDivergence()(t, p)``."))
Poisson = type("Poisson", (Loss,), _loss_class(poisson, "``Poisson()(counts, rates)``."))
LogCosh = type("LogCosh", (Loss,), _loss_class(log_cosh, "``LogCosh()(t, p)``."))
Huber = type("Huber", (Loss,), _loss_class(huber, "``Huber(delta=1.0)``."))
CosineSimilarity = type("CosineSimilarity", (Loss,), _loss_class(cosine_similarity, "``CosineSimilarity(axis=-1)``."))
for _c in (MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
           BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, Hinge, SquaredHinge,
           CategoricalHinge, KLDivergence, Poisson, LogCosh, Huber, CosineSimilarity):
    _c.__module__ = __name__

_BY_NAME = {
    "mean_squared_error": mean_squared_error, "mse": mse, "mean_absolute_error": mae, "mae": mae,
    "mean_absolute_percentage_error": mape, "mape": mape, "mean_squared_logarithmic_error": msle, "msle": msle,
    "binary_crossentropy": binary_crossentropy, "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy, "hinge": hinge,
    "squared_hinge": squared_hinge, "categorical_hinge": categorical_hinge, "kl_divergence": kld,
    "kullback_leibler_divergence": kld, "kld": kld, "poisson": poisson, "log_cosh": log_cosh, "logcosh": log_cosh,
    "huber": huber, "huber_loss": huber, "cosine_similarity": cosine_similarity, "cosine_proximity": cosine_similarity,
}


def get(identifier):
    """A loss from a Keras name, a ``Loss`` object or a callable ``(y_true, y_pred) -> per-sample values``.

    Example: ``losses.get("categorical_crossentropy")``.
    """
    if isinstance(identifier, str):
        fn = _BY_NAME.get(identifier) or _BY_NAME.get(_snake(identifier))
        if fn is None:
            from .engine.suggest import did_you_mean
            raise ValueError(f"Unknown loss {identifier!r}.{did_you_mean(identifier, _BY_NAME)} Expected a Keras loss "
                             "name such as 'categorical_crossentropy', 'mse', 'binary_crossentropy', or a callable.")
        return fn
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret loss {identifier!r} ({type(identifier).__name__}). Pass a Keras loss "
                    "name, a kfunc_torch.losses.Loss, or a function (y_true, y_pred) -> loss.")


def serialize(loss):
    """The name of a loss for configs. Example: ``serialize(losses.mse) == "mean_squared_error"``."""
    return loss if isinstance(loss, str) else getattr(loss, "__name__", type(loss).__name__)
