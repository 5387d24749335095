"""One layer <-> one Keras 3 config entry (``{"module", "class_name", "config", "registered_name"}``).

Writing adds what Keras 3 expects (modules, a DTypePolicy for ``dtype``); reading accepts Keras 3,
Keras 2 and our own entries, resolves nested objects (initializers, regularizers, constraints,
activations, wrapped layers) and drops keys the target class does not take (Keras-only options).

Example::

    >>> entry = serialize_layer(Dense(3))
    >>> entry["class_name"], entry["module"]
    ('Dense', 'keras.layers')
    >>> deserialize_layer(entry).units
    3
"""
from __future__ import annotations

import functools
import inspect
import warnings

import numpy as np

from .input_layer import InputLayer
from .registry import builtin, registered_name_or_none as get_registered_name, resolve

_SAFE = {"default": True}


def enable_unsafe_deserialization() -> None:
    """Allow Lambda bytecode in configs everywhere (Keras's ``keras.config.enable_unsafe_deserialization``).

    Example: ``enable_unsafe_deserialization(); Model.from_config(cfg)`` loads Lambdas."""
    _SAFE["default"] = False


def _safe(safe_mode):
    return _SAFE["default"] if safe_mode is None else bool(safe_mode)

# Keys Keras 3 writes that change nothing we implement; dropped silently when the class does not take them.
_QUIET_KEYS = {"quantization_config", "optional", "ragged", "lora_rank", "lora_alpha", "build_config",
               "autocast", "zero_output_for_mask", "seed", "input_axes", "output_axes", "synchronized",
               "sparse", "dtype", "batch_input_shape", "trainable", "name", "unroll", "implementation",
               "time_major", "compile_config", "registered_name", "module", "use_legacy_config",
               "renorm_clipping", "renorm_momentum",  # only used when "renorm" is on (which warns)
               "function_type", "output_shape_type", "mask_type"}  # Keras 2 Lambda: how its function was stored
_OBJECT_KINDS = {"initializer": "initializers", "regularizer": "regularizers", "constraint": "constraints"}


def json_ready(value):
    """Tuples to lists, numpy scalars to Python: what ``json.dumps`` can write.

    Example: ``json_ready((1, np.float32(2)))`` → ``[1, 2.0]``."""
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    # An object inside a config (a layer held by a custom layer, a regularizer object): Keras 3's entry.
    from ..saving.serialization import serialize_keras_object
    return json_ready(serialize_keras_object(value))


def _module_for(class_name: str) -> str:
    from .. import constraints, initializers, regularizers
    for mod, name in ((initializers, "initializers"), (regularizers, "regularizers"), (constraints, "constraints")):
        table = getattr(mod, "_BY_NAME", {})
        if class_name in table:
            return f"keras.{name}"
    return "keras.layers"


def _keras3_objects(value):
    """Add Keras 3's ``module``/``registered_name`` to nested ``{"class_name", "config"}`` dicts."""
    if isinstance(value, dict):
        out = {k: _keras3_objects(v) for k, v in value.items()}
        if "class_name" in out and "config" in out and "module" not in out and out["class_name"] != "__lambda__":
            out = {"module": _module_for(out["class_name"]), **out}
            out.setdefault("registered_name", None)
        return out
    if isinstance(value, list):
        return [_keras3_objects(v) for v in value]
    return value


# Keys our layers write (Keras 2 options) that Keras 3.15's constructors reject (checked against Keras
# 3.15.1): dropped on writing when they carry no meaning there, so Keras 3 can load our files.
_KERAS3_DROP = {"implementation": None, "input_length": None, "rms_scaling": False}


def _drop_keras2_only(config: dict) -> dict:
    for key, harmless in _KERAS3_DROP.items():
        if key in config and (harmless is None or config[key] == harmless):
            del config[key]
    return config


def dtype_policy(name: str) -> dict:
    """Keras 3's ``DTypePolicy`` entry for a dtype name (what Keras 3 writes as a layer's ``dtype``).

    Example: ``dtype_policy("float32")["class_name"]`` → ``"DTypePolicy"``."""
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name}, "registered_name": None}


