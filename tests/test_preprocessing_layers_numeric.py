"""Numerical preprocessing layers (Normalization, Rescaling, Discretization) against real Keras 3.

Keras 3 runs Normalization and Rescaling on the torch backend, and Discretization's call with
given boundaries; its Discretization.adapt needs TensorFlow (it checks for tf.data), so adapt is
compared with Keras's own quantile-summary functions (plain numpy, run in the oracle process).
"""
import os

import numpy as np
import pytest
import torch

import kfunc_torch
from kfunc_torch import Input, Model
from kfunc_torch.layers import Dense, Discretization, Normalization, Rescaling

from keras_oracle import requires_keras, run_keras

RNG = np.random.default_rng(0)
X = (RNG.standard_normal((40, 3)) * [1.0, 5.0, 0.1] + [0.0, 3.0, -2.0]).astype(np.float32)
IMG = RNG.uniform(0, 255, (6, 4, 5, 3)).astype(np.float32)
BATCHES = [X[:13], X[13:30], X[30:]]


def _ours():
    out = {}
    n = Normalization(); n.adapt(X); out["norm"] = (n(X).numpy(), n.get_weights(), n.count_params())
    n = Normalization(); n.adapt(BATCHES); out["norm_batches"] = (n(X).numpy(), n.get_weights())
    n = Normalization(axis=None); n.adapt(X); out["norm_none"] = (n(X).numpy(), n.get_weights())
    n = Normalization(axis=(1, 2)); n.adapt(IMG); out["norm_img"] = (n(IMG).numpy(), n.get_weights())
    n = Normalization(axis=-1); n.adapt(IMG); out["norm_img_last"] = (n(IMG).numpy(), n.get_weights())
    n = Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 0.0, 9.0]); out["norm_given"] = (n(X).numpy(), n.get_weights())
    n = Normalization(mean=2.0, variance=4.0, invert=True); out["norm_invert"] = (n(X).numpy(), n.get_weights())
    out["rescale"] = Rescaling(1 / 127.5, offset=-1)(IMG).numpy()
    out["rescale_ch"] = Rescaling([1.0, 0.5, 0.25])(IMG).numpy()
    out["rescale_u8"] = Rescaling(0.5)(IMG.astype(np.uint8)).numpy()
    b = [-1.0, 0.0, 2.5]
    out["disc_int"] = Discretization(bin_boundaries=b)(X).numpy()
    for mode in ("one_hot", "multi_hot", "count"):
        out[f"disc_{mode}"] = Discretization(bin_boundaries=b, output_mode=mode)(X[:, :1] if mode == "one_hot" else X).numpy()
    d = Discretization(num_bins=5); d.adapt(X); out["disc_adapt"] = d.bin_boundaries
    d = Discretization(num_bins=4, epsilon=0.1); d.adapt(BATCHES); out["disc_adapt_batches"] = d.bin_boundaries
    return out


