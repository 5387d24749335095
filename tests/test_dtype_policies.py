"""Dtype policies against Keras 3 (kfunc_torch/dtype_policies.py): the global policy and per-layer
``dtype=`` policies give each layer Keras's compute_dtype / variable_dtype, and ``model(x)``, ``predict``
and the symbolic outputs carry the dtypes Keras's do, with values close to Keras's for the same weights.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

import kfunc_torch
from kfunc_torch import Input, Model, backend, dtype_policies, layers, mixed_precision
from tests.keras_oracle import requires_keras, run_keras

# Reduced-precision compute: the two frameworks run the same torch kernels in the same order on most
# layers, but a bfloat16 value has 8 bits of mantissa (rel. step 2**-8 ~ 0.004) and float16 10 bits.
TOL = {"mixed_float16": 5e-3, "mixed_bfloat16": 3e-2}


@pytest.fixture(autouse=True)
def _policy_restored():
    yield
    mixed_precision.set_global_policy(None)


def _build(L, ns):
    """The same graph in both worlds (``L``: the layers module): int tokens and floats, normalization
    layers (float32 inside), merges, and a float32 head given its own policy."""
    tok = ns.Input(shape=(5,), dtype="int32", name="tok")
    num = ns.Input(shape=(6,), name="num")
    e = L.Embedding(12, 4, name="emb")(tok)
    c = L.Conv1D(4, 3, padding="same", activation="relu", name="conv")(e)
    c = L.LayerNormalization(name="ln")(c)
    g = L.GlobalAveragePooling1D(name="gap")(c)
    d = L.Dense(4, name="dense")(num)
    d = L.BatchNormalization(name="bn")(d)
    d = L.Dropout(0.2, name="drop")(d)
    s = L.Add(name="add")([g, d])
    s = L.Softmax(name="softmax")(s)
    mixed_out = L.Dense(2, activation="tanh", name="mixed_out")(s)
    f32_out = L.Dense(3, activation="softmax", dtype="float32", name="f32_out")(s)
    return ns.Model([tok, num], [mixed_out, f32_out])


_KERAS = """
import keras
from types import SimpleNamespace
keras.mixed_precision.set_global_policy(inputs["policy"])
exec(inputs["build_src"])
m = _build(keras.layers, SimpleNamespace(Input=keras.Input, Model=keras.Model))
m.set_weights(inputs["weights"])
xs = [inputs["tok"], inputs["num"]]
result["layers"] = [(l.name, l.compute_dtype, l.variable_dtype, l.dtype, str(l.output.dtype)) for l in m.layers]
result["weight_dtypes"] = sorted({str(w.dtype) for w in m.weights})
result["call"] = [str(t.dtype) for t in m(xs)]
pred = m.predict(xs, verbose=0)
result["pred_dtypes"] = [str(p.dtype) for p in pred]
result["pred"] = [np.asarray(p, dtype="float32") for p in pred]
result["configs"] = [l.get_config().get("dtype") for l in m.layers if not isinstance(l, keras.layers.InputLayer)]
"""


def _source():
    import inspect
    return inspect.getsource(_build)


@requires_keras
@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_global_mixed_policy_matches_keras3(policy):
    from types import SimpleNamespace
    mixed_precision.set_global_policy(policy)
    model = _build(layers, SimpleNamespace(Input=Input, Model=Model))
    rng = np.random.default_rng(0)
    weights = [(rng.standard_normal(w.shape) * 0.3).astype("float32") if "variance" not in n else
               rng.uniform(0.5, 1.5, w.shape).astype("float32")
               for w, n in zip(model.get_weights(), [v.path for v in model.weights])]
    model.set_weights(weights)
    tok = rng.integers(0, 12, (7, 5)).astype("int32")
    num = rng.standard_normal((7, 6)).astype("float32")
    res = run_keras(_KERAS, {"policy": policy, "build_src": _source(), "weights": weights, "tok": tok, "num": num})

    ours = [(l.name, l.compute_dtype, l.variable_dtype, l.dtype, kfunc_torch.engine.keras_tensor.dtype_name(
        l.output.torch_dtype)) for l in model.layers]
    assert ours == [tuple(r) for r in res["layers"]]
    assert sorted({str(w.dtype).replace("torch.", "") for w in model.weights}) == res["weight_dtypes"] == ["float32"]
    with torch.no_grad():
        call = model([torch.from_numpy(tok), torch.from_numpy(num)])
    assert [str(t.dtype) for t in call] == res["call"]
    pred = model.predict([tok, num], verbose=0)
    assert [str(p.dtype) for p in pred] == res["pred_dtypes"]
    for ours_p, keras_p in zip(pred, res["pred"]):
        np.testing.assert_allclose(np.asarray(ours_p, dtype="float32"), keras_p, atol=TOL[policy], rtol=TOL[policy])
    # get_config names the policy; Keras 3 writes it as a DTypePolicy entry (its names match ours)
    names = [c["config"]["name"] for c in res["configs"]]
    assert [l.get_config()["dtype"] for l in model.layers if not isinstance(l, kfunc_torch.InputLayer)] == names
    assert names.count("float32") == 1 and set(names) == {policy, "float32"}


@requires_keras
def test_per_layer_policies_with_a_float32_global_policy_match_keras3():
    res = run_keras("""
