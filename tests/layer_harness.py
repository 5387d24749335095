"""Shared layer-test harness: generic checks every layer must pass, and Keras-3 parity in one batch.

Two entry points:

``check_layer(factory, input_shape, ...)`` -- behaviour checks on our layer alone:
  1. symbolic call on ``Input(shape=input_shape)``: the KerasTensor's shape has a None batch and
     agrees with the eager output shape on every known dimension;
  2. ``get_config`` -> ``from_config`` gives the same config, and after ``set_weights`` the clone
     gives the same outputs;
  3. gradients: finite for every trainable weight, and one small step along -grad lowers
     ``mean(out**2)`` (no trainable weights: the input gradient is finite instead).

``keras_parity(cases)`` -- compare with real Keras 3 through ``tests/keras_oracle.run_keras`` in
ONE subprocess for all cases. Each case is a ``Case``: a constructor source string evaluated in both
worlds (``keras.layers`` there, ``kfunc_torch.layers`` here; give ``ours=`` when our spelling
differs), the input shape(s) without batch, and optionally ``training``. Keras builds the layer,
its weights are replaced by random values (variances kept positive) so that zeros-initialized
biases are tested too, and it returns count, weights, symbolic output shape and outputs (and the
weights after the call: BatchNormalization's moving statistics). We assert the same parameter
count, that our ``get_weights`` shapes equal Keras's, that ``set_weights(keras)`` then
``get_weights()`` round-trips, the same symbolic shape and outputs within ``atol``/``rtol``.

Example::

    from layer_harness import Case, check_layer, keras_parity

    def test_dense_generic():
        check_layer(lambda: layers.Dense(3), (4,))

    @requires_keras
    def test_dense_parity():
        keras_parity([Case("Dense(3)", (4,)), Case("Dense(2, use_bias=False)", (5, 4))])

Integer inputs (Embedding): ``Case("Embedding(10, 3)", (5,), input_fn=lambda rng, s: rng.integers(0, 10, s))``
and ``check_layer(..., input_fn=..., input_dtype="int64")``. Masks: ``Case(..., mask=np_bool_array)`` passes
``mask=`` to both eager calls. ``keras_parity(cases, config_keys=True)`` also requires every key of
Keras's get_config() in ours.
"""
from __future__ import annotations

import copy
import dataclasses
import math
from typing import Any, Callable

import numpy as np
import torch

import kfunc_torch
from kfunc_torch import layers as _layers

from keras_oracle import run_keras

InputFn = Callable[[np.random.Generator, tuple], np.ndarray]


