"""Callbacks that steer training from the logs: ``EarlyStopping``, ``ReduceLROnPlateau``,
``LearningRateScheduler``, ``TerminateOnNaN``, ``LambdaCallback``.

Example::

    >>> stop = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    >>> history = model.fit(x, y, validation_split=0.2, epochs=50, callbacks=[stop])
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ..optimizers import get_lr, set_lr
from .base import Callback

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