_KERAS = """
import json
import keras
from keras import layers as L
from keras.src.layers.preprocessing import discretization as D
X, IMG = inputs["X"], inputs["IMG"]
BATCHES = [X[:13], X[13:30], X[30:]]
def run(n, x):
    return (keras.ops.convert_to_numpy(n(x)), [np.array(w) for w in n.get_weights()])
n = L.Normalization(); n.adapt(X); result["norm"] = run(n, X) + (n.count_params(),)
# Keras's adapt of a list of batches needs TensorFlow (it checks for tf.data): the batches' union instead.
n = L.Normalization(); n.adapt(np.concatenate(BATCHES)); result["norm_batches"] = run(n, X)
n = L.Normalization(axis=None); n.adapt(X); result["norm_none"] = run(n, X)
n = L.Normalization(axis=(1, 2)); n.adapt(IMG); result["norm_img"] = run(n, IMG)
n = L.Normalization(axis=-1); n.adapt(IMG); result["norm_img_last"] = run(n, IMG)
result["norm_given"] = run(L.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 0.0, 9.0]), X)
result["norm_invert"] = run(L.Normalization(mean=2.0, variance=4.0, invert=True), X)
result["rescale"] = L.Rescaling(1 / 127.5, offset=-1)(IMG)
result["rescale_ch"] = L.Rescaling([1.0, 0.5, 0.25])(IMG)
result["rescale_u8"] = L.Rescaling(0.5)(IMG.astype(np.uint8))
b = [-1.0, 0.0, 2.5]
result["disc_int"] = L.Discretization(bin_boundaries=b)(X)
for mode in ("one_hot", "multi_hot", "count"):
    result["disc_" + mode] = L.Discretization(bin_boundaries=b, output_mode=mode)(X[:, :1] if mode == "one_hot" else X)
def adapt(batches, num_bins, eps):
    s = np.array([[], []], dtype="float32")
    for x in batches:
        s = D.merge_summaries(D.summarize(np.array(x).astype("float32"), eps), s, eps)
    return D.get_bin_boundaries(s, num_bins).tolist()
result["disc_adapt"] = adapt([X], 5, 0.01)
result["disc_adapt_batches"] = adapt(BATCHES, 4, 0.1)
configs = {}
for src in ["Normalization()", "Normalization(axis=None, mean=1.0, variance=2.0, invert=True)",
            "Rescaling(0.5, offset=1.0)", "Discretization(bin_boundaries=[0.0, 1.0], output_mode='count')"]:
    layer = eval("L." + src)
    cfg = layer.get_config()
    cfg.pop("dtype")
    configs[src] = json.loads(json.dumps(cfg))  # plain lists (Keras tracks list attributes in its own class)
result["configs"] = configs
inp = keras.Input((3,))
norm = L.Normalization()
norm.adapt(X)
m = keras.Model(inp, L.Dense(2)(norm(inp)))
result["model_count"] = m.count_params()
result["disc_dtype"] = str(L.Discretization(bin_boundaries=b)(keras.Input((3,))).dtype)
"""


@pytest.fixture(scope="module")
def keras_results():
    return run_keras(_KERAS, {"X": X, "IMG": IMG})


@requires_keras
@pytest.mark.parametrize("key", ["norm", "norm_batches", "norm_none", "norm_img", "norm_img_last", "norm_given",
                                 "norm_invert"])
def test_normalization_matches_keras(keras_results, key):
    ours, theirs = _OURS[key], keras_results[key]
    np.testing.assert_allclose(ours[0], theirs[0], atol=1e-5, rtol=1e-5)
    assert [w.shape for w in ours[1]] == [w.shape for w in theirs[1]]
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, atol=1e-5, rtol=1e-5)
    if len(theirs) > 2:
        assert ours[2] == theirs[2] == 7  # mean (3) + variance (3) + count (1)


@requires_keras
@pytest.mark.parametrize("key", ["rescale", "rescale_ch", "rescale_u8", "disc_int", "disc_one_hot", "disc_multi_hot",
                                 "disc_count"])
def test_rescaling_and_discretization_match_keras(keras_results, key):
    ours, theirs = _OURS[key], np.asarray(keras_results[key])
    assert ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, atol=1e-5, rtol=1e-5)


@requires_keras
@pytest.mark.parametrize("key", ["disc_adapt", "disc_adapt_batches"])
def test_discretization_adapt_matches_keras_quantiles(keras_results, key):
    np.testing.assert_allclose(_OURS[key], keras_results[key], rtol=1e-6)


@requires_keras
def test_configs_and_counts_match_keras(keras_results):
    ns = vars(kfunc_torch.layers)
    for src, cfg in keras_results["configs"].items():
        ours = eval(src, dict(ns)).get_config()
        missing = set(cfg) - set(ours)
        assert not missing, f"{src}: config lacks {missing}"
        for k, v in cfg.items():
            if k == "name":
                continue
            assert (list(ours[k]) if isinstance(ours[k], tuple) else ours[k]) == \
                (list(v) if isinstance(v, tuple) else v), f"{src}: {k}: ours {ours[k]!r} vs Keras {v!r}"
        clone = type(eval(src, dict(ns))).from_config(cfg)  # Keras's config loads here
        assert clone.get_config()["name"] == cfg["name"]
    inp = Input((3,))
    norm = Normalization()
    norm.adapt(X)
    m = Model(inp, Dense(2)(norm(inp)))
    assert m.count_params() == keras_results["model_count"] == 7 + 8
    assert str(Discretization(bin_boundaries=[0.0])(Input((3,))).dtype) == keras_results["disc_dtype"] == "int32"


