"""Trainer: compile / fit / evaluate / predict for Model, with Keras semantics.

``fit`` reads like the hand-written PyTorch loop it replaces: the data sits on the model's device,
batches are taken by index, each step is forward → loss → backward → optimizer step, and the running
loss and metric sums stay on the device (read back only when the progress bar redraws and at the end
of each epoch).

Example::

    >>> model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    >>> history = model.fit(x, y, batch_size=32, epochs=10, validation_split=0.1)
    >>> loss, acc = model.evaluate(x, y)
    >>> probs = model.predict(x)
"""
from __future__ import annotations

import numpy as np
import torch
from torch.nn.modules import module as _torch_module

from .. import callbacks as _callbacks
from .. import config as _keras_config
from .. import distributed as _distributed
from .. import mixed_precision as _mp
from .. import optimizers as _optimizers
from ..generations import current
from ..legacy import CALLS, rename_call
from ..legacy.generators import GeneratorMethods
from . import data_adapter as _data
from . import jit as _jit
from .compile_utils import CompiledLoss, compile_metrics
from . import call_context
from .losses_api import added_metrics_of, call_losses_in
from .custom_steps import CompileMetrics, StepAPI, pack_data, uses_custom_steps
from .layer import _CPU

_FLOAT32 = np.dtype(np.float32)
_GLOBAL_FORWARD_HOOKS = getattr(_torch_module, "_global_forward_hooks", None)
_GLOBAL_FORWARD_PRE_HOOKS = getattr(_torch_module, "_global_forward_pre_hooks", None)


def _no_forward_hooks(module) -> bool:
    """Whether ``module(x)`` would only run ``module.forward(x)`` (no forward hooks on it or global),
    so that calling forward directly saves torch's dispatch (a few microseconds per call)."""
    return not (module._forward_hooks or module._forward_pre_hooks or _GLOBAL_FORWARD_HOOKS is None
                or _GLOBAL_FORWARD_HOOKS or _GLOBAL_FORWARD_PRE_HOOKS)


