"""keras.models.clone_model: same architecture, new weights; differential against Keras 3 for the
structure of the copies (layer names, classes, shapes, counts, shared layers, compile state)."""
import numpy as np
import pytest

import kfunc_torch
from kfunc_torch import Input, Model, layers
from kfunc_torch.models import Sequential, clone_model
from keras_oracle import requires_keras, run_keras

# The same program for both sides: `keras` is real Keras 3 in the oracle and kfunc_torch here.
BUILD = """
def build(keras):
    a = keras.Input((6,), name="a")
    b = keras.Input((6,), name="b")
    shared = keras.layers.Dense(4, activation="relu", name="shared")
    merged = keras.layers.Concatenate(name="cat")([shared(a), shared(b)])
    out = keras.layers.Dense(2, name="out")(keras.layers.Dropout(0.3, name="drop")(merged))
    functional = keras.Model([a, b], out, name="two_towers")
    functional.compile(optimizer="adam", loss="mse", metrics=["mae"])
    seq = keras.Sequential([keras.Input((5,), name="seq_in"), keras.layers.Dense(3, name="d1"),
                            keras.layers.Dense(1, activation="sigmoid", name="d2")], name="seq")
    return functional, seq

def describe(model):
    return {"name": model.name, "type": type(model).__name__,
            "layers": [(l.name, type(l).__name__) for l in model.layers],
            "inputs": [tuple(t.shape) for t in model.inputs], "outputs": [tuple(t.shape) for t in model.outputs],
            "count": model.count_params(), "compiled": bool(model.compiled),
            "n_weights": len(model.weights)}

def clone_all(keras, np):
    functional, seq = build(keras)
    xa = np.linspace(-1, 1, 12 * 6).reshape(12, 6).astype("float32")
    fc, sc = keras.models.clone_model(functional), keras.models.clone_model(seq)
    same_f = all(np.array_equal(w1, w2) for w1, w2 in zip(functional.get_weights(), fc.get_weights()))
    fc.set_weights(functional.get_weights())
    diff = float(np.abs(np.asarray(fc.predict([xa, -xa], verbose=0))
                        - np.asarray(functional.predict([xa, -xa], verbose=0))).max())
    new_in = keras.Input((5,), name="other_in")
    sc2 = keras.models.clone_model(seq, input_tensors=new_in)
    doubled = keras.models.clone_model(
        seq, clone_function=lambda l: keras.layers.Dense(l.units * 2, name=l.name + "_x2")
        if isinstance(l, keras.layers.Dense) else l.__class__.from_config(l.get_config()))
    return {"functional": describe(fc), "orig_functional": describe(functional), "seq": describe(sc),
            "seq_on_input": describe(sc2), "seq_input_name": sc2.inputs[0].name == new_in.name,
            "doubled": describe(doubled), "same_initial_weights": same_f, "max_diff_same_weights": diff,
            "shared_clone_once": sum(1 for l in fc.layers if l.name == "shared"),
            "distinct_layers": all(l1 is not l2 for l1, l2 in zip(functional.layers[2:], fc.layers[2:]))}
"""


@pytest.fixture
def keras3_names():
    kfunc_torch.set_compat("keras3")
    kfunc_torch.backend.clear_session()
    yield


@requires_keras
def test_clone_model_structure_matches_keras3(keras3_names):
    ref = run_keras(BUILD + "\nimport keras\nresult.update(clone_all(keras, np))\n")
    scope = {}
    exec(BUILD, scope)
    ours = scope["clone_all"](kfunc_torch, np)
    for key in ("functional", "orig_functional", "seq", "seq_on_input", "doubled"):
        for field in ("name", "layers", "inputs", "outputs", "count", "compiled", "n_weights"):
            assert ours[key][field] == ref[key][field], (key, field)
    for key in ("seq_input_name", "same_initial_weights", "shared_clone_once", "distinct_layers"):
        assert ours[key] == ref[key], key
    assert ours["max_diff_same_weights"] < 1e-5 and ref["max_diff_same_weights"] < 1e-5


def test_clone_has_new_weights_and_same_config():
    inputs = Input((8,), name="x")
    out = layers.Dense(3, name="d")(layers.Dense(5, activation="tanh", name="h")(inputs))
    model = Model(inputs, out, name="m")
    clone = clone_model(model)
    assert clone.get_config() == model.get_config()
    assert clone is not model and all(a is not b for a, b in zip(clone.weights, model.weights))
    assert not np.array_equal(clone.get_weights()[0], model.get_weights()[0])
    assert not clone.compiled  # the original was never compiled
    # Training the clone leaves the original alone.
    before = [w.copy() for w in model.get_weights()]
    clone.compile("sgd", "mse")
    clone.fit(np.ones((4, 8), "float32"), np.ones((4, 3), "float32"), verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_clone_of_compiled_model_is_compiled_with_a_fresh_optimizer():
    model = Sequential([layers.Dense(2, input_shape=(3,))])
    model.compile(optimizer="rmsprop", loss="mse", metrics=["mae"])
    model.fit(np.ones((4, 3), "float32"), np.zeros((4, 2), "float32"), verbose=0)
    clone = clone_model(model)
    assert clone.compiled and clone.optimizer is not model.optimizer
    assert type(clone.optimizer) is type(model.optimizer)
    hist = clone.fit(np.ones((4, 3), "float32"), np.zeros((4, 2), "float32"), verbose=0)
    assert set(hist.history) == {"loss", "mae"}


def test_clone_replays_symbolic_ops_and_call_function():
    inputs = Input((4,))
    x = layers.Dense(4, name="d")(inputs)
    out = kfunc_torch.ops.mean(x * 2.0 + 1.0, axis=-1)
    model = Model(inputs, out)
    clone = clone_model(model)
    clone.set_weights(model.get_weights())
    x_np = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    np.testing.assert_allclose(clone.predict(x_np), model.predict(x_np), atol=1e-6)

    def add_dropout(layer, *args, **kwargs):
        out = layer(*args, **kwargs)
        return layers.Dropout(0.5)(out) if isinstance(layer, layers.Dense) else out
    with_dropout = clone_model(model, clone_function=lambda l: l, call_function=add_dropout)
    assert any(isinstance(l, layers.Dropout) for l in with_dropout.layers)
    assert with_dropout.get_layer("d") is model.get_layer("d")  # clone_function kept the layer


def test_clone_errors_name_the_fix():
    seq = Sequential([layers.Dense(2, input_shape=(3,))])
    with pytest.raises(ValueError, match="call_function is not supported with Sequential"):
        clone_model(seq, call_function=lambda layer, *a, **k: layer(*a, **k))
    with pytest.raises(ValueError, match="single tensor"):
        clone_model(seq, input_tensors=[Input((3,)), Input((3,))])
    with pytest.raises(ValueError, match="functional or Sequential Model"):
        clone_model(layers.Dense(3))
    inputs = [Input((3,)), Input((3,))]
    model = Model(inputs, layers.Add()(inputs))
    with pytest.raises(ValueError, match="must be 2 KerasTensor"):
        clone_model(model, input_tensors=[Input((3,))])
