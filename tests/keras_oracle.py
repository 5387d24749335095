"""Real Keras 3 as the oracle: run a snippet in a separate Python process (torch backend) and get
its results back. Our `keras` alias never touches that process.

Example::

    @requires_keras
    def test_counts():
        res = run_keras('''
            import keras
            m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
            result["count"] = m.count_params()
            result["weights"] = [w.numpy() for w in m.weights]   # arrays come back as numpy
        ''', arrays={"x": np.ones((2, 4))})                       # visible in the snippet as inputs["x"]
        assert res["count"] == 15

Batch many cases into one snippet: each process spends seconds importing Keras.
"""
from __future__ import annotations

import importlib.metadata
import os
import pickle
import subprocess
import sys
import tempfile
import textwrap

import numpy as np
import pytest


def keras3_version():
    try:
        v = importlib.metadata.version("keras")
    except importlib.metadata.PackageNotFoundError:
        return None
    return v if v.split(".")[0] == "3" else None


requires_keras = pytest.mark.skipif(keras3_version() is None, reason="real Keras 3 is not installed (test extra)")

_PRELUDE = """
import os, pickle, sys
import numpy as np
os.environ["KERAS_BACKEND"] = "torch"
sys.path = [p for p in sys.path if p not in ("", ".") and not os.path.exists(os.path.join(p, "kfunc_torch"))]
with open(sys.argv[1], "rb") as f:
    inputs = pickle.load(f)
result = {}
"""
_EPILOGUE = """
def _plain(v):
    if hasattr(v, "detach"):
        v = v.detach().cpu().numpy()
    if hasattr(v, "numpy") and not isinstance(v, np.ndarray):
        try:
            v = v.numpy()
        except Exception:
            pass
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_plain(x) for x in v)
    return v
with open(sys.argv[2], "wb") as f:
    pickle.dump(_plain(result), f)
"""


def run_keras(script: str, arrays: dict | None = None, timeout: int = 900) -> dict:
    """Run ``script`` under real Keras 3 and return the ``result`` dict it fills."""
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = os.path.join(tmp, "in.pkl"), os.path.join(tmp, "out.pkl")
        with open(inp, "wb") as f:
            pickle.dump(arrays or {}, f)
        code = _PRELUDE + textwrap.dedent(script) + _EPILOGUE
        env = {**os.environ, "KERAS_BACKEND": "torch", "PYTHONPATH": ""}
        proc = subprocess.run([sys.executable, "-c", code, inp, out], capture_output=True, text=True,
                              timeout=timeout, env=env, cwd=tmp)
        if proc.returncode != 0:
            raise RuntimeError(f"Keras oracle failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
        with open(out, "rb") as f:
            return pickle.load(f)
