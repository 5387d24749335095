"""Callbacks: the ``Callback`` base and ``CallbackList``, the hooks into fit / evaluate / predict.

Batch-level ``logs`` are computed lazily (``LazyLogs``): reading them copies the running metric values
from the device, so callbacks that never look at batch logs cost no host sync.

Example::

    >>> class PrintLoss(Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(epoch, logs["loss"])
"""
from __future__ import annotations

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
        if args and args[-1] is None:  # Keras hands every hook a dict of logs, empty when there are none
            args = args[:-1] + ({},)
        for cb in self.callbacks:
            getattr(cb, hook)(*args)

    def batch(self, mode, when, batch, logs=None):
        name = f"on_{mode}_batch_{when}"
        for cb in self._batch[mode]:
            getattr(cb, name)(batch, {} if logs is None else logs)
