"""Keras's ``keras.optimizers``: the optimizers, ``schedules``, and lookup by name.

Example::

    >>> from kfunc_torch import optimizers
    >>> optimizers.get("rmsprop")
    <RMSprop learning_rate=0.001>
"""
from . import schedules
from .algorithms import SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, Nadam, RMSprop
from .base import Optimizer, get_lr, set_lr
from .lookup import _BY_NAME  # noqa: F401  (saving checks built-in names)
from .lookup import deserialize, get, serialize

# Keras 2 class-name aliases
sgd, rmsprop, adam, adagrad, adadelta, adamax, nadam = SGD, RMSprop, Adam, Adagrad, Adadelta, Adamax, Nadam

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax", "Nadam", "schedules",
           "get", "serialize", "deserialize", "get_lr", "set_lr"]
