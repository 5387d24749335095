"""Run one Keras program text here (``keras`` imports resolve to kfunc_torch) and, with
``keras_oracle.run_keras``, under real Keras 3: differential tests share the program, not two copies.

Example::

    ours = run_here("import keras\\nresult['n'] = keras.layers.Dense(2).units", {})
"""
import builtins

import numpy as np
import torch


def _import(name, globals=None, locals=None, fromlist=(), level=0):
    if level == 0 and (name == "keras" or name.startswith("keras.")):
        name = "kfunc_torch" + name[len("keras"):]
    return builtins.__import__(name, globals, locals, fromlist, level)


def _plain(v):
    if isinstance(v, torch.Tensor):
        return v.detach().cpu().numpy()
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_plain(x) for x in v)
    return v


def run_here(program: str, inputs: dict) -> dict:
    """Run ``program`` with ``inputs`` and return its ``result`` dict (tensors as numpy)."""
    ns = {"inputs": inputs, "result": {}, "__builtins__": {**vars(builtins), "__import__": _import},
          "__name__": "__keras_program__"}
    exec(compile(program, "<keras program>", "exec"), ns)
    return _plain(ns["result"])


def assert_same(ours: dict, ref: dict, exact=(), close=(), rtol=1e-5, atol=1e-6):
    for key in exact:
        assert ours[key] == ref[key], f"{key}: ours {ours[key]!r}, Keras 3 {ref[key]!r}"
    for key in close:
        np.testing.assert_allclose(np.asarray(ours[key], dtype=np.float64), np.asarray(ref[key], dtype=np.float64),
                                   rtol=rtol, atol=atol, err_msg=key)
