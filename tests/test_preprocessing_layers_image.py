"""Image preprocessing layers against real Keras 3 (torch backend; all of them run there without TF).

Deterministic layers (Resizing, CenterCrop): outputs, dtypes and shapes compared directly.
Random layers: Keras draws its transformation with its own RNG, so the oracle returns both the
transformation Keras drew (``get_random_transformation``) and what Keras made of it
(``transform_images``); our ``transform_images`` must turn the same transformation into the same
images (to 1e-5), our own draws must fall in Keras's ranges, and in inference both pass images through.
"""
import copy

import numpy as np
import pytest
import torch

import kfunc_torch
from kfunc_torch import Input, Model, Sequential
from kfunc_torch import layers as L

from keras_oracle import requires_keras, run_keras

RNG = np.random.default_rng(0)
IMG = RNG.uniform(0, 255, (3, 9, 7, 2)).astype(np.float32)
IMG_U8 = IMG.astype(np.uint8)
IMG_CF = np.ascontiguousarray(IMG.transpose(0, 3, 1, 2))

DETERMINISTIC = [
    ("Resizing(4, 5)", "IMG"), ("Resizing(12, 10)", "IMG"), ("Resizing(4, 4, interpolation='nearest')", "IMG"),
    ("Resizing(5, 3, interpolation='bicubic')", "IMG"), ("Resizing(4, 4, crop_to_aspect_ratio=True)", "IMG"),
    ("Resizing(4, 8, pad_to_aspect_ratio=True, fill_value=7.0)", "IMG"),
    ("Resizing(8, 4, pad_to_aspect_ratio=True)", "IMG"), ("Resizing(4, 3, antialias=True)", "IMG"),
    ("Resizing(4, 5)", "IMG_U8"), ("Resizing(4, 5, data_format='channels_first')", "IMG_CF"),
    ("CenterCrop(5, 3)", "IMG"), ("CenterCrop(4, 4)", "IMG_U8"), ("CenterCrop(12, 5)", "IMG"),
    ("CenterCrop(3, 3, data_format='channels_first')", "IMG_CF"),
]
RANDOM = [
    ("RandomFlip()", "IMG"), ("RandomFlip('horizontal')", "IMG"), ("RandomFlip('vertical')", "IMG_CF"),
    ("RandomRotation(0.3)", "IMG"), ("RandomRotation((-0.5, 0.1), fill_mode='constant', fill_value=3.0)", "IMG"),
    ("RandomRotation(0.4, fill_mode='wrap')", "IMG"), ("RandomRotation(0.4, fill_mode='nearest')", "IMG"),
    ("RandomRotation(0.2, interpolation='nearest', fill_mode='constant')", "IMG"),
    ("RandomRotation(0.25, data_format='channels_first')", "IMG_CF"),
    ("RandomZoom(0.5)", "IMG"), ("RandomZoom((-0.4, -0.1), width_factor=(0.2, 0.6), fill_mode='constant')", "IMG"),
    ("RandomZoom(0.3, fill_mode='wrap', interpolation='nearest')", "IMG"),
    ("RandomTranslation(0.3, 0.4)", "IMG"), ("RandomTranslation((-0.2, 0.5), 0.3, fill_mode='constant')", "IMG"),
    ("RandomTranslation(0.3, 0.3, fill_mode='nearest', data_format='channels_first')", "IMG_CF"),
    ("RandomContrast(0.5)", "IMG"), ("RandomContrast((0.2, 0.8), value_range=(0, 100))", "IMG"),
    ("RandomBrightness(0.3)", "IMG"), ("RandomBrightness((-0.5, 0.2), value_range=(10, 200))", "IMG"),
    ("RandomCrop(5, 4)", "IMG"), ("RandomCrop(12, 5)", "IMG"), ("RandomCrop(3, 3, data_format='channels_first')", "IMG_CF"),
]

