"""The graph core: KerasTensor, Node, Layer calls, Model, Sequential, naming, graph-build errors,
and the forward plan (numerics against hand-written torch, no graph walk per call).

Keras behaviour referenced here is in KERAS_FACTS.md (§1 naming) and seed 003 (node API).
"""
from __future__ import annotations

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch

import kfunc_torch
from kfunc_torch import Input, KerasTensor, Model, Sequential, backend
from kfunc_torch.engine import graph
from kfunc_torch.layers import Dense, Lambda, add, concatenate
from keras_oracle import requires_keras, run_keras


def _mlp(inp_dim=8, hidden=4, out=2):
    i = Input((inp_dim,))
    h = Dense(hidden, activation="relu")(i)  # dense_1 (names follow construction order)
    return Model(i, Dense(out)(h))


# ---------------------------------------------------------------- Input / KerasTensor
def test_input_shape_dtype_and_history():
    x = Input(shape=(None, 3), dtype="int32", name="ids")
    assert isinstance(x, KerasTensor)
    assert x.shape == (None, None, 3) and x.dtype == "int32" and x.torch_dtype == torch.int32
    assert Input((5,)).dtype == "float32"
    assert Input(batch_shape=(7, 5)).shape == (7, 5)
    layer, node_index, tensor_index = x._keras_history
    assert layer.name == "ids" and (node_index, tensor_index) == (0, 0)


def test_input_without_shape_is_a_helpful_error():
    with pytest.raises(ValueError, match=r"shape=\(784,\)"):
        Input()
    with pytest.raises(ValueError, match="invalid dimension -3"):
        Input((-3,))


def test_keras_tensor_has_no_truth_value():
    with pytest.raises(TypeError, match="bool"):
        bool(Input((3,)))


# ---------------------------------------------------------------- nodes (seed 003)
def test_layer_calls_record_nodes_with_indices():
    a, b = Input((4,)), Input((4,))
    shared = Dense(3)
    ya, yb = shared(a), shared(b)
    assert len(shared._inbound_nodes) == 2
    assert ya._keras_history.node_index == 0 and yb._keras_history.node_index == 1
    assert ya._keras_history.tensor_index == 0
    node = shared._inbound_nodes[1]
    assert node.inbound_layers == [b._keras_history.layer] and node.node_indices == [0]
    c = concatenate([ya, yb])
    assert c.node.tensor_indices == [0, 0] and c.node.node_indices == [0, 1]


# Engine bug: an AttributeError raised inside a property of an nn.Module makes Python fall back to
# torch's Module.__getattr__, which replaces the message with "'Dense' object has no attribute
# 'output'", losing the hint to use get_output_at (see the report for the fix in engine/layer.py).


def test_single_node_properties_name_the_node_getter():
    a, b = Input(shape=(140, 256)), Input(shape=(140, 256))
    shared = Dense(64)
    shared(a), shared(b)
    with pytest.raises(AttributeError, match="get_output_at"):
        shared.output
    with pytest.raises(AttributeError, match="get_input_at"):
        shared.input
    with pytest.raises(AttributeError, match="not connected|never been called"):
        Dense(2).output


def test_node_api_of_seed_003():
    a, b = Input(shape=(140, 256)), Input(shape=(140, 256))
    shared = Dense(64)
    ea, eb = shared(a), shared(b)
    assert shared.get_output_at(0) is ea and shared.get_output_at(1) is eb
    assert shared.get_input_at(1) is b
    assert shared.get_input_shape_at(0) == (None, 140, 256)
    assert shared.get_output_shape_at(1) == (None, 140, 64)
    with pytest.raises(AttributeError):
        shared.output  # several nodes: ill-defined (message checked in the test above)
    # Same shapes on every call: the shape properties stay defined (Keras 2 behaviour).
    assert shared.output_shape == (None, 140, 64)
    single = Dense(2)
    y = single(a)
    assert single.output is y and single.input is a and single.output_shape == (None, 140, 2)


def test_node_api_on_unconnected_layer():
    with pytest.raises(AttributeError):
        Dense(2).output
    d = Dense(2)
    d(Input((3,)))
    with pytest.raises(ValueError, match="only 1 inbound node"):
        d.get_output_at(3)


