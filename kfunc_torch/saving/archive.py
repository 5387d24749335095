"""``.keras`` archives (Keras 3's zip: ``metadata.json``, ``config.json``, ``model.weights.h5``) and
Keras 2 full-model ``.h5`` files.

Our optimizer state travels in the archive as ``kfunc_torch_optimizer.pt`` (a torch tensor file read
with ``weights_only=True``, so loading it runs no code); Keras 3 ignores files it does not know.

Example::

    >>> model.save("m.keras")
    >>> same = load_model("m.keras")        # architecture, weights, compile settings, optimizer state
"""
from __future__ import annotations

import datetime
import io
import json
import os
import zipfile

import torch

from ..engine.registry import registered_name_or_none, resolve
from ..engine.layer_config import _init_params, _safe, model_from_config_dict
from ..engine.model_config import model_to_dict
from .optimizer_h5 import read_optimizer_vars, write_optimizer_vars
from .files import SavedFileError, atomic_write, check_exists, file_kind, open_h5
from .weights_h5 import apply_plan, legacy_model_config, read_keras3, read_legacy, write_keras3, write_legacy

# The Keras 3 schema version our files follow (Keras reads it to pick compatibility paths).
KERAS_FORMAT_VERSION = "3.15.1"
_OPTIMIZER_FILE = "kfunc_torch_optimizer.pt"


# ---------------------------------------------------------------------------- compile settings
def get_compile_config(model) -> dict | None:
    """The compile settings of a compiled model as JSON-able Keras 3 ``compile_config`` (None if unknown).

    Example: ``get_compile_config(model)["loss"]`` → ``"mse"``."""
    if not getattr(model, "compiled", False):
        return None
    getter = getattr(model, "get_compile_config", None)
    if callable(getter):
        return getter()
    opt = getattr(model, "optimizer", None)
    cfg = {"optimizer": serialize_optimizer(opt)}
    for key in ("loss", "loss_weights", "metrics", "weighted_metrics"):
        value = getattr(model, f"_compile_{key}", getattr(model, key, None) if key in ("loss", "loss_weights") else None)
        value = _serialize_losslike(value) if key == "loss" else \
            _serialize_metric(value) if key in ("metrics", "weighted_metrics") else value
        if not _jsonable(value):
            import warnings
            warnings.warn(f"compile() argument {key}={value!r:.80} cannot be saved; the reloaded model gets "
                          f"{key}=None. Use Keras names, kfunc_torch.losses objects or registered functions.",
                          UserWarning, stacklevel=4)
            value = None
        cfg[key] = value
    return cfg


def _serialize_losslike(value):
    """Loss/metric identifiers as Keras 3 writes them: names, ``keras.losses`` dicts, registered functions."""
    from .. import losses
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_serialize_losslike(v) for v in value]
    if isinstance(value, dict):
        return {k: _serialize_losslike(v) for k, v in value.items()}
    if isinstance(value, losses.Loss) and getattr(losses, type(value).__name__, None) is type(value):
        return {"module": "keras.losses", "class_name": type(value).__name__,
                "config": value.get_config(), "registered_name": None}
    name = getattr(value, "__name__", None)
    registered = registered_name_or_none(value)
    if registered is not None:
        return {"module": getattr(value, "__module__", None), "class_name": "function", "config": name,
                "registered_name": registered}
    if name is not None and losses._BY_NAME.get(name) is value:
        return name
    return value  # not JSON-able: the caller warns


def _deserialize_losslike(value, custom_objects=None):
    from .. import losses
    if isinstance(value, list):
        return [_deserialize_losslike(v, custom_objects) for v in value]
    if isinstance(value, dict) and "class_name" in value and "config" in value:
        if value["class_name"] == "function":
            name = value["config"]
            if name in losses._BY_NAME:
                return name
            return resolve(name, value.get("registered_name"), custom_objects, what="loss function")
        cls = getattr(losses, value["class_name"], None)
        if isinstance(cls, type) and issubclass(cls, losses.Loss):
            return cls(**{k: v for k, v in (value.get("config") or {}).items() if k != "fn"})
        return resolve(value["class_name"], value.get("registered_name"), custom_objects, what="loss")(
            **(value.get("config") or {}))
    if isinstance(value, dict):
        return {k: _deserialize_losslike(v, custom_objects) for k, v in value.items()}
    return value


