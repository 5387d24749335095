"""The Keras 1/2 generator methods (``fit_generator``, ``evaluate_generator``, ``predict_generator``)
as a mixin of ``Trainer``: each converts its Keras 1 arguments and calls only ``fit`` / ``evaluate``
/ ``predict``, which take generators, Sequences and DataLoaders themselves.

Keras 1 counted samples (``samples_per_epoch``, ``nb_val_samples``, ``val_samples``) where Keras 2
counts steps; the conversion peeks at one batch for its size.

Example::

    >>> model.fit_generator(gen(), samples_per_epoch=400, nb_epoch=5)   # = fit(gen(), steps_per_epoch=400 // batch, epochs=5)
"""
from __future__ import annotations

import itertools
import math

from ..legacy import CALLS, rename_call
from .data_adapter import is_iterable_source


class XOnly:
    """Wraps a generator of x (or (x, ...)) batches into (x,) tuples for predict."""

    def __init__(self, source):
        self.source = source

    def __iter__(self):
        for b in self.source:
            yield (b[0],) if isinstance(b, tuple) else (b,)


def samples_to_steps(generator, samples):
    """Keras 1 counted samples per epoch; we count steps: peek at one batch to learn the batch size."""
    it = iter(generator)
    first = next(it)
    x = first[0] if isinstance(first, tuple) else first
    x0 = x[0] if isinstance(x, (list, tuple)) else (next(iter(x.values())) if isinstance(x, dict) else x)
    return itertools.chain([first], it), max(1, math.ceil(samples / len(x0)))


def _keras1_kwargs(where, kwargs, **explicit):
    """Rename ``where``'s Keras 1 arguments (``nb_epoch``...; returns the ``explicit`` ones), then drop
    the worker arguments: data loading runs in this process, so they mean nothing here."""
    values = rename_call(where, CALLS[where], kwargs, **explicit)
    for moved in ("workers", "use_multiprocessing", "max_queue_size"):
        kwargs.pop(moved, None)
    return values


class GeneratorMethods:
    """Mixin: the Keras 1/2 generator API over ``fit`` / ``evaluate`` / ``predict``."""

    def fit_generator(self, generator, steps_per_epoch=None, epochs=None, verbose=1, callbacks=None,
                      validation_data=None, validation_steps=None, validation_freq=1, class_weight=None,
                      max_queue_size=10, workers=1, use_multiprocessing=False, shuffle=True, initial_epoch=0,
                      **kwargs):
        """Keras 2 ``fit_generator`` (Keras 1 ``samples_per_epoch``, ``nb_epoch``, ``nb_val_samples``).

        Example: ``model.fit_generator(gen(), steps_per_epoch=100, epochs=5)``.
        """
        samples = kwargs.pop("samples_per_epoch", None)
        val_samples = kwargs.pop("nb_val_samples", None)
        epochs = _keras1_kwargs("fit_generator", kwargs, epochs=epochs)
        if kwargs:
            raise TypeError(f"fit_generator() got unexpected keyword argument(s) {sorted(kwargs)}.")
        if samples is not None and steps_per_epoch is None:
            generator, steps_per_epoch = samples_to_steps(generator, samples)
        if val_samples is not None and validation_steps is None and is_iterable_source(validation_data):
            validation_data, validation_steps = samples_to_steps(validation_data, val_samples)
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
                        callbacks=callbacks, validation_data=validation_data, validation_steps=validation_steps,
                        validation_freq=validation_freq, class_weight=class_weight, shuffle=shuffle,
                        initial_epoch=initial_epoch)

    def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1,
                           use_multiprocessing=False, verbose=0, **kwargs):
        """Keras 2 ``evaluate_generator`` (Keras 1 ``val_samples``). Example: ``model.evaluate_generator(gen(), 10)``."""
        samples = kwargs.pop("val_samples", None)
        _keras1_kwargs("evaluate_generator", kwargs)
        if samples is not None and steps is None:
            generator, steps = samples_to_steps(generator, samples)
        return self.evaluate(generator, steps=steps, callbacks=callbacks, verbose=verbose)

    def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1,
                          use_multiprocessing=False, verbose=0, **kwargs):
        """Keras 2 ``predict_generator``; the generator yields x (or (x, y)) batches.

        Example: ``model.predict_generator(gen(), steps=10)``.
        """
        samples = kwargs.pop("val_samples", None)
        _keras1_kwargs("predict_generator", kwargs)
        if samples is not None and steps is None:
            generator, steps = samples_to_steps(generator, samples)
        return self.predict(XOnly(generator), steps=steps, callbacks=callbacks, verbose=verbose)
