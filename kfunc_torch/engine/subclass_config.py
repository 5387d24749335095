"""Configs of subclassed models (``class MyModel(keras.Model)`` with ``call()``), as Keras 3 makes them.

- ``get_config()`` of a subclass that overrides it and calls ``super().get_config()`` gets the base
  config (name, trainable, dtype), to which it adds its own arguments (the serialization guide).
- A subclass that does not override it gets Keras 3's automatic config: the ``__init__`` parameters
  with their *default* values (Keras 3.15 binds a Model's arguments before it sees them, so the values
  passed are not captured), when every one has a plain default (str, int, float, bool, None);
  otherwise ``NotImplementedError`` asks for a ``get_config()``, as Keras 3 does.
- ``from_config(config)`` calls ``cls(**config)``; a config that does not fit ``__init__`` is a
  TypeError that says to keep get_config and ``__init__`` in step (Keras's "Unable to revive model").
- Saved models record the shape of their first call (``build_config``) and are built from it on load,
  before their weights are read.

Example::

    >>> m = MyModel(units=5); m(x)
    >>> MyModel.from_config(m.get_config()).units
    5
"""
from __future__ import annotations

import inspect

_PLAIN = (str, int, float, bool, type(None))


def subclassed_config(model) -> dict:
    """``get_config()`` of a model without a graph (see the module docstring)."""
    from .layer import Layer
    base = Layer.get_config(model)
    base.pop("batch_input_shape", None)
    cls = type(model)
    if _user_overrides(cls, "get_config"):
        return base  # reached through the user's super().get_config()
    try:
        params = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        params = {}
    auto = {}
    for name, p in list(params.items())[1:]:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or name == "name":
            continue
        value = p.default
        if value is p.empty or not isinstance(value, _PLAIN):  # Keras 3 cannot capture it either
            raise NotImplementedError(
                f"Model {model.name!r} ({cls.__name__}) takes an argument without a plain default value "
                f"(`{name}`), so it needs its own get_config() to be saved, as in Keras 3. Add one that returns them:\n"
                f"    def get_config(self):\n        return {{**super().get_config(), \"{name}\": ...}}")
        auto[name] = value
    base.pop("name", None)  # Keras 3 leaves the name out of a Model's automatic config
    return {**base, **auto}


def subclassed_from_config(cls, config: dict):
    """``cls.from_config(config)`` for a subclassed model: ``cls(**config)``."""
    config = dict(config)
    try:
        params = inspect.signature(cls.__init__).parameters
        takes_kwargs = any(p.kind is p.VAR_KEYWORD for p in params.values())
    except (TypeError, ValueError):
        params, takes_kwargs = {}, True
    if not takes_kwargs:  # keys Keras's base config adds that this __init__ does not take
        for key in ("trainable", "dtype", "name"):
            if key not in params:
                config.pop(key, None)
    try:
        return cls(**config)
    except TypeError as e:
        raise TypeError(
            f"Unable to revive model {cls.__name__} from its config ({e}). get_config() must return every "
            f"argument __init__ needs, by the names __init__ takes (the config has {sorted(config)}); or "
            "define a from_config() classmethod that reads it.") from e


def build_from_config(model, build_config) -> None:
    """Build a loaded subclassed model by calling it on zeros of its saved first-call shape."""
    shape = (build_config or {}).get("input_shape")
    if shape is None or model.built:
        return
    if isinstance(shape, list) and shape and isinstance(shape[0], list):
        shape = [tuple(s) for s in shape]
    else:
        shape = tuple(shape)
    model.build(shape)


def _user_overrides(cls, method: str) -> bool:
    defining = next(k for k in cls.__mro__ if method in k.__dict__)
    return not defining.__module__.startswith("kfunc_torch.")
