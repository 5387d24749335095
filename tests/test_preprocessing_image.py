"""keras.preprocessing.image against Keras 3's own copy (keras.src.legacy.preprocessing.image):
transforms with fixed parameters, seeded random transforms, fit statistics, and the flow,
flow_from_directory and flow_from_dataframe batches on small image files made here."""
import os
import sys

import numpy as np
import pytest

from kfunc_torch.preprocessing.image import (ImageDataGenerator, apply_affine_transform, array_to_img,
                                             img_to_array, load_img, save_img, smart_resize)
from keras_oracle import requires_keras, run_keras

PARAMS = [{"theta": 17.0}, {"tx": 2.5, "ty": -1.0}, {"shear": 12.0}, {"zx": 1.3, "zy": 0.8},
          {"theta": -30.0, "tx": 1.0, "shear": 5.0, "zx": 0.9, "zy": 1.1, "flip_horizontal": True},
          {"flip_vertical": True, "channel_shift_intensity": 0.2}, {"brightness": 1.4}]
GEN_CFGS = [dict(), dict(fill_mode="constant", cval=0.5), dict(fill_mode="reflect"), dict(fill_mode="wrap"),
            dict(data_format="channels_first")]
RANDOM_CFG = dict(rotation_range=25, width_shift_range=0.2, height_shift_range=3, shear_range=10, zoom_range=0.2,
                  channel_shift_range=0.1, horizontal_flip=True, vertical_flip=True, brightness_range=(0.7, 1.3))
FIT_CFGS = [dict(featurewise_center=True, featurewise_std_normalization=True, rescale=0.5),
            dict(samplewise_center=True, samplewise_std_normalization=True),
            dict(zca_whitening=True, zca_epsilon=1e-3)]


def _write_images(root):
    """A class folder layout (3 classes, 4-5 RGB PNGs each, various sizes) and their relative names."""
    rng = np.random.RandomState(0)
    names = []
    for c, n in (("cat", 5), ("dog", 4), ("owl", 4)):
        os.makedirs(os.path.join(root, c))
        for i in range(n):
            arr = rng.randint(0, 256, size=(10 + i, 12, 3)).astype("uint8")
            name = os.path.join(c, f"{i}.png")
            save_img(os.path.join(root, name), arr, scale=False)
            names.append(name)
    open(os.path.join(root, "cat", "notes.txt"), "w").write("not an image")
    return names


ORACLE = """
import numpy as np, pandas as pd
from keras.src.legacy.preprocessing.image import ImageDataGenerator
x = inputs["x"]
res = {"transforms": [], "random": [], "fit": [], "flow": None}
for cfg in inputs["gen_cfgs"]:
    g = ImageDataGenerator(**cfg)
    img = x[0] if cfg.get("data_format") != "channels_first" else x[0].transpose(2, 0, 1)
    # Brightness goes through a channels_last PIL image, so it is for channels_last only (Keras too).
    params = [p for p in inputs["params"] if "brightness" not in p or cfg.get("data_format") != "channels_first"]
    res["transforms"].append([g.apply_transform(img.copy(), p) for p in params])
g = ImageDataGenerator(**inputs["random_cfg"])
res["random"] = [(g.get_random_transform(x[0].shape, seed=s), g.random_transform(x[0].copy(), seed=s)) for s in (1, 2, 3)]
for cfg in inputs["fit_cfgs"]:
    g = ImageDataGenerator(**cfg)
    g.fit(x)
    res["fit"].append((g.mean, g.std, g.zca_whitening_matrix, g.standardize(x[:3].copy())))
g = ImageDataGenerator(rotation_range=10, horizontal_flip=True, validation_split=0.25)
it = g.flow(x, np.arange(len(x)) % 2, batch_size=3, seed=5, subset="training")
res["flow"] = [it[i] for i in range(len(it))] + [next(it), next(it)]
root = inputs["root"]
d = ImageDataGenerator(rescale=1 / 255., validation_split=0.25)
dirs = {}
for subset in ("training", "validation"):
    for mode in ("categorical", "sparse"):
        it = d.flow_from_directory(root, target_size=(8, 9), batch_size=4, shuffle=False, subset=subset,
                                   class_mode=mode, interpolation="bilinear")
        dirs[subset, mode] = (it.filenames, it.classes, it.class_indices, [it[i] for i in range(len(it))])
res["dirs"] = dirs
it = ImageDataGenerator().flow_from_directory(root, target_size=(6, 6), color_mode="grayscale", batch_size=5,
                                              shuffle=True, seed=3, class_mode="binary", classes=["dog", "owl"])
res["gray"] = [it[0], it[1]]
df = pd.DataFrame({"filename": inputs["names"] + ["missing.png"], "class": [n.split("/")[0] for n in inputs["names"]] + ["cat"],
                   "w": np.arange(len(inputs["names"]) + 1, dtype="float32")})
it = ImageDataGenerator(validation_split=0.3).flow_from_dataframe(df, root, weight_col="w", target_size=(5, 7),
                                                                  batch_size=4, shuffle=False, subset="training")
res["df"] = (it.filenames, it.classes, [it[i] for i in range(len(it))])
df["score"] = np.linspace(0, 1, len(df))
it = ImageDataGenerator().flow_from_dataframe(df, root, y_col="score", class_mode="raw", target_size=(4, 4), batch_size=6,
                                              shuffle=False)
res["raw"] = [it[i] for i in range(len(it))]
result.update(res)
"""