def _serialize_metric(value):
    """Metric identifiers as Keras 3 writes them in ``compile_config``: names stay names; a ``Metric`` object is
    ``{"module": "keras.metrics", "class_name", "config": get_config(), "registered_name": None}`` (a custom
    class: its module, and its registered ``"package>Name"`` or its class name); lists and per-output dicts
    keep their shape.

    Example: ``_serialize_metric([Precision(thresholds=0.3)])[0]["config"]["thresholds"]`` → ``0.3``."""
    from .. import losses, metrics
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_serialize_metric(v) for v in value]
    if isinstance(value, dict):
        return {k: _serialize_metric(v) for k, v in value.items()}
    if isinstance(value, type) and issubclass(value, metrics.Metric):
        value = value()  # compile(metrics=[AUC]) means AUC()
    if isinstance(value, metrics.Metric):
        cls = type(value)
        if cls is metrics.MeanMetricWrapper:  # metrics.get("mae"): the name it wraps, else not savable
            fn = getattr(value, "_fn", None)
            return value.name if metrics._BY_NAME.get(value.name, None) is fn and fn is not None else value
        registered = registered_name_or_none(cls)
        if registered is None and getattr(metrics, cls.__name__, None) is cls:
            module = "keras.metrics"
        else:
            module = None if cls.__module__ == "__main__" else cls.__module__
            registered = registered or cls.__name__
        return {"module": module, "class_name": cls.__name__, "config": value.get_config(),
                "registered_name": registered}
    name = getattr(value, "__name__", None)
    if name is not None and registered_name_or_none(value) is None and \
            (metrics._BY_NAME.get(name) is value or losses._BY_NAME.get(name) is value):
        return name
    return _serialize_losslike(value)  # registered functions; anything else is not JSON-able: the caller warns


def _deserialize_metric(value, custom_objects=None):
    """The inverse of ``_serialize_metric``: ``Metric`` objects rebuilt with ``from_config`` (built-in classes
    from ``kfunc_torch.metrics``, custom ones from ``custom_objects``, ``custom_object_scope`` or the registry).
    A Keras built-in metric class that kfunc_torch lacks is left out with a warning.

    Example: ``_deserialize_metric([{"class_name": "AUC", "config": {"name": "auc"}}])`` → ``[AUC(name="auc")]``."""
    from .. import losses, metrics
    if isinstance(value, (list, tuple)):
        out = [_deserialize_metric(v, custom_objects) for v in value]
        return [v for v in out if v is not _UNKNOWN]
    if isinstance(value, dict) and "class_name" in value and "config" in value:
        class_name, registered = value["class_name"], value.get("registered_name")
        config = value.get("config")
        if class_name == "function":
            if config in metrics._BY_NAME or config in losses._BY_NAME:
                return config
            return resolve(config, registered, custom_objects, what="metric function")
        builtin = getattr(metrics, class_name, None)
        builtin = builtin if isinstance(builtin, type) and issubclass(builtin, metrics.Metric) else None
        module = value.get("module") or ""
        if module.split(".")[0] == "keras" and registered in (None, class_name):
            cls = builtin
            if cls is None:
                import warnings
                warnings.warn(f"The saved compile settings name the Keras metric {class_name!r}, which kfunc_torch "
                              "does not implement; the model is compiled without it.", UserWarning, stacklevel=4)
                return _UNKNOWN
        else:
            try:
                cls = resolve(class_name, registered, custom_objects, what="metric")
            except ValueError:
                if builtin is None:
                    raise
                cls = builtin
        config = dict(config or {})
        from_config = getattr(cls, "from_config", None)
        return from_config(config) if callable(from_config) else cls(**config)
    if isinstance(value, dict):
        out = {k: _deserialize_metric(v, custom_objects) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not _UNKNOWN}
    return value


_UNKNOWN = object()  # a saved metric we cannot rebuild (dropped from the list)


def serialize_optimizer(opt) -> dict | None:
    """Keras 3's optimizer entry (module ``keras.optimizers``) with every constructor argument.

    Example: ``serialize_optimizer(Adam(0.01))["config"]["beta_1"] == 0.9``."""
    from .. import optimizers
    if not isinstance(opt, optimizers.Optimizer):
        return None
    config = dict(opt.get_config())
    # get_config may list only the base options; constructor arguments kept as attributes
    # (beta_1, momentum, rho, ...) are added so that a reload builds the same optimizer.
    accepted, _ = _init_params(type(opt))
    for key in sorted(accepted - set(config)):
        value = getattr(opt, key, None)
        if isinstance(value, (bool, int, float, str)):
            config[key] = value
    return {"module": "keras.optimizers", "class_name": type(opt).__name__, "config": config, "registered_name": None}


def _jsonable(value) -> bool:
    try:
        json.dumps(value)
        return True
    except (TypeError, ValueError):
        return False