def test_normalization_trains_and_saves(tmp_path):
    inp = Input((3,))
    norm = Normalization()
    norm.adapt(X)
    out = Dense(1)(norm(inp))
    model = Model(inp, out)
    model.compile("adam", "mse")
    model.fit(X, X[:, :1], epochs=2, verbose=0)
    assert norm.non_trainable_weights and not norm.trainable_weights
    np.testing.assert_allclose(norm.get_weights()[0], X.mean(0), rtol=1e-5, atol=1e-6)  # fit leaves stats alone
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    loaded = kfunc_torch.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), atol=1e-6)
    assert type(loaded.layers[1]).__name__ == "Normalization"


def test_adapt_accepts_tensors_generators_and_xy_batches():
    ref = Normalization(); ref.adapt(X)
    for data in (torch.from_numpy(X), (b for b in BATCHES), [(b, b[:, 0]) for b in BATCHES],
                 torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.from_numpy(X)), batch_size=7)):
        n = Normalization(); n.adapt(data)
        np.testing.assert_allclose(n.get_weights()[0], ref.get_weights()[0], atol=1e-5)
        np.testing.assert_allclose(n.get_weights()[1], ref.get_weights()[1], atol=1e-5)


def test_clear_errors():
    with pytest.raises(ValueError, match="both mean and variance"):
        Normalization(mean=1.0)
    with pytest.raises(ValueError, match="either num_bins or bin_boundaries"):
        Discretization(bin_boundaries=[1.0], num_bins=3)
    with pytest.raises(ValueError, match="adapt"):
        Discretization(num_bins=3)(X)
    with pytest.raises(ValueError, match="kept axes"):
        n = Normalization(); n.adapt(X); n.adapt(X[:, :2])
    with pytest.raises(ValueError, match="output_mode"):
        Discretization(bin_boundaries=[0.0], output_mode="tf_idf")


_OURS = _ours()


# ---------------------------------------------------------------- CategoryEncoding (Keras 3 runs it without TF)
_CAT_CASES = [
    ("CategoryEncoding(4)", [[0, 1], [0, 3]]), ("CategoryEncoding(5, output_mode='count')", [[0, 1, 1, 4], [2, 2, 2, 0]]),
    ("CategoryEncoding(3, output_mode='one_hot')", [[0], [2], [1]]), ("CategoryEncoding(3, output_mode='one_hot')", [0, 2, 1]),
    ("CategoryEncoding(4, output_mode='binary')", [1, 3, 3]), ("CategoryEncoding(6, output_mode='one_hot')", [[0, 5], [1, 2]]),
    ("CategoryEncoding(4, output_mode='multi_hot')", [[-1, 1], [2, 2]]),
]


@requires_keras
def test_category_encoding_matches_keras():
    res = run_keras("""
import keras
from keras import layers as L
out = []
for src, x in inputs["cases"]:
    layer = eval("L." + src)
    x = np.array(x)
    sym = layer(keras.Input(x.shape[1:], dtype="int64"))
    c = layer.get_config(); c.pop("dtype")
    out.append((keras.ops.convert_to_numpy(layer(x)), tuple(sym.shape), str(sym.dtype), c))
layer = L.CategoryEncoding(4, output_mode="count")
out.append(keras.ops.convert_to_numpy(layer(np.array([[0, 1, 1]]), count_weights=np.array([[0.5, 2.0, 1.0]]))))
result["out"] = out
""", {"cases": _CAT_CASES})["out"]
    ns = vars(kfunc_torch.layers)
    for (src, x), (k_out, k_sym, k_dtype, k_cfg) in zip(_CAT_CASES, res):
        layer = eval(src, dict(ns))
        x = np.array(x)
        np.testing.assert_allclose(layer(x).numpy(), k_out, err_msg=src)
        sym = layer(Input(x.shape[1:], dtype="int64"))
        assert sym.shape == k_sym and sym.dtype == k_dtype, src
        cfg = layer.get_config()
        assert {k: cfg[k] for k in k_cfg if k != "name"} == {k: v for k, v in k_cfg.items() if k != "name"}, src
    weighted = kfunc_torch.layers.CategoryEncoding(4, output_mode="count")(
        np.array([[0, 1, 1]]), count_weights=np.array([[0.5, 2.0, 1.0]]))
    np.testing.assert_allclose(weighted.numpy(), res[-1])


