"""The lean built-in step of ``fit``/``evaluate``: what one batch computes (forward, Keras's loss,
backward, the optimizer step, the weight constraints) and the running sums of loss and metrics
that the epoch's logs are read from.

Everything a step needs is gathered once by ``_prepare_training`` (regularizers, losses added
with ``add_loss``, constraints, the grad scaler, the jitted loss function), so the step itself walks
no graph. A model that overrides Keras's step methods runs through ``custom_steps.StepAPI`` instead.

Example (what ``fit`` does with a batch)::

    >>> model._prepare_training()
    >>> model._reset_trackers()                  # at each epoch's start
    >>> outs, total, parts = model._train_step([x], [y], None)
    >>> model._track([y], None, outs, total, parts, batch_size=x.shape[0])
    >>> model._results()
    {'loss': 0.69...}
"""
from __future__ import annotations

import numpy as np
import torch

from .. import distributed as _distributed
from .. import mixed_precision as _mp
from .. import optimizers as _optimizers
from . import call_context
from . import data_checks as _checks
from . import jit as _jit
from .custom_steps import uses_custom_steps
from .losses_api import added_metrics_of, call_losses_in


class LeanStep:
    """Mixin of Trainer: the built-in train/test step and its running sums."""

    # ================================================================== the step
    def _prepare_training(self, data=None):
        """Build what every train step needs once (no graph walks inside the step)."""
        if data is not None and not any(True for _ in self.parameters()):
            # A subclassed model creates its weights on its first call: run one batch before the
            # optimizer collects the parameters.
            xs = next(iter(data.batches(False, 1)))[0]
            with torch.no_grad():
                self._run_model(xs, None)
        device = self._device()
        params = [p for p in self.trainable_weights if p.requires_grad]
        if isinstance(self.optimizer, _optimizers.Optimizer) and not self.optimizer.built:
            self.optimizer.build(params)
        layers = self._flatten_layers()
        self._reg_terms = [(l, a, r) for l in layers for a, r in l._regularizers]
        self._extra_losses = [x for l in layers for x in l._layer_losses]
        self._layer_ids = {id(l) for l in layers}  # whose add_loss() call losses count in this model
        self._all_layers = layers
        self._activity_terms = [l for l in layers if l.activity_regularizer is not None]
        self._constraint_terms = [(l, a, c) for l in layers for a, c in l._constraints.items() if c is not None]
        # Layers compute in their own dtype policies (dtype_policies.py); float16 gradients need loss scaling.
        self._scaler = _mp.make_grad_scaler(device, self.dtype_policy)
        self._loss_fn = self._jitted("train step", self._forward_and_loss)
        rep = _distributed.replicas(self)  # several processes: the replicated step (kfunc_torch/distributed)
        self._custom_steps = uses_custom_steps(self)
        if self._custom_steps:  # the model's own train_step (Keras 3's step API, engine/custom_steps.py)
            self._train_fn = self._run_train_step
        else:
            self._train_fn = self._train_step if rep is None else rep.train_step(self)

    def _execution_size(self):
        """steps_per_execution: how many steps run between two rounds of batch callbacks (Keras 3's grouping)."""
        return getattr(self, "_steps_per_execution", 1)

    def _jitted(self, what, method):
        """``method`` itself, or under jit_compile=True this model's own compiled copy of it (engine/jit.py)."""
        if not getattr(self, "_jit_compile", False):
            return method
        fns = self.__dict__.setdefault("_jit_fns", {})
        if what not in fns:
            fns[what] = _jit.CompiledFunction(method, what)
        return fns[what]

    def _run_model(self, xs, training):
        if len(xs) == 1:
            return self(xs[0]) if training is None else self.forward(xs[0], training=training)
        return self.forward(xs, training=training)

    def _outputs_list(self, out):
        if isinstance(out, torch.Tensor):
            return [out]
        return list(out.values()) if isinstance(out, dict) else list(out)

    def _forward_and_loss(self, xs, ys, sws, training=True):
        """Forward pass and Keras's loss: sum of weighted per-output losses plus model.losses."""
        outs = self._outputs_list(self._run_model(xs, training))
        parts = []
        total = None
        for e in self._compiled_loss.entries:
            pred = outs[e.index]
            if pred.dtype != torch.float32 and pred.is_floating_point():
                pred = pred.float()  # mixed precision: losses in float32
            value = e(ys[e.index], pred, None if sws is None else sws[e.index])
            parts.append(value)
            term = value if e.weight == 1.0 else value * e.weight
            total = term if total is None else total + term
        extra = [reg(getattr(layer, attr)) for layer, attr, reg in self._reg_terms]
        extra += [x() if callable(x) else x for x in self._extra_losses]
        for layer in self._activity_terms:  # recorded by this forward pass (Layer.forward)
            extra += layer._activity_losses
        for value in extra:
            total = value if total is None else total + value
        if call_context.loss_owners:  # add_loss() in a layer's call during this pass
            for value in call_losses_in(self._layer_ids):
                value = value if value.dim() == 0 else value.sum()
                total = value if total is None else total + value
        if total is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`, or add losses "
                             "with add_loss() in a layer's call().")
        return outs, total, parts

    def _train_step(self, xs, ys, sws):
        """One optimizer step on a batch; returns outputs (detached), total loss and per-output losses."""
        opt = self.optimizer
        outs, total, parts = self._loss_fn(xs, ys, sws)
        opt.zero_grad(set_to_none=True)
        if not total.requires_grad:  # nothing to train (Keras skips the update when no weight is trainable)
            return outs, total, parts
        if self._scaler is not None:
            self._scaler.scale(total).backward()
            self._scaler.step(opt)
            self._scaler.update()
        else:
            total.backward()
            opt.step()
        if self._constraint_terms:
            with torch.no_grad():
                for layer, attr, fn in self._constraint_terms:
                    p = getattr(layer, attr)
                    p.copy_(fn(p))
        return outs, total, parts

    # ================================================================== running sums
    def _reset_trackers(self):
        if self.__dict__.get("_custom_steps"):
            self._step_logs = None
            self.reset_metrics()  # Keras: every metric in model.metrics, at each epoch and evaluate
            return
        for m in added_metrics_of(getattr(self, "_all_layers", ())):
            m.reset_state()
        # [total, per-output losses...] weighted by batch size, summed on the device.
        self._loss_sum = None
        self._loss_count = 0
        for e in self._metric_entries:
            e.metric.reset_state()

    @torch.no_grad()
    def _track(self, ys, sws, outs, total, parts, batch_size):
        if total is None:  # a custom train_step updated its own metrics
            return
        if not batch_size:  # a rank's empty share of a short last batch
            return
        values = torch.stack([total.detach()] + [p.detach() for p in parts]) if self._compiled_loss.multi \
            else total.detach()
        if self._loss_sum is None:
            self._loss_sum = values.float() * batch_size
        else:  # one fused kernel: sum += batch_size * loss
            self._loss_sum.add_(values, alpha=batch_size)
        self._loss_count += batch_size
        for e in self._metric_entries:
            pred = outs[e.index].detach()
            e.metric.update_state(ys[e.index], pred, sws[e.index] if e.weighted and sws is not None else None)

    def _results(self, prefix="", replicas=None):
        """The running averages as a dict of floats (one device-to-host copy for all of them); with
        ``replicas``, over every rank's rows."""
        _checks.flush_id_watches()  # an Embedding id out of range in the last batches (the host waits here anyway)
        if replicas is not None:
            with replicas.reduced(self):
                return self._results(prefix)
        if self.__dict__.get("_custom_steps"):
            return self._custom_results(prefix)
        if self._loss_sum is None:
            return {}
        losses = (self._loss_sum / self._loss_count).reshape(-1)
        results = [torch.as_tensor(e.metric.result(), device=self._loss_sum.device).reshape(-1).float()
                   for e in self._metric_entries]
        flat = torch.cat([losses] + results).tolist()
        keys = ["loss"] + ([e.key for e in self._compiled_loss.entries] if self._compiled_loss.multi else [])
        logs = {prefix + k: v for k, v in zip(keys, flat)}
        at = len(keys)
        for e, r in zip(self._metric_entries, results):
            n = r.numel()
            # A metric with several values (Precision(thresholds=[0.3, 0.5])) logs an array, as in Keras.
            logs[prefix + e.key] = flat[at] if n == 1 else np.array(flat[at:at + n], dtype=np.float32)
            at += n
        for m in added_metrics_of(getattr(self, "_all_layers", ())):  # Keras 2's add_metric()
            logs[prefix + m.name] = float(m.result())
        return logs
