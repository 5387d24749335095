"""Callbacks: hooks into fit / evaluate / predict, with Keras's classes and semantics.

Example::

    >>> stop = callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    >>> history = model.fit(x, y, validation_split=0.2, epochs=50, callbacks=[stop])
    >>> history.history["val_loss"]

Batch-level ``logs`` are computed lazily: reading them copies the running metric values from the
device, so callbacks that never look at batch logs cost no host sync.
"""
from __future__ import annotations

import csv
import math
import os
import warnings

import numpy as np

from .optimizers import get_lr, set_lr
from .progbar import Progbar


class Callback:
    """Base class: override any ``on_*`` hook. ``self.model`` and ``self.params`` are set by fit.

    Example::

        class Print(Callback):
            def on_epoch_end(self, epoch, logs=None):
                print(epoch, logs["loss"])
    """

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_test_begin(self, logs=None): pass
    def on_test_end(self, logs=None): pass
    def on_predict_begin(self, logs=None): pass
    def on_predict_end(self, logs=None): pass
    def on_batch_begin(self, batch, logs=None): pass  # Keras 2 names: called for training batches
    def on_batch_end(self, batch, logs=None): pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)

    def on_test_batch_begin(self, batch, logs=None): pass
    def on_test_batch_end(self, batch, logs=None): pass
    def on_predict_batch_begin(self, batch, logs=None): pass
    def on_predict_batch_end(self, batch, logs=None): pass


_BATCH_HOOKS = {"train": ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end"),
                "test": ("on_test_batch_begin", "on_test_batch_end"),
                "predict": ("on_predict_batch_begin", "on_predict_batch_end")}


def _overrides(cb, name):
    # LambdaCallback sets its hooks on the instance, other callbacks override them in the class.
    return name in getattr(cb, "__dict__", {}) or getattr(type(cb), name, None) is not getattr(Callback, name, None)


class LazyLogs(dict):
    """A dict filled on first read from ``fn()`` (the device-to-host copy happens only if someone looks)."""

    def __init__(self, fn):
        super().__init__()
        self._fn = fn

    def _fill(self):
        if self._fn is not None:
            fn, self._fn = self._fn, None
            dict.update(self, fn())

    def __getitem__(self, k): self._fill(); return dict.__getitem__(self, k)
    def get(self, k, default=None): self._fill(); return dict.get(self, k, default)
    def __contains__(self, k): self._fill(); return dict.__contains__(self, k)
    def __iter__(self): self._fill(); return dict.__iter__(self)
    def __len__(self): self._fill(); return dict.__len__(self)
    def keys(self): self._fill(); return dict.keys(self)
    def values(self): self._fill(); return dict.values(self)
    def items(self): self._fill(); return dict.items(self)
    def copy(self): self._fill(); return dict(dict.items(self))
    def __repr__(self): self._fill(); return dict.__repr__(self)


class CallbackList:
    """Dispatches each hook to every callback; batch hooks only to callbacks that define them.

    Example: ``CallbackList([History()], model=m, params={}).call("on_train_begin", None)``.
    """

    def __init__(self, callbacks=None, model=None, params=None):
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback) and not hasattr(cb, "on_epoch_end"):
                raise TypeError(f"callbacks must be Callback instances; received {cb!r}.")
            if model is not None:
                cb.set_model(model)
            if params is not None:
                cb.set_params(params)
        self._batch = {mode: [cb for cb in self.callbacks if any(_overrides(cb, h) for h in hooks)]
                       for mode, hooks in _BATCH_HOOKS.items()}

    def wants_batches(self, mode) -> bool:
        return bool(self._batch[mode])

    def call(self, hook, *args):
        for cb in self.callbacks:
            getattr(cb, hook)(*args)

    def batch(self, mode, when, batch, logs=None):
        name = f"on_{mode}_batch_{when}"
        for cb in self._batch[mode]:
            getattr(cb, name)(batch, logs)


class History(Callback):
    """Records epoch logs: ``history.history["loss"]``, ``history.epoch``, ``history.params``.

    Example: ``h = model.fit(x, y, epochs=3); h.history["loss"]`` (3 values).
    """

    def __init__(self):
        super().__init__()
        self.history, self.epoch = {}, []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        self.model.history = self