# ---------------------------------------------------------------- Model construction
def test_model_inputs_outputs_as_tensor_list_and_dict():
    i = Input((4,), name="x")
    y1, y2 = Dense(2, name="y1")(i), Dense(3, name="y2")(i)
    data = torch.ones(5, 4)
    m = Model(i, y1)
    assert m(data).shape == (5, 2)
    m = Model(inputs=[i], outputs=[y1, y2])
    out = m(data)
    assert isinstance(out, list) and [o.shape[1] for o in out] == [2, 3]
    m = Model(inputs={"x": i}, outputs={"a": y1, "b": y2})
    out = m({"x": data})
    assert set(out) == {"a", "b"} and out["b"].shape == (5, 3)
    assert m.input_names == ["x"] and m.output_names == ["y1", "y2"]


def test_model_multiple_inputs_positional_list_and_dict_calls():
    a, b = Input((2,), name="a"), Input((3,), name="b")
    m = Model([a, b], concatenate([a, b]))
    xa, xb = torch.rand(4, 2), torch.rand(4, 3)
    expected = torch.cat([xa, xb], dim=1)
    for out in (m([xa, xb]), m(xa, xb), m({"a": xa, "b": xb})):
        torch.testing.assert_close(out, expected)
    with pytest.raises(ValueError, match=r"expects 2 input\(s\).*received 1"):
        m(xa)
    with pytest.raises(ValueError, match=r"lacks \['b'\]"):
        m({"a": xa})


def test_keras1_input_output_keywords_warn():
    i = Input((3,))
    o = Dense(2)(i)
    with pytest.warns(DeprecationWarning, match="inputs="):
        m = Model(input=i, output=o)
    assert m.inputs == [i] and m.outputs == [o]
    with pytest.raises(TypeError, match="both"):
        Model(i, o, input=i)


def test_model_is_a_torch_module():
    m = _mlp()
    assert isinstance(m, torch.nn.Module)
    assert sum(p.numel() for p in m.parameters()) == m.count_params() == 8 * 4 + 4 + 4 * 2 + 2
    assert list(m.state_dict()) == ["dense_1.kernel", "dense_1.bias", "dense_2.kernel", "dense_2.bias"]
    assert not m.training  # Keras semantics: inference unless training
    m.train()
    assert all(l.training for l in m.layers)
    m.eval()
    m.to(torch.float64)
    assert m(torch.ones(2, 8, dtype=torch.float64)).dtype == torch.float64


def test_model_on_new_keras_tensors_shares_weights():
    inner = _mlp()
    j, k = Input((8,)), Input((8,))
    outer = Model([j, k], add([inner(j), inner(k)]))
    assert outer.count_params() == inner.count_params()
    assert len(list(outer.parameters())) == 4
    x1, x2 = torch.rand(3, 8), torch.rand(3, 8)
    torch.testing.assert_close(outer([x1, x2]), inner(x1) + inner(x2))
    assert inner._inbound_nodes[1].output_tensors[0]._keras_history.node_index == 1


def test_model_on_numpy():
    m = _mlp()
    x = np.random.rand(3, 8)  # float64: becomes float32 as Keras's floatx
    out = m(x)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    torch.testing.assert_close(out, m(torch.from_numpy(x).float()))


def test_model_from_intermediate_tensors_of_another_graph():
    i = Input((8,))
    h = Dense(4, name="h")(i)
    o = Dense(2, name="o")(h)
    full = Model(i, o)
    feature = Model(i, h)
    assert [l.name for l in feature.layers] == [full.layers[0].name, "h"]
    x = torch.rand(2, 8)
    h_layer = full.get_layer("h")
    torch.testing.assert_close(feature(x), x @ h_layer.kernel + h_layer.bias)


def test_shared_layer_counted_once():
    a, b = Input((5,)), Input((5,))
    shared = Dense(3)
    m = Model([a, b], concatenate([shared(a), shared(b)]))
    assert m.count_params() == 18
    assert len(m.weights) == 2 and len(m.trainable_weights) == 2


