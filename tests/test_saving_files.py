"""Saving safety and file formats: atomic writes, corrupt files, mismatched weights, Keras 2 HDF5
written by hand in tf.keras's layout, torch state_dict, and training that resumes after a reload.

Expected numbers come from independent numpy forward passes or from the unsaved model.
"""
import io
import json
import os
import zipfile

import h5py
import numpy as np
import pytest
import torch

from kfunc_torch import Input, Model, Sequential, layers
from kfunc_torch.models import load_model, model_from_json
from kfunc_torch.saving import SavedFileError
from tests.test_saving import _check_same, _merge_model, _outs, _randomize, _x


# ---------------------------------------------------------------------------- safety
def _small_model():
    x = Input(shape=(3,))
    model = Model(x, layers.Dense(2, name="out")(layers.Dense(4, name="hidden")(x)))
    _randomize(model)
    return model


def test_failed_writes_leave_previous_file_intact(tmp_path, monkeypatch):
    model = _small_model()
    real_writestr, real_dataset = zipfile.ZipFile.writestr, h5py.Group.create_dataset
    calls = {"n": 0}

    def failing_writestr(self, name, data, *a, **k):
        if name == "model.weights.h5":  # metadata/config already in the temp file: fail midway
            raise OSError("disk full")
        return real_writestr(self, name, data, *a, **k)

    def failing_dataset(self, *a, **k):
        calls["n"] += 1
        if calls["n"] > 1:  # the first array is written, then the "disk" fills
            raise OSError("disk full")
        return real_dataset(self, *a, **k)

    for name, save in (("m.keras", model.save), ("m.weights.h5", model.save_weights), ("m.h5", model.save),
                       ("w.h5", model.save_weights)):
        path = tmp_path / name
        save(path)
        before = path.read_bytes()
        _randomize(model)  # the failed save would write different bytes
        calls["n"] = 0
        with monkeypatch.context() as mp:
            mp.setattr(zipfile.ZipFile, "writestr", failing_writestr)
            mp.setattr(h5py.Group, "create_dataset", failing_dataset)
            with pytest.raises(OSError, match="disk full"):
                save(path)
        assert path.read_bytes() == before, name
        load_model(path) if name != "w.h5" and not name.endswith("weights.h5") else model.load_weights(path)
    assert sorted(os.listdir(tmp_path)) == ["m.h5", "m.keras", "m.weights.h5", "w.h5"]  # no temp files left