import keras
i = keras.Input((3,))
a = keras.layers.Dense(4, dtype="mixed_bfloat16")
b = keras.layers.Dense(2)
c = keras.layers.Dense(2, dtype="float16")
h = a(i)
out = [b(h), c(h)]
m = keras.Model(i, out)
result["sym"] = [str(t.dtype) for t in [h] + out]
result["policies"] = [(l.dtype_policy.name, l.compute_dtype, l.variable_dtype) for l in (a, b, c)]
result["kernel"] = [str(l.kernel.dtype) for l in (a, b, c)]
result["eager"] = [str(t.dtype) for t in m(inputs["x"])]
""", {"x": np.ones((2, 3), "float32")})
    i = Input((3,))
    a, b, c = layers.Dense(4, dtype="mixed_bfloat16"), layers.Dense(2), layers.Dense(2, dtype="float16")
    h = a(i)
    out = [b(h), c(h)]
    m = Model(i, out)
    assert [str(t.torch_dtype).replace("torch.", "") for t in [h] + out] == res["sym"]
    assert [(l.dtype_policy.name, l.compute_dtype, l.variable_dtype) for l in (a, b, c)] == \
        [tuple(p) for p in res["policies"]]
    assert [str(l.kernel.dtype).replace("torch.", "") for l in (a, b, c)] == res["kernel"]
    assert [str(t.dtype) for t in m(torch.ones(2, 3))] == res["eager"]


@requires_keras
def test_clear_session_resets_the_global_policy_as_in_keras3():
    res = run_keras("""
import keras
keras.mixed_precision.set_global_policy("mixed_float16")
keras.backend.clear_session()
result["after"] = keras.mixed_precision.global_policy().name
""")
    mixed_precision.set_global_policy("mixed_float16")
    backend.clear_session()
    assert mixed_precision.global_policy().name == res["after"] == "float32"


@requires_keras
def test_mixed_layers_round_trip_through_keras_files(tmp_path):
    mixed_precision.set_global_policy("mixed_bfloat16")
    i = Input((4,))
    model = Model(i, layers.Dense(2, dtype="float32", name="head")(layers.Dense(3, name="body")(i)))
    model.save(tmp_path / "ours.keras")
    mixed_precision.set_global_policy(None)
    res = run_keras("""
