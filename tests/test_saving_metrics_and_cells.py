"""Metric objects in compile() and RNN cells (StackedRNNCells) in ``.keras`` files, here and with real Keras 3.

* ``compile(metrics=[AUC(), Precision(thresholds=0.3)])`` is saved in ``compile_config`` as Keras 3 writes
  it (``{"module": "keras.metrics", "class_name", "config", "registered_name"}``) and rebuilt on load, so
  ``evaluate`` reports the same keys and values after a reload, in both directions.
* ``RNN(StackedRNNCells([...]))`` keeps each cell's weights under ``cell/cells/<cell key>/vars`` as Keras 3
  does; the test compares our file's dataset paths and shapes with a Keras-written file of the same model.

All Keras work runs in one oracle process (module fixture).
"""
import json
import warnings
import zipfile

import h5py
import numpy as np
import pytest
import torch

from kfunc_torch import Input, Model, layers, metrics
from kfunc_torch.models import load_model, model_from_json
from kfunc_torch.saving import custom_object_scope, register_keras_serializable
from tests.keras_oracle import requires_keras, run_keras

L = layers
_TOL = dict(atol=1e-6, rtol=1e-6)


def _data():
    rng = np.random.default_rng(7)
    x = rng.random((16, 5, 3)).astype("float32")
    y = (rng.random((16, 1)) > 0.5).astype("float32")
    sw = rng.random(16).astype("float32") + 0.5
    return x, y, sw


def _ours():
    """The architecture of _KERAS's model: stacked cells (two LSTMCells and a GRUCell), a Bidirectional RNN
    of a one-cell stack, a plain RNN(LSTMCell)."""
    i = Input(shape=(5, 3))
    x = L.RNN(L.StackedRNNCells([L.LSTMCell(4), L.LSTMCell(3), L.GRUCell(2)]), return_sequences=True)(i)
    x = L.Bidirectional(L.RNN([L.SimpleRNNCell(2)], return_sequences=True))(x)
    x = L.RNN(L.LSTMCell(3))(x)
    return Model(i, L.Dense(1, activation="sigmoid")(x))


def _metric_list(m):
    return [m.AUC(), m.Precision(thresholds=0.3), m.Recall(), "accuracy"]


def _randomize(model, seed):
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.from_numpy(rng.random(tuple(p.shape)).astype("float32") - 0.5))


def _predict(model, x):
    with torch.no_grad():
        return model(torch.from_numpy(x)).numpy()


def _evaluate(model, x, y, sw):
    return model.evaluate(x, y, sample_weight=sw, batch_size=8, verbose=0, return_dict=True)


def _h5_datasets(raw: bytes) -> dict:
    """{dataset path: shape} of a model.weights.h5 (optimizer variables left out)."""
    import io
    out = {}
    with h5py.File(io.BytesIO(raw), "r") as f:
        f.visititems(lambda n, o: out.__setitem__(n, o.shape)
                     if isinstance(o, h5py.Dataset) and not n.startswith("optimizer") else None)
    return out


_KERAS = """
import json, zipfile
import keras
L = keras.layers
folder = inputs["folder"]
x, y, sw = inputs["x"], inputs["y"], inputs["sw"]
rng = np.random.default_rng(1)
# --- Keras writes
i = keras.Input((5, 3))
h = L.RNN(L.StackedRNNCells([L.LSTMCell(4), L.LSTMCell(3), L.GRUCell(2)]), return_sequences=True)(i)
h = L.Bidirectional(L.RNN([L.SimpleRNNCell(2)], return_sequences=True))(h)
h = L.RNN(L.LSTMCell(3))(h)
model = keras.Model(i, L.Dense(1, activation="sigmoid")(h))
model.set_weights([rng.random(w.shape).astype("float32") - 0.5 for w in model.get_weights()])
model.compile("adam", "binary_crossentropy",
              metrics=[keras.metrics.AUC(), keras.metrics.Precision(thresholds=0.3), keras.metrics.Recall(),
                       "accuracy"],
              weighted_metrics=[keras.metrics.AUC(curve="PR")])
result["k_eval"] = model.evaluate(x, y, sample_weight=sw, batch_size=8, verbose=0, return_dict=True)
model.save(os.path.join(folder, "k.keras"))
model.save_weights(os.path.join(folder, "k.weights.h5"))
result["k_json"] = model.to_json()
result["k_pred"] = np.asarray(model.predict(x, verbose=0))
result["k_compile_metrics"] = json.dumps(json.loads(zipfile.ZipFile(os.path.join(folder, "k.keras"))
                                                    .read("config.json"))["compile_config"]["metrics"])
# A metric class kfunc_torch lacks.
j = keras.Input((3,))
small = keras.Model(j, L.Dense(1, activation="sigmoid")(j))
small.compile("sgd", "binary_crossentropy", metrics=[keras.metrics.SensitivityAtSpecificity(0.5), keras.metrics.Recall()])
small.save(os.path.join(folder, "k_unknown_metric.keras"))
# --- Keras reads ours (a failure is reported by the test that needs it, not by the whole fixture)
import traceback
try:
    ours = keras.saving.load_model(os.path.join(folder, "ours.keras"))
    result["o_pred"] = np.asarray(ours.predict(x, verbose=0))
    result["o_eval"] = ours.evaluate(x, y, sample_weight=sw, batch_size=8, verbose=0, return_dict=True)
    result["o_metric_types"] = [type(m).__name__ for m in ours._compile_config.config["metrics"]]
    clone = keras.models.model_from_json(inputs["o_json"])
    clone.load_weights(os.path.join(folder, "ours.weights.h5"))
    result["o_weights_pred"] = np.asarray(clone.predict(x, verbose=0))
except Exception:
    result["o_error"] = traceback.format_exc()
"""


