"""Files exchanged with real Keras 3 (run in a subprocess through the oracle; never imported here).

Keras 3 writes ``.keras``, ``.weights.h5`` and legacy ``.h5`` files which we load and predict with; we
write ``.keras``/``.weights.h5``/JSON which Keras 3 loads and predicts with. Predictions must agree.
"""
import os

import numpy as np
import pytest
import torch

from kfunc_torch import Input, Model, Sequential, layers
from kfunc_torch.models import load_model, model_from_json
from tests.keras_oracle import requires_keras, run_keras

pytestmark = requires_keras

# name -> (Keras 3 building code (defines `model`), input shapes, layer classes it needs here)
_CASES = {
    "mlp": ("""
        i = keras.Input((6,))
        h = L.Dropout(0.5)(L.Dense(8, activation="relu")(i))
        model = keras.Model(i, L.Dense(3, activation="softmax")(h))
    """, [(6,)], ["Dense", "Dropout"]),
    "two_outputs": ("""
        a, b = keras.Input((5,), name="a"), keras.Input((4,), name="b")
        shared = L.Dense(3, name="shared")
        c = L.Concatenate()([shared(a), L.Dense(3)(b), shared(L.Dense(5)(b))])
        model = keras.Model([a, b], [L.Dense(1, activation="sigmoid", name="main")(c), L.Dense(2, name="aux")(c)])
    """, [(5,), (4,)], ["Dense", "Concatenate"]),
    "nested": ("""
        ii = keras.Input((4,))
        inner = keras.Model(ii, L.Dense(3, activation="tanh")(ii), name="inner")
        tower = keras.Sequential([keras.Input((3,)), L.Dense(2)], name="tower")
        i = keras.Input((4,))
        model = keras.Model(i, L.Add()([tower(inner(i)), L.Dense(2)(i)]))
    """, [(4,)], ["Dense", "Add"]),
    "sequential": ("""
        model = keras.Sequential([keras.Input((7,)), L.Dense(5, activation="relu"), L.Dense(2)])
    """, [(7,)], ["Dense"]),
    "conv": ("""
        i = keras.Input((8, 8, 3))
        x = L.Conv2D(4, 3, activation="relu", padding="same")(i)
        x = L.MaxPooling2D()(x)
        x = L.BatchNormalization()(x)
        x = L.Conv2D(2, 3)(x)
        model = keras.Model(i, L.Dense(3)(L.Flatten()(x)))
    """, [(8, 8, 3)], ["Conv2D", "MaxPooling2D", "BatchNormalization", "Flatten", "Dense"]),
    "recurrent": ("""
        i = keras.Input((6,), dtype="int32")
        x = L.Embedding(20, 5)(i)
        x = L.LSTM(4, return_sequences=True)(x)
        x = L.Bidirectional(L.GRU(3, return_sequences=True))(x)
        x = L.TimeDistributed(L.Dense(2))(x)
        model = keras.Model(i, L.SimpleRNN(3)(x))
    """, [(6,)], ["Embedding", "LSTM", "Bidirectional", "GRU", "TimeDistributed", "SimpleRNN"]),
    "mobilenet_v2": ("""
        model = keras.applications.MobileNetV2(weights=None, input_shape=(32, 32, 3), alpha=0.35, classes=5)
    """, [(32, 32, 3)], ["DepthwiseConv2D", "ReLU", "ZeroPadding2D", "BatchNormalization", "GlobalAveragePooling2D"]),
    "lambda": ("""
        i = keras.Input((4,))
        model = keras.Model(i, L.Lambda(lambda t: t * 3.0 + 1.0)(L.Dense(2)(i)))
    """, [(4,)], ["Dense", "Lambda"]),
}


def _case_inputs(name):
    rng = np.random.default_rng(len(name))
    if name == "recurrent":  # token ids for the Embedding
        return [rng.integers(0, 20, size=(4, 6)).astype("int32")]
    return [rng.random(size=(4,) + s).astype("float32") for s in _CASES[name][1]]


def _predict(model, xs):
    with torch.no_grad():
        out = model([torch.from_numpy(x) for x in xs] if len(xs) > 1 else torch.from_numpy(xs[0]))
    return [o.numpy() for o in (out if isinstance(out, (list, tuple)) else [out])]