# ---------------------------------------------------------------- Sequential
def test_sequential_add_pop_layers_and_input_shape():
    s = Sequential()
    s.add(Dense(4, input_shape=(8,)))
    s.add(Dense(2))
    assert [type(l).__name__ for l in s.layers] == ["Dense", "Dense"]
    assert s.input_shape == (None, 8) and s.output_shape == (None, 2)
    popped = s.pop()
    assert isinstance(popped, Dense) and s.output_shape == (None, 4)
    s2 = Sequential([Input((6,)), Dense(3)])
    assert len(s2.layers) == 1 and s2.output_shape == (None, 3)


def test_sequential_deferred_build():
    s = Sequential([Dense(4), Dense(2)])
    assert not s.built
    with pytest.raises(ValueError, match="build"):
        s.count_params()
    out = s(torch.rand(3, 5))
    assert out.shape == (3, 2) and s.count_params() == 5 * 4 + 4 + 4 * 2 + 2


def test_get_layer_by_name_and_index():
    m = _mlp()
    assert m.get_layer("dense_1") is m.layers[1]
    assert m.get_layer(index=-1) is m.layers[-1]
    with pytest.raises(ValueError, match="No such layer: 'nope'.*dense_1"):
        m.get_layer("nope")
    with pytest.raises(ValueError, match="has only 3 layers"):
        m.get_layer(index=5)


# ---------------------------------------------------------------- naming (KERAS_FACTS §1)
def test_names_keras2():
    i = Input((3,))
    d1, d2 = Dense(2), Dense(2)
    m = Model(i, d2(d1(i)))
    assert (i._keras_history.layer.name, d1.name, d2.name, m.name) == ("input_1", "dense_1", "dense_2", "model_1")
    assert Sequential().name == "sequential_1"


def test_names_tf2():
    kfunc_torch.set_compat("tf2")
    i = Input((3,))
    d1, d2 = Dense(2), Dense(2)
    m = Model(i, d2(d1(i)))
    assert (i._keras_history.layer.name, d1.name, d2.name, m.name) == ("input_1", "dense", "dense_1", "model")
    assert Model(i, d1.output).name == "model_1"


def test_names_keras3_and_clear_session():
    kfunc_torch.set_compat("keras3")
    i, j = Input((3,)), Input((3,))
    d = Dense(2)
    m = Model(i, d(i))
    assert (i._keras_history.layer.name, j._keras_history.layer.name, d.name, m.name) == \
        ("input_layer", "input_layer_1", "dense", "functional")
    backend.clear_session()
    assert Dense(2).name == "dense"


def test_user_names_do_not_advance_counters_and_snake_case():
    from kfunc_torch.naming import to_snake_case
    Dense(2, name="mine")
    assert Dense(2).name == "dense_1"
    assert [to_snake_case(c) for c in ("BatchNormalization", "Conv2D", "LeakyReLU", "PReLU", "UpSampling2D")] == \
        ["batch_normalization", "conv2d", "leaky_re_lu", "p_re_lu", "up_sampling2d"]