_KERAS = """
import keras
from keras import layers as L
def np_(v):
    if isinstance(v, dict):
        return {k: np_(x) for k, x in v.items()}
    if isinstance(v, (tuple, list)):
        return type(v)(np_(x) for x in v)
    if hasattr(v, "detach"):
        return v.detach().cpu().numpy().copy()
    return v
def cfg(layer):
    c = layer.get_config()
    c.pop("dtype", None); c.pop("name", None)
    return {k: (list(v) if isinstance(v, (tuple, list)) else v) for k, v in c.items()}
for i, (src, key) in enumerate(inputs["det"]):
    layer = eval("L." + src)
    x = inputs[key]
    out = layer(x)
    sym = layer(keras.Input(x.shape[1:], dtype=str(x.dtype)))
    result[("det", i)] = (np_(out), str(out.dtype), tuple(sym.shape), cfg(layer))
for i, (src, key) in enumerate(inputs["rand"]):
    layer = eval("L." + src)
    x = inputs[key]
    xt = keras.ops.convert_to_tensor(x)
    t = layer.get_random_transformation(xt, training=True)
    t_np = np_(t)   # before transform_images: Keras's affine_transform edits its matrix in place
    out = layer.transform_images(xt, t, training=True)
    # A direct call augments in both (training defaults to True); inference is asked for explicitly.
    inf = layer(x, training=False)
    u8 = layer(x.astype("uint8"), training=False)
    if src.startswith("RandomCrop"):
        # Keras documents RandomCrop's inference as the largest window of the target's aspect ratio,
        # resized (Keras 3.15's code returns the images unchanged): compare with that.
        inf = L.Resizing(layer.height, layer.width, crop_to_aspect_ratio=True, data_format=layer.data_format)(x)
    result[("rand", i)] = (t_np, np_(out), np_(inf), str(u8.dtype), tuple(layer(keras.Input(x.shape[1:])).shape),
                           cfg(layer))
"""


@pytest.fixture(scope="module")
def keras_results():
    arrays = {"IMG": IMG, "IMG_U8": IMG_U8, "IMG_CF": IMG_CF, "det": DETERMINISTIC, "rand": RANDOM}
    return run_keras(_KERAS, arrays)


def _ours(src):
    return eval(src, dict(vars(L)))


def _same_config(ours, theirs, src):
    mine = ours.get_config()
    for k, v in theirs.items():
        if k == "seed" and src.startswith("RandomCrop"):
            continue  # Keras 3 makes up a seed for an unseeded RandomCrop
        assert k in mine, f"{src}: config lacks {k!r}"
        m = list(mine[k]) if isinstance(mine[k], (tuple, list)) else mine[k]
        assert m == v, f"{src}: config {k}: ours {mine[k]!r}, Keras {v!r}"
    clone = type(ours).from_config(copy.deepcopy(mine))
    assert clone.get_config() == mine


@requires_keras
@pytest.mark.parametrize("i", range(len(DETERMINISTIC)))
def test_deterministic_layers_match_keras(keras_results, i):
    src, key = DETERMINISTIC[i]
    out, dtype, sym, cfg = keras_results[("det", i)]
    x = globals()[key]
    layer = _ours(src)
    ours = layer(x)
    assert str(ours.dtype) == dtype
    np.testing.assert_allclose(ours.numpy().astype(np.float64), out.astype(np.float64), atol=1e-4, rtol=1e-5)
    assert layer(Input(x.shape[1:], dtype=str(x.dtype))).shape == sym
    assert str(layer(Input(x.shape[1:], dtype=str(x.dtype))).dtype) == dtype.replace("torch.", "")
    _same_config(layer, cfg, src)


@requires_keras
@pytest.mark.parametrize("i", range(len(RANDOM)))
def test_random_layers_apply_keras_transformations_as_keras(keras_results, i):
    src, key = RANDOM[i]
    t, out, inf, u8_dtype, sym, cfg = keras_results[("rand", i)]
    x = globals()[key]
    layer = _ours(src)
    ours = layer.transform_images(torch.from_numpy(x), t)
    np.testing.assert_allclose(ours.numpy(), out, atol=1e-4, rtol=1e-5, err_msg=src)
    # inference: the images pass through (RandomCrop: crop/resize to its size), dtypes as Keras's
    np.testing.assert_allclose(layer(x, training=False).numpy(), inf, atol=1e-4, rtol=1e-5)
    assert str(layer(IMG_U8 if key != "IMG_CF" else IMG_CF.astype(np.uint8), training=False).dtype) == u8_dtype
    assert layer(Input(x.shape[1:])).shape == sym
    _same_config(layer, cfg, src)
    # our own draws have the structure (keys, shapes) of Keras's
    mine = layer.get_random_transformation(torch.from_numpy(x), training=True)
    if src.startswith("RandomCrop(12"):
        assert mine is None  # smaller than the target: resized as in inference
    if isinstance(t, dict):
        assert set(mine) == set(t)
        for k, v in t.items():
            if hasattr(v, "shape"):
                assert tuple(np.shape(mine[k])) == tuple(v.shape), k


