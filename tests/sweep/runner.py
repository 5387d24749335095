"""Compare many layer configurations with real Keras 3 in ONE subprocess, case by case.

A ``SweepCase`` is a constructor source evaluated in both worlds (``keras.layers`` there,
``kfunc_torch.layers`` here), input shape(s) with None allowed, and optionally masks and call
arguments. For each case Keras builds the layer on symbolic inputs, its weights are replaced by
seeded random values (variances kept positive), and it returns: the error if it refused the
configuration, symbolic output shapes, parameter count, weight names and shapes, eager outputs,
weights after the call and ``get_config()``. We then check, here:

- Keras refused  -> we refuse too (at construction or on the symbolic call);
- same symbolic output shapes, ``count_params``, weight names and shapes in Keras's order;
- ``set_weights(keras)`` round-trips and gives the same outputs (``atol``/``rtol`` 1e-5) and the same
  weights after the call (moving statistics);
- ``from_config(get_config())`` keeps our config; Keras's own config loads here (the path a
  ``.keras`` file takes) and, with Keras's weights, computes the same outputs.

Example::

    cases = [SweepCase("Conv2D(3, 2, padding='same')", (5, 6, 2))]
    mismatches = compare(cases)          # {case.key: "what differs"}
    assert not mismatches

Inputs are seeded from the case's key, so a case gives the same data whether it runs alone or in a
batch of thousands.
"""
from __future__ import annotations

import copy
import dataclasses
import zlib
from typing import Any

import numpy as np
import torch

import kfunc_torch
from kfunc_torch import layers as _layers
from kfunc_torch.engine.layer_config import deserialize_layer

from keras_oracle import run_keras

from .exceptions import departure


@dataclasses.dataclass
class SweepCase:
    """One configuration compared with Keras 3 (see the module docstring)."""

    src: str                       # e.g. "Conv2D(4, 3, strides=2)", evaluated in keras.layers' namespace
    shape: Any                     # input shape without batch (None allowed), or a list of them
    data: Any = None               # concrete shapes for the data when ``shape`` has None (default: None -> 5)
    dtype: str = "float32"         # input dtype
    input: str = "normal"          # "normal", "int:V" (ints in [0, V)), "pos" (positive floats)
    mask: Any = None               # boolean array (or list of them) passed as mask=
    call: dict = dataclasses.field(default_factory=dict)  # extra eager-call kwargs (training=...)
    args: bool = False             # pass a list of inputs as positional arguments (MultiHeadAttention)
    batch: int = 2
    atol: float = 1e-5
    rtol: float = 1e-5
    ours: str | None = None        # our spelling when it differs from Keras's

    @property
    def key(self) -> str:
        extra = f" call={self.call}" if self.call else ""
        extra += " masked" if self.mask is not None else ""
        data = f" data={self.data}" if self.data is not None else ""
        return f"{self.src} on {self.shape}{data}{extra}"

    def multi(self) -> bool:
        return isinstance(self.shape, list)

    def shapes(self) -> list:
        return list(self.shape) if self.multi() else [self.shape]

    def make_inputs(self) -> list[np.ndarray]:
        rng = np.random.default_rng(zlib.crc32(self.key.encode()))
        datas = self.data if self.data is not None else [None] * len(self.shapes())
        if not self.multi() and self.data is not None:
            datas = [self.data]
        out = []
        for s, d in zip(self.shapes(), datas):
            full = (self.batch,) + tuple(d if d is not None else (5 if v is None else v for v in s))
            if self.input.startswith("int:"):
                out.append(rng.integers(0, int(self.input[4:]), full).astype(self.dtype))
            elif self.input == "pos":
                out.append(rng.uniform(0.1, 2.0, full).astype(self.dtype))
            else:
                out.append(rng.standard_normal(full).astype(self.dtype))
        return out