class ProgbarLogger(Callback):
    """Prints the Keras progress bar (added by fit/evaluate/predict when verbose is 1 or 2).

    Example: ``model.fit(x, y, verbose=2)`` prints one line per epoch.
    """

    def __init__(self, count_mode="steps", verbose=1):
        super().__init__()
        self.verbose = verbose
        self._bar = None

    def _new_bar(self, target):
        self._bar = Progbar(target, verbose=self.verbose)

    def on_epoch_begin(self, epoch, logs=None):
        from ._compat import get_compat
        epochs = self.params.get("epochs", 1)
        if self.verbose and (get_compat() == "keras2" or epochs > 1):
            print(f"Epoch {epoch + 1}/{epochs}", flush=True)
        self._new_bar(self.params.get("steps"))

    def _batch_end(self, batch, logs):
        bar = self._bar
        if bar is not None and bar.due(batch + 1):
            final = bar.target is not None and batch + 1 >= bar.target
            if final and self._defer_final:
                bar._seen = batch + 1  # the epoch end draws the final line, with validation values
                return
            bar.update(batch + 1, list((logs or {}).items()))

    _defer_final = True

    def on_train_batch_end(self, batch, logs=None):
        self._batch_end(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self._bar is not None:
            self._bar.update(self._bar._seen or self.params.get("steps") or 0, list((logs or {}).items()),
                             finalize=True)

    def on_test_begin(self, logs=None):
        if not self.params.get("_in_fit"):
            self._new_bar(self.params.get("steps"))

    def on_test_batch_end(self, batch, logs=None):
        if not self.params.get("_in_fit"):
            self._batch_end(batch, logs)

    def on_test_end(self, logs=None):
        if not self.params.get("_in_fit") and self._bar is not None:
            self._bar.update(self._bar._seen, list((logs or {}).items()), finalize=True)

    def on_predict_begin(self, logs=None):
        self._new_bar(self.params.get("steps"))

    def on_predict_batch_end(self, batch, logs=None):
        self._batch_end(batch, None)

    def on_predict_end(self, logs=None):
        if self._bar is not None:
            self._bar.update(self._bar._seen, None, finalize=True)


class _Monitor(Callback):
    """Shared "is this an improvement" logic for EarlyStopping, ModelCheckpoint, ReduceLROnPlateau."""

    def _init_monitor(self, monitor, mode, min_delta):
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode {mode!r} is unknown; falling back to 'auto'.", stacklevel=3)
            mode = "auto"
        if mode == "auto":
            m = monitor.lower()
            mode = "max" if ("acc" in m or "auc" in m or m.endswith("precision") or m.endswith("recall")) \
                and "loss" not in m else "min"
        self.monitor, self.mode = monitor, mode
        self.min_delta = abs(min_delta)

    def _better(self, current, reference):
        if reference is None:
            return True
        if self.mode == "max":
            return current - self.min_delta > reference
        return current + self.min_delta < reference

    def _initial_best(self):
        return -math.inf if self.mode == "max" else math.inf

    def _current(self, logs):
        v = (logs or {}).get(self.monitor)
        if v is None:
            warnings.warn(f"{type(self).__name__}: metric {self.monitor!r} is not available in the logs, which "
                          f"have {sorted(logs or {})}. Pass monitor= one of those.", stacklevel=3)
        return v


class EarlyStopping(_Monitor):
    """Stop training when ``monitor`` stops improving for ``patience`` epochs.

    Example: ``EarlyStopping(monitor="val_loss", min_delta=1e-3, patience=3, restore_best_weights=True)``.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self._init_monitor(monitor, mode, min_delta)
        self.patience, self.verbose, self.baseline = patience, verbose, baseline
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best, self.best_weights = self._initial_best(), None

    def on_epoch_end(self, epoch, logs=None):
        current = self._current(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._better(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._better(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:  # Keras 3: even without a stop
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ReduceLROnPlateau(_Monitor):
    """Multiply the learning rate by ``factor`` after ``patience`` epochs without improvement.

    Example: ``ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=5, min_lr=1e-5)``.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0, **kwargs):
        super().__init__()
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0; received factor={factor}.")
        if "epsilon" in kwargs:  # Keras 2.0 name of min_delta
            min_delta = kwargs.pop("epsilon")
        self._init_monitor(monitor, mode, min_delta)
        self.factor, self.patience, self.verbose = factor, patience, verbose
        self.cooldown, self.min_lr = cooldown, min_lr

    def on_train_begin(self, logs=None):
        self.wait, self.cooldown_counter, self.best = 0, 0, self._initial_best()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = get_lr(self.model.optimizer)
        current = self._current(logs)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._better(current, self.best):
            self.best, self.wait = current, 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old = get_lr(self.model.optimizer)
                if old > self.min_lr:
                    new = max(old * self.factor, self.min_lr)
                    set_lr(self.model.optimizer, new)
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.")
                    self.cooldown_counter, self.wait = self.cooldown, 0


