"""Resolving compile()'s ``loss``, ``loss_weights`` and ``metrics`` into one entry per model output.

One loss for all outputs, a list in output order, or a dict by output name (Keras 2 semantics: a
missing name means that output is not trained). ``'accuracy'``/``'acc'`` become binary, categorical or
sparse-categorical accuracy from the loss and the output's last dimension; history keys keep the name
the user wrote, prefixed by the output name when the model has several outputs.

Example::

    >>> spec = CompiledLoss("binary_crossentropy", [1., 0.2], ["main_output", "aux_output"])
    >>> [e.key for e in spec.entries]
    ['main_output_loss', 'aux_output_loss']
"""
from __future__ import annotations

import torch

from .. import losses as _losses
from .. import metrics as _metrics


def _per_output(value, output_names, what, allow_none=True):
    """One value per output from a single value, a list, or a dict by output name."""
    n = len(output_names)
    if isinstance(value, dict):
        unknown = [k for k in value if k not in output_names]
        if unknown:
            raise ValueError(f"Unknown entries in {what} dictionary: {unknown}. Only expected the model's output "
                             f"names {output_names}. Key the dict by output layer name.")
        return [value.get(name) for name in output_names]
    if isinstance(value, (list, tuple)) and (what != "metrics"):
        if len(value) != n:
            # Keras 2.2's wording (programs match it), then both counts: "1 output, 3 losses"
            noun = {"loss": "losses", "loss_weights": "loss weights"}.get(what, f"{what} entries")
            raise ValueError(f"When passing a list as {what}, it should have one entry per model outputs. The model "
                             f"has {n} outputs, but you passed {what}={list(value)!r} ({n} output"
                             f"{'' if n == 1 else 's'}, {len(value)} {noun if len(value) != 1 else what}). Pass "
                             f"exactly {n} entr{'y' if n == 1 else 'ies'} (in the order {output_names}), or a dict "
                             "by output name.")
        return list(value)
    return [value] * n


def _is_loss(fn, *targets):
    return any(fn is t or isinstance(fn, cls) for t, cls in targets)


class LossEntry:
    """The loss of one output: per-sample function, reduction, weight and history key."""

    def __init__(self, index, fn, weight, key):
        self.index, self.weight, self.key, self.fn = index, weight, key, fn
        if isinstance(fn, _losses.Loss):
            self.per_sample, self.reduction = fn.call, fn.reduction
        else:
            self.per_sample, self.reduction = fn, "sum_over_batch_size"
        self.sparse = _is_loss(fn, (_losses.sparse_categorical_crossentropy, _losses.SparseCategoricalCrossentropy))
        self.binary = _is_loss(fn, (_losses.binary_crossentropy, _losses.BinaryCrossentropy))

    def __call__(self, y_true, y_pred, sample_weight=None):
        values = self.per_sample(y_true, y_pred)
        return _losses.reduce_values(values, sample_weight, self.reduction)


class CompiledLoss:
    """The losses of all outputs, their weights, and the total (weighted sum) as the trainer uses it."""

    def __init__(self, loss, loss_weights, output_names):
        self.output_names = list(output_names)
        if loss is None:
            # Keras allows it: the loss comes from add_loss(), or a custom train_step computes its own.
            self.entries, self.multi = [], False
            return
        multi = len(output_names) > 1
        losses = _per_output(loss, self.output_names, "loss")
        weights = _per_output(loss_weights, self.output_names, "loss_weights") if loss_weights is not None \
            else [1.0] * len(output_names)
        self.entries = []
        for i, (name, l, w) in enumerate(zip(self.output_names, losses, weights)):
            if l is None:
                continue
            key = f"{name}_loss" if multi else "loss"
            self.entries.append(LossEntry(i, _losses.get(l), 1.0 if w is None else float(w), key))
        if not self.entries:
            raise ValueError(f"compile(): no loss was given for any of the outputs {self.output_names}.")
        self.multi = multi

    def target_dtype(self, index):
        """Targets of sparse losses are class ids (int64); all others float32."""
        for e in self.entries:
            if e.index == index and e.sparse:
                return torch.int64
        return torch.float32