def test_random_draws_fall_in_keras_ranges_and_follow_the_seed():
    x = torch.from_numpy(np.repeat(IMG[:1], 64, axis=0))
    t = L.RandomRotation((-0.1, 0.2)).get_random_transformation(x)
    assert t["angle"].min() >= -36 and t["angle"].max() <= 72 and t["angle"].std() > 5
    z = L.RandomZoom((-0.4, -0.1)).get_random_transformation(x)
    assert 0.6 <= float(z["height_zoom"].min()) and float(z["height_zoom"].max()) <= 0.9
    assert torch.equal(z["height_zoom"], z["width_zoom"])  # width_factor=None keeps the aspect ratio
    c = L.RandomContrast(0.5).get_random_transformation(x)["contrast_factor"]
    assert 1.0 <= float(c.min()) and float(c.max()) <= 1.5  # Keras 3.15: factor f draws from [1, 1 + f]
    flips = L.RandomFlip().get_random_transformation(x)["flips"]
    assert 0 < int(flips.sum()) < 64
    a, b = L.RandomRotation(0.3, seed=7), L.RandomRotation(0.3, seed=7)
    torch.testing.assert_close(a(x, training=True), b(x, training=True))
    assert not torch.equal(a(x, training=True), b.get_random_transformation(x)["rotation_matrix"])
    torch.manual_seed(3); u = L.RandomZoom(0.3)(x, training=True)
    torch.manual_seed(3); v = L.RandomZoom(0.3)(x, training=True)
    torch.testing.assert_close(u, v)


def test_random_layers_act_only_in_training_through_fit_and_predict():
    x = IMG[:, :8, :6]
    model = Sequential([Input((8, 6, 2)), L.RandomFlip(seed=1), L.RandomRotation(0.2, seed=2), L.RandomZoom(0.2),
                        L.RandomTranslation(0.1, 0.1), L.RandomContrast(0.2), L.RandomBrightness(0.1),
                        L.RandomCrop(6, 4), L.Flatten(), L.Dense(1)])
    model.compile("sgd", "mse")
    seen = []
    model.layers[0].register_forward_hook(lambda m, i, o: seen.append(bool(m.training)))
    model.fit(x, np.zeros((3, 1)), epochs=1, verbose=0)
    assert seen and all(seen)
    p1, p2 = model.predict(x, verbose=0), model.predict(x, verbose=0)
    np.testing.assert_array_equal(p1, p2)  # inference is deterministic
    crop = L.RandomCrop(6, 4)
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               model.layers[-1](model.layers[-2](crop(torch.from_numpy(x), training=False))).detach().numpy(),
                               atol=1e-5)


def test_single_images_and_symbolic_models():
    img = torch.from_numpy(IMG[0])
    assert L.RandomRotation(0.2)(img, training=True).shape == img.shape
    assert L.Resizing(4, 4)(img).shape == (4, 4, 2)
    assert L.CenterCrop(3, 3)(img).shape == (3, 3, 2)
    inp = Input((None, None, 3))
    out = L.Resizing(16, 16)(inp)
    assert out.shape == (None, 16, 16, 3)
    m = Model(inp, L.Rescaling(1 / 255)(out))
    assert m.predict(np.zeros((2, 20, 30, 3), np.uint8), verbose=0).shape == (2, 16, 16, 3)


def test_clear_errors():
    with pytest.raises(ValueError, match="interpolation"):
        L.Resizing(2, 2, interpolation="lanczos9")
    with pytest.raises(ValueError, match="only one"):
        L.Resizing(2, 2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="fill_mode"):
        L.RandomRotation(0.1, fill_mode="mirror-ish")
    with pytest.raises(ValueError, match="factor"):
        L.RandomRotation(2.0)
    with pytest.raises(ValueError, match="height_factor"):
        L.RandomZoom(-1.0)
    with pytest.raises(ValueError, match="mode"):
        L.RandomFlip("diagonal")
    with pytest.raises(ValueError, match="rank"):
        L.RandomFlip()(torch.zeros(3, 4), training=True)


def test_tf2_experimental_preprocessing_path():
    from kfunc_torch.layers.experimental import preprocessing
    assert preprocessing.RandomFlip is L.RandomFlip and preprocessing.TextVectorization is L.TextVectorization
    kfunc_torch.alias_keras()
    import importlib
    mod = importlib.import_module("keras.layers.experimental.preprocessing")
    assert mod.Normalization is L.Normalization
