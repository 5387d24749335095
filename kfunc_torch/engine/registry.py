"""Which Python object a saved name means: built-in classes (which register themselves), custom
objects registered with ``register_keras_serializable``, and ``custom_objects`` given at load time.

This module imports nothing of kfunc_torch, so every other module may use it: ``Layer`` subclasses
defined in kfunc_torch register through ``Layer.__init_subclass__``, ``kfunc_torch.layers`` adds its
aliases (``Convolution2D``), and loading asks ``resolve`` for a class by name.

The public functions are Keras 3's ``keras.saving.*`` (also ``keras.utils.*``, as in Keras 2).

Example::

    >>> @register_keras_serializable(package="MyPkg")
    ... class Scale(Layer):
    ...     ...
    >>> get_registered_name(Scale)
    'MyPkg>Scale'
    >>> get_registered_object("MyPkg>Scale") is Scale
    True
    >>> with custom_object_scope({"Scale": Scale}):
    ...     model = model_from_json(text)
"""
from __future__ import annotations

import inspect
import threading

_REGISTERED: dict[str, object] = {}        # "package>name" -> class or function (get_custom_objects())
_REGISTERED_NAMES: dict[int, str] = {}     # id(object) -> "package>name"
_scopes = threading.local()                # .stack: the dicts of the active custom_object_scope blocks

# Built-in classes by the name a config writes (``class_name``), and how Keras 3 writes each entry.
_BUILTINS: dict[str, type] = {}
_KERAS_ENTRY: dict[type, tuple[str | None, str, str | None]] = {}   # class -> (module, class_name, registered)


# ---------------------------------------------------------------------------- built-ins
def register_builtin(cls: type, module: str = "keras.layers", class_name: str | None = None,
                     registered_name: str | None = None) -> type:
    """Make a kfunc_torch class loadable by ``class_name`` and tell how its config entry names it.

    ``Layer.__init_subclass__`` calls this for every public layer class of kfunc_torch; ``Model`` and
    ``Sequential`` call it again with Keras's entry (``keras.src.models.functional``/``Functional``).
    A class of ``kfunc_torch.layers`` or ``kfunc_torch.engine`` takes a name before any other module's.

    Example: ``register_builtin(Model, "keras.src.models.functional", "Functional", "Functional")``."""
    name = class_name or cls.__name__
    if not name.startswith("_"):
        held = _BUILTINS.get(name)
        if held is None or held is cls or (_rank(cls) < _rank(held)):
            _BUILTINS[name] = cls
    _KERAS_ENTRY[cls] = (module, name, registered_name)
    return cls


def _rank(cls) -> int:
    module = cls.__module__
    return 0 if module.startswith(("kfunc_torch.layers", "kfunc_torch.engine")) else 1


def register_aliases(names: dict) -> None:
    """Other names a built-in class is known by (``Convolution2D`` for ``Conv2D``), as Keras's modules
    export them. Example: ``register_aliases({"Convolution2D": Conv2D})``."""
    for name, cls in names.items():
        if isinstance(cls, type) and not name.startswith("_"):
            _BUILTINS.setdefault(name, cls)


def keras_entry(cls) -> tuple[str | None, str, str | None]:
    """(module, class_name, registered_name) of a class's config entry, as Keras 3 writes it: built-ins
    under their Keras module; a registered class with its ``"package>name"`` and no module; any other
    class by its own name (Keras then needs ``custom_objects`` to load it).

    Example: ``keras_entry(Dense)`` → ``('keras.layers', 'Dense', None)``."""
    registered = _REGISTERED_NAMES.get(id(cls))
    if registered is not None:
        return None, cls.__name__, registered
    # Only the class itself: a user's subclass of Dense is not keras.layers.Dense.
    return _KERAS_ENTRY.get(cls) or ("keras.layers", cls.__name__, None)