class MetricEntry:
    """One metric of one output and its history key. Example: ``MetricEntry(0, metric, "acc", False)``."""

    def __init__(self, index, metric, key, weighted):
        self.index, self.metric, self.key, self.weighted = index, metric, key, weighted


def _resolve_metric(m, entry, output_shape):
    """A Metric object for what the user wrote; 'accuracy'/'acc' chosen from the loss and output shape."""
    if isinstance(m, str) and m in ("accuracy", "acc"):
        last = output_shape[-1] if output_shape else None
        if entry is not None and entry.binary or last == 1:
            return _metrics.MeanMetricWrapper(_metrics.binary_accuracy, name=m)
        if entry is not None and entry.sparse:
            return _metrics.MeanMetricWrapper(_metrics.sparse_categorical_accuracy, name=m)
        return _metrics.MeanMetricWrapper(_metrics.categorical_accuracy, name=m)
    if isinstance(m, str) and m in ("crossentropy", "ce") and entry is not None:
        fn = _losses.sparse_categorical_crossentropy if entry.sparse else (
            _losses.binary_crossentropy if entry.binary else _losses.categorical_crossentropy)
        return _metrics.MeanMetricWrapper(fn, name=m)
    if isinstance(m, str) and m in _metrics._CLASSES_BY_NAME:
        # A stateful metric by name ('AUC', 'auc'): a fresh instance, its key 'auc' (tf.keras names it by the
        # instance); Keras 3 keys it by what the user wrote ('AUC').
        from ..generations import current
        from ..naming import to_snake_case
        cls = _metrics._CLASSES_BY_NAME[m]
        return cls(name=m if current().metric_key_as_written else to_snake_case(cls.__name__))
    import copy
    metric = _metrics.get(m)
    return copy.copy(metric) if metric is m else metric


def compile_metrics(metrics, weighted_metrics, compiled_loss, output_shapes):
    """MetricEntry list in Keras 2 order: for each output, its metrics, then its weighted metrics."""
    names = compiled_loss.output_names
    by_index = {e.index: e for e in compiled_loss.entries}
    per_out = [[] for _ in names]
    for spec, weighted in ((metrics, False), (weighted_metrics, True)):
        if spec is None:
            continue
        if isinstance(spec, dict):
            values = _per_output(spec, names, "metrics")
        elif isinstance(spec, (list, tuple)) and spec and all(isinstance(v, (list, tuple)) or v is None
                                                              for v in spec):
            if len(spec) != len(names):
                raise ValueError(f"When passing a list of lists as metrics, it should have one entry per model "
                                 f"output. The model has {len(names)} outputs, but you passed {len(spec)} lists.")
            values = list(spec)
        elif isinstance(spec, (list, tuple)):
            values = [list(spec)] * len(names)
        else:
            raise TypeError(f"metrics must be a list or a dict by output name; received {spec!r}. "
                            "Example: metrics=['accuracy'].")
        for i, v in enumerate(values):
            for m in ([] if v is None else (v if isinstance(v, (list, tuple)) else [v])):
                metric = _resolve_metric(m, by_index.get(i), output_shapes[i])
                written = m if isinstance(m, str) and m not in _metrics._CLASSES_BY_NAME else metric.name
                key = f"{names[i]}_{written}" if len(names) > 1 else written
                per_out[i].append(MetricEntry(i, metric, key, weighted))
    out = [e for entries in per_out for e in entries]
    keys = [e.key for e in out]
    for e in out:
        if keys.count(e.key) > 1 and e.weighted:
            e.key = e.key.replace(e.metric.name, f"weighted_{e.metric.name}") if e.metric.name in e.key \
                else f"weighted_{e.key}"
    return out