def serialize_layer(layer, with_build: bool = True) -> dict:
    """The Keras 3 config entry of ``layer`` (without graph information).

    Example: ``serialize_layer(Dense(3))["config"]["units"]`` → ``3``."""
    Model = builtin("Functional")
    cls = type(layer)
    try:
        config = layer.get_config()
    except NotImplementedError as e:
        raise ValueError(f'Layer "{layer.name}" ({cls.__name__}) cannot be saved to a config: {e}') from None
    config = json_ready(dict(config))
    if isinstance(layer, InputLayer):
        shape = config.pop("batch_input_shape", None) or list(layer.batch_shape)
        config = {"batch_shape": shape, "dtype": config.get("dtype", "float32"), "sparse": bool(config.get("sparse")),
                  "ragged": False, "name": layer.name, "optional": False}
    elif not isinstance(layer, Model):
        # Keras 3 takes the input shape from an InputLayer entry, not from layer arguments.
        config.pop("batch_input_shape", None)
        if isinstance(config.get("dtype"), str):
            config["dtype"] = dtype_policy(config["dtype"])
        config = _keras3_objects(_drop_keras2_only(config))
    registered = get_registered_name(cls)
    module = "keras.layers"
    if isinstance(layer, Model):
        module = "keras" if isinstance(layer, builtin("Sequential")) else "keras.src.models.functional"
    entry = {"module": module if registered is None else None,
             "class_name": _class_name(layer), "config": config,
             "registered_name": registered if registered is not None else
             ("Functional" if module == "keras.src.models.functional" else None)}
    if with_build and not isinstance(layer, (InputLayer, Model)) and layer._inbound_nodes:
        shapes = layer._inbound_nodes[0].input_shapes
        if shapes is not None:
            entry["build_config"] = {"input_shape": json_ready(shapes)}
    return entry


def _class_name(layer) -> str:
    if type(layer) is builtin("Functional"):
        return "Functional"
    return type(layer).__name__


# ---------------------------------------------------------------------------- reading
@functools.lru_cache(maxsize=None)
def _init_params(cls) -> tuple[frozenset, bool]:
    """Keyword names ``cls(...)`` accepts, walking up while each __init__ forwards **kwargs."""
    from .layer import _LAYER_KWARGS, Layer
    names: set = set()
    for klass in cls.__mro__:
        if "__init__" not in klass.__dict__:
            continue
        try:
            params = inspect.signature(klass.__dict__["__init__"]).parameters
        except (TypeError, ValueError):
            return frozenset(names), True
        names.update(n for n, p in params.items() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) and n != "self")
        if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            return frozenset(names), False
        if klass is Layer:
            return frozenset(names | set(_LAYER_KWARGS)), False
    return frozenset(names), True


def _dtype_name(value):
    if isinstance(value, dict):  # Keras 3 DTypePolicy / FloatDTypePolicy, tf.keras Policy: the policy's name
        return (value.get("config") or {}).get("name", "float32")  # "mixed_float16" keeps its policy
    return value


def _object_kind(key: str) -> str | None:
    for suffix, kind in _OBJECT_KINDS.items():
        if key.endswith(suffix):
            return kind
    return None


def _resolve_object(kind: str, value, custom_objects):
    """An initializer/regularizer/constraint from a Keras 2 or 3 dict, a name, or None."""
    import importlib
    mod = importlib.import_module(f"kfunc_torch.{kind}")
    if not isinstance(value, dict):
        return mod.get(value)
    class_name = value.get("class_name")
    table = getattr(mod, "_BY_NAME", {})
    cls = table.get(class_name)
    if cls is None:
        cls = resolve(class_name, value.get("registered_name"), custom_objects, what=kind[:-1])
    cfg = dict(value.get("config") or {})
    accepted, open_kw = _init_params(cls) if isinstance(cls, type) else (set(cfg), True)
    if not open_kw:
        cfg = {k: v for k, v in cfg.items() if k in accepted}
    return cls.from_config(cfg) if hasattr(cls, "from_config") else cls(**cfg)


def _is_layer_entry(value, custom_objects) -> bool:
    from .layer import Layer
    if not (isinstance(value, dict) and "class_name" in value and "config" in value):
        return False
    try:
        cls = resolve(value["class_name"], value.get("registered_name"), custom_objects)
    except ValueError:
        return False
    return isinstance(cls, type) and issubclass(cls, Layer)


def clean_layer_config(cls, config: dict, custom_objects=None, safe_mode: bool = True) -> dict:
    """Turn a stored config into keyword arguments for ``cls``.

    Example: ``Dense(**clean_layer_config(Dense, entry["config"]))``."""
    from .. import activations
    from .lambda_code import deserialize_function
    config = dict(config)
    if "dtype" in config:
        config["dtype"] = _dtype_name(config["dtype"])
    for key, value in list(config.items()):
        kind = _object_kind(key)
        if kind and value is not None:
            config[key] = _resolve_object(kind, value, custom_objects)
        elif key.endswith("activation") and isinstance(value, dict):
            if value.get("class_name") in ("function", "__lambda__"):
                config[key] = deserialize_function(value, safe_mode, custom_objects, where=f"activation {key!r}")
            else:
                config[key] = activations.get(value)
        elif key in ("function", "output_shape", "mask") and isinstance(value, dict) and "class_name" in value:
            config[key] = deserialize_function(value, safe_mode, custom_objects, where=f'Lambda "{config.get("name")}"')
        elif key in ("function", "output_shape", "mask") and isinstance(value, (list, tuple)) and len(value) == 3:
            # Keras 2 (HDF5 files): [base64 bytecode, defaults, closure], with f"{key}_type" == "lambda"
            code, defaults, closure = value
            stored = {"class_name": "__lambda__", "config": {"code": code, "defaults": defaults, "closure": closure}}
            config[key] = deserialize_function(stored, safe_mode, custom_objects, where=f'Lambda "{config.get("name")}"')
        elif _is_layer_entry(value, custom_objects):
            config[key] = _nested_layer(cls, value, custom_objects, safe_mode)
    accepted, open_kw = _init_params(cls)
    if not open_kw:
        dropped = [k for k in config if k not in accepted]
        # An option that is off (None/False/0) changes nothing: only options that are on are worth a warning.
        loud = [k for k in dropped if k not in _QUIET_KEYS and not _is_off(config[k])]
        if loud:
            warnings.warn(f'Layer "{config.get("name")}" ({cls.__name__}): ignoring config keys this implementation '
                          f"does not support: {', '.join(sorted(loud))}.", UserWarning, stacklevel=4)
        config = {k: v for k, v in config.items() if k in accepted}
    return config