@pytest.fixture(scope="module")
def exchange(tmp_path_factory):
    """Our model saved, then one Keras process: Keras saves its own model and loads ours."""
    folder = tmp_path_factory.mktemp("metrics_cells")
    x, y, sw = _data()
    ours = _ours()
    _randomize(ours, 2)
    ours.compile("adam", "binary_crossentropy", metrics=_metric_list(metrics),
                 weighted_metrics=[metrics.AUC(curve="PR")])
    ours.save(folder / "ours.keras")
    ours.save_weights(folder / "ours.weights.h5")
    mine = {"pred": _predict(ours, x), "eval": _evaluate(ours, x, y, sw)}
    res = run_keras(_KERAS, {"folder": str(folder), "x": x, "y": y, "sw": sw, "o_json": ours.to_json()})
    return folder, mine, res


# ---------------------------------------------------------------------------- here only
def test_metric_objects_round_trip_here(tmp_path):
    x, y, sw = _data()
    model = _ours()
    _randomize(model, 3)
    model.compile("adam", "binary_crossentropy",
                  metrics=_metric_list(metrics) + [metrics.BinaryAccuracy(threshold=0.3)],
                  weighted_metrics=[metrics.AUC(curve="PR", num_thresholds=50)])
    before = _evaluate(model, x, y, sw)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "cannot be saved" warning any more
        model.save(tmp_path / "m.keras")
    cfg = json.loads(zipfile.ZipFile(tmp_path / "m.keras").read("config.json"))["compile_config"]
    assert cfg["metrics"][1] == {"module": "keras.metrics", "class_name": "Precision", "registered_name": None,
                                 "config": {"name": "precision", "dtype": "float32", "thresholds": 0.3,
                                            "top_k": None, "class_id": None}}
    assert cfg["metrics"][3] == "accuracy"
    assert cfg["metrics"][4]["config"]["threshold"] == 0.3
    assert cfg["weighted_metrics"][0]["class_name"] == "AUC"
    assert cfg["weighted_metrics"][0]["config"]["curve"] == "PR"
    loaded = load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(_predict(loaded, x), _predict(model, x), **_TOL)
    after = _evaluate(loaded, x, y, sw)
    assert list(after) == list(before)
    np.testing.assert_allclose([after[k] for k in before], [before[k] for k in before], **_TOL)
    kinds = [type(e.metric) for e in loaded._metric_entries]
    assert metrics.AUC in kinds and metrics.Precision in kinds and metrics.Recall in kinds
    precision = next(e.metric for e in loaded._metric_entries if isinstance(e.metric, metrics.Precision))
    assert precision.thresholds == 0.3
    weighted_auc = next(e.metric for e in loaded._metric_entries if e.weighted)
    assert weighted_auc.curve == "PR" and weighted_auc.num_thresholds == 50


