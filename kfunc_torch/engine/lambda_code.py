"""Lambda functions in configs: written as marshalled bytecode (base64) like Keras does, and
loaded back only when the user opts in with ``safe_mode=False`` (loading bytecode runs code).

Example::

    >>> cfg = serialize_function(lambda x: x * 2)
    >>> cfg["class_name"]
    '__lambda__'
    >>> fn = deserialize_function(cfg, safe_mode=False)
    >>> fn(3)
    6
"""
from __future__ import annotations

import base64
import importlib
import marshal
import sys
import types

from .registry import registered_name_or_none as get_registered_name, resolve


class UnsafeLoadError(ValueError):
    """Loading would run Python code stored in the file (a Lambda); pass ``safe_mode=False`` to allow.

    Example: ``load_model("m.keras")`` on a model with a Lambda raises it."""


def serialize_function(fn) -> dict | str:
    """A JSON-able description of ``fn``: bytecode for lambdas and closures, a name for named functions.

    Example: ``serialize_function(lambda x: x)["class_name"] == "__lambda__"``."""
    if isinstance(fn, types.FunctionType) and fn.__name__ != "<lambda>" and fn.__closure__ is None \
            and "<locals>" not in fn.__qualname__:
        name = fn.__name__
        return {"module": fn.__module__, "class_name": "function", "config": name,
                "registered_name": get_registered_name(fn) or name}
    if not isinstance(fn, types.FunctionType):
        raise TypeError(f"Cannot serialize {fn!r} ({type(fn).__name__}) as a Lambda function: expected a Python "
                        "function or lambda.")
    code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii") + "\n"
    closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
    return {"class_name": "__lambda__", "config": {"code": code, "defaults": fn.__defaults__, "closure": closure}}


def _lambda_globals(custom_objects):
    # Names tutorials use inside Lambda bodies; the loaded function sees these as its globals.
    import numpy as np
    import torch

    # The package itself (``keras`` in Lambda bodies) and its ``backend`` and ``ops`` are imported
    # already: configs are read through it. Importing them here would tie the engine's serialization
    # into one circle with everything that ``backend`` reaches (K.function builds a Model).
    kfunc_torch = sys.modules["kfunc_torch"]
    backend, ops = kfunc_torch.backend, kfunc_torch.ops
    g = {"__builtins__": __builtins__, "torch": torch, "np": np, "numpy": np, "K": backend, "backend": backend,
         "keras": kfunc_torch, "ops": ops, "kfunc_torch": kfunc_torch}
    g.update(custom_objects or {})
    return g


def deserialize_function(config, safe_mode: bool = True, custom_objects: dict | None = None, where: str = "Lambda"):
    """The function described by ``config`` (see ``serialize_function``).

    Bytecode is refused unless ``safe_mode=False``; a named function is looked up in custom objects
    and the registry, and imported from its module only when ``safe_mode=False``.
    Example: ``deserialize_function(cfg, safe_mode=False)``."""
    if callable(config):
        return config
    if isinstance(config, str):
        config = {"class_name": "function", "config": config, "module": None}
    if not isinstance(config, dict):
        raise ValueError(f"{where}: cannot read a function from {config!r:.100}.")
    if config.get("class_name") == "__lambda__":
        if safe_mode:
            raise UnsafeLoadError(
                f"{where} holds a Python lambda stored as bytecode; loading it would run code from the file. "
                "Load with safe_mode=False only if you trust the file's source.")
        inner = config["config"]
        try:
            code = marshal.loads(base64.b64decode(inner["code"].encode("ascii")))
        except (ValueError, EOFError, TypeError) as e:
            raise ValueError(f"{where}: its stored bytecode cannot be read by this Python "
                             f"(it was probably written by another Python version): {e}") from e
        closure = inner.get("closure")
        if closure is not None:
            closure = tuple(types.CellType(v) for v in closure)
        defaults = tuple(inner["defaults"]) if inner.get("defaults") is not None else None
        return types.FunctionType(code, _lambda_globals(custom_objects), code.co_name, defaults, closure)
    name = config.get("config")
    try:
        return resolve(name, config.get("registered_name"), custom_objects, what="function")
    except ValueError:
        module = config.get("module")
        if safe_mode or not module:
            raise ValueError(
                f"{where} calls the function {name!r}{f' of module {module!r}' if module else ''}, which is not "
                f"registered. Pass custom_objects={{'{name}': {name}}}, or safe_mode=False to import it.") from None
    return getattr(importlib.import_module(module), name)
