"""``keras.saving.serialize_keras_object`` / ``deserialize_keras_object`` (and ``keras.layers.serialize``
/ ``deserialize``): any Keras object to Keras 3's config dict and back.

An object becomes ``{"module", "class_name", "config", "registered_name"}``: ``module`` is the public
Keras module for our classes (``keras.regularizers``...) and the defining module for custom ones,
whose ``registered_name`` (``"package>Name"``) finds them again through the registry,
``custom_objects`` or a ``custom_object_scope``. Plain values pass through; numpy arrays, bytes and
slices use Keras's ``__numpy__``/``__bytes__``/``__slice__`` entries; nested objects inside a config
(a layer held by a layer, a regularizer object) are serialized recursively.

Example::

    >>> cfg = serialize_keras_object(keras.regularizers.L1(0.005))
    >>> cfg["module"], cfg["class_name"], cfg["config"]
    ('keras.regularizers', 'L1', {'l1': 0.005})
    >>> deserialize_keras_object(cfg)
    <kfunc_torch.regularizers.L1 object at ...>
"""
from __future__ import annotations

import importlib
import types

import numpy as np
import torch

from ..engine.registry import find_custom, registered_name_or_none

_PLAIN = (str, int, float, bool)

# Our implementation modules -> the public Keras module that Keras writes for the same classes.
_PUBLIC_MODULES = (("kfunc_torch.optimizers.schedules", "keras.optimizers.schedules"),
                   ("kfunc_torch.regularizers", "keras.regularizers"),
                   ("kfunc_torch.initializers", "keras.initializers"),
                   ("kfunc_torch.constraints", "keras.constraints"),
                   ("kfunc_torch.activations", "keras.activations"),
                   ("kfunc_torch.optimizers", "keras.optimizers"),
                   ("kfunc_torch.losses", "keras.losses"),
                   ("kfunc_torch.metrics", "keras.metrics"),
                   ("kfunc_torch.layers", "keras.layers"),
                   ("kfunc_torch.engine", "keras.layers"))


def _public_module(module: str) -> str | None:
    for ours, public in _PUBLIC_MODULES:
        if module == ours or module.startswith(ours + "."):
            return public
    return None


def serialize_keras_object(obj):
    """Keras 3's config dict of ``obj`` (layers, models, regularizers, losses, functions, ...).

    Example: ``serialize_keras_object(keras.regularizers.L1(0.005))["config"]`` → ``{'l1': 0.005}``.
    """
    from ..engine.layer import Layer
    if obj is None or isinstance(obj, _PLAIN):
        return obj
    if isinstance(obj, (list, tuple)):
        items = [serialize_keras_object(v) for v in obj]
        return tuple(items) if isinstance(obj, tuple) else items
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, slice):
        return {"class_name": "__slice__", "config": {"start": serialize_keras_object(obj.start),
                                                      "stop": serialize_keras_object(obj.stop),
                                                      "step": serialize_keras_object(obj.step)}}
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(obj, torch.dtype):
        return str(obj).replace("torch.", "")
    if isinstance(obj, torch.Tensor):
        value = obj.detach().cpu().numpy()
        return {"class_name": "__tensor__", "config": {"value": value.tolist(), "dtype": str(value.dtype)}}
    if isinstance(obj, np.ndarray) and obj.ndim > 0:
        return {"class_name": "__numpy__", "config": {"value": obj.tolist(), "dtype": str(obj.dtype)}}
    if isinstance(obj, (np.ndarray, np.generic)):
        return obj.item()
    if isinstance(obj, Layer):
        from ..engine.layer_config import serialize_layer
        return serialize_layer(obj)
    if isinstance(obj, types.FunctionType) and obj.__name__ == "<lambda>":
        from ..engine.lambda_code import serialize_function
        return serialize_function(obj)
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)) or (isinstance(obj, type)
                                                                             and not hasattr(obj, "get_config")):
        return _function_entry(obj)
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize {obj!r:.80} of type {type(obj).__name__}: to be serializable, a class "
                        "must implement get_config() (returning a dict of its constructor arguments).")
    config = obj.get_config()
    if not isinstance(config, dict):
        raise TypeError(f"get_config() of {obj!r:.80} should return a dict; it returned {config!r:.80}.")
    cls = type(obj)
    registered = registered_name_or_none(cls)
    public = _public_module(cls.__module__) if registered is None else None
    return {"module": public or cls.__module__, "class_name": cls.__name__,
            "config": serialize_keras_object(config), "registered_name": registered if public is None else None}


def _function_entry(fn) -> dict:
    registered = registered_name_or_none(fn)
    public = _public_module(getattr(fn, "__module__", "") or "") if registered is None else None
    name = getattr(fn, "__name__", str(fn))
    # Keras 3 writes the registered name as the config and the literal "function" as registered_name.
    return {"module": public or fn.__module__, "class_name": "function", "config": registered or name,
            "registered_name": name if public else "function"}