_KERAS_WRITES = """
import keras
L = keras.layers
folder = inputs["folder"]
rng = np.random.default_rng(0)
for name, code in inputs["cases"].items():
    ns = {"keras": keras, "L": L}
    exec(code, ns)
    model = ns["model"]
    # Random non-default weights (BatchNormalization variances kept positive).
    model.set_weights([rng.random(w.shape).astype("float32") * 0.5 + 0.1 for w in model.get_weights()])
    model.save(os.path.join(folder, name + ".keras"))
    model.save_weights(os.path.join(folder, name + ".weights.h5"))
    if name in ("mlp", "two_outputs"):
        model.save(os.path.join(folder, name + ".h5"))   # Keras 3 still writes the legacy HDF5 model file
    xs = inputs["x_" + name]
    out = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    result[name] = [np.asarray(o) for o in (out if isinstance(out, list) else [out])]
    result[name + "_json"] = model.to_json()
# Compiled and trained models: saved mid-training, then training goes on in Keras.
X, Y = inputs["train_x"], inputs["train_y"]
for name, opt in (("adam", keras.optimizers.Adam(0.01)), ("rmsprop", keras.optimizers.RMSprop(0.01, momentum=0.5))):
    i = keras.Input((6,))
    model = keras.Model(i, L.Dense(2)(L.Dense(8, activation="tanh")(i)))
    model.set_weights([rng.random(w.shape).astype("float32") * 0.5 - 0.25 for w in model.get_weights()])
    model.compile(optimizer=opt, loss="mse")
    model.fit(X, Y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    model.save(os.path.join(folder, "trained_" + name + ".keras"))
    result["trained_" + name] = model.fit(X, Y, epochs=2, batch_size=16, shuffle=False, verbose=0).history["loss"]
"""


@pytest.fixture(scope="module")
def keras_written(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("from_keras"))
    arrays = {"folder": folder, "cases": {n: _dedent(c[0]) for n, c in _CASES.items()}}
    arrays.update({"x_" + n: _case_inputs(n) for n in _CASES})
    arrays.update(_train_data())
    return folder, run_keras(_KERAS_WRITES, arrays)


def _train_data():
    rng = np.random.default_rng(11)
    return {"train_x": rng.normal(size=(64, 6)).astype("float32"), "train_y": rng.normal(size=(64, 2)).astype("float32")}


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop"])
def test_training_resumes_from_a_keras3_file_like_in_keras(optimizer, keras_written):
    folder, res = keras_written
    data = _train_data()
    model = load_model(os.path.join(folder, f"trained_{optimizer}.keras"))
    assert model.compiled
    hist = model.fit(data["train_x"], data["train_y"], epochs=2, batch_size=16, shuffle=False, verbose=0)
    np.testing.assert_allclose(hist.history["loss"], res[f"trained_{optimizer}"], rtol=1e-4)


def _dedent(code):
    import textwrap
    return textwrap.dedent(code)


@pytest.mark.parametrize("name", list(_CASES))
def test_keras3_files_load_and_predict_the_same(name, keras_written):
    folder, res = keras_written
    xs, expected = _case_inputs(name), res[name]
    unsafe = name == "lambda"  # Python bytecode: refused unless the user opts in
    if unsafe:
        with pytest.raises(ValueError, match="safe_mode=False"):
            load_model(os.path.join(folder, name + ".keras"))
    model = load_model(os.path.join(folder, name + ".keras"), safe_mode=not unsafe)
    for got, want in zip(_predict(model, xs), expected):
        np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-5)
    # Keras 3 .weights.h5 into the architecture rebuilt from Keras's own JSON.
    clone = model_from_json(res[name + "_json"], safe_mode=not unsafe)
    clone.load_weights(os.path.join(folder, name + ".weights.h5"))
    for got, want in zip(_predict(clone, xs), expected):
        np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-5)
    if os.path.exists(os.path.join(folder, name + ".h5")):
        legacy = load_model(os.path.join(folder, name + ".h5"), safe_mode=not unsafe)
        for got, want in zip(_predict(legacy, xs), expected):
            np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-5)


