"""Loading the Keras-API frameworks under test, with a clean 'unavailable' when one can't run.

``keras_api(impl)`` returns a namespace ``k`` with ``k.Input``, ``k.Model``, ``k.layers``,
``k.callbacks``: the workloads write the tutorial code once against ``k`` and run it on kfunc_torch
and on real Keras 3 alike. Keras is imported only in its own worker process (never beside
kfunc_torch) and on the torch backend.
"""
from __future__ import annotations

import importlib
import os

from .common import Unavailable


def keras_api(impl: str):
    """The module playing ``keras`` for implementation ``impl`` ('kfunc', 'kfunc_jit' or 'keras')."""
    if impl in ("kfunc", "kfunc_jit"):
        try:
            return importlib.import_module("kfunc_torch")
        except Exception as e:  # noqa: BLE001 - any import failure makes the workload unavailable
            raise Unavailable(f"import kfunc_torch failed: {type(e).__name__}: {e}") from e
    if impl == "keras":
        os.environ.setdefault("KERAS_BACKEND", "torch")
        try:
            k = importlib.import_module("keras")
        except Exception as e:  # noqa: BLE001
            raise Unavailable(f"Keras 3 is not installed ({type(e).__name__}: {e})") from e
        if k.backend.backend() != "torch":
            raise Unavailable(f"Keras runs on backend {k.backend.backend()!r}, not torch")
        return k
    raise ValueError(f"not a Keras-API implementation: {impl!r}")


def need(k, *names: str):
    """Resolve dotted names on ``k`` (``need(k, 'layers.LSTM')``); Unavailable if one is missing."""
    out = []
    for name in names:
        obj = k
        for part in name.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                raise Unavailable(f"{k.__name__}.{name} is not available")
        out.append(obj)
    return out[0] if len(out) == 1 else out


def place(model, impl: str, device: str):
    """Put a kfunc_torch model on ``device`` (Keras 3 places its own variables)."""
    if impl.startswith("kfunc") and device != "cpu":
        model.to(device)
    return model


def compile_model(model, impl: str, **kwargs):
    """``model.compile(**kwargs)``, adding ``jit_compile=True`` for the 'kfunc_jit' variant."""
    if impl == "kfunc_jit":
        try:
            return model.compile(jit_compile=True, **kwargs)
        except TypeError as e:
            raise Unavailable(f"compile(jit_compile=True) not supported: {e}") from e
    return model.compile(**kwargs)