class Trainer(GeneratorMethods, StepAPI):
    """The training API mixed into ``Model`` (no ``__init__``: ``Model.__init__`` calls ``_init_trainer``)."""

    def _init_trainer(self) -> None:
        """Called from Model.__init__ (the mixin has no __init__ of its own)."""
        self.compiled = False
        self.optimizer = None
        self.stop_training = False
        self.history = None
        self._compiled_loss = None
        self._metric_entries = []
        self._train_fn = None
        self._loss_tracker = None
        self._compile_metrics_obj = None
        self._custom_steps = False

    # ================================================================== compile
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None, weighted_metrics=None,
                run_eagerly=None, jit_compile=None, sample_weight_mode=None, steps_per_execution=None, **kwargs):
        """Configure training: optimizer, loss (one, list or dict by output), metrics, loss_weights.

        Example: ``model.compile("rmsprop", loss="binary_crossentropy", loss_weights=[1., 0.2])``.
        """
        for old in ("target_tensors", "distribute", "auto_scale_loss"):
            kwargs.pop(old, None)
        if kwargs:
            raise TypeError(f"compile() got unexpected keyword argument(s) {sorted(kwargs)}. Expected optimizer, "
                            "loss, metrics, loss_weights, weighted_metrics, run_eagerly, jit_compile.")
        names = self._output_names()
        self.optimizer = _optimizers.get(optimizer)
        self._compiled_loss = CompiledLoss(loss, loss_weights, names)
        shapes = [tuple(t.shape) for t in self.outputs] if getattr(self, "outputs", None) else [None] * len(names)
        self._metric_entries = compile_metrics(metrics, weighted_metrics, self._compiled_loss, shapes)
        # Keras 3's model.metrics: a "loss" Mean, then the compiled metrics as one "compile_metrics".
        from ..metrics import Mean
        self._loss_tracker = Mean(name="loss")
        self._compile_metrics_obj = CompileMetrics(self._metric_entries) \
            if metrics is not None or weighted_metrics is not None else None
        self.loss, self.loss_weights = loss, loss_weights
        # Kept as given, so that model.save() can write Keras's compile_config.
        self._compile_metrics, self._compile_weighted_metrics = metrics, weighted_metrics
        self._jit_compile = _jit.resolve(jit_compile, run_eagerly)
        self._steps_per_execution = _check_steps_per_execution(steps_per_execution)
        self.__dict__["_jit_fns"] = {}  # name -> CompiledFunction, made on first use
        self._train_fn = None
        self.compiled = True

    def _output_names(self):
        names = getattr(self, "output_names", None)
        return list(names) if names else ["output_1"]

    @property
    def metrics_names(self) -> list:
        """``['loss', <output>_loss..., <metric keys>...]``: the order of evaluate()'s list."""
        if not self.compiled:
            return []
        names = ["loss"]
        if self._compiled_loss.multi:
            names += [e.key for e in self._compiled_loss.entries]
        added = [m.name for m in added_metrics_of(getattr(self, "_all_layers", ()))]  # Keras 2's add_metric
        return names + [e.key for e in self._metric_entries] + added

    def _assert_compiled(self, what):
        if not self.compiled:
            raise RuntimeError(f"You must compile the model before calling {what}(): "
                               "model.compile(optimizer='rmsprop', loss='categorical_crossentropy').")

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
        self._scaler = _mp.make_grad_scaler(device)
        # Decided once: the step neither reads a tensor's device nor enters a no-op context.
        self._autocast_device = device if _mp.global_policy().is_mixed else None
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
        if self._autocast_device is None:
            outs, total, parts = self._loss_fn(xs, ys, sws)
        else:
            with _mp.autocast_context(self._autocast_device):
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

    # ================================================================== fit
    def fit(self, x=None, y=None, batch_size=None, epochs=None, verbose=1, callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1,
            max_queue_size=10, workers=1, use_multiprocessing=False, **kwargs):
        """Train for ``epochs`` epochs; returns a ``History``. See KERAS_FACTS §4.

        Example: ``model.fit(x, y, batch_size=32, epochs=10, validation_split=0.2, callbacks=[EarlyStopping()])``.
        """
        if kwargs:  # Keras 1: fit(nb_epoch=...)
            epochs = rename_call("fit", CALLS["fit"], kwargs, epochs=epochs)
        epochs = 1 if epochs is None else epochs
        if kwargs:
            raise TypeError(f"fit() got unexpected keyword argument(s) {sorted(kwargs)}.")
        _data.reject_symbolic(x, "fit() x")  # before the compile check: it is the user's first mistake
        self._assert_compiled("fit")
        if not isinstance(epochs, int) or epochs < 0:
            raise ValueError(f"fit(): epochs must be a non-negative integer; received epochs={epochs!r}.")
        rep = _distributed.replicas(self)  # under torchrun: data parallelism (kfunc_torch/distributed)
        train = self._make_data(x, y, sample_weight, batch_size, class_weight, steps_per_epoch, shuffle)
        val = None
        if validation_split and validation_data is None:
            if not isinstance(train, _data.ArrayData):
                raise ValueError("validation_split is only supported for arrays and tensors, not for generators or "
                                 "DataLoaders. Pass validation_data=... instead.")
            val = train.split(validation_split)
            val.batch_size = validation_batch_size or train.batch_size
        elif validation_data is not None:
            val = self._validation_source(validation_data, validation_batch_size or batch_size, validation_steps)
        if rep is not None:  # this rank's share of each global batch; rank 0 prints and writes
            seed = rep.new_seed()
            train, val = rep.shard(train, "fit()", seed), rep.shard(val, "fit() validation data")
            verbose, callbacks = rep.for_this_rank(verbose, callbacks)
        steps = steps_per_epoch or train.steps()
        epochs, steps_per_epoch, steps = _keras_config.fit_caps(epochs, steps_per_epoch, steps)  # keras.config.set_max_*

        # Callbacks: History always, the progress bar when verbose.
        self.history = _callbacks.History()
        cbs = list(callbacks or []) + [self.history]
        if verbose:
            cbs.insert(0, _callbacks.ProgbarLogger(verbose=verbose))
        params = {"epochs": epochs, "steps": steps, "verbose": verbose, "batch_size": batch_size,
                  "samples": getattr(train, "n", None), "do_validation": val is not None,
                  "_in_fit": True}  # the progress bar leaves validation batches to the epoch's line
        cb = _callbacks.CallbackList(cbs, model=self, params=params)
        want_batch_logs = cb.wants_batches("train")

        if self._train_fn is None:
            self._prepare_training(train)
        train_step = self._train_fn
        if rep is not None:
            rep.begin_fit(self)  # every rank starts from rank 0's weights
        was_training = self.training
        self.stop_training = False
        logs = {}
        cb.call("on_train_begin", None)
        # BackupAndRestore.on_train_begin sets the epoch to resume at (taken once: later fits start afresh).
        initial_epoch = self.__dict__.pop("_initial_epoch", None) or initial_epoch
        try:
            for epoch in range(initial_epoch, epochs):
                if epoch > initial_epoch and not getattr(train, "has_more", lambda: True)():
                    break  # a generator ended: Keras warns "Your input ran out of data" and stops
                self._reset_trackers()
                cb.call("on_epoch_begin", epoch, None)
                self.train()  # Dropout, BatchNormalization in training mode
                every, step = self._execution_size(), -1
                for step, (xs, ys, sws) in enumerate(train.batches(shuffle=shuffle, steps=steps_per_epoch)):
                    if want_batch_logs and step % every == 0:  # steps_per_execution: callbacks once per group
                        cb.batch("train", "begin", step, None)
                    outs, total, parts = train_step(xs, ys, sws)
                    self._track(ys, sws, outs, total, parts, xs[0].shape[0])
                    if want_batch_logs and (step + 1) % every == 0:
                        cb.batch("train", "end", step, _callbacks.LazyLogs(self._results))
                    if self.stop_training:
                        break
                if want_batch_logs and (step + 1) % every:  # the epoch's last, shorter group
                    cb.batch("train", "end", step, _callbacks.LazyLogs(self._results))
                logs = self._results(replicas=rep)  # the epoch's running averages (host sync, once per epoch)
                if rep is not None:
                    rep.end_epoch(self)
                if val is not None and _should_validate(epoch, validation_freq):
                    self.eval()
                    cb.call("on_test_begin", None)  # Keras runs validation as an evaluate() with fit's callbacks
                    val_logs = self._test_loop(val, validation_steps, cb, replicas=rep)
                    cb.call("on_test_end", val_logs)
                    logs.update({f"val_{k}": v for k, v in val_logs.items()})
                logs = self._order_logs(logs)
                cb.call("on_epoch_end", epoch, logs)
                if self.stop_training:
                    break
        finally:
            self.train(was_training)
        cb.call("on_train_end", logs)
        if rep is not None:
            rep.end_fit()
        return self.history

    def _order_logs(self, logs):
        if current().sorted_logs:
            train = sorted(k for k in logs if not k.startswith("val_"))
            return {k: logs[k] for k in train + sorted(k for k in logs if k.startswith("val_"))}
        return logs

    def _make_data(self, x, y, sample_weight, batch_size, class_weight, steps, shuffle):
        _data.reject_symbolic(x, "fit()/evaluate() x")
        _data.reject_symbolic(y, "fit()/evaluate() y")
        targets = [self._compiled_loss.target_dtype(i) for i in range(len(self._output_names()))] \
            if self.compiled else None
        if _data.is_iterable_source(x):
            if y is not None:
                raise ValueError("When x is a generator, Dataset or DataLoader, it must yield (x, y) batches itself; "
                                 "do not pass y separately.")
            return _data.IterData(self, x, batch_size, shuffle, targets, steps)
        if x is None:
            raise ValueError("No data: pass x (and y) arrays, a generator, or a DataLoader.")
        return _data.ArrayData(self, x, y, sample_weight, batch_size, targets, class_weight)

    def _validation_source(self, data, batch_size, steps):
        if _data.is_iterable_source(data):
            return self._make_data(data, None, None, batch_size, None, steps, False)
        if not isinstance(data, (tuple, list)) or len(data) not in (2, 3):
            raise ValueError("validation_data must be a tuple (x_val, y_val) or (x_val, y_val, val_sample_weight), or "
                             f"a generator/DataLoader; received {type(data).__name__} of length "
                             f"{len(data) if hasattr(data, '__len__') else '?'}.")
        vx, vy, vsw = (list(data) + [None])[:3]
        return self._make_data(vx, vy, vsw, batch_size, None, None, False)

    # ================================================================== evaluate
    @torch.no_grad()
    def _test_loop(self, data, steps, cb, prefix="", replicas=None):
        self._reset_trackers()
        want = cb is not None and cb.wants_batches("test")
        loss_fn = self._jitted("test step", self._forward_and_loss)
        with _mp.autocast_context(self._device()):
            every, step = self._execution_size(), -1
            for step, (xs, ys, sws) in enumerate(data.batches(False, steps)):
                if want and step % every == 0:
                    cb.batch("test", "begin", step, None)
                if self._custom_steps:
                    self._run_test_step(xs, ys, sws)
                else:
                    outs, total, parts = loss_fn(xs, ys, sws, False)
                    self._track(ys, sws, outs, total, parts, xs[0].shape[0])
                if want and (step + 1) % every == 0:
                    cb.batch("test", "end", step, _callbacks.LazyLogs(self._results))
            if want and (step + 1) % every:
                cb.batch("test", "end", step, _callbacks.LazyLogs(self._results))
        return self._results(prefix, replicas)

    def evaluate(self, x=None, y=None, batch_size=None, verbose=1, sample_weight=None, steps=None, callbacks=None,
                 max_queue_size=10, workers=1, use_multiprocessing=False, return_dict=False, **kwargs):
        """Loss (and metrics) on data: a float with one output and no metrics, else a list (or dict).

        Example: ``loss, acc = model.evaluate(x_test, y_test, batch_size=128)``.
        """
        self._assert_compiled("evaluate")
        rep = _distributed.replicas(self)
        data = self._make_data(x, y, sample_weight, batch_size, None, steps, False)
        if rep is not None:  # this rank's share of each batch; the logs are the group's
            data = rep.shard(data, "evaluate()")
            verbose, callbacks = rep.for_this_rank(verbose, callbacks)
        if self._train_fn is None:
            self._prepare_training()
        cbs = list(callbacks or [])
        if verbose:
            cbs.insert(0, _callbacks.ProgbarLogger(verbose=verbose))
        cb = _callbacks.CallbackList(cbs, model=self, params={"steps": steps or data.steps(), "verbose": verbose})
        was_training = self.training
        self.eval()
        try:
            cb.call("on_test_begin", None)
            logs = self._test_loop(data, steps, cb, replicas=rep)
            cb.call("on_test_end", logs)
        finally:
            self.train(was_training)
        if return_dict:
            return logs
        keys = list(logs) if self._custom_steps else self.metrics_names
        values = [logs[k] for k in keys]
        return values[0] if len(values) == 1 else values

    # ================================================================== predict
    @torch.no_grad()
    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None, max_queue_size=10, workers=1,
                use_multiprocessing=False):
        """Outputs for ``x`` in batches, as numpy (a list of arrays for several outputs).

        Example: ``probs = model.predict(x_test, batch_size=256)``.
        """
        _data.reject_symbolic(x, "predict()")
        rep = None
        if _data.is_iterable_source(x):  # (under torchrun every rank predicts all of an iterable)
            data = _data.IterData(self, x, batch_size, False, None, steps)
        else:
            rep = _distributed.replicas(self)
            data = _data.ArrayData(self, x, None, None, batch_size)  # it refuses 0, and None means 32
            if rep is not None:  # each rank predicts a block of rows; gathered in order below
                data = rep.predict_part(data)
                verbose, callbacks = rep.for_this_rank(verbose, callbacks)
        cbs = list(callbacks or [])
        if verbose:
            cbs.insert(0, _callbacks.ProgbarLogger(verbose=verbose))
        cb = _callbacks.CallbackList(cbs, model=self, params={"steps": steps or data.steps(), "verbose": verbose})
        was_training = self.training
        self.eval()
        chunks = None
        try:
            cb.call("on_predict_begin", None)
            run = self._jitted("predict", self._run_model)
            with _mp.autocast_context(self._device()):
                custom = type(self).predict_step is not StepAPI.predict_step
                for step, (xs, _, _) in enumerate(data.batches(False, steps)):
                    outs = self._outputs_list(self.predict_step(pack_data(self, xs, None, None)) if custom
                                              else run(xs, False))
                    chunks = [[] for _ in outs] if chunks is None else chunks
                    for c, o in zip(chunks, outs):
                        c.append(o.float() if o.is_floating_point() else o)
                    cb.batch("predict", "end", step, None)
            cb.call("on_predict_end", None)
        finally:
            self.train(was_training)
        if rep is not None:
            chunks = [[t] for t in rep.gather_predictions(self, data, chunks)]
        if chunks is None:
            raise ValueError("predict() received no data (0 samples or 0 steps).")
        arrays = [torch.cat(c).cpu().numpy() for c in chunks]
        return self._pack_predictions(arrays)

    def _pack_predictions(self, arrays):
        """One array for one output, else a list; a dict by key for a model built with dict outputs
        (Keras returns its outputs' structure)."""
        struct = getattr(self, "_output_struct", None)
        if isinstance(struct, dict) and len(arrays) == len(struct):
            return dict(zip(struct, arrays))  # the struct's keys are sorted, as its flattened outputs
        return arrays[0] if len(arrays) == 1 else arrays

    # ================================================================== single batches
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, reset_metrics=True, return_dict=False):
        """One gradient step on one batch; returns the loss (and metrics) on it.

        Example: ``loss = model.train_on_batch(x_batch, y_batch)``.
        """
        self._assert_compiled("train_on_batch")
        data = _data.ArrayData(self, x, y, sample_weight, None, self._targets(), class_weight)
        if self._train_fn is None:
            self._prepare_training()
        if reset_metrics or getattr(self, "_loss_sum", None) is None:
            self._reset_trackers()
        was_training = self.training
        self.train()
        try:
            xs, ys, sws = data.xs, data.ys, data.sws
            self._track(ys, sws, *self._train_fn(xs, ys, sws), xs[0].shape[0])
        finally:
            self.train(was_training)
        return self._batch_return(return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True, return_dict=False):
        """Loss (and metrics) on one batch without training. Example: ``model.test_on_batch(x, y)``."""
        self._assert_compiled("test_on_batch")
        data = _data.ArrayData(self, x, y, sample_weight, None, self._targets())
        if self._train_fn is None:
            self._prepare_training()
        if reset_metrics or getattr(self, "_loss_sum", None) is None:
            self._reset_trackers()
        was_training = self.training
        self.eval()
        try:
            with torch.no_grad():
                if self._custom_steps:
                    self._run_test_step(data.xs, data.ys, data.sws)
                else:
                    self._track(data.ys, data.sws, *self._forward_and_loss(data.xs, data.ys, data.sws, False),
                                data.xs[0].shape[0])
        finally:
            self.train(was_training)
        return self._batch_return(return_dict)

    def predict_on_batch(self, x):
        """Outputs for one batch as numpy. Example: ``model.predict_on_batch(x[:32])``."""
        # This call is framework overhead on a small batch. The common case (one C-contiguous
        # float32 array of the right shape for a one-input model in eval mode, float32 out on the
        # CPU) is a straight line; everything else takes the general path below.
        tail = self.__dict__.get("_predict_tail")
        if (tail is not None and type(x) is np.ndarray and x.dtype is _FLOAT32 and x.shape[1:] == tail
                and x.flags.c_contiguous and not self.training and self._device() is _CPU):
            t = torch.from_numpy(x)
            # torch.no_grad() as a context manager costs ~2 us a call; this is what it does.
            grad_was_enabled = torch.is_grad_enabled()
            torch._C._set_grad_enabled(False)
            try:
                # Without hooks, self(t) would only run forward(t); on the CPU, forward is _forward.
                # training=False as Keras passes it: layers whose call defaults to training=True (the random
                # image layers) pass through, inside custom layers too (the flag in the call context).
                token = call_context.set_training(False)
                out = self._forward((t,), False) if _no_forward_hooks(self) else self(t)
            finally:
                call_context.reset_training(token)
                torch._C._set_grad_enabled(grad_was_enabled)
            if type(out) is torch.Tensor and out.dtype is torch.float32:
                return out.numpy()
            return self._numpy_outputs(out)
        was_training = self.training
        if was_training:
            self.eval()  # a walk over all layers: only when the model is in training mode
        try:
            with torch.no_grad():
                if _data._is_array(x) and getattr(self, "_single_input", False):
                    xs = [_data.as_tensor(x, _data.input_dtypes(self)[0], self._device())]
                    _data.check_shapes(self, xs)
                else:
                    xs = _data.ArrayData(self, x, None, check=True).xs
                with call_context.training_scope(False):  # as Keras: inference (see the fast path)
                    out = self._run_model(xs, None)
        finally:
            if was_training:
                self.train(True)
        return self._numpy_outputs(out)

    def _numpy_outputs(self, out):
        outs = [o.float().cpu().numpy() if o.is_floating_point() else o.cpu().numpy()
                for o in self._outputs_list(out)]
        return self._pack_predictions(outs)

    def _targets(self):
        return [self._compiled_loss.target_dtype(i) for i in range(len(self._output_names()))]

    def _batch_return(self, return_dict):
        logs = self._results()
        if return_dict:
            return logs
        keys = list(logs) if self._custom_steps else self.metrics_names
        values = [logs[k] for k in keys]
        return values[0] if len(values) == 1 else values


def _check_steps_per_execution(value):
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"compile(): steps_per_execution must be a positive integer; received {value!r}. With N > 1, "
                         "fit/evaluate call the batch callbacks (and update the progress bar) once every N steps.")
    return int(value)


def _should_validate(epoch, freq):
    if isinstance(freq, int):
        return (epoch + 1) % freq == 0
    return epoch + 1 in freq