_ORACLE = r"""
import json, zlib
import keras
from keras import layers
ns = {"keras": keras, "layers": layers, **vars(layers)}

def flat(v):
    return list(v) if isinstance(v, (list, tuple)) else [v]

for i, c in enumerate(inputs["cases"]):
    r = result[i] = {}
    try:
        layer = eval(c["src"], ns)
        sym_in = [keras.Input(shape=s, dtype=c["dtype"]) for s in c["shapes"]]
        sym = layer(*sym_in) if c["args"] else layer(sym_in if c["multi"] else sym_in[0])
        r["sym"] = [tuple(t.shape) for t in flat(sym)]
    except Exception as e:
        r["error"] = f"{type(e).__name__}: {str(e)[:300]}"
        continue
    rng = np.random.default_rng(zlib.crc32(c["key"].encode()) + 1)
    new = []
    for w in layer.weights:
        shape = tuple(w.shape)
        if "variance" in w.path:
            new.append(rng.uniform(0.5, 1.5, shape).astype("float32"))
        else:
            new.append((rng.standard_normal(shape) * 0.5).astype("float32"))
    layer.set_weights(new)
    r["weights"] = [np.array(w) for w in layer.get_weights()]
    r["names"] = [w.name for w in layer.weights]
    r["count"] = layer.count_params()
    xs = [keras.ops.convert_to_tensor(x) for x in inputs[f"x{i}"]]
    kw = dict(c["call"])
    if f"m{i}" in inputs:
        m = inputs[f"m{i}"]
        kw["mask"] = [None if v is None else keras.ops.convert_to_tensor(v) for v in m] if isinstance(m, list) \
            else keras.ops.convert_to_tensor(m)
    try:
        out = layer(*xs, **kw) if c["args"] else layer(xs if c["multi"] else xs[0], **kw)
        r["out"] = [np.array(keras.ops.convert_to_numpy(o)) for o in flat(out)]
    except Exception as e:
        r["call_error"] = f"{type(e).__name__}: {str(e)[:300]}"
    r["w_after"] = [np.array(w) for w in layer.get_weights()]
    # the entry a .keras file holds, as JSON (plain values: the result is unpickled without Keras)
    r["entry"] = json.loads(json.dumps(keras.saving.serialize_keras_object(layer), default=repr))
"""


def _torch(x):
    return torch.from_numpy(np.ascontiguousarray(x))


def _flat(v):
    return list(v) if isinstance(v, (list, tuple)) else [v]


def _namespace(extra: dict | None) -> dict:
    ns = {"layers": _layers, **vars(_layers)}
    ns.update(extra or {})
    return ns


def keras_results(cases: list[SweepCase]) -> dict:
    """Keras's results for every case (one subprocess), by index."""
    arrays = {"cases": [{"src": c.src, "shapes": c.shapes(), "multi": c.multi(), "dtype": c.dtype,
                         "key": c.key, "call": c.call, "args": c.args} for c in cases]}
    for i, c in enumerate(cases):
        arrays[f"x{i}"] = c.make_inputs()
        if c.mask is not None:
            arrays[f"m{i}"] = c.mask
    return run_keras(_ORACLE, arrays)


def _call(layer, c: SweepCase, xs, training_default=None):
    kw = dict(c.call)
    if c.mask is not None:
        kw["mask"] = ([None if m is None else _torch(np.asarray(m)) for m in c.mask] if isinstance(c.mask, list)
                      else _torch(np.asarray(c.mask)))
    xs = [_torch(x) for x in xs]
    return _flat(layer(*xs, **kw) if c.args else layer(xs if c.multi() else xs[0], **kw))


def _symbolic(layer, c: SweepCase):
    sym_in = [kfunc_torch.Input(shape=s, dtype=c.dtype) for s in c.shapes()]
    return _flat(layer(*sym_in) if c.args else layer(sym_in if c.multi() else sym_in[0]))


def _close(ours, keras_out, c: SweepCase, what: str) -> str | None:
    if len(ours) != len(keras_out):
        return f"{what}: {len(ours)} outputs, Keras {len(keras_out)}"
    for j, (o, k) in enumerate(zip(ours, keras_out)):
        o = o.detach().float().numpy() if torch.is_tensor(o) else np.asarray(o)
        if o.shape != k.shape:
            return f"{what}[{j}]: shape {o.shape}, Keras {k.shape}"
        if not np.allclose(o, k.astype(np.float32), atol=c.atol, rtol=c.rtol, equal_nan=True):
            err = float(np.nanmax(np.abs(o - k)))
            return f"{what}[{j}]: values differ (max abs err {err:.3g})"
    return None