# ---------------------------------------------------------------------------- we write, Keras 3 reads
def _ours(name):
    """The same architectures built with kfunc_torch."""
    L = layers
    if name == "mlp":
        i = Input(shape=(6,))
        return Model(i, L.Dense(3, activation="softmax")(L.Dropout(0.5)(L.Dense(8, activation="relu")(i))))
    if name == "two_outputs":
        a, b = Input(shape=(5,), name="a"), Input(shape=(4,), name="b")
        shared = L.Dense(3, name="shared")
        c = L.Concatenate()([shared(a), L.Dense(3)(b), shared(L.Dense(5)(b))])
        return Model([a, b], [L.Dense(1, activation="sigmoid", name="main")(c), L.Dense(2, name="aux")(c)])
    if name == "nested":
        ii = Input(shape=(4,))
        inner = Model(ii, L.Dense(3, activation="tanh")(ii), name="inner")
        tower = Sequential([L.Dense(2, input_shape=(3,))], name="tower")
        i = Input(shape=(4,))
        return Model(i, L.Add()([tower(inner(i)), L.Dense(2)(i)]))
    if name == "sequential":
        return Sequential([L.Dense(5, activation="relu", input_shape=(7,)), L.Dense(2)])
    if name == "conv":
        i = Input(shape=(8, 8, 3))
        x = L.Conv2D(4, 3, activation="relu", padding="same")(i)
        x = L.BatchNormalization()(L.MaxPooling2D()(x))
        x = L.Conv2D(2, 3)(x)
        return Model(i, L.Dense(3)(L.Flatten()(x)))
    if name == "mobilenet_v2":
        from kfunc_torch import applications
        return applications.MobileNetV2(weights=None, input_shape=(32, 32, 3), alpha=0.35, classes=5)
    if name == "lambda":
        i = Input(shape=(4,))
        return Model(i, L.Lambda(lambda t: t * 3.0 + 1.0)(L.Dense(2)(i)))
    i = Input(shape=(6,), dtype="int32")
    x = L.LSTM(4, return_sequences=True)(L.Embedding(20, 5)(i))
    x = L.TimeDistributed(L.Dense(2))(L.Bidirectional(L.GRU(3, return_sequences=True))(x))
    return Model(i, L.SimpleRNN(3)(x))


_KERAS_READS = """
import keras
keras.config.enable_unsafe_deserialization()  # the "lambda" case holds bytecode we wrote
folder = inputs["folder"]
for name in inputs["names"]:
    xs = inputs["x_" + name]
    def pred(m):
        out = m.predict(xs if len(xs) > 1 else xs[0], verbose=0)
        return [np.asarray(o) for o in (out if isinstance(out, list) else [out])]
    result[name] = pred(keras.saving.load_model(os.path.join(folder, name + ".keras"), safe_mode=False))
    clone = keras.models.model_from_json(inputs["json_" + name])
    clone.load_weights(os.path.join(folder, name + ".weights.h5"))
    result[name + "_weights"] = pred(clone)
for name in inputs["trained"]:
    model = keras.saving.load_model(os.path.join(folder, name + ".keras"))
    result[name] = model.fit(inputs["train_x"], inputs["train_y"], epochs=2, batch_size=16, shuffle=False,
                             verbose=0).history["loss"]
"""


def test_our_files_load_into_keras3_with_the_same_predictions(tmp_path):
    names = list(_CASES)
    arrays, expected = {"folder": str(tmp_path), "names": names}, {}
    rng = np.random.default_rng(3)
    for name in names:
        model = _ours(name)
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(torch.from_numpy(rng.random(tuple(p.shape)).astype("float32") * 0.5 + 0.1))
        model.save(tmp_path / f"{name}.keras")
        model.save_weights(tmp_path / f"{name}.weights.h5")
        arrays["json_" + name] = model.to_json()
        arrays["x_" + name] = _case_inputs(name)
        expected[name] = _predict(model, arrays["x_" + name])
    arrays.update(_train_data())
    arrays["trained"] = []
    # compiled, trained models: Keras goes on training from our optimizer state
    for opt in ("adam", "rmsprop"):
        from kfunc_torch import optimizers
        i = Input(shape=(6,))
        model = Model(i, layers.Dense(2)(layers.Dense(8, activation="tanh")(i)))
        model.compile(optimizer=optimizers.Adam(0.01) if opt == "adam" else optimizers.RMSprop(0.01, momentum=0.5),
                      loss="mse")
        model.fit(arrays["train_x"], arrays["train_y"], epochs=2, batch_size=16, shuffle=False, verbose=0)
        model.save(tmp_path / f"trained_{opt}.keras")
        expected[f"trained_{opt}"] = model.fit(arrays["train_x"], arrays["train_y"], epochs=2, batch_size=16,
                                               shuffle=False, verbose=0).history["loss"]
        arrays["trained"].append(f"trained_{opt}")
    res = run_keras(_KERAS_READS, arrays)
    for name in arrays["trained"]:
        np.testing.assert_allclose(res[name], expected[name], rtol=1e-4, err_msg=name)
    for name in names:
        for key in (name, name + "_weights"):
            for got, want in zip(res[key], expected[name]):
                np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-5, err_msg=key)
