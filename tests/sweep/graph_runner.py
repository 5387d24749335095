"""Build each generated program (``graphs.program``) in real Keras 3 and here, and compare:
parameter count, layer names and classes in ``model.layers`` order, model name, output names,
weight shapes in ``get_weights`` order, predictions with Keras's (randomized) weights (1e-5), the
structure ``predict`` returns, and the keras3 ``summary()`` text line by line.

Example::

    mismatches = compare_graphs(range(100, 150))   # {seed: "what differs"}
"""
from __future__ import annotations

import difflib
import re

import numpy as np

import kfunc_torch
from kfunc_torch import layers as _layers

from keras_oracle import run_keras

from .exceptions import keras3_mask_ops, keras3_nested_mask_merge
from .graphs import make_feeds, program

_ORACLE = r"""
import io, contextlib
import keras
for i, (seed, src) in enumerate(inputs["programs"]):
    r = result[i] = {}
    keras.backend.clear_session()
    ns = {"Input": keras.Input, "Model": keras.Model, **vars(keras.layers)}
    try:
        exec(src, ns)
    except Exception as e:
        r["error"] = f"{type(e).__name__}: {str(e)[:300]}"
        continue
    model = ns["model"]
    rng = np.random.default_rng(seed)
    new = []
    for w in model.weights:
        shape = tuple(w.shape)
        new.append(rng.uniform(0.5, 1.5, shape).astype("float32") if "variance" in w.path
                   else (rng.standard_normal(shape) * 0.5).astype("float32"))
    model.set_weights(new)
    r["weights"] = [np.array(w) for w in model.get_weights()]
    r["count"] = model.count_params()
    r["names"] = [l.name for l in model.layers]
    r["classes"] = [type(l).__name__ for l in model.layers]
    r["model_name"] = model.name
    r["output_names"] = list(model.output_names)
    pred = model.predict(inputs[f"x{i}"], verbose=0)
    r["pred_type"] = type(pred).__name__
    r["pred_keys"] = sorted(pred) if isinstance(pred, dict) else None
    r["out"] = [np.array(o) for o in keras.tree.flatten(pred)]
    lines = []
    model.summary(print_fn=lambda s, line_break=None: lines.append(s))
    r["summary"] = "\n".join(lines)
"""


def _class(layer) -> str:
    # Keras 3's Model(inputs, outputs) is an instance of its Functional subclass; ours is a Model
    # (summary() prints "Functional" as Keras 3 does; that text is compared below).
    name = type(layer).__name__
    return "Functional" if name == "Model" else name


def namespace() -> dict:
    return {"Input": kfunc_torch.Input, "Model": kfunc_torch.Model, **vars(_layers)}


def _flatten(pred):
    if isinstance(pred, dict):
        return [pred[k] for k in sorted(pred)]
    if isinstance(pred, (list, tuple)):
        return list(pred)
    return [pred]


def compare_one(seed: int, src: str, x, k: dict) -> str | None:
    kfunc_torch.backend.clear_session()
    ns = namespace()
    if "error" in k:
        try:
            exec(src, ns)
        except Exception:
            return None
        return f"Keras refuses the program ({k['error'][:200]}), we accept it"
    try:
        exec(src, ns)
    except Exception as e:
        return f"we refuse the program: {type(e).__name__}: {str(e)[:300]}"
    model = ns["model"]
    mask_ops = keras3_mask_ops(k, src)
    names = [l.name for l in model.layers]
    classes = [_class(l) for l in model.layers]
    if mask_ops:  # Keras's mask operations shift its depths and take auto-name numbers
        # (tests/sweep/exceptions.py): the same layers, compared without order and numbering
        def plain(ns):
            return sorted(re.sub(r"_\d+$", "", n) for n in ns)
        names, classes, k = plain(names), sorted(classes), {**k, "names": plain(k["names"]),
                                                            "classes": sorted(k["classes"])}
        out_names = [re.sub(r"_\d+$", "", n) for n in model.output_names]
        k["output_names"] = [re.sub(r"_\d+$", "", n) for n in k["output_names"]]
    else:
        out_names = list(model.output_names)
    checks = [("count_params", model.count_params(), k["count"]),
              ("layer names", names, k["names"]),
              ("layer classes", classes, k["classes"]),
              ("model name", model.name, k["model_name"]),
              ("output names", out_names, k["output_names"]),
              ("weight shapes", [w.shape for w in model.get_weights()], [w.shape for w in k["weights"]])]
    reordered = False
    if mask_ops and checks[-1][1] != checks[-1][2]:
        # Keras's mask operations moved a layer (and its weights) in its order: same weights, and
        # the values cannot be matched by position, so predictions are not compared for this graph
        checks[-1] = ("weight shapes", sorted(checks[-1][1]), sorted(checks[-1][2]))
        reordered = True
    for what, ours, theirs in checks:
        if ours != theirs:
            return f"{what}: ours {ours}, Keras {theirs}"
    if reordered or keras3_nested_mask_merge(model):  # exceptions.py, items 3 and 4
        return None
    model.set_weights(k["weights"])
    pred = model.predict(x, verbose=0)
    kind = "dict" if isinstance(pred, dict) else ("list" if isinstance(pred, (list, tuple)) else "ndarray")
    theirs = {"dict": "dict", "list": "list", "tuple": "list", "ndarray": "ndarray"}.get(k["pred_type"], k["pred_type"])
    if kind != theirs:
        return f"predict returns a {kind}, Keras a {k['pred_type']}"
    if kind == "dict" and sorted(pred) != k["pred_keys"]:
        return f"predict's keys {sorted(pred)}, Keras {k['pred_keys']}"
    outs = _flatten(pred)
    if len(outs) != len(k["out"]):
        return f"{len(outs)} predictions, Keras {len(k['out'])}"
    for j, (o, ko) in enumerate(zip(outs, k["out"])):
        o = np.asarray(o)
        if o.shape != ko.shape:
            return f"prediction {j}: shape {o.shape}, Keras {ko.shape}"
        if not np.allclose(o, ko, atol=1e-5, rtol=1e-5):
            return f"prediction {j}: values differ (max abs err {float(np.max(np.abs(o - ko))):.3g})"
    lines = []
    model.summary(print_fn=lambda s, line_break=None: lines.append(s))
    ours = "\n".join(lines)
    if ours != k["summary"] and not mask_ops:
        diff = difflib.unified_diff(k["summary"].splitlines(), ours.splitlines(), "Keras", "ours", n=1, lineterm="")
        return "summary differs:\n" + "\n".join(list(diff)[:30])
    return None


def compare_graphs(seeds) -> dict[int, str]:
    """``{seed: mismatch}`` for the generated programs of ``seeds`` (one Keras subprocess)."""
    seeds = list(seeds)
    progs = [program(s) for s in seeds]
    arrays = {"programs": [(s, p[0]) for s, p in zip(seeds, progs)]}
    feeds = [make_feeds(p[1], s) for s, p in zip(seeds, progs)]
    for i, x in enumerate(feeds):
        arrays[f"x{i}"] = x
    res = run_keras(_ORACLE, arrays)
    previous = kfunc_torch.get_compat()
    kfunc_torch.set_compat("keras3")
    out = {}
    try:
        for i, s in enumerate(seeds):
            try:
                bad = compare_one(s, progs[i][0], feeds[i], res[i])
            except Exception as e:
                bad = f"comparison crashed: {type(e).__name__}: {str(e)[:300]}"
            if bad:
                out[s] = bad
    finally:
        kfunc_torch.set_compat(previous)
    return out
