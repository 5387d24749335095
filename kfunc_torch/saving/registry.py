"""Which Python class a config's ``class_name`` means: built-in layers, registered custom classes,
and ``custom_objects`` given at load time.

Example::

    >>> @register_keras_serializable(package="MyPkg")
    ... class Scale(Layer):
    ...     ...
    >>> with custom_object_scope({"Scale": Scale}):
    ...     model = model_from_json(text)
"""
from __future__ import annotations

import threading

_REGISTERED: dict[str, object] = {}        # "package>name" -> class or function
_REGISTERED_NAMES: dict[int, str] = {}     # id(class) -> "package>name"
_scopes = threading.local()


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Decorator making a custom layer (or function) loadable by name, as in Keras 3.

    The object is saved with ``registered_name = "package>name"`` and found again on load.

    Example::

        >>> @register_keras_serializable(package="demo")
        ... class Double(Layer):
        ...     def call(self, x):
        ...         return 2 * x
    """
    if not isinstance(package, str) or ">" in package:
        raise ValueError(f"register_keras_serializable: package must be a string without '>'; received {package!r}.")

    def decorator(obj):
        key = f"{package}>{name or obj.__name__}"
        if key in _REGISTERED and _REGISTERED[key] is not obj:
            raise ValueError(f"{key!r} is already registered to {_REGISTERED[key]!r}. Use another name= or package=.")
        _REGISTERED[key] = obj
        _REGISTERED_NAMES[id(obj)] = key
        return obj
    return decorator


def get_registered_name(obj) -> str | None:
    """``"package>name"`` for a registered object, else None.

    Example: ``get_registered_name(Double)`` → ``'demo>Double'``."""
    return _REGISTERED_NAMES.get(id(obj))


def get_custom_objects() -> dict:
    """The global registry (``"package>name"`` → object); writable, as in Keras.

    Example: ``get_custom_objects()["Double"] = Double``."""
    return _REGISTERED


class CustomObjectScope:
    """Context manager making ``{name: object}`` resolvable while loading.

    Example::

        >>> with CustomObjectScope({"Double": Double}):
        ...     model = load_model("m.keras")
    """

    def __init__(self, *dicts):
        self._objects = {}
        for d in dicts:
            self._objects.update(d or {})

    def __enter__(self):
        stack = getattr(_scopes, "stack", None)
        if stack is None:
            stack = _scopes.stack = []
        stack.append(self._objects)
        return self

    def __exit__(self, *exc):
        _scopes.stack.pop()


custom_object_scope = CustomObjectScope


def _builtin_classes() -> dict[str, type]:
    # Looked up on each load (not cached): other modules add layers to kfunc_torch.layers over time.
    from .. import layers as _layers
    from ..engine.functional import Model
    from ..engine.layer import Layer
    from ..engine.sequential import Sequential
    out = {}
    for key in dir(_layers):
        obj = getattr(_layers, key)
        if isinstance(obj, type) and issubclass(obj, Layer):
            out.setdefault(key, obj)
            out.setdefault(obj.__name__, obj)
    out.update({"Functional": Model, "Model": Model, "Sequential": Sequential})
    return out


def resolve(class_name: str, registered_name: str | None = None, custom_objects: dict | None = None,
            what: str = "layer"):
    """The object for a config entry; a clear error when nothing by that name is known.

    Example: ``resolve("Dense")`` → ``kfunc_torch.layers.Dense``."""
    candidates = [n for n in (registered_name, class_name) if n]
    for table in [custom_objects or {}] + list(reversed(getattr(_scopes, "stack", None) or [])):
        for n in candidates:
            if n in table:
                return table[n]
    for n in candidates:
        if n in _REGISTERED:
            return _REGISTERED[n]
    for key, obj in _REGISTERED.items():  # registered "pkg>Name" found by its bare class name
        if key.split(">", 1)[1] == class_name:
            return obj
    builtins = _builtin_classes()
    if class_name in builtins:
        return builtins[class_name]
    raise ValueError(
        f"Unknown {what} class {class_name!r}"
        + (f" (registered name {registered_name!r})" if registered_name and registered_name != class_name else "")
        + ". It is neither a kfunc_torch layer nor a registered custom object. If it is your own class, pass "
        f"custom_objects={{'{class_name}': {class_name}}} to the loading function, load inside "
        "custom_object_scope(...), or decorate the class with @register_keras_serializable().")