def test_truncated_corrupt_and_foreign_files_name_the_file(tmp_path):
    model = _small_model()
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "m.weights.h5")
    data = (tmp_path / "m.keras").read_bytes()
    (tmp_path / "trunc.keras").write_bytes(data[: len(data) // 2])
    (tmp_path / "text.keras").write_text("hello")
    (tmp_path / "trunc.weights.h5").write_bytes((tmp_path / "m.weights.h5").read_bytes()[:600])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "not a model")
    (tmp_path / "foreign.keras").write_bytes(buf.getvalue())
    for name in ("trunc.keras", "text.keras", "foreign.keras"):
        with pytest.raises(SavedFileError, match=name):
            load_model(tmp_path / name)
    with pytest.raises(SavedFileError, match="trunc.weights.h5"):
        model.load_weights(tmp_path / "trunc.weights.h5")
    with pytest.raises(ValueError, match="missing.keras") as info:
        load_model(tmp_path / "missing.keras")
    assert isinstance(info.value, FileNotFoundError)
    with pytest.raises(ValueError, match="weights only"):
        load_model(tmp_path / "m.weights.h5")


def test_mismatched_weights_name_layer_weight_and_both_shapes(tmp_path):
    model = _small_model()
    model.save_weights(tmp_path / "m.weights.h5")
    model.save_weights(tmp_path / "legacy.h5")
    x = Input(shape=(3,))
    other = Model(x, layers.Dense(3, name="out")(layers.Dense(4, name="hidden")(x)))
    before = [w.copy() for w in other.get_weights()]
    for name in ("m.weights.h5", "legacy.h5"):
        with pytest.raises(ValueError, match=r'"kernel" of layer "out" has shape \(4, 3\).*\(4, 2\)'):
            other.load_weights(tmp_path / name)
        for a, b in zip(before, other.get_weights()):  # nothing was changed by the failed load
            np.testing.assert_array_equal(a, b)
    with pytest.warns(UserWarning, match="Skipping"):
        other.load_weights(tmp_path / "m.weights.h5", skip_mismatch=True)
    for a, b in zip(other.get_layer("hidden").get_weights(), model.get_layer("hidden").get_weights()):
        np.testing.assert_array_equal(a, b)  # the layer that fits was loaded


def test_torch_state_dict_round_trip(tmp_path):
    model, xs = _merge_model()
    _randomize(model)
    torch.save(model.state_dict(), tmp_path / "sd.pt")
    clone = model_from_json(model.to_json())
    clone.load_state_dict(torch.load(tmp_path / "sd.pt", weights_only=True))
    _check_same(model, clone, xs)


# ---------------------------------------------------------------------------- Keras 2 HDF5 written by hand
def _write_tf_keras_h5(path, layer_arrays, full_model_group=False):
    """Write weights the way tf.keras's save_weights('w.h5') lays them out."""
    with h5py.File(path, "w") as f:
        g = f.create_group("model_weights") if full_model_group else f
        g.attrs["layer_names"] = np.array([n.encode() for n, _ in layer_arrays])
        g.attrs["backend"] = b"tensorflow"
        g.attrs["keras_version"] = b"2.15.0"
        for lname, arrays in layer_arrays:
            lg = g.create_group(lname)
            names = [f"{lname}/{w}:0" for w, _ in arrays]
            lg.attrs["weight_names"] = np.array([n.encode() for n in names])
            for n, (_, a) in zip(names, arrays):
                lg.create_dataset(n, data=a)


def test_loads_tf_keras_style_hdf5_weights_by_order_and_by_name(tmp_path):
    rng = np.random.default_rng(0)
    k1, b1 = rng.normal(size=(3, 4)).astype("f4"), rng.normal(size=4).astype("f4")
    k2, b2 = rng.normal(size=(4, 2)).astype("f4"), rng.normal(size=2).astype("f4")
    _write_tf_keras_h5(tmp_path / "w.h5", [("input_1", []), ("dense_1", [("kernel", k1), ("bias", b1)]),
                                           ("dense_2", [("kernel", k2), ("bias", b2)])])
    x = _x((3,))
    expected = np.maximum(x.numpy() @ k1 + b1, 0) @ k2 + b2   # independent numpy forward pass
    inp = Input(shape=(3,))
    model = Model(inp, layers.Dense(2, name="b")(layers.Dense(4, activation="relu", name="a")(inp)))
    model.load_weights(tmp_path / "w.h5")  # by order: names differ
    np.testing.assert_allclose(_outs(model, [x])[0], expected, atol=1e-5)
    inp = Input(shape=(3,))
    named = Model(inp, layers.Dense(2, name="dense_2")(layers.Dense(4, activation="relu", name="dense_1")(inp)))
    named.load_weights(tmp_path / "w.h5", by_name=True)
    np.testing.assert_allclose(_outs(named, [x])[0], expected, atol=1e-5)
    _write_tf_keras_h5(tmp_path / "full.h5", [("dense_1", [("kernel", k1), ("bias", b1)]),
                                              ("dense_2", [("kernel", k2), ("bias", b2)])], full_model_group=True)
    named.load_weights(tmp_path / "full.h5")
    np.testing.assert_allclose(_outs(named, [x])[0], expected, atol=1e-5)
    inp = Input(shape=(3,))
    short = Model(inp, layers.Dense(2)(inp))
    with pytest.raises(ValueError, match="2 layers.*1 layers with weights"):
        short.load_weights(tmp_path / "w.h5")


# ---------------------------------------------------------------------------- training resumes


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop"])
def test_fit_resumes_with_the_same_loss_trajectory(optimizer, tmp_path):
    rng = np.random.default_rng(0)
    xs, ys = rng.normal(size=(64, 3)).astype("f4"), rng.normal(size=(64, 2)).astype("f4")
    model = _small_model()
    model.compile(optimizer=optimizer, loss="mse")
    model.fit(xs, ys, epochs=2, batch_size=16, shuffle=False, verbose=0)
    model.save(tmp_path / "t.keras")
    assert not load_model(tmp_path / "t.keras", compile=False).compiled
    loaded = load_model(tmp_path / "t.keras")
    assert loaded.compiled
    h1 = model.fit(xs, ys, epochs=3, batch_size=16, shuffle=False, verbose=0).history["loss"]
    h2 = loaded.fit(xs, ys, epochs=3, batch_size=16, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(h1, h2, rtol=1e-5)


def test_loads_tf_keras_full_model_h5_with_sequential_config(tmp_path):
    # A Keras 2 model file: model_config (Sequential, first layer with batch_input_shape), weights under
    # model_weights, and a training_config, as tf.keras's model.save('m.h5') writes them.
    rng = np.random.default_rng(1)
    k1, b1 = rng.normal(size=(3, 4)).astype("f4"), rng.normal(size=4).astype("f4")
    k2, b2 = rng.normal(size=(4, 1)).astype("f4"), rng.normal(size=1).astype("f4")
    _write_tf_keras_h5(tmp_path / "m.h5", [("dense", [("kernel", k1), ("bias", b1)]),
                                           ("dense_1", [("kernel", k2), ("bias", b2)])], full_model_group=True)
    config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        {"class_name": "Dense", "config": {"name": "dense", "trainable": True, "batch_input_shape": [None, 3],
                                           "dtype": "float32", "units": 4, "activation": "relu", "use_bias": True}},
        {"class_name": "Dense", "config": {"name": "dense_1", "trainable": True, "dtype": "float32", "units": 1,
                                           "activation": "sigmoid", "use_bias": True}}]}}
    training = {"loss": "binary_crossentropy", "metrics": None, "loss_weights": None,
                "optimizer_config": {"class_name": "Adam", "config": {"learning_rate": 0.005, "beta_1": 0.9}}}
    with h5py.File(tmp_path / "m.h5", "a") as f:
        f.attrs["model_config"] = json.dumps(config)
        f.attrs["training_config"] = json.dumps(training)
    model = load_model(tmp_path / "m.h5")
    assert isinstance(model, Sequential) and model.input_shape == (None, 3)
    x = _x((3,))
    expected = 1 / (1 + np.exp(-(np.maximum(x.numpy() @ k1 + b1, 0) @ k2 + b2)))
    np.testing.assert_allclose(_outs(model, [x])[0], expected, atol=1e-5)
    assert model.compiled and abs(model.optimizer.learning_rate - 0.005) < 1e-9


