"""Metrics: stateful running values kept on the model's device (no host sync until ``result()``).

A metric function gives one value per sample; a ``Metric`` object accumulates a (sample-weighted)
mean of them over batches, as Keras's ``MeanMetricWrapper`` does.

Example::

    >>> m = CategoricalAccuracy()
    >>> m.update_state(torch.tensor([[0., 1.]]), torch.tensor([[0.3, 0.7]]))
    >>> float(m.result())
    1.0
"""
from __future__ import annotations

import torch

from .. import losses as _losses
from .functions import (binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
                        sparse_top_k_categorical_accuracy, top_k_categorical_accuracy)

def _defining_class(cls, attr):
    for c in cls.__mro__:
        if attr in c.__dict__:
            return c
    return cls


class Metric:
    """Base class: ``update_state(y_true, y_pred, sample_weight=None)``, ``result()``, ``reset_state()``.

    Example: subclass, keep device tensors in ``reset_state`` and add to them in ``update_state``.
    """

    def __init__(self, name=None, dtype=None):
        from ..naming import to_snake_case
        self.name = name or to_snake_case(type(self).__name__)
        self._variables = []
        # Our metrics set their state up through reset_state. Keras does not call it here: a user's
        # reset_state may assign to variables its __init__ creates after this call returns.
        if _defining_class(type(self), "reset_state").__module__.startswith("kfunc_torch."):
            self.reset_state()

    def reset_state(self):
        pass

    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum", name=None):
        """A state variable (Keras 3): a non-trainable ``Variable`` with ``assign``/``assign_add``.

        Example: ``self.tp = self.add_variable(shape=(), initializer="zeros", name="tp")``.
        """
        from .. import initializers
        from ..engine.dtypes import to_torch_dtype
        from ..engine.variable import Variable
        value = (initializers.get(initializer) or initializers.get("zeros"))(tuple(shape), dtype=to_torch_dtype(dtype))
        v = Variable(value, requires_grad=False, name=name, path=f"{self.name}/{name}" if name else self.name)
        self.__dict__.setdefault("_variables", []).append(v)
        return v

    def add_weight(self, name=None, shape=(), initializer="zeros", dtype=None, aggregation="sum", **kwargs):
        """Keras 2's spelling of ``add_variable`` (``add_weight(name, shape, initializer)``)."""
        if isinstance(name, (tuple, list)):  # Keras 3 order: add_weight(shape, initializer, ...)
            name, shape = None, name
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    @property
    def variables(self) -> list:
        return list(self.__dict__.get("_variables", ()))

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
        sw = torch.as_tensor(sample_weight, dtype=torch.float32, device=values.device)  # a number too
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