def _overrides_from_config(cls) -> bool:
    from .layer import Layer
    return getattr(cls.from_config, "__func__", None) is not Layer.from_config.__func__


def _nested_layer(parent_cls, entry, custom_objects, safe_mode):
    """A wrapped layer (Bidirectional's ``layer``...): an instance for plain constructors; for a parent
    with its own from_config (which reads nested ``{"class_name", "config"}`` dicts) a dict whose config
    is already cleaned, so that it builds with ``cls(**config)``."""
    if not _overrides_from_config(parent_cls):
        return deserialize_layer(entry, custom_objects, safe_mode)
    cls = resolve(entry["class_name"], entry.get("registered_name"), custom_objects)
    # The other keys stay (registered_name finds a registered custom class again).
    return {**entry, "config": clean_layer_config(cls, entry.get("config") or {}, custom_objects, safe_mode)}


def _is_off(value) -> bool:
    return value is None or value is False or (isinstance(value, (int, float, str, list, dict, tuple)) and not value)


def deserialize_layer(entry: dict, custom_objects=None, safe_mode: bool = True):
    """A new layer (unbuilt, unconnected) from a config entry.

    Example: ``deserialize_layer(serialize_layer(Dense(3))).units`` → ``3``."""
    from .layer import Layer
    if not isinstance(entry, dict) or "class_name" not in entry:
        raise ValueError(f"Expected a layer config with a 'class_name' key; received {entry!r:.200}.")
    cls = resolve(entry["class_name"], entry.get("registered_name"), custom_objects)
    config = entry.get("config") or {}
    if isinstance(cls, type) and issubclass(cls, builtin("Functional")):
        return model_from_config_dict(entry, custom_objects=custom_objects, safe_mode=safe_mode)
    if isinstance(cls, type) and issubclass(cls, InputLayer):
        shape = config.get("batch_shape", config.get("batch_input_shape"))
        return InputLayer(batch_shape=tuple(shape), dtype=_dtype_name(config.get("dtype")),
                          sparse=bool(config.get("sparse", False)), name=config.get("name"))
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        raise ValueError(f"Config class {entry['class_name']!r} resolved to {cls!r}, which is not a Layer.")
    kwargs = clean_layer_config(cls, config, custom_objects, safe_mode)
    try:
        if _overrides_from_config(cls):
            return cls.from_config(kwargs)
        return cls(**kwargs)
    except (TypeError, ValueError) as e:
        raise type(e)(f'Could not recreate layer "{config.get("name")}" ({entry["class_name"]}) from its config: '
                      f"{e}") from e


def model_from_config_dict(entry, custom_objects=None, safe_mode=None):
    """A model from a ``{"class_name", "config"}`` entry (Functional, Sequential, or a registered Model class):
    each class reads its own config (``Sequential.from_config``, ``Model.from_config``).

    Example: ``model_from_config_dict(json.loads(model.to_json()))``."""
    Model, Sequential = builtin("Functional"), builtin("Sequential")
    if not isinstance(entry, dict) or "class_name" not in entry:
        raise ValueError(f"Expected a model config with 'class_name' and 'config'; received {str(entry)[:200]}.")
    cls = resolve(entry["class_name"], entry.get("registered_name"), custom_objects, what="model")
    config = entry.get("config")
    if isinstance(cls, type) and issubclass(cls, Sequential):
        return Sequential.from_config.__func__(cls, config, custom_objects, safe_mode=safe_mode)
    if not (isinstance(cls, type) and issubclass(cls, Model)):
        raise ValueError(f"Config class {entry['class_name']!r} is not a model class (it resolved to {cls!r}).")
    if cls.from_config.__func__ is not Model.from_config.__func__:
        model = cls.from_config(config, custom_objects=custom_objects)  # the user's own reader
    else:
        model = Model.from_config.__func__(cls, config, custom_objects, safe_mode=safe_mode)
    if not model._is_graph_network:  # a subclassed model: built before its weights are read
        from .subclass_config import build_from_config
        build_from_config(model, entry.get("build_config"))
    return model