def _close(a, b, what, atol=1e-5):
    if isinstance(b, (list, tuple)):
        assert isinstance(a, (list, tuple)) and len(a) == len(b), what
        for i, (u, v) in enumerate(zip(a, b)):
            _close(u, v, f"{what}[{i}]", atol)
    elif isinstance(b, dict):
        assert set(a) == set(b), what
        for k in b:
            _close(a[k], b[k], f"{what}[{k}]", atol)
    elif b is None:
        assert a is None, what
    else:
        np.testing.assert_allclose(np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64"), atol=atol,
                                   err_msg=what)


@requires_keras
def test_against_keras3(tmp_path):
    pytest.importorskip("pandas")
    import pandas as pd
    root = str(tmp_path / "imgs")
    names = _write_images(root)
    x = np.random.RandomState(1).rand(8, 9, 10, 3).astype("float32")
    ref = run_keras(ORACLE, {"x": x, "gen_cfgs": GEN_CFGS, "params": PARAMS, "random_cfg": RANDOM_CFG,
                             "fit_cfgs": FIT_CFGS, "root": root, "names": names})
    for cfg, expected in zip(GEN_CFGS, ref["transforms"]):
        g = ImageDataGenerator(**cfg)
        img = x[0] if cfg.get("data_format") != "channels_first" else x[0].transpose(2, 0, 1)
        params = [p for p in PARAMS if "brightness" not in p or cfg.get("data_format") != "channels_first"]
        _close([g.apply_transform(img.copy(), p) for p in params], expected, f"apply_transform {cfg}")
    g = ImageDataGenerator(**RANDOM_CFG)
    ours = [(g.get_random_transform(x[0].shape, seed=s), g.random_transform(x[0].copy(), seed=s)) for s in (1, 2, 3)]
    _close(ours, ref["random"], "seeded random_transform")
    for cfg, (mean, std, zca, st) in zip(FIT_CFGS, ref["fit"]):
        g = ImageDataGenerator(**cfg)
        g.fit(x)
        _close((g.mean, g.std, g.zca_whitening_matrix, g.standardize(x[:3].copy())), (mean, std, zca, st),
               f"fit {cfg}", atol=1e-4)
    g = ImageDataGenerator(rotation_range=10, horizontal_flip=True, validation_split=0.25)
    it = g.flow(x, np.arange(len(x)) % 2, batch_size=3, seed=5, subset="training")
    _close([it[i] for i in range(len(it))] + [next(it), next(it)], ref["flow"], "flow")
    d = ImageDataGenerator(rescale=1 / 255., validation_split=0.25)
    for (subset, mode), (fnames, classes, indices, batches) in ref["dirs"].items():
        it = d.flow_from_directory(root, target_size=(8, 9), batch_size=4, shuffle=False, subset=subset,
                                   class_mode=mode, interpolation="bilinear")
        assert it.filenames == fnames and it.class_indices == indices, (subset, mode)
        np.testing.assert_array_equal(it.classes, classes)
        _close([it[i] for i in range(len(it))], batches, f"flow_from_directory {subset} {mode}")
    it = ImageDataGenerator().flow_from_directory(root, target_size=(6, 6), color_mode="grayscale", batch_size=5,
                                                  shuffle=True, seed=3, class_mode="binary", classes=["dog", "owl"])
    _close([it[0], it[1]], ref["gray"], "grayscale binary shuffled")
    df = pd.DataFrame({"filename": names + ["missing.png"], "class": [n.split(os.sep)[0] for n in names] + ["cat"],
                       "w": np.arange(len(names) + 1, dtype="float32")})
    with pytest.warns(UserWarning, match="1 invalid image filename"):
        it = ImageDataGenerator(validation_split=0.3).flow_from_dataframe(
            df, root, weight_col="w", target_size=(5, 7), batch_size=4, shuffle=False, subset="training")
    assert (it.filenames, it.classes) == tuple(ref["df"][:2])
    _close([it[i] for i in range(len(it))], ref["df"][2], "flow_from_dataframe")
    df["score"] = np.linspace(0, 1, len(df))
    with pytest.warns(UserWarning):
        it = ImageDataGenerator().flow_from_dataframe(df, root, y_col="score", class_mode="raw", target_size=(4, 4),
                                                      batch_size=6, shuffle=False)
    _close([it[i] for i in range(len(it))], ref["raw"], "flow_from_dataframe raw")