import keras
m = keras.saving.load_model(inputs["path"])
result["policies"] = [l.dtype_policy.name for l in m.layers[1:]]
keras.mixed_precision.set_global_policy("mixed_float16")
i = keras.Input((4,))
k = keras.Model(i, keras.layers.Dense(2, name="d")(i))
keras.mixed_precision.set_global_policy("float32")
k.save(inputs["back"])
""", {"path": str(tmp_path / "ours.keras"), "back": str(tmp_path / "keras.keras")})
    assert res["policies"] == ["mixed_bfloat16", "float32"]
    loaded = kfunc_torch.models.load_model(tmp_path / "ours.keras")
    assert [l.dtype_policy.name for l in loaded.layers[1:]] == ["mixed_bfloat16", "float32"]
    theirs = kfunc_torch.models.load_model(tmp_path / "keras.keras")
    d = theirs.get_layer("d")
    assert (d.compute_dtype, d.variable_dtype) == ("float16", "float32")
    assert theirs(torch.ones(1, 4)).dtype == torch.float16


def test_fit_trains_float32_weights_computing_in_the_policy_dtype():
    mixed_precision.set_global_policy("mixed_bfloat16")
    i = Input((4,))
    hidden = layers.Dense(8, activation="relu")
    model = Model(i, layers.Dense(1)(hidden(i)))
    model.compile("adam", "mse")
    seen = []
    hidden.register_forward_hook(lambda mod, inp, out: seen.append(out.dtype))
    x = np.random.default_rng(1).random((64, 4)).astype("float32")
    y = x.sum(1, keepdims=True)
    before = model.get_weights()
    h = model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert set(seen) == {torch.bfloat16}
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert not all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert h.history["loss"][-1] < h.history["loss"][0]


def test_a_model_built_before_the_policy_keeps_computing_in_float32():
    # Keras reads the global policy when a layer is constructed, not when it runs
    i = Input((3,))
    model = Model(i, layers.Dense(2)(i))
    mixed_precision.set_global_policy("mixed_float16")
    assert model(torch.ones(1, 3)).dtype == torch.float32
    assert model.layers[1].compute_dtype == "float32"


def test_layers_without_a_policy_get_no_hooks_and_policy_objects_behave():
    plain = layers.Dense(2)
    assert not plain._forward_pre_hooks and plain.dtype_policy == dtype_policies.DTypePolicy("float32")
    mixed = layers.Dense(2, dtype=kfunc_torch.DTypePolicy("mixed_float16"))
    assert mixed._forward_pre_hooks and mixed.dtype == "float32" and mixed.compute_dtype == "float16"
    mixed(torch.ones(1, 3))
    assert mixed.kernel.dtype == torch.float32  # the float16 stand-in was put back after the call
    policy = dtype_policies.get({"class_name": "DTypePolicy", "config": {"name": "mixed_bfloat16"}})
    assert (policy.compute_dtype, policy.variable_dtype, repr(policy)) == \
        ("bfloat16", "float32", '<DTypePolicy "mixed_bfloat16">')
    assert dtype_policies.deserialize(dtype_policies.serialize(policy)) == policy
    with pytest.raises(ValueError, match="mixed_float16"):
        mixed_precision.set_global_policy("half")
    with pytest.raises(ValueError, match="mixed_bfloat16"):
        layers.Dense(2, dtype="mixed_float8")


def test_gradients_reach_the_float32_weights_through_the_stand_ins():
    layer = layers.Dense(2, dtype="mixed_bfloat16")
    out = layer(torch.ones(3, 4))
    out.float().sum().backward()
    assert layer.kernel.grad is not None and layer.kernel.grad.dtype == torch.float32
    np.testing.assert_allclose(layer.kernel.grad.numpy(), np.full((4, 2), 3.0), rtol=1e-6)


@requires_keras
def test_sequential_under_a_mixed_policy_matches_keras3():
    res = run_keras("""
import keras
keras.mixed_precision.set_global_policy("mixed_float16")
m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(2, dtype="float32")])
result["config_dtype"] = m.get_config()["dtype"]["config"]["name"]
result["out"] = str(m(inputs["x"]).dtype)
result["layers"] = [l.get_config()["dtype"]["config"]["name"] for l in m.layers]
""", {"x": np.ones((2, 3), "float32")})
    mixed_precision.set_global_policy("mixed_float16")
    m = kfunc_torch.Sequential([Input((3,)), layers.Dense(4), layers.Dense(2, dtype="float32")])
    assert m.get_config()["dtype"]["config"]["name"] == res["config_dtype"] == "mixed_float16"
    assert [l.get_config()["dtype"] for l in m.layers] == res["layers"]
    assert str(m(torch.ones(2, 3)).dtype) == res["out"]
