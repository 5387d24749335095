"""metrics.AUC against real Keras 3: every curve and summation method, several batches, sample and
label weights, logits, custom thresholds, multi-label; its names in compile; fit's history."""
import numpy as np
import pytest
import torch

import kfunc_torch
from kfunc_torch import Input, Model, layers, metrics, optimizers
from tests.keras_oracle import requires_keras, run_keras

RNG = np.random.default_rng(7)
N = 96


def _batches(shape=(N, 1), n_batches=3, logits=False, weights=None, grid=None, labels_rank1=False):
    out = []
    for _ in range(n_batches):
        t = (RNG.random(shape) < 0.4).astype("float32")
        # Informative but noisy scores, so the curves are neither trivial nor random.
        score = RNG.normal(size=shape) + 1.2 * t
        p = score if logits else 1.0 / (1.0 + np.exp(-score))
        if grid is not None:  # values exactly on the thresholds (and 0 and 1) test the bucket edges
            p = np.round(RNG.random(shape) * grid) / grid
        p = p.astype("float32")
        if labels_rank1:
            t = t.reshape(-1)
        w = None
        if weights == "sample":
            w = RNG.integers(0, 4, size=(shape[0],)).astype("float32")
        elif weights == "sample2d":
            w = RNG.random((shape[0], 1)).astype("float32")
        out.append((t, p, w))
    return out


CASES = [
    ({}, _batches()),
    ({"summation_method": "minoring"}, _batches()),
    ({"summation_method": "majoring"}, _batches()),
    ({"curve": "PR"}, _batches()),
    ({"curve": "PR", "summation_method": "minoring"}, _batches()),
    ({"curve": "PR", "summation_method": "majoring"}, _batches()),
    ({}, _batches(weights="sample")),
    ({"curve": "PR"}, _batches(weights="sample")),
    ({"curve": "PR", "summation_method": "majoring"}, _batches(weights="sample2d")),
    ({"from_logits": True}, _batches(logits=True)),
    ({"from_logits": True, "curve": "PR"}, _batches(logits=True, weights="sample")),
    ({"num_thresholds": 7}, _batches(grid=12)),
    ({"num_thresholds": 11, "curve": "PR"}, _batches(grid=10)),
    ({"num_thresholds": 200, "curve": "PR", "summation_method": "minoring"}, _batches(grid=199)),
    ({"thresholds": [0.1, 0.35, 0.5, 0.9]}, _batches(grid=20)),
    ({"thresholds": [0.9, 0.2, 0.55], "curve": "PR"}, _batches(weights="sample")),
    ({"thresholds": [0.25, 0.5, 0.75], "curve": "PR", "summation_method": "minoring"}, _batches(grid=8)),
    ({"curve": "PRGAIN"}, _batches()),
    ({}, _batches(labels_rank1=True, weights="sample")),
    ({"multi_label": True}, _batches(shape=(N, 4))),
    ({"multi_label": True, "curve": "PR", "label_weights": [1.0, 0.0, 2.0, 0.5]}, _batches(shape=(N, 4))),
    ({"multi_label": True, "num_labels": 3, "summation_method": "minoring"}, _batches(shape=(N, 3), weights="sample")),
    ({"multi_label": True, "thresholds": [0.3, 0.6]}, _batches(shape=(N, 2))),
    ({"label_weights": [1.0, 3.0, 0.0]}, _batches(shape=(N, 3), weights="sample")),
    ({"curve": "PR"}, _batches(shape=(N, 5), n_batches=1)),
]

# A tiny model for the fit comparison: fixed weights, learning rate 0 so predictions never move.
FIT_X = RNG.normal(size=(200, 3)).astype("float32")
FIT_Y = (FIT_X[:, :1] + 0.8 * RNG.normal(size=(200, 1)) > 0).astype("float32")
FIT_W = [np.array([[1.5], [-0.4], [0.3]], "float32"), np.array([0.1], "float32")]

_ORACLE = """
import keras
res = []
for kwargs, batches in inputs["cases"]:
    m = keras.metrics.AUC(**kwargs)
    after_first = None
    for t, p, w in batches:
        m.update_state(t, p, sample_weight=w)
        if after_first is None:
            after_first = float(m.result())
    cfg = m.get_config()
    res.append({"result": float(m.result()), "first": after_first, "thresholds": [float(v) for v in m.thresholds],
                "config": {k: v for k, v in cfg.items() if k not in ("name", "label_weights")}})
result["cases"] = res

model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
model.set_weights(inputs["fit_w"])
model.compile(keras.optimizers.SGD(learning_rate=0.0), "binary_crossentropy",
              metrics=["AUC", keras.metrics.AUC(curve="PR", name="pr")])
h = model.fit(inputs["x"], inputs["y"], batch_size=32, epochs=2, shuffle=False, verbose=0)
result["history"] = {k: [float(v) for v in vs] for k, vs in h.history.items()}
"""


@pytest.fixture(scope="module")
def oracle():
    return run_keras(_ORACLE, {"cases": CASES, "x": FIT_X, "y": FIT_Y, "fit_w": FIT_W})


def _ours(kwargs, batches):
    m = metrics.AUC(**kwargs)
    first = None
    for t, p, w in batches:
        m.update_state(torch.from_numpy(t), torch.from_numpy(p), None if w is None else torch.from_numpy(w))
        if first is None:
            first = float(m.result())
    return m, first


