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

from .. import callbacks as _callbacks
from .. import distributed as _distributed
from .. import dtype_policies as _dp
from .. import optimizers as _optimizers
from ..generations import current
from ..settings import backend_settings
from ..legacy import CALLS, rename_call
from . import data_adapter as _data
from . import data_checks as _checks
from . import jit as _jit
from .batch_methods import BatchMethods
from .compile_utils import CompiledLoss, compile_metrics
from .custom_steps import CompileMetrics, StepAPI, pack_data
from .generator_methods import GeneratorMethods
from .lean_step import LeanStep
from .losses_api import added_metrics_of


class Trainer(LeanStep, BatchMethods, GeneratorMethods, StepAPI):
    """The training API mixed into ``Model`` (no ``__init__``: ``Model.__init__`` calls ``_init_trainer``).

    Its parts: ``LeanStep`` (the built-in step and its running sums, ``lean_step.py``),
    ``BatchMethods`` (``train_on_batch``/``test_on_batch``/``predict_on_batch``, ``batch_methods.py``),
    ``GeneratorMethods`` (Keras 2's ``fit_generator``/..., ``generator_methods.py``) and ``StepAPI``
    (Keras 3's overridable ``train_step``/``test_step``/..., ``custom_steps.py``)."""

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
        epochs, steps_per_epoch, steps = _capped(epochs, steps_per_epoch, steps)

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
        cb = self._loop_callbacks(callbacks, verbose, steps or data.steps())
        was_training = self.training
        self.eval()
        try:
            cb.call("on_test_begin", None)
            logs = self._test_loop(data, steps, cb, replicas=rep)
            cb.call("on_test_end", logs)
        finally:
            self.train(was_training)
        return self._as_returned(logs, return_dict)

    def _loop_callbacks(self, callbacks, verbose, steps):
        """evaluate's and predict's callbacks: the user's, behind the progress bar when verbose."""
        cbs = list(callbacks or [])
        if verbose:
            cbs.insert(0, _callbacks.ProgbarLogger(verbose=verbose))
        return _callbacks.CallbackList(cbs, model=self, params={"steps": steps, "verbose": verbose})

    def _as_returned(self, logs, return_dict):
        """evaluate's (and the batch methods') answer: the logs as a dict, or their values in
        ``metrics_names`` order (the step's own keys for a custom step), one value alone."""
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
        cb = self._loop_callbacks(callbacks, verbose, steps or data.steps())
        was_training = self.training
        self.eval()
        chunks = None
        try:
            cb.call("on_predict_begin", None)
            run = self._jitted("predict", self._run_model)
            custom = type(self).predict_step is not StepAPI.predict_step
            for step, (xs, _, _) in enumerate(data.batches(False, steps)):
                outs = self._outputs_list(self.predict_step(pack_data(self, xs, None, None)) if custom
                                          else run(xs, False))
                chunks = [[] for _ in outs] if chunks is None else chunks
                for c, o in zip(chunks, outs):
                    c.append(o)
                cb.batch("predict", "end", step, None)
            cb.call("on_predict_end", None)
        finally:
            self.train(was_training)
        if rep is not None:
            chunks = [[t] for t in rep.gather_predictions(self, data, chunks)]
        if chunks is None:
            raise ValueError("predict() received no data (0 samples or 0 steps).")
        _checks.flush_id_watches()
        arrays = [_dp.to_numpy(torch.cat(c)) for c in chunks]
        return self._pack_predictions(arrays)

    def _pack_predictions(self, arrays):
        """One array for one output, else a list; a dict by key for a model built with dict outputs
        (Keras returns its outputs' structure)."""
        struct = getattr(self, "_output_struct", None)
        if isinstance(struct, dict) and len(arrays) == len(struct):
            return dict(zip(struct, arrays))  # the struct's keys are sorted, as its flattened outputs
        return arrays[0] if len(arrays) == 1 else arrays

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


def _capped(epochs: int, steps_per_epoch, steps):
    """``(epochs, steps_per_epoch, steps)`` for ``fit`` under the debugging caps of
    ``keras.config.set_max_epochs`` / ``set_max_steps_per_epoch`` (no caps: unchanged)."""
    cap_epochs, cap_steps = backend_settings["max_epochs"], backend_settings["max_steps_per_epoch"]
    if cap_epochs and cap_epochs < epochs:
        epochs = cap_epochs
    if cap_steps and (steps is None or cap_steps < steps):
        steps_per_epoch = steps = cap_steps
    return epochs, steps_per_epoch, steps