def test_category_encoding_errors():
    from kfunc_torch.layers import CategoryEncoding
    with pytest.raises(ValueError, match="num_tokens"):
        CategoryEncoding()
    with pytest.raises(ValueError, match="output_mode"):
        CategoryEncoding(3, output_mode="tf_idf")
    with pytest.raises(ValueError, match="count_weights"):
        CategoryEncoding(3)(np.array([[1]]), count_weights=np.array([[1.0]]))


@pytest.mark.slow
@requires_keras
def test_models_saved_by_keras_load_here(tmp_path):
    """Keras 3 saves models holding preprocessing layers (adapted Normalization weights included);
    load_model here rebuilds them and predicts what Keras predicted."""
    res = run_keras("""
import keras
from keras import layers as L
norm = L.Normalization()
norm.adapt(inputs["X"])
m1 = keras.Sequential([keras.Input((3,)), norm, L.Discretization(bin_boundaries=[-1.0, 0.0, 1.0]),
                       L.CategoryEncoding(4, output_mode="one_hot"), L.Flatten(), L.Dense(2)])
m1.save(inputs["dir"] + "/m1.keras")
inp = keras.Input((4, 5, 3))
x = L.Rescaling(1 / 255.0)(inp)
x = L.RandomFlip("horizontal")(x)
x = L.RandomRotation(0.1)(x)
x = L.Resizing(6, 6)(x)
x = L.CenterCrop(4, 4)(x)
x = L.Normalization(mean=0.5, variance=0.25)(x)
m2 = keras.Model(inp, L.Dense(1)(L.Flatten()(x)))
m2.save(inputs["dir"] + "/m2.keras")
result["p1"] = m1.predict(inputs["X"], verbose=0)
result["p2"] = m2.predict(inputs["IMG"], verbose=0)
""", {"X": X, "IMG": IMG, "dir": str(tmp_path)})
    m1 = kfunc_torch.models.load_model(os.path.join(tmp_path, "m1.keras"))
    np.testing.assert_allclose(m1.predict(X, verbose=0), res["p1"], atol=1e-5, rtol=1e-5)
    m2 = kfunc_torch.models.load_model(os.path.join(tmp_path, "m2.keras"))
    np.testing.assert_allclose(m2.predict(IMG, verbose=0), res["p2"], atol=1e-4, rtol=1e-5)


@pytest.mark.slow
@requires_keras
def test_models_saved_here_load_in_keras(tmp_path):
    norm = Normalization()
    norm.adapt(X)
    m1 = kfunc_torch.Sequential([Input((3,)), norm, kfunc_torch.layers.Discretization(bin_boundaries=[-1.0, 0.0, 1.0]),
                                 kfunc_torch.layers.CategoryEncoding(4, output_mode="one_hot"),
                                 kfunc_torch.layers.Flatten(), Dense(2)])
    inp = Input((4, 5, 3))
    L = kfunc_torch.layers
    x = L.CenterCrop(3, 3)(L.Resizing(6, 6)(L.RandomZoom(0.2)(L.Rescaling(1 / 255.0)(inp))))
    m2 = Model(inp, Dense(1)(L.Flatten()(x)))
    m1.save(os.path.join(tmp_path, "m1.keras"))
    m2.save(os.path.join(tmp_path, "m2.keras"))
    res = run_keras("""
import keras
result["p1"] = keras.models.load_model(inputs["dir"] + "/m1.keras").predict(inputs["X"], verbose=0)
result["p2"] = keras.models.load_model(inputs["dir"] + "/m2.keras").predict(inputs["IMG"], verbose=0)
""", {"X": X, "IMG": IMG, "dir": str(tmp_path)})
    np.testing.assert_allclose(res["p1"], m1.predict(X, verbose=0), atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(res["p2"], m2.predict(IMG, verbose=0), atol=1e-4, rtol=1e-5)
