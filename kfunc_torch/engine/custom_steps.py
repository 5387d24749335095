"""Keras 3's step API on Model: ``train_step``/``test_step``/``predict_step``, ``compute_loss``,
``compute_metrics``, ``metrics``, ``reset_metrics``, as the torch guide writes them.

``fit`` keeps its own lean step while a model overrides none of these; once a subclass overrides
``train_step``, ``test_step``, ``predict_step``, ``compute_loss`` or ``compute_metrics``, each batch goes
through the (overridden) method with Keras's ``data`` tuple, ``(x, y)`` or ``(x, y, sample_weight)``,
and the dict it returns is what callbacks and the progress bar see. Metrics reset at the start of each
epoch and of ``evaluate`` through ``reset_metrics()``.

Example (the torch guide)::

    class CustomModel(keras.Model):
        def train_step(self, data):
            x, y = data
            self.zero_grad()
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            loss.backward()
            with torch.no_grad():
                self.optimizer.apply([v.value.grad for v in self.trainable_weights], self.trainable_weights)
            for metric in self.metrics:
                metric.update_state(loss) if metric.name == "loss" else metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}
"""
from __future__ import annotations

import numpy as np
import torch

from .. import metrics as _metrics

_STEP_METHODS = ("train_step", "test_step", "predict_step", "compute_loss", "compute_metrics")


class CompileMetrics(_metrics.Metric):
    """The metrics given to ``compile()``, as one metric named ``compile_metrics`` whose result is a dict
    (Keras 3's ``model.metrics`` lists it after the loss tracker)."""

    def __init__(self, entries):
        self._entries = entries
        super().__init__(name="compile_metrics")

    def reset_state(self):
        for e in getattr(self, "_entries", ()):
            e.metric.reset_state()

    def update_state(self, y_true, y_pred, sample_weight=None):
        ys, preds = _as_list(y_true), _as_list(y_pred)
        sws = _as_list(sample_weight) if sample_weight is not None else None
        for e in self._entries:
            sw = (sws[e.index] if len(sws) > 1 else sws[0]) if sws is not None and e.weighted else None
            e.metric.update_state(ys[e.index], preds[e.index].detach(), sw)

    def result(self):
        return {e.key: e.metric.result() for e in self._entries}


def uses_custom_steps(model) -> bool:
    """Whether the model's class overrides any of Keras's step methods (then fit calls them)."""
    cls = type(model)
    cached = cls.__dict__.get("_custom_steps_cache")
    if cached is None:  # StepAPI defines every step method; Trainer overrides none of them
        cached = any(getattr(cls, m) is not getattr(StepAPI, m) for m in _STEP_METHODS)
        type.__setattr__(cls, "_custom_steps_cache", cached)
    return cached


def pack_data(model, xs, ys, sws):
    """Keras's ``data`` for a step: ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``, each a tensor for one
    input/output, else a list (a dict where the model's inputs were given as one)."""
    x = xs[0] if len(xs) == 1 else xs
    if isinstance(getattr(model, "_input_struct", None), dict) and len(xs) > 1:
        x = dict(zip(model._input_keys(), xs))
    if ys is None or all(y is None for y in ys):
        return (x,)
    y = ys[0] if len(ys) == 1 else ys
    if sws is None or all(s is None for s in sws):
        return (x, y)
    return (x, y, sws[0] if len(sws) == 1 else sws)