def _compile_from_config(model, cfg, custom_objects=None) -> None:
    setter = getattr(model, "compile_from_config", None)
    if callable(setter):
        setter(cfg)
        return
    from .. import optimizers
    opt = cfg.get("optimizer")
    if isinstance(opt, dict):
        cls = optimizers._BY_NAME.get(opt.get("class_name", "").lower())
        if cls is None:
            raise ValueError(f"Saved optimizer {opt.get('class_name')!r} is not one of {sorted(optimizers._BY_NAME)}.")
        accepted, _ = _init_params(cls)
        # Keras 3 writes options we do not have (use_ema, loss_scale_factor...): keep what the class takes.
        kwargs = {k: v for k, v in (opt.get("config") or {}).items()
                  if k in accepted or k in ("learning_rate", "name", "weight_decay", "clipnorm", "clipvalue",
                                            "global_clipnorm")}
        # A learning-rate schedule entry under "learning_rate" is rebuilt by from_config.
        opt = cls.from_config(kwargs, custom_objects=custom_objects)
    model.compile(optimizer=opt or "rmsprop", loss=_deserialize_losslike(cfg.get("loss"), custom_objects),
                  loss_weights=cfg.get("loss_weights"),
                  metrics=_known(_deserialize_metric(cfg.get("metrics"), custom_objects)),
                  weighted_metrics=_known(_deserialize_metric(cfg.get("weighted_metrics"), custom_objects)))


def _known(metrics):
    return None if metrics is _UNKNOWN else metrics


def _has_trainer(model) -> bool:
    # nn.Module.compile is torch.compile; only the Keras trainer's compile takes optimizer/loss.
    return getattr(type(model), "compile", None) is not torch.nn.Module.compile


def _optimizer_state(model) -> bytes | None:
    opt = getattr(model, "optimizer", None)
    if opt is None or not getattr(opt, "built", True):
        return None
    if hasattr(opt, "_states"):  # kfunc_torch optimizers keep per-parameter state in _states
        state = {"kind": "kfunc", "iterations": int(opt.iterations),
                 "states": [{k: v.detach().cpu() for k, v in s.items()} for s in opt._states],
                 # Scalars some optimizers keep besides per-weight slots (Nadam's schedule product).
                 "scalars": {k: float(getattr(opt, k)) for k in ("_u_product",) if hasattr(opt, k)}}
    elif isinstance(opt, torch.optim.Optimizer):
        state = {"kind": "torch", "state_dict": opt.state_dict()}
    else:
        return None
    buf = io.BytesIO()
    torch.save(state, buf)
    return buf.getvalue()


def _restore_optimizer(model, data: bytes, source: str) -> None:
    opt = getattr(model, "optimizer", None)
    if opt is None:
        return
    try:
        state = torch.load(io.BytesIO(data), weights_only=True)
    except Exception as e:  # noqa: BLE001 - any unpickling failure means a corrupt entry
        raise SavedFileError(f"{source}: the optimizer state ({_OPTIMIZER_FILE}) is corrupt: {e}") from None
    from .. import optimizers
    if state.get("kind") == "kfunc" and isinstance(opt, optimizers.Optimizer):
        if not opt.built:
            # The same parameter list the trainer builds with (so per-weight states line up).
            opt.build([p for p in model.trainable_weights if p.requires_grad])
        if len(opt._states) != len(state["states"]):
            raise ValueError(f"{source}: the optimizer state covers {len(state['states'])} weights, but the model "
                             f"trains {len(opt._states)}. It was saved from another architecture.")
        for mine, saved in zip(opt._states, state["states"]):
            for k, v in saved.items():
                mine[k].copy_(v.to(mine[k].device))
        opt.iterations = state["iterations"]
        for k, v in state.get("scalars", {}).items():
            setattr(opt, k, v)
    elif state.get("kind") == "torch" and isinstance(opt, torch.optim.Optimizer):
        opt.load_state_dict(state["state_dict"])


# ---------------------------------------------------------------------------- .keras
def save_model(model, filepath, overwrite: bool = True, include_optimizer: bool = True, **kwargs) -> None:
    """Save architecture, weights, compile settings and optimizer state.

    ``.keras`` writes Keras 3's zip archive (loadable by Keras 3); ``.h5``/``.hdf5`` writes the Keras 2
    HDF5 model file. The file is replaced atomically: a failed save leaves any previous file intact.
    Example: ``save_model(model, "m.keras")``.
    """
    path = os.fspath(filepath)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path} exists and overwrite=False. Pass overwrite=True to replace it.")
    if path.endswith((".h5", ".hdf5")):
        return _save_legacy_h5(model, path)
    if not path.endswith(".keras"):
        raise ValueError(f"Invalid filepath extension for saving: {path!r}. Use a '.keras' file (Keras 3 archive) "
                         "or '.h5' (Keras 2 HDF5); for weights only call save_weights('x.weights.h5').")
    entry = model_to_dict(model)
    compile_cfg = get_compile_config(model)
    if compile_cfg is not None:
        entry["compile_config"] = compile_cfg
    weights = io.BytesIO()
    with open_h5(weights, "w") as f:
        write_keras3(f, model)
        if include_optimizer and compile_cfg is not None:
            write_optimizer_vars(f, model)
    meta = {"keras_version": KERAS_FORMAT_VERSION, "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
            "saved_by": "kfunc_torch"}
    with atomic_write(path) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as z:
            z.writestr("metadata.json", json.dumps(meta))
            z.writestr("config.json", json.dumps(entry))
            z.writestr("model.weights.h5", weights.getvalue())
            state = _optimizer_state(model) if include_optimizer and compile_cfg is not None else None
            if state is not None:
                z.writestr(_OPTIMIZER_FILE, state)