@requires_keras
@pytest.mark.parametrize("k", range(len(CASES)))
def test_auc_matches_keras(oracle, k):
    kwargs, batches = CASES[k]
    theirs = oracle["cases"][k]
    m, first = _ours(kwargs, batches)
    np.testing.assert_allclose(first, theirs["first"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(float(m.result()), theirs["result"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(m.thresholds, theirs["thresholds"], rtol=0, atol=1e-12)
    cfg = {k: v for k, v in m.get_config().items() if k not in ("name", "label_weights")}
    assert cfg == theirs["config"]


@requires_keras
def test_fit_history_matches_keras_and_a_fresh_auc(oracle):
    model = kfunc_torch.models.Sequential([Input((3,)), layers.Dense(1, activation="sigmoid")])
    model.set_weights(FIT_W)
    model.compile(optimizers.SGD(learning_rate=0.0), "binary_crossentropy",
                  metrics=["AUC", metrics.AUC(curve="PR", name="pr")])
    h = model.fit(FIT_X, FIT_Y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    theirs = oracle["history"]
    assert set(h.history) == {"loss", "auc", "pr"}       # Keras 3 keys the string as written: 'AUC'
    np.testing.assert_allclose(h.history["auc"], theirs["AUC"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(h.history["pr"], theirs["pr"], rtol=1e-5, atol=1e-5)
    # The same value from a fresh metric over the model's predictions, and from evaluate().
    fresh = metrics.AUC()
    fresh.update_state(torch.from_numpy(FIT_Y), torch.from_numpy(model.predict(FIT_X, verbose=0)))
    assert h.history["auc"][-1] == pytest.approx(float(fresh.result()), abs=1e-6)
    logs = model.evaluate(FIT_X, FIT_Y, verbose=0, return_dict=True)
    assert logs["auc"] == pytest.approx(float(fresh.result()), abs=1e-6)


def test_names_in_compile_and_instances():
    assert metrics.AUC().name == "auc" and metrics.AUC().name == "auc_1" and metrics.AUC(name="x").name == "x"
    assert metrics.get("AUC").name == "auc_2" and metrics.get("auc").name == "auc_3"   # get() makes instances
    x = Input((3,))
    model = Model(x, layers.Dense(1, activation="sigmoid")(x))
    for spec, keys in ((["AUC"], ["auc"]), (["auc", "acc"], ["auc", "acc"]),
                       ([metrics.AUC(), metrics.AUC(curve="PR")], ["auc_4", "auc_5"])):
        model.compile("sgd", "binary_crossentropy", metrics=spec)
        assert model.metrics_names == ["loss"] + keys
    kfunc_torch.set_compat("keras3")
    model.compile("sgd", "binary_crossentropy", metrics=["AUC"])
    assert model.metrics_names == ["loss", "AUC"]          # real Keras 3 keeps the written name


def test_config_round_trip_and_state():
    m = metrics.AUC(curve="PR", summation_method="majoring", thresholds=[0.7, 0.2], multi_label=True,
                    label_weights=[1.0, 2.0], from_logits=True, name="my_auc")
    cfg = m.get_config()
    assert cfg["thresholds"] == pytest.approx([0.2, 0.7]) and cfg["label_weights"] == [1.0, 2.0]
    m2 = metrics.AUC.from_config(cfg)
    assert m2.get_config() == cfg and m2.name == "my_auc" and m2.thresholds == m.thresholds
    (t, p, _), = _batches(shape=(N, 2), n_batches=1, logits=True)
    for metric in (m, m2):
        metric.update_state(torch.from_numpy(t), torch.from_numpy(p))
    assert float(m.result()) == float(m2.result()) > 0
    m.reset_state()
    assert float(m.result()) == 0.0
    m.update_state(torch.from_numpy(t), torch.from_numpy(p))
    assert float(m.result()) == float(m2.result())        # reset really forgot the first batch


def test_keras_docstring_example_and_errors():
    m = metrics.AUC(num_thresholds=3)
    m.update_state(torch.tensor([0., 0., 1., 1.]), torch.tensor([0., 0.5, 0.3, 0.9]))
    assert float(m.result()) == pytest.approx(0.75)
    m.reset_state()
    m.update_state(torch.tensor([0., 0., 1., 1.]), torch.tensor([0., 0.5, 0.3, 0.9]),
                   sample_weight=torch.tensor([1., 0., 0., 1.]))
    assert float(m.result()) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="curve"):
        metrics.AUC(curve="XY")
    with pytest.raises(ValueError, match="summation method"):
        metrics.AUC(summation_method="simpson")
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="num_labels"):
        metrics.AUC(num_labels=3)
    with pytest.raises(ValueError, match="rank 2"):
        metrics.AUC(multi_label=True).update_state(torch.zeros(2, 3, 4), torch.zeros(2, 3, 4))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_update_stays_on_the_device_without_host_sync():
    (t, p, w), = _batches(shape=(N, 3), n_batches=1, weights="sample")
    dev = torch.device("cuda")
    tt, pp, ww = (torch.from_numpy(a).to(dev) for a in (t, p, w))
    cpu = metrics.AUC(curve="PR", label_weights=[1.0, 2.0, 0.5])
    cpu.update_state(torch.from_numpy(t), torch.from_numpy(p), torch.from_numpy(w))
    for kwargs in ({"curve": "PR", "label_weights": [1.0, 2.0, 0.5]}, {"thresholds": [0.3, 0.5]},
                   {"multi_label": True}):
        m = metrics.AUC(**kwargs)
        m.update_state(tt, pp, ww)                          # first call: caches on the device
        torch.cuda.synchronize()
        torch.cuda.set_sync_debug_mode("error")
        try:
            m.update_state(tt, pp, ww)
            r = m.result()
        finally:
            torch.cuda.set_sync_debug_mode("default")
        assert r.device.type == "cuda" and m.true_positives.device.type == "cuda"
    m = metrics.AUC(curve="PR", label_weights=[1.0, 2.0, 0.5])
    m.update_state(tt, pp, ww)
    assert float(m.result()) == pytest.approx(float(cpu.result()), abs=1e-5)