class LearningRateScheduler(Callback):
    """Set the learning rate at each epoch start from ``schedule(epoch, lr)`` (or ``schedule(epoch)``).

    Example: ``LearningRateScheduler(lambda epoch, lr: lr * 0.9)``.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        lr = get_lr(self.model.optimizer)
        try:
            new = self.schedule(epoch, lr)
        except TypeError:  # Keras 1/2 schedules take only the epoch
            new = self.schedule(epoch)
        if not isinstance(new, (float, int, np.floating, np.integer)):
            raise ValueError(f"The learning-rate schedule must return a number; it returned {new!r}.")
        set_lr(self.model.optimizer, float(new))
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {float(new)}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = get_lr(self.model.optimizer)


class CSVLogger(Callback):
    """Write each epoch's logs as a CSV row (header: epoch, then the log keys).

    Example: ``CSVLogger("training.log", separator=",", append=False)``.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self._file = self._writer = self.keys = None

    def on_train_begin(self, logs=None):
        has_header = self.append and os.path.exists(self.filename) and os.path.getsize(self.filename) > 0
        self._file = open(self.filename, "a" if self.append else "w", newline="")
        self._writer, self.keys = None, None
        self._header_written = has_header

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if self.keys is None:
            self.keys = sorted(logs)
        if self._writer is None:
            self._writer = csv.DictWriter(self._file, fieldnames=["epoch"] + self.keys, delimiter=self.sep)
            if not self._header_written:
                self._writer.writeheader()
        self._writer.writerow({"epoch": epoch, **{k: logs.get(k, "NA") for k in self.keys}})
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
            self._file = None


class TerminateOnNaN(Callback):
    """Stop training when a batch loss is NaN or infinite (reads the loss every batch: a host sync).

    Example: ``model.fit(x, y, callbacks=[TerminateOnNaN()])``.
    """

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and (math.isnan(loss) or math.isinf(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class LambdaCallback(Callback):
    """A callback from plain functions. Example: ``LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch))``."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None, on_batch_end=None,
                 on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        given = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end, on_batch_begin=on_batch_begin,
                     on_batch_end=on_batch_end, on_train_begin=on_train_begin, on_train_end=on_train_end, **kwargs)
        for name, fn in given.items():
            if fn is None:
                continue
            if not name.startswith("on_") or not hasattr(Callback, name):
                raise TypeError(f"LambdaCallback got an unknown hook {name!r}.")
            setattr(self, name, fn)


class TensorBoard(Callback):
    """Write epoch logs as TensorBoard scalars with ``torch.utils.tensorboard``.

    Example: ``TensorBoard(log_dir="logs")``; needs ``pip install tensorboard``.
    """

    def __init__(self, log_dir="logs", update_freq="epoch", **kwargs):
        super().__init__()
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as e:
            raise ImportError("The TensorBoard callback needs the tensorboard package: pip install tensorboard") from e
        self._writer_cls, self.log_dir, self.update_freq = SummaryWriter, os.fspath(log_dir), update_freq
        self._writers = {}

    def _writer(self, which):
        if which not in self._writers:
            self._writers[which] = self._writer_cls(os.path.join(self.log_dir, which))
        return self._writers[which]

    def on_epoch_end(self, epoch, logs=None):
        for k, v in (logs or {}).items():
            which, name = ("validation", k[4:]) if k.startswith("val_") else ("train", k)
            self._writer(which).add_scalar(f"epoch_{name}", v, epoch)

    def on_train_end(self, logs=None):
        for w in self._writers.values():
            w.close()
        self._writers = {}


# ModelCheckpoint and BackupAndRestore live in callbacks_checkpoint.py (they need Callback and _Monitor).
from .callbacks_checkpoint import BackupAndRestore, ModelCheckpoint  # noqa: E402,F401