def test_compat_env_var():
    code = "import kfunc_torch; print(kfunc_torch.get_compat(), kfunc_torch.layers.Dense(2).name)"
    env = {**os.environ, "KFUNC_TORCH_COMPAT": "tf2"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.stdout.split() == ["tf2", "dense"]
    with pytest.raises(ValueError, match="keras2, tf2, keras3"):
        kfunc_torch.set_compat("keras4")


# ---------------------------------------------------------------- graph-build errors
def test_disconnected_graph_names_the_missing_input():
    a, b = Input((3,), name="a"), Input((3,), name="b")
    y = concatenate([a, b])
    with pytest.raises(ValueError, match=r"Graph disconnected.*'b'.*\['a'\]"):
        Model(a, y)


def test_non_input_tensor_as_model_input():
    i = Input((3,))
    h = Dense(2)(i)
    with pytest.raises(ValueError, match="must be a tensor returned by Input"):
        Model(h, Dense(1)(h))


def test_non_symbolic_inputs_and_outputs():
    i = Input((3,))
    with pytest.raises(ValueError, match="numpy array or torch tensor"):
        Model(np.ones((2, 3)), Dense(1)(i))
    with pytest.raises(ValueError, match="outputs"):
        Model(i, torch.ones(2))


def test_duplicate_layer_names():
    i = Input((3,))
    with pytest.raises(ValueError, match='The name "same" is used 2 times in the model'):
        Model(i, Dense(2, name="same")(Dense(2, name="same")(i)))


def test_concatenate_mismatch_names_both_shapes_and_axis():
    a, b = Input((17, 17, 128)), Input((16, 16, 128))
    with pytest.raises(ValueError) as e:
        concatenate([a, b], axis=-1)
    msg = str(e.value)
    assert "(None, 17, 17, 128)" in msg and "(None, 16, 16, 128)" in msg and "axis" in msg


def test_built_dense_rejects_wrong_width_and_rank_at_call_time():
    d = Dense(2)
    d(Input((4,)))
    with pytest.raises(ValueError, match=r"axis -1 of input shape to have value 4.*\(None, 5\)"):
        d(Input((5,)))
    # Rank 1: refused when building, naming the layer and the shape received. (Keras says "expected
    # min_ndim=2, found ndim=1": the engine checks InputSpecs only after build; see the report.)
    with pytest.raises(ValueError, match=r'"dense_2".*\(None,\)'):
        Dense(2)(Input(batch_shape=(None,)))


# ---------------------------------------------------------------- forward
def test_forward_numerics_match_hand_written_torch():
    a, b = Input((6,)), Input((6,))
    da, db, head = Dense(4, activation="relu"), Dense(4, activation="tanh"), Dense(3)
    m = Model([a, b], head(concatenate([da(a), db(b)])))
    xa, xb = torch.randn(5, 6), torch.randn(5, 6)
    wa, ba, wb, bb, wh, bh = (torch.from_numpy(w) for w in m.get_weights())
    expected = torch.cat([torch.relu(xa @ wa + ba), torch.tanh(xb @ wb + bb)], 1) @ wh + bh
    torch.testing.assert_close(m([xa, xb]), expected)
    # Gradients flow to every weight.
    m([xa, xb]).sum().backward()
    assert all(p.grad is not None for p in m.parameters())


def test_lambda_shape_inference_keeps_none_dims():
    x = Input((None, 8))
    y = Lambda(lambda t: t[:, :, :3] * 2)(x)
    assert y.shape == (None, None, 3)
    z = Lambda(lambda t: t.reshape(t.shape[0], -1, 4))(Input((6, 8)))
    assert z.shape == (None, 12, 4)


def test_forward_runs_without_graph_walk(monkeypatch):
    m = _mlp()
    x = torch.rand(2, 8)
    before = m(x)

    def boom(*a, **k):
        raise AssertionError("collect_nodes called at run time")
    monkeypatch.setattr(graph, "collect_nodes", boom)
    monkeypatch.setattr(graph, "layers_in_keras_order", boom)
    torch.testing.assert_close(m(x), before)


def test_plan_frees_intermediates_after_their_last_use():
    import weakref
    i = Input((4,))
    d1, d2, d3 = Dense(4), Dense(4), Dense(2)
    h1 = d1(i)
    m = Model(i, [d3(d2(h1)), Dense(3)(i)])
    seen = {}
    d1.register_forward_hook(lambda mod, inp, out: seen.__setitem__("h1", weakref.ref(out)))
    d2.register_forward_hook(lambda mod, inp, out: seen.__setitem__("h2", weakref.ref(out)))
    alive_at_d3 = {}

    def check(mod, inp):
        alive_at_d3["h1"] = seen["h1"]() is not None   # last used by d2: must be gone
        alive_at_d3["h2"] = seen["h2"]() is not None   # d3's own input: still alive

    d3.register_forward_pre_hook(check)
    with torch.no_grad():  # no autograd graph keeping tensors alive
        m(torch.rand(2, 4))
    assert alive_at_d3 == {"h1": False, "h2": True}


def test_plan_text_shows_where_each_argument_comes_from_and_what_is_freed():
    from kfunc_torch.layers import Add
    i = Input((4,), name="x")
    d1, d2, total = Dense(3, name="d1"), Dense(3, name="d2"), Add(name="total")
    h = d1(i)
    m = Model(i, total([d2(h), h]))  # h is read twice: freed only after its last reader
    assert [step.layer for step in m._plan.steps] == [d1, d2, total]
    assert str(m._plan).splitlines() == [
        "%0 = input 'x'",
        "%1 = d1 (Dense)(%0)  # frees %0",
        "%2 = d2 (Dense)(%1)",
        "%3 = total (Add)([%2, %1])  # frees %1, %2",
        "return %3"]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_model_on_cuda():
    m = _mlp().to("cuda")
    x = torch.rand(3, 8)
    out = m(x.cuda())
    assert out.is_cuda
    torch.testing.assert_close(out.cpu(), m.to("cpu")(x))


# ---------------------------------------------------------------- engine bugs found (see the report)
def test_model_input_output_after_reuse_as_a_layer():
    i = Input((3,))
    m = Model(i, Dense(2)(i))
    m(Input((3,)))
    assert m.input is i and m.output is m.outputs[0]


def test_dict_inputs_keyed_like_the_model_inputs_dict():
    a, b = Input((2,), name="aa"), Input((2,), name="bb")
    m = Model({"x": a, "y": b}, add([a, b]))
    out = m({"x": torch.ones(1, 2), "y": torch.ones(1, 2)})
    torch.testing.assert_close(out, torch.full((1, 2), 2.0))


def test_nested_model_on_wrong_shape_is_a_value_error():
    i = Input((3,))
    inner = Model(i, Dense(2)(i))
    with pytest.raises(ValueError, match=r"\(None, 3\).*\(None, 5\)|\(None, 5\).*\(None, 3\)"):
        inner(Input((5,)))


# ---------------------------------------------------------------- against real Keras 3
_PARITY_SRC = '''
def build(keras):
    L = keras.layers
    out = {}
    a, b = keras.Input((6,)), keras.Input((5,))
    h = L.Dense(8, activation="relu")(a)
    out["two_io"] = keras.Model([a, b], [L.Dense(3)(L.concatenate([h, b])), L.Dense(1, activation="sigmoid")(h)])
    x1, x2 = keras.Input((6,)), keras.Input((6,))
    shared = L.Dense(4, activation="tanh")
    out["shared"] = keras.Model([x1, x2], L.subtract([shared(x1), shared(x2)]))
    i = keras.Input((6,))
    inner = keras.Model(i, L.Dense(4, activation="relu")(L.Dense(5)(i)))
    j, k = keras.Input((6,)), keras.Input((6,))
    out["nested"] = keras.Model([j, k], L.Dense(2)(L.add([inner(j), inner(k)])))
    return out
'''


@requires_keras
def test_counts_weight_order_and_predictions_match_keras3():
    rng = np.random.default_rng(0)
    arrays = {"x6": rng.standard_normal((4, 6)).astype("float32"), "y6": rng.standard_normal((4, 6)).astype("float32"),
              "x5": rng.standard_normal((4, 5)).astype("float32")}
    feeds = {"two_io": ["x6", "x5"], "shared": ["x6", "y6"], "nested": ["x6", "y6"]}
    res = run_keras(_PARITY_SRC + '''
import keras
FEEDS = %r
for name, model in build(keras).items():
    xs = [inputs[k] for k in FEEDS[name]]
    pred = model.predict(xs, verbose=0)
    result[name] = dict(count=model.count_params(), weights=[w.numpy() for w in model.weights],
                        layers=[type(l).__name__ for l in model.layers],
                        pred=pred if isinstance(pred, list) else [pred])
''' % feeds, arrays=arrays)
    kfunc_torch.set_compat("keras3")
    ns = {}
    exec(_PARITY_SRC, ns)
    for name, model in ns["build"](kfunc_torch).items():
        ref = res[name]
        assert model.count_params() == ref["count"], name
        # Our functional class is Model (Functional is an alias); Keras 3 names the class Functional.
        assert [type(l).__name__.replace("Model", "Functional") for l in model.layers] == ref["layers"], name
        assert [w.shape for w in model.get_weights()] == [w.shape for w in ref["weights"]], name
        model.set_weights(ref["weights"])
        with torch.no_grad():
            out = model([torch.from_numpy(arrays[k]) for k in feeds[name]])
        out = out if isinstance(out, list) else [out]
        for o, p in zip(out, ref["pred"]):
            np.testing.assert_allclose(o.numpy(), p, rtol=1e-5, atol=1e-5, err_msg=name)
