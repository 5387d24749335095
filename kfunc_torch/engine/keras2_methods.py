"""Keras 2 ``Sequential`` methods that Keras 2.6 removed: ``predict_classes`` and ``predict_proba``.

Programs written for Keras 2 still call them. They behave as in Keras 2.2-2.5 and warn with
tf.keras 2.4's deprecation text, so a program's output reads as it did there.

Example::

    >>> model = Sequential([Dense(3, activation="softmax", input_shape=(4,))])
    >>> model.predict_classes(np.zeros((2, 4)))      # argmax over the last axis
    array([0, 0])
"""
from __future__ import annotations

import warnings

import numpy as np

_CLASSES_DEPRECATION = (
    "`model.predict_classes()` is deprecated and will be removed after 2021-01-01. Please use instead:* "
    "`np.argmax(model.predict(x), axis=-1)`,   if your model does multi-class classification   (e.g. if it uses a "
    "`softmax` last-layer activation).* `(model.predict(x) > 0.5).astype(\"int32\")`,   if your model does binary "
    "classification   (e.g. if it uses a `sigmoid` last-layer activation).")
_PROBA_DEPRECATION = ("`model.predict_proba()` is deprecated and will be removed after 2021-01-01. "
                      "Please use `model.predict()` instead.")
_INVALID_PROBA = ("Network returning invalid probability values. The last layer might not normalize predictions "
                  "into probabilities (like softmax or sigmoid would).")


class Keras2SequentialMethods:
    """Mixed into ``Sequential``: the Keras 2 prediction helpers over ``predict``."""

    def predict_proba(self, x, batch_size=32, verbose=0):
        """``predict(x)``, with a warning when a value lies outside [0, 1] (as Keras 2).

        Example: ``probs = model.predict_proba(x_test)``.
        """
        warnings.warn(_PROBA_DEPRECATION, UserWarning, stacklevel=2)
        preds = self._single_output_predict(x, batch_size, verbose, "predict_proba")
        if preds.size and (preds.min() < 0.0 or preds.max() > 1.0):
            warnings.warn(_INVALID_PROBA, UserWarning, stacklevel=2)
        return preds

    def predict_classes(self, x, batch_size=32, verbose=0):
        """Class ids: argmax over the last axis, or ``(p > 0.5)`` as int32 of shape (n, 1) for one unit.

        Example: ``labels = model.predict_classes(x_test)``.
        """
        warnings.warn(_CLASSES_DEPRECATION, UserWarning, stacklevel=2)
        proba = self._single_output_predict(x, batch_size, verbose, "predict_classes")
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")

    def _single_output_predict(self, x, batch_size, verbose, method):
        preds = self.predict(x, batch_size=batch_size, verbose=verbose)
        if isinstance(preds, (list, tuple, dict)):
            raise ValueError(f"{method}() needs a model with one output; this one returns {len(preds)} outputs. "
                             "Call model.predict(x) and take np.argmax of the output you want.")
        return np.asarray(preds)