# ---------------------------------------------------------------------------- custom objects
def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Decorator making a custom class or function loadable by name, as in Keras 3.

    The object is saved with ``registered_name = "package>name"`` and found again on load. As in Keras,
    registering the key again replaces the earlier object (a notebook cell run twice).

    Example::

        >>> @register_keras_serializable(package="demo")
        ... class Double(Layer):
        ...     def call(self, x):
        ...         return 2 * x
    """
    if not isinstance(package, str) or ">" in package:
        raise ValueError(f"register_keras_serializable: package must be a string without '>'; received {package!r}.")

    def decorator(obj):
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError(f"Cannot register {obj.__name__}: a class needs a get_config() method to be saved. "
                             "Define get_config() returning its constructor arguments.")
        key = f"{package}>{name if name is not None else obj.__name__}"
        _REGISTERED[key] = obj
        _REGISTERED_NAMES[id(obj)] = key
        return obj
    return decorator


def registered_name_or_none(obj) -> str | None:
    """``"package>name"`` for a registered object, else None (what the writers test).

    Example: ``registered_name_or_none(Dense)`` → ``None``."""
    return _REGISTERED_NAMES.get(id(obj))


def get_registered_name(obj) -> str:
    """The name ``obj`` is saved under: ``"package>name"`` when registered, else its ``__name__`` (Keras 3).

    Example: ``get_registered_name(Double)`` → ``'demo>Double'``."""
    registered = _REGISTERED_NAMES.get(id(obj))
    return registered if registered is not None else obj.__name__


def get_registered_object(name: str, custom_objects: dict | None = None, module_objects: dict | None = None):
    """The object saved as ``name``: from an active ``custom_object_scope``, the registry, then the two
    dicts given; None when none has it (Keras 3's order).

    Example: ``get_registered_object("demo>Double")`` → ``Double``."""
    for table in reversed(_scope_stack()):
        if name in table:
            return table[name]
    if name in _REGISTERED:
        return _REGISTERED[name]
    for table in (custom_objects, module_objects):
        if table and name in table:
            return table[name]
    return None


def get_custom_objects() -> dict:
    """The global registry (``"package>name"`` → object); writable, as in Keras.

    Example: ``get_custom_objects()["Double"] = Double``."""
    return _REGISTERED


def _scope_stack() -> list:
    return getattr(_scopes, "stack", None) or []


class CustomObjectScope:
    """Context manager making ``{name: object}`` resolvable while loading (Keras 3 takes one dict; Keras 2
    took several, merged).

    Example::

        >>> with CustomObjectScope({"Double": Double}):
        ...     model = load_model("m.keras")
    """

    def __init__(self, *dicts):
        self.custom_objects = {}
        for d in dicts:
            self.custom_objects.update(d or {})

    def __enter__(self):
        stack = getattr(_scopes, "stack", None)
        if stack is None:
            stack = _scopes.stack = []
        stack.append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _scopes.stack.pop()


custom_object_scope = CustomObjectScope


# ---------------------------------------------------------------------------- lookup
def find_custom(name: str, registered_name: str | None = None, custom_objects: dict | None = None):
    """A custom object by its saved names (custom_objects, scopes, registry; a registered ``"pkg>Name"``
    also by its bare name), or None.

    Example: ``find_custom("custom_fn")`` → the function registered as ``"my_package>custom_fn"``."""
    candidates = [n for n in (registered_name, name) if n]
    for table in [custom_objects or {}] + list(reversed(_scope_stack())):
        for n in candidates:
            if n in table:
                return table[n]
    for n in candidates:
        if n in _REGISTERED:
            return _REGISTERED[n]
    bare = name.split(">", 1)[-1]
    for key, obj in _REGISTERED.items():
        if key.split(">", 1)[-1] == bare:
            return obj
    return None


def builtin(class_name: str) -> type:
    """A kfunc_torch class by its Keras name. The serializers (``layer_config``, ``model_config``) and
    ``summary`` find ``Functional`` and ``Sequential`` this way: those classes import the serializers,
    so importing them back would tie the engine into a circle.

    Example: ``builtin("Sequential")`` -> ``kfunc_torch.Sequential``."""
    return _BUILTINS[class_name]


def resolve(class_name: str, registered_name: str | None = None, custom_objects: dict | None = None,
            what: str = "layer"):
    """The object for a config entry; a clear error when nothing by that name is known.

    Example: ``resolve("Dense")`` → ``kfunc_torch.layers.Dense``."""
    found = find_custom(class_name, registered_name, custom_objects)
    if found is not None:
        return found
    if class_name in _BUILTINS:
        return _BUILTINS[class_name]
    raise ValueError(
        f"Unknown {what} class {class_name!r}"
        + (f" (registered name {registered_name!r})" if registered_name and registered_name != class_name else "")
        + ". It is neither a kfunc_torch layer nor a registered custom object. If it is your own class, pass "
        f"custom_objects={{'{class_name}': {class_name}}} to the loading function, load inside "
        "custom_object_scope(...), or decorate the class with @register_keras_serializable().")