def unpack_data(data):
    """``(x, y, sample_weight)`` from a step's ``data`` (Keras's ``unpack_x_y_sample_weight``)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(f"A step's data must be (x,), (x, y) or (x, y, sample_weight); received a tuple of "
                     f"{len(data)} elements.")


def pythonify_logs(logs) -> dict:
    """A step's returned logs as callbacks see them: floats (arrays for metrics with several values),
    dict results flattened into the top level."""
    out = {}
    for key, value in (logs or {}).items():
        if isinstance(value, dict):
            out.update(pythonify_logs(value))
            continue
        if isinstance(value, torch.Tensor):
            value = value.detach()
            value = value.item() if value.numel() == 1 else value.cpu().numpy()
        elif isinstance(value, np.ndarray) and value.size == 1:
            value = value.item()
        out[key] = value
    return out


def _as_list(v):
    if isinstance(v, dict):
        return list(v.values())
    if isinstance(v, (list, tuple)):
        return list(v)
    return [v]


class StepAPI:
    """Mixin of Trainer: Keras 3's overridable step methods and the metric API around them."""

    # ------------------------------------------------------------------ metrics
    @property
    def metrics(self) -> list:
        """Loss tracker, compiled metrics, then Metric objects kept as attributes of the model and its
        layers (Keras 3's order; a nested model's compiled metrics are not listed)."""
        out = []
        if self.compiled:
            out.append(self._loss_tracker)
            if self._compile_metrics_obj is not None:
                out.append(self._compile_metrics_obj)
        out.extend(_attribute_metrics(self))
        for layer in self._flatten_layers(include_self=False):
            if not isinstance(layer, StepAPI):  # a nested model's tracker and compiled metrics stay its own
                out.extend(_attribute_metrics(layer))
        return out

    def reset_metrics(self) -> None:
        """Reset every metric in ``model.metrics`` (fit does it at each epoch, evaluate at its start)."""
        for m in self.metrics:
            m.reset_state()
        if not uses_custom_steps(self) and getattr(self, "_compiled_loss", None) is not None:
            self._reset_trackers()

    def get_metrics_result(self) -> dict:
        """``{name: result}`` for ``model.metrics``; a metric whose result is a dict adds its entries."""
        out = {}
        for m in self.metrics:
            r = m.result()
            if isinstance(r, dict):
                out.update(r)
            else:
                out[m.name] = r
        return out

    # ------------------------------------------------------------------ loss and metrics of a step
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss(es) on ``y``/``y_pred`` plus ``self.losses`` (regularization, add_loss), as a
        scalar tensor. Raises if there is none to compute."""
        total = None
        compiled = self._compiled_loss
        if compiled is not None and compiled.entries and y is not None:
            ys, preds = _as_list(y), _as_list(y_pred)
            sws = _as_list(sample_weight) if sample_weight is not None else None
            for e in compiled.entries:
                sw = None if sws is None else (sws[e.index] if len(sws) > 1 else sws[0])
                term = e(ys[e.index], preds[e.index].float() if preds[e.index].is_floating_point() else preds[e.index], sw)
                term = term if e.weight == 1.0 else term * e.weight
                total = term if total is None else total + term
        for loss in self.losses:
            total = loss if total is None else total + loss
        if total is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`, or add losses "
                             "with add_loss() in a layer's call().")
        return total

    def compute_metrics(self, x, y, y_pred, sample_weight=None) -> dict:
        """Update the compiled metrics and return ``get_metrics_result()``."""
        if self._compile_metrics_obj is not None and y is not None:
            self._compile_metrics_obj.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    # ------------------------------------------------------------------ the default steps (Keras 3's)
    def train_step(self, data) -> dict:
        """One training step on ``data``; returns the logs. Override it to customise ``fit``."""
        x, y, sample_weight = unpack_data(data)
        y_pred = self(x, training=True)
        self.zero_grad()
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True)
        self._loss_tracker.update_state(loss.detach(), sample_weight=_batch_size(x))
        variables = [v for v in self.trainable_weights if v.requires_grad]
        if variables:
            loss.backward()
            with torch.no_grad():
                self.optimizer.apply([v.grad for v in variables], variables)
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def test_step(self, data) -> dict:
        """One evaluation step on ``data``; returns the logs. Override it to customise ``evaluate``."""
        x, y, sample_weight = unpack_data(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False)
        self._loss_tracker.update_state(loss.detach(), sample_weight=_batch_size(x))
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def predict_step(self, data):
        """The outputs for one batch of ``data``. Override it to customise ``predict``."""
        x, _, _ = unpack_data(data)
        return self(x, training=False)

    # ------------------------------------------------------------------ how fit/evaluate run them
    def _run_train_step(self, xs, ys, sws):
        self._step_logs = self.train_step(pack_data(self, xs, ys, sws))
        return None, None, None

    @torch.no_grad()
    def _run_test_step(self, xs, ys, sws):
        self._step_logs = self.test_step(pack_data(self, xs, ys, sws))

    def _custom_results(self, prefix=""):
        logs = self.__dict__.get("_step_logs")
        if logs is None:
            return {}
        if not isinstance(logs, dict):
            raise TypeError(f"{type(self).__name__}.train_step/test_step must return a dict of logs "
                            f"({{'loss': ...}}); it returned {type(logs).__name__}.")
        metric_logs = self.get_metrics_result()
        if set(logs) == set(metric_logs):  # Keras reads the metrics themselves when the keys match
            logs = metric_logs
        return {prefix + k: v for k, v in pythonify_logs(logs).items()}


def _batch_size(x):
    for t in _as_list(x):
        if isinstance(t, torch.Tensor):
            return t.shape[0]
    return None


def _attribute_metrics(layer) -> list:
    """Metric objects held as attributes of ``layer`` (Keras tracks them on assignment), or in lists."""
    out = []
    own = layer.__dict__.get("_loss_tracker")  # the trainer's; listed first by `metrics`
    for v in layer.__dict__.values():
        if isinstance(v, _metrics.Metric) and v is not own and not isinstance(v, CompileMetrics):
            out.append(v)
        elif isinstance(v, (list, tuple)) and v and all(isinstance(m, _metrics.Metric) for m in v):
            out.extend(v)
    added = layer.__dict__.get("_added_metrics")
    if added:
        out.extend(added.values())
    return out