def deserialize_keras_object(config, custom_objects: dict | None = None, safe_mode: bool = True, **kwargs):
    """The object ``config`` describes (the inverse of ``serialize_keras_object``).

    Custom classes and functions are found through ``custom_objects``, an active
    ``custom_object_scope`` or ``@register_keras_serializable``. Example:
    ``deserialize_keras_object({"module": "keras.regularizers", "class_name": "L1", "config": {"l1": 0.1}})``.
    """
    module_objects = kwargs.pop("module_objects", None)
    if kwargs:
        raise TypeError(f"deserialize_keras_object() got unexpected keyword argument(s) {sorted(kwargs)}.")
    if config is None or isinstance(config, _PLAIN) and not isinstance(config, str):
        return config
    if isinstance(config, str):
        found = find_custom(config, None, custom_objects)
        if found is None and module_objects:
            found = module_objects.get(config)
        return config if found is None else found
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(v, custom_objects, safe_mode) for v in config]
    if not isinstance(config, dict):
        return config  # already an object (a from_config that deserialized it first)
    if "class_name" not in config or "config" not in config:
        return {k: deserialize_keras_object(v, custom_objects, safe_mode) for k, v in config.items()}
    class_name, inner = config["class_name"], config["config"] if config["config"] is not None else {}
    special = _special(class_name, inner, custom_objects, safe_mode)
    if special is not _NOT_SPECIAL:
        return special
    module, registered = config.get("module"), config.get("registered_name")
    if class_name == "function":
        return _find_function(inner, registered, module, custom_objects)
    cls = find_custom(class_name, registered, custom_objects)
    if cls is None and module_objects:
        cls = module_objects.get(class_name)
    from ..engine.layer import Layer
    if cls is None or (isinstance(cls, type) and issubclass(cls, Layer)):
        if module in (None, "keras", "keras.layers", "keras.models") or (module or "").startswith("keras.src") \
                or isinstance(cls, type):
            return _layer(config, custom_objects, safe_mode)
        return _from_public_module(module, config, custom_objects)
    if isinstance(cls, types.FunctionType):
        return cls
    if not hasattr(cls, "from_config"):
        raise TypeError(f"Cannot recreate {class_name!r}: {cls!r} has no from_config() method.")
    return cls.from_config(inner)


_NOT_SPECIAL = object()


def _special(class_name, inner, custom_objects, safe_mode):
    if class_name == "__numpy__":
        return np.array(inner["value"], dtype=inner["dtype"])
    if class_name == "__tensor__":
        return torch.as_tensor(np.array(inner["value"], dtype=inner["dtype"]))
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name == "__ellipsis__":
        return Ellipsis
    if class_name == "__tuple__":
        return tuple(deserialize_keras_object(v, custom_objects, safe_mode) for v in inner["value"])
    if class_name == "__slice__":
        return slice(*(deserialize_keras_object(inner[k], custom_objects, safe_mode) for k in ("start", "stop", "step")))
    if class_name == "__lambda__":
        from ..engine.lambda_code import deserialize_function
        return deserialize_function({"class_name": class_name, "config": inner}, safe_mode, custom_objects)
    return _NOT_SPECIAL


def _layer(config, custom_objects, safe_mode):
    from ..engine.layer_config import deserialize_layer
    layer = deserialize_layer(config, custom_objects, safe_mode)
    shape = (config.get("build_config") or {}).get("input_shape")
    if shape is not None and not getattr(layer, "built", True):
        layer.build(tuple(shape) if shape and not isinstance(shape[0], (list, tuple)) else shape)
    return layer


def _find_function(name, registered, module, custom_objects):
    if not isinstance(name, str):
        raise TypeError(f"A function entry's config must be its name; received {name!r:.80}.")
    found = find_custom(name, registered if registered != "function" else None, custom_objects)
    if found is not None:
        return found
    if module and module.startswith("keras."):
        ours = importlib.import_module("kfunc_torch" + module[len("keras"):])
        fn = getattr(ours, name, None)
        if fn is None and hasattr(ours, "get"):
            fn = ours.get(name)
        if fn is not None:
            return fn
    raise ValueError(f"Unknown function {name!r} (module {module!r}). If it is your own function, pass "
                     f"custom_objects={{'{name}': {name}}}, load inside custom_object_scope(...), or decorate it "
                     "with @keras.saving.register_keras_serializable().")


def _from_public_module(module, config, custom_objects):
    """A built-in object of ``keras.regularizers``/``initializers``/``losses``/...: that module's ``get``
    or ``deserialize`` reads the ``{"class_name", "config"}`` dict."""
    if not module.startswith("keras."):
        raise ValueError(f"Unknown object {config['class_name']!r} from module {module!r}. If it is your own class, "
                         f"pass custom_objects={{'{config['class_name']}': {config['class_name']}}}, load inside "
                         "custom_object_scope(...), or decorate it with @keras.saving.register_keras_serializable().")
    try:
        ours = importlib.import_module("kfunc_torch" + module[len("keras"):])
    except ImportError:
        raise ValueError(f"Cannot deserialize {config['class_name']!r}: kfunc_torch has no {module}.") from None
    entry = {"class_name": config["class_name"], "config": config["config"]}
    reader = getattr(ours, "deserialize", None) or getattr(ours, "get", None)
    if reader is None:
        cls = getattr(ours, config["class_name"])
        return cls.from_config(config["config"])
    try:
        return reader(entry, custom_objects=custom_objects)
    except TypeError:
        return reader(entry)