class _MeanPred(metrics.Mean):
    """A custom metric: the weighted mean prediction, scaled."""

    def __init__(self, scale=1.0, name="mean_pred", dtype=None):
        self.scale = scale
        super().__init__(name=name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        super().update_state(y_pred * self.scale, sample_weight)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


@register_keras_serializable(package="test_smc")
class _RegisteredMeanPred(_MeanPred):
    pass


def test_custom_metric_objects_by_registry_and_custom_objects(tmp_path):
    x, y, sw = _data()
    i = Input(shape=(5, 3))
    model = Model(i, L.Dense(1, activation="sigmoid")(L.Flatten()(i)))
    model.compile("sgd", "mse", metrics=[_MeanPred(2.0, name="unreg"), _RegisteredMeanPred(3.0, name="reg")])
    before = _evaluate(model, x, y, sw)
    model.save(tmp_path / "c.keras")
    saved = json.loads(zipfile.ZipFile(tmp_path / "c.keras").read("config.json"))["compile_config"]["metrics"]
    assert [(m["class_name"], m["registered_name"]) for m in saved] == [
        ("_MeanPred", "_MeanPred"), ("_RegisteredMeanPred", "test_smc>_RegisteredMeanPred")]
    with pytest.raises(ValueError, match="custom_objects"):
        load_model(tmp_path / "c.keras")  # the unregistered class is not known by name
    for loaded in (load_model(tmp_path / "c.keras", custom_objects={"_MeanPred": _MeanPred}),
                   _load_in_scope(tmp_path / "c.keras")):
        after = _evaluate(loaded, x, y, sw)
        assert list(after) == ["loss", "unreg", "reg"]
        np.testing.assert_allclose([after[k] for k in before], [before[k] for k in before], **_TOL)
        assert [e.metric.scale for e in loaded._metric_entries] == [2.0, 3.0]


def _load_in_scope(path):
    with custom_object_scope({"_MeanPred": _MeanPred}):
        return load_model(path)


def test_stacked_cells_weights_round_trip_and_old_layout(tmp_path, monkeypatch):
    x = _data()[0]
    model = _ours()
    _randomize(model, 4)
    model.save_weights(tmp_path / "new.weights.h5")
    with h5py.File(tmp_path / "new.weights.h5", "r") as f:
        assert len(f["layers/rnn/cell/vars"]) == 0
        assert f["layers/rnn/cell/vars"].attrs["name"] == model.layers[1].cell.name
        assert sorted(f["layers/rnn/cell/cells"]) == ["gru_cell", "lstm_cell", "lstm_cell_1"]
        assert f["layers/rnn/cell/cells/lstm_cell_1/vars/0"].shape == (4, 12)
        assert f["layers/rnn_1/cell/vars/1"].shape == (3, 12)
    fresh = _ours()
    fresh.load_weights(tmp_path / "new.weights.h5")
    np.testing.assert_allclose(_predict(fresh, x), _predict(model, x), **_TOL)
    # Files written before this layout held all of a stacked RNN's weights in cell/vars: still readable.
    from kfunc_torch.saving import weights_h5
    real = weights_h5._parts
    monkeypatch.setattr(weights_h5, "_parts", lambda layer, legacy=False: real(layer, legacy=True))
    model.save_weights(tmp_path / "old.weights.h5")
    monkeypatch.setattr(weights_h5, "_parts", real)
    with h5py.File(tmp_path / "old.weights.h5", "r") as f:
        assert "cells" not in f["layers/rnn/cell"] and len(f["layers/rnn/cell/vars"]) == 9
    old = _ours()
    old.load_weights(tmp_path / "old.weights.h5")
    np.testing.assert_allclose(_predict(old, x), _predict(model, x), **_TOL)


# ---------------------------------------------------------------------------- with Keras 3
@requires_keras
def test_keras3_file_with_stacked_cells_and_metric_objects_loads_here(exchange):
    folder, _, res = exchange
    x, y, sw = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # weights, metrics and optimizer state all understood
        model = load_model(folder / "k.keras")
    np.testing.assert_allclose(_predict(model, x), res["k_pred"], **_TOL)
    got = _evaluate(model, x, y, sw)
    assert sorted(got) == sorted(res["k_eval"])
    np.testing.assert_allclose([got[k] for k in sorted(got)], [res["k_eval"][k] for k in sorted(got)],
                               rtol=1e-5, atol=1e-6)
    # Keras's .weights.h5 into the model rebuilt from Keras's own JSON.
    clone = model_from_json(res["k_json"])
    clone.load_weights(folder / "k.weights.h5")
    np.testing.assert_allclose(_predict(clone, x), res["k_pred"], **_TOL)


@requires_keras
def test_our_files_load_in_keras3(exchange):
    folder, mine, res = exchange
    assert "o_error" not in res, res.get("o_error")
    np.testing.assert_allclose(res["o_pred"], mine["pred"], **_TOL)
    np.testing.assert_allclose(res["o_weights_pred"], mine["pred"], **_TOL)
    assert res["o_metric_types"] == ["AUC", "Precision", "Recall", "str"]
    assert sorted(res["o_eval"]) == sorted(mine["eval"])
    np.testing.assert_allclose([res["o_eval"][k] for k in sorted(mine["eval"])],
                               [mine["eval"][k] for k in sorted(mine["eval"])], rtol=1e-5, atol=1e-6)


@requires_keras
def test_weights_layout_and_compile_config_match_keras3(exchange):
    folder, _, res = exchange
    ours = _h5_datasets(zipfile.ZipFile(folder / "ours.keras").read("model.weights.h5"))
    theirs = _h5_datasets(zipfile.ZipFile(folder / "k.keras").read("model.weights.h5"))
    assert ours == theirs
    assert any("/cell/cells/" in p for p in ours)
    mine = json.loads(zipfile.ZipFile(folder / "ours.keras").read("config.json"))["compile_config"]["metrics"]
    assert mine == json.loads(res["k_compile_metrics"])


@requires_keras
def test_keras_metric_we_lack_is_dropped_with_a_warning(exchange):
    folder = exchange[0]
    with pytest.warns(UserWarning, match="SensitivityAtSpecificity"):
        model = load_model(folder / "k_unknown_metric.keras")
    assert [type(e.metric).__name__ for e in model._metric_entries] == ["Recall"]