def _default_input(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    return rng.standard_normal(shape).astype(np.float32)


def _is_multi(input_shape) -> bool:
    return isinstance(input_shape, list)


def _concrete(shape, batch, fill=5):
    return (batch,) + tuple(fill if d is None else d for d in shape)


def _make_inputs(input_shape, batch, rng, input_fn: InputFn | None):
    fn = input_fn or _default_input
    if _is_multi(input_shape):
        return [fn(rng, _concrete(s, batch)) for s in input_shape]
    return fn(rng, _concrete(input_shape, batch))


def _to_torch(x):
    if isinstance(x, list):
        return [torch.from_numpy(np.ascontiguousarray(v)) for v in x]
    return torch.from_numpy(np.ascontiguousarray(x))


def _first(out):
    return out[0] if isinstance(out, (list, tuple)) else out


def _flat(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def check_layer(factory: Callable[[], Any], input_shape, *, batch: int = 3, input_fn: InputFn | None = None,
                input_dtype=None, call_kwargs: dict | None = None, check_grad: bool = True,
                atol: float = 1e-6, seed: int = 0):
    """Run the generic checks (shapes, config round trip, gradients) and return the built layer.

    ``factory`` makes a fresh layer; ``input_shape`` is a shape without batch (None allowed), or a
    list of them for multi-input layers. ``call_kwargs`` are passed to every eager call.
    """
    call_kwargs = dict(call_kwargs or {})
    rng = np.random.default_rng(seed)
    layer = factory()
    # 1. symbolic vs eager shapes
    if _is_multi(input_shape):
        sym_in = [kfunc_torch.Input(shape=s, dtype=input_dtype) for s in input_shape]
    else:
        sym_in = kfunc_torch.Input(shape=input_shape, dtype=input_dtype)
    sym_out = layer(sym_in)
    x = _to_torch(_make_inputs(input_shape, batch, rng, input_fn))
    eager = layer(x, **call_kwargs)
    for s, e in zip(_flat(sym_out), _flat(eager)):
        assert s.shape[0] is None, f"symbolic output {s.shape} should have a None batch dimension"
        assert len(s.shape) == e.dim(), f"rank: symbolic {s.shape} vs eager {tuple(e.shape)}"
        assert e.shape[0] == batch
        for i, (d, de) in enumerate(zip(s.shape[1:], e.shape[1:])):
            assert d is None or d == de, f"dim {i + 1}: symbolic {s.shape} vs eager {tuple(e.shape)}"
    # 2. config round trip
    config = layer.get_config()
    clone = type(layer).from_config(copy.deepcopy(config))
    assert clone.get_config() == config, f"from_config(get_config()) changed the config:\n{config}\n{clone.get_config()}"
    clone(x, **call_kwargs)  # build
    clone.set_weights(layer.get_weights())
    for a, b in zip(_flat(layer(x, **call_kwargs)), _flat(clone(x, **call_kwargs))):
        torch.testing.assert_close(a, b, atol=atol, rtol=1e-5)
    # 3. gradients
    if check_grad:
        _check_gradient_step(layer, x, call_kwargs)
    return layer


def _check_gradient_step(layer, x, call_kwargs):
    params = [w for w in layer.trainable_weights if w.requires_grad]
    xs = [v for v in _flat(x) if v.is_floating_point()]
    if not params:
        for v in xs:
            v.requires_grad_(True)
        out = _flat(layer(x, **call_kwargs))
        loss = sum((o.float() ** 2).mean() for o in out if o.is_floating_point())
        if xs and torch.is_tensor(loss) and loss.requires_grad:
            grads = torch.autograd.grad(loss, xs, allow_unused=True)
            assert all(g is None or torch.isfinite(g).all() for g in grads), "non-finite input gradient"
        return

    def loss_fn():
        return sum((o ** 2).mean() for o in _flat(layer(x, **call_kwargs)))

    loss = loss_fn()
    grads = torch.autograd.grad(loss, params, allow_unused=True)
    loss = float(loss.detach())
    for p, g in zip(params, grads):
        assert g is not None, f"trainable weight of shape {tuple(p.shape)} got no gradient"
        assert torch.isfinite(g).all(), "non-finite gradient"
    norm = math.sqrt(sum(float((g ** 2).sum()) for g in grads))
    if norm == 0:
        return  # a flat point (e.g. all-zero output): nothing to descend
    before = [p.detach().clone() for p in params]
    with torch.no_grad():
        for p, g in zip(params, grads):
            p -= (1e-2 / norm) * g  # step of length 1e-2: first-order decrease ~1e-2 * norm
        after = float(loss_fn())
    assert after < loss, f"a gradient step did not lower the loss ({loss} -> {after})"
    assert any(not torch.equal(b, p) for b, p in zip(before, params)), "a gradient step changed no weight"


@dataclasses.dataclass
class Case:
    """One layer configuration compared with Keras 3 (see the module docstring)."""

    src: str                      # e.g. "Conv2D(4, 3, strides=2, padding='same')", in keras.layers namespace
    input_shape: Any              # shape without batch, or a list of shapes
    training: bool | None = None  # passed as training= to the eager call when not None
    ours: str | None = None       # our constructor source when it differs from Keras's
    batch: int = 2
    input_fn: InputFn | None = None
    atol: float = 1e-5
    rtol: float = 1e-5
    randomize: bool = True        # replace Keras's initial weights with random ones
    mask: Any = None              # optional boolean numpy array passed as mask= to both eager calls


_ORACLE = r"""
import keras
from keras import layers
rng = np.random.default_rng(1234)
for i, c in enumerate(inputs["cases"]):
    x = inputs[f"x{i}"]
    layer = eval(c["src"], {"keras": keras, "layers": layers, **vars(layers)})
    if isinstance(c["shape"], list):
        sym = layer([keras.Input(shape=s) for s in c["shape"]])
    else:
        sym = layer(keras.Input(shape=c["shape"]))
    sym_shape = [tuple(t.shape) for t in (sym if isinstance(sym, (list, tuple)) else [sym])]
    if c["randomize"]:
        new = []
        for w in layer.weights:
            shape = tuple(w.shape)
            if "variance" in w.path:
                new.append(rng.uniform(0.5, 1.5, shape).astype("float32"))
            else:
                new.append((rng.standard_normal(shape) * 0.5).astype("float32"))
        layer.set_weights(new)
    w_before = [np.array(w) for w in layer.get_weights()]
    kw = {} if c["training"] is None else {"training": c["training"]}
    if f"m{i}" in inputs:
        kw["mask"] = keras.ops.convert_to_tensor(inputs[f"m{i}"])
    out = layer(x, **kw)
    out = [np.array(keras.ops.convert_to_numpy(o)) for o in (out if isinstance(out, (list, tuple)) else [out])]
    result[i] = {"count": layer.count_params(), "weights": w_before, "sym": sym_shape, "out": out,
                 "config_keys": sorted(layer.get_config()),
                 "w_after": [np.array(w) for w in layer.get_weights()]}
"""


def keras_parity(cases: list[Case], namespace: dict | None = None, config_keys: bool = False) -> dict:
    """Compare every case with real Keras 3 (one subprocess) and return Keras's raw results by index.

    ``namespace`` (default: ``kfunc_torch.layers``' names) is where ``Case.ours``/``Case.src`` is
    evaluated on our side. ``config_keys=True`` also requires every key of Keras's get_config() in
    ours (so configs saved by Keras load here). Fails with the case's source in the message.
    """
    ns = {"layers": _layers, **vars(_layers)}
    ns.update(namespace or {})
    arrays = {"cases": [{"src": c.src, "shape": c.input_shape, "training": c.training, "randomize": c.randomize}
                        for c in cases]}
    for i, c in enumerate(cases):
        arrays[f"x{i}"] = _make_inputs(c.input_shape, c.batch, np.random.default_rng(100 + i), c.input_fn)
        if c.mask is not None:
            arrays[f"m{i}"] = np.asarray(c.mask, dtype=bool)
    res = run_keras(_ORACLE, arrays)
    failures = []
    for i, c in enumerate(cases):
        try:
            _compare_case(c, res[i], arrays[f"x{i}"], ns, config_keys, arrays.get(f"m{i}"))
        except AssertionError as e:
            failures.append(f"[{i}] {c.ours or c.src} on {c.input_shape}: {e}")
    assert not failures, "Keras parity failures:\n" + "\n".join(failures)
    return res


def _compare_case(c: Case, k: dict, x, ns: dict, config_keys: bool, mask=None) -> None:
    layer = eval(c.ours or c.src, dict(ns))
    if config_keys:
        missing = sorted(set(k["config_keys"]) - set(layer.get_config()))
        assert not missing, f"get_config() lacks Keras's keys {missing}"
    if _is_multi(c.input_shape):
        sym = layer([kfunc_torch.Input(shape=s) for s in c.input_shape])
    else:
        sym = layer(kfunc_torch.Input(shape=c.input_shape))
    sym_shapes = [tuple(t.shape) for t in _flat(sym)]
    assert sym_shapes == [tuple(s) for s in k["sym"]], f"symbolic shape {sym_shapes} != Keras {k['sym']}"
    assert layer.count_params() == k["count"], f"count_params {layer.count_params()} != Keras {k['count']}"
    ours_w = layer.get_weights()
    assert [w.shape for w in ours_w] == [w.shape for w in k["weights"]], \
        f"weight shapes {[w.shape for w in ours_w]} != Keras {[w.shape for w in k['weights']]}"
    layer.set_weights(k["weights"])
    for a, b in zip(layer.get_weights(), k["weights"]):
        np.testing.assert_array_equal(a, b, err_msg="set_weights/get_weights does not round-trip")
    kw = {} if c.training is None else {"training": c.training}
    if mask is not None:
        kw["mask"] = torch.from_numpy(mask)
    out = _flat(layer(_to_torch(x), **kw))
    assert len(out) == len(k["out"]), f"{len(out)} outputs vs Keras {len(k['out'])}"
    for o, ko in zip(out, k["out"]):
        np.testing.assert_allclose(o.detach().numpy(), ko, atol=c.atol, rtol=c.rtol, err_msg="outputs differ")
    for a, b in zip(layer.get_weights(), k["w_after"]):
        np.testing.assert_allclose(a, b, atol=c.atol, rtol=c.rtol, err_msg="weights after the call differ")