def read_archive(path):
    try:
        z = zipfile.ZipFile(path)
        names = set(z.namelist())
        missing = {"config.json", "model.weights.h5"} - names
        if missing:
            raise SavedFileError(f"{path}: not a Keras model archive: it lacks {sorted(missing)} (it has "
                                 f"{sorted(names)[:10]}).")
        config = json.loads(z.read("config.json"))
        weights = z.read("model.weights.h5")
        opt = z.read(_OPTIMIZER_FILE) if _OPTIMIZER_FILE in names else None
        return config, weights, opt
    except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile) as e:
        raise SavedFileError(f"{path}: the '.keras' archive is truncated or corrupt ({e}).") from None
    except json.JSONDecodeError as e:
        raise SavedFileError(f"{path}: config.json inside the archive is not valid JSON ({e}).") from None


def load_model(filepath, custom_objects: dict | None = None, compile: bool = True, safe_mode: bool = True):
    """Load a model saved by ``save_model`` here, by Keras 3 (``.keras``) or by Keras 2 (``.h5``).

    Nothing in the file is executed: Lambda layers holding Python bytecode are refused unless
    ``safe_mode=False``. Example: ``model = load_model("m.keras", custom_objects={"Scale": Scale})``.
    """
    path = check_exists(filepath)
    kind = file_kind(path)
    if kind == "hdf5":
        return _load_legacy_h5(path, custom_objects, compile, safe_mode)
    if kind != "zip":
        raise SavedFileError(f"{path}: not a '.keras' archive nor an HDF5 file (it starts with neither a zip nor an "
                             "HDF5 signature). Pass a file written by model.save().")
    config, weights, opt_state = read_archive(path)
    model = model_from_config_dict(config, custom_objects=custom_objects, safe_mode=_safe(safe_mode))
    compile_cfg = config.get("compile_config")
    with open_h5(io.BytesIO(weights)) as f:
        apply_plan(read_keras3(f, model, f"{path} (model.weights.h5)"))
        if compile and compile_cfg and _has_trainer(model):
            _compile_from_config(model, compile_cfg, custom_objects)
            # Our exact state file first; else the Keras 3 layout (files written by Keras).
            if opt_state is not None:
                _restore_optimizer(model, opt_state, path)
            else:
                read_optimizer_vars(f, model, path)
    return model


# ---------------------------------------------------------------------------- Keras 2 .h5 model files
def _save_legacy_h5(model, path) -> None:
    with atomic_write(path) as tmp:
        with open_h5(tmp, "w") as f:
            f.attrs["model_config"] = json.dumps(model_to_dict(model))
            f.attrs["keras_version"] = "2.15.0"
            f.attrs["backend"] = "pytorch"
            compile_cfg = get_compile_config(model)
            if compile_cfg is not None:
                f.attrs["training_config"] = json.dumps(compile_cfg)
            write_legacy(f.create_group("model_weights"), model)


def _load_legacy_h5(path, custom_objects, compile, safe_mode):
    config, training = legacy_model_config(path)
    if config is None:
        raise SavedFileError(f"{path}: this HDF5 file holds weights only (no 'model_config'). Build the model in code "
                             "and call model.load_weights(path).")
    model = model_from_config_dict(config, custom_objects=custom_objects, safe_mode=_safe(safe_mode))
    with open_h5(path) as f:
        group = f["model_weights"] if "model_weights" in f else f
        apply_plan(read_legacy(group, model, path))
    if compile and training and _has_trainer(model):
        try:
            _compile_from_config(model, _legacy_training_config(training), custom_objects)
        except (ValueError, TypeError) as e:
            import warnings
            warnings.warn(f"{path}: the model was loaded uncompiled; its saved training config could not be "
                          f"restored ({e}). Call model.compile(...) yourself.", UserWarning, stacklevel=2)
    return model


def _legacy_training_config(training: dict) -> dict:
    # Keras 2 wrote {"optimizer_config": {...}, "loss": ..., "metrics": ..., "loss_weights": ...}.
    if "optimizer_config" in training:
        return {"optimizer": training["optimizer_config"], "loss": training.get("loss"),
                "loss_weights": training.get("loss_weights"), "metrics": training.get("metrics")}
    return training