def test_load_weights_from_archive_and_bad_extensions(tmp_path):
    model = _small_model()
    model.save(tmp_path / "m.keras")
    clone = model_from_json(model.to_json())
    clone.load_weights(tmp_path / "m.keras")
    _check_same(model, clone, [_x((3,))])
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        model.save_weights(tmp_path / "w.bin")
    with pytest.raises(ValueError, match=r"\.keras"):
        model.save(tmp_path / "m.model")


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")  # torch notes our hand-made pickle's protocol
def test_optimizer_state_file_cannot_run_code(tmp_path):
    import pickle
    model = _small_model()
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((8, 3), "f4"), np.ones((8, 2), "f4"), epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.makedirs, (str(marker),))
    with zipfile.ZipFile(tmp_path / "m.keras") as z:
        entries = {n: z.read(n) for n in z.namelist()}
    entries["kfunc_torch_optimizer.pt"] = pickle.dumps(Evil())
    with zipfile.ZipFile(tmp_path / "evil.keras", "w") as z:
        for n, d in entries.items():
            z.writestr(n, d)
    with pytest.raises(SavedFileError, match="evil.keras"):
        load_model(tmp_path / "evil.keras")
    assert not marker.exists()


def test_compile_settings_with_loss_objects_survive_and_unsaveable_ones_warn(tmp_path):
    from kfunc_torch import losses
    x = Input(shape=(3,))
    model = Model(x, [layers.Dense(2, name="a")(x), layers.Dense(1, name="b")(x)])
    _randomize(model)
    model.compile("adam", loss=[losses.Huber(delta=0.3), "mse"], loss_weights=[1.0, 0.5])
    xs, ys = np.random.default_rng(0).random((8, 3), dtype="f4"), [np.zeros((8, 2), "f4"), np.zeros((8, 1), "f4")]
    model.save(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras")
    assert isinstance(loaded.loss[0], losses.Huber) and loaded.loss_weights == [1.0, 0.5]
    np.testing.assert_allclose(loaded.evaluate(xs, ys, verbose=0), model.evaluate(xs, ys, verbose=0), rtol=1e-6)

    def my_loss(t, p):
        return ((t - p) ** 2).mean(-1)
    model.compile("adam", loss=my_loss)
    with pytest.warns(UserWarning, match="loss=.*cannot be saved"):
        model.save(tmp_path / "m2.keras")