def test_file_helpers_round_trip(tmp_path):
    arr = np.random.RandomState(2).randint(0, 256, size=(7, 5, 3)).astype("float32")
    path = str(tmp_path / "a.png")
    save_img(path, arr, scale=False)
    img = load_img(path)
    assert img.size == (5, 7) and img.mode == "RGB"
    np.testing.assert_array_equal(img_to_array(img), arr)
    assert img_to_array(img, data_format="channels_first").shape == (3, 7, 5)
    assert img_to_array(load_img(path, color_mode="grayscale")).shape == (7, 5, 1)
    assert img_to_array(load_img(path, target_size=(4, 6))).shape == (4, 6, 3)
    assert img_to_array(load_img(path, target_size=(4, 4), keep_aspect_ratio=True)).shape == (4, 4, 3)
    assert array_to_img(np.random.rand(4, 4, 1)).mode == "L"
    with pytest.raises(ValueError, match="1, 3 or 4 channels"):
        array_to_img(np.zeros((4, 4, 2)))
    with pytest.raises(ValueError, match="color_mode"):
        load_img(path, color_mode="cmyk")
    assert smart_resize(np.random.rand(10, 20, 3), (5, 5)).shape == (5, 5, 3)


def test_missing_pillow_names_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match="needs Pillow.*pip install pillow"):
        load_img(str(tmp_path / "x.png"))


def test_flow_trains_a_model_and_utils_exports():
    import kfunc_torch as K
    assert K.utils.load_img is load_img and K.utils.save_img is save_img
    x = np.random.rand(20, 8, 8, 3).astype("float32")
    y = K.utils.to_categorical(np.arange(20) % 2, 2)
    gen = ImageDataGenerator(rotation_range=10, width_shift_range=0.1, horizontal_flip=True)
    m = K.Sequential([K.Input((8, 8, 3)), K.layers.Flatten(), K.layers.Dense(2, activation="softmax")])
    m.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    hist = m.fit(gen.flow(x, y, batch_size=8), epochs=2, verbose=0, validation_data=(x, y))
    assert len(hist.history["val_loss"]) == 2
    xb, yb = next(gen.flow(x, y, batch_size=8))
    assert xb.shape == (8, 8, 8, 3) and yb.shape == (8, 2)
    with pytest.raises(ValueError, match="4D array"):
        gen.flow(x[0], y[:8])
    with pytest.warns(UserWarning, match="hasn't been fit"):
        ImageDataGenerator(featurewise_center=True).standardize(x[:2].copy())
