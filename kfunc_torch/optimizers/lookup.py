"""Optimizers by name and in Keras 3's serialized form: ``get``, ``serialize``, ``deserialize``.

Example::

    >>> get("adam").learning_rate
    0.001
"""
from __future__ import annotations

import torch

from ..engine.registry import registered_name_or_none, resolve
from . import schedules  # noqa: F401  (named in the docstrings' examples)
from .algorithms import SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, Nadam, RMSprop
from .base import Optimizer

_BY_NAME = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW, "adagrad": Adagrad,
            "adadelta": Adadelta, "adamax": Adamax, "nadam": Nadam}


def get(identifier):
    """An optimizer from a Keras name ('rmsprop', 'adam', ...), an instance, or a torch optimizer.

    Example: ``optimizers.get("adam").learning_rate`` is ``0.001``.
    """
    if isinstance(identifier, (Optimizer, torch.optim.Optimizer)):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        if cls is None:
            from ..engine.suggest import did_you_mean
            raise ValueError(f"Unknown optimizer {identifier!r}.{did_you_mean(identifier, _BY_NAME)} Expected one of "
                             f"{sorted(_BY_NAME)}, "
                             "an optimizer instance, or a torch.optim.Optimizer.")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise TypeError(f"Could not interpret optimizer {identifier!r} ({type(identifier).__name__}). Pass a "
                    "name such as 'rmsprop', a kfunc_torch.optimizers instance or a torch.optim.Optimizer.")


def serialize(optimizer) -> dict:
    """Keras 3's entry for an optimizer: ``{"module", "class_name", "config", "registered_name"}``; a
    learning-rate schedule is nested in ``config["learning_rate"]`` in the same form.

    Example: ``serialize(Adam())["class_name"] == "Adam"``; ``deserialize(serialize(opt))`` rebuilds it.
    """
    cls = type(optimizer)
    if _BY_NAME.get(cls.__name__.lower()) is cls:
        return {"module": "keras.optimizers", "class_name": cls.__name__, "config": optimizer.get_config(),
                "registered_name": None}
    return {"module": cls.__module__ if cls.__module__ != "__main__" else None, "class_name": cls.__name__,
            "config": optimizer.get_config(), "registered_name": registered_name_or_none(cls) or cls.__name__}


def deserialize(config: dict, custom_objects: dict | None = None):
    """An optimizer from ``serialize``'s dict (ours, Keras 3's or tf.keras's), schedule included.

    Example::

        >>> opt = deserialize(serialize(Adam(learning_rate=schedules.CosineDecay(1e-3, 1000))))
        >>> type(opt._lr).__name__
        'CosineDecay'
    """
    if isinstance(config, (Optimizer, torch.optim.Optimizer)):
        return config
    if not (isinstance(config, dict) and "class_name" in config):
        raise TypeError(f"deserialize: expected an optimizer dict with 'class_name' and 'config'; received "
                        f"{config!r:.200}.")
    name, registered = config["class_name"], config.get("registered_name")
    cls = _BY_NAME.get(name.lower()) if registered in (None, name) else None
    if cls is None:
        cls = resolve(name, registered, custom_objects, what="optimizer")
        if not (isinstance(cls, type) and issubclass(cls, Optimizer)):
            raise ValueError(f"Unknown optimizer {name!r}. Expected one of {sorted(_BY_NAME)} or a registered "
                             "kfunc_torch.optimizers.Optimizer subclass.")
    return cls.from_config(config.get("config") or {}, custom_objects=custom_objects)