def compare_one(c: SweepCase, k: dict, ns: dict, stats: dict | None = None) -> str | None:
    """What differs between our layer and Keras's result ``k`` for case ``c`` (None: nothing).

    ``stats`` counts how each case was judged: "compared" (numerically), "both_refuse",
    "both_refuse_call", "departure" (compared with a reference instead, see exceptions.py)."""
    stats = {} if stats is None else stats

    def seen(kind):
        stats[kind] = stats.get(kind, 0) + 1
    src = c.ours or c.src
    if "error" in k:
        try:
            layer = eval(src, dict(ns))
            _symbolic(layer, c)
        except Exception:
            seen("both_refuse")
            return None
        return f"Keras refuses ({k['error'][:160]}), we accept"
    try:
        layer = eval(src, dict(ns))
        sym = [tuple(t.shape) for t in _symbolic(layer, c)]
    except Exception as e:
        return f"we refuse ({type(e).__name__}: {str(e)[:200]}), Keras accepts"
    if sym != [tuple(s) for s in k["sym"]]:
        return f"symbolic shape {sym}, Keras {k['sym']}"
    if layer.count_params() != k["count"]:
        return f"count_params {layer.count_params()}, Keras {k['count']}"
    shapes = [w.shape for w in layer.get_weights()]
    if shapes != [w.shape for w in k["weights"]]:
        return f"weight shapes {shapes}, Keras {[w.shape for w in k['weights']]}"
    names = [p.name for _, _, p in layer._weight_keras_names()]
    if names != list(k["names"]):
        return f"weight names {names}, Keras {k['names']}"
    layer.set_weights(k["weights"])
    if not all(np.array_equal(a, b) for a, b in zip(layer.get_weights(), k["weights"])):
        return "set_weights/get_weights does not round-trip"
    xs = c.make_inputs()
    reason, reference = departure(c)
    try:
        out = _call(layer, c, xs)
    except Exception as e:
        if "call_error" in k and reference is None:
            seen("both_refuse_call")
            return None
        return f"eager call raises {type(e).__name__}: {str(e)[:200]}"
    if "call_error" in k and reference is None:
        return f"Keras's eager call raises ({k['call_error'][:160]}), ours does not"
    if reference is not None:  # Keras 3 on torch departs from Keras's semantics here (see exceptions.py)
        k = {**k, "out": reference(xs, k["weights"])}
        seen("departure")
    else:
        seen("compared")
    bad = _close(out, k["out"], c, "output") or _close(layer.get_weights(), k["w_after"], c, "weights after call")
    if bad:
        return bad
    return _config_round_trip(layer, c, k, xs)


def _config_round_trip(layer, c: SweepCase, k: dict, xs) -> str | None:
    config = layer.get_config()
    clone = type(layer).from_config(copy.deepcopy(config))
    if clone.get_config() != config:
        return f"from_config(get_config()) changed our config:\n{config}\n{clone.get_config()}"
    entry = copy.deepcopy(k["entry"])
    try:
        loaded = deserialize_layer(entry)
        _symbolic(loaded, c)
        loaded.set_weights(k["weights"])
        out = _call(loaded, c, xs)
    except Exception as e:
        return f"Keras's get_config() does not load here: {type(e).__name__}: {str(e)[:200]}"
    bad = _close(out, k["out"], c, "output of the layer loaded from Keras's config")
    return bad


def compare(cases: list[SweepCase], namespace: dict | None = None, stats: dict | None = None) -> dict[str, str]:
    """``{case.key: mismatch}`` for every case that differs from Keras 3 (one Keras subprocess);
    ``stats`` (a dict) receives the counts of how cases were judged (see ``compare_one``)."""
    res = keras_results(cases)
    ns = _namespace(namespace)
    out = {}
    previous = kfunc_torch.get_compat()
    kfunc_torch.set_compat("keras3")  # the oracle is Keras 3: its formulas (hard_sigmoid) and names
    try:
        _compare_all(cases, res, ns, stats, out)
    finally:
        kfunc_torch.set_compat(previous)
    return out


def _compare_all(cases, res, ns, stats, out):
    for i, c in enumerate(cases):
        kfunc_torch.backend.clear_session()
        try:
            bad = compare_one(c, res[i], ns, stats)
        except Exception as e:  # a crash in our comparison is a mismatch, not a test error
            bad = f"comparison crashed: {type(e).__name__}: {str(e)[:200]}"
        if bad:
            out[c.key] = bad


def sample(cases: list[SweepCase], n: int) -> list[SweepCase]:
    """An evenly spread subset of ``n`` cases (the fast suite runs these; CI runs all)."""
    if len(cases) <= n:
        return list(cases)
    step = len(cases) / n
    return [cases[int(i * step)] for i in range(n)]


def unique(cases: list[SweepCase]) -> list[SweepCase]:
    """``cases`` without repeated keys (different grid points can spell the same configuration)."""
    seen, out = set(), []
    for c in cases:
        if c.key not in seen:
            seen.add(c.key)
            out.append(c)
    return out
