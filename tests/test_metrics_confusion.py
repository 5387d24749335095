"""Precision, Recall, TruePositives, FalsePositives, TrueNegatives, FalseNegatives against real Keras 3.

One Keras process runs every case (each metric over several accumulated batches): float and list thresholds
(unsorted, and evenly spaced ones, which Keras bins by arithmetic), top_k, class_id, both, sample weights of
several shapes, multi-dimensional and rank-1 inputs, non-binary targets, outputs outside [0, 1]. Results must
agree to 1e-6; configs written by Keras must load into ours and be written back unchanged; compile by name must
give Keras's keys and values.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

import kfunc_torch
from kfunc_torch import Input, Model, metrics
from kfunc_torch.layers import Dense
from tests.keras_oracle import requires_keras, run_keras

B, N, C = 3, 12, 5  # batches, rows per batch, classes
rng = np.random.default_rng(7)


def _probs(shape):
    p = rng.random(shape).astype("float32")
    return p


_bin_p = _probs((B, N, 3))
# Values on thresholds ("> t" is strict).
_bin_p[0, 0, 0], _bin_p[0, 1, 1], _bin_p[1, 2, 2], _bin_p[1, 3, 0], _bin_p[2, 4, 1] = 0.5, 0.3, 0.7, 1.0, 0.0
_bin_p[2, 5, 2], _bin_p[0, 6, 0] = 0.25, 0.75
_bin_p[2, 7, 0] = np.nextafter(np.float32(0.9), np.float32(1))  # above 0.9, but 10 * it rounds to 9 in float32
_soft_t = rng.integers(0, 2, (B, N, 3)).astype("float32") * rng.choice([0.3, 1.0, 2.0], (B, N, 3)).astype("float32")
DATA = {
    "bin": (rng.integers(0, 2, (B, N, 3)).astype("float32"), _bin_p),
    "soft": (_soft_t, _probs((B, N, 3))),                                   # any non-zero target is positive
    "multi": (np.eye(C, dtype="float32")[rng.integers(0, C, (B, N))], _probs((B, N, C))),
    "multihot": (rng.integers(0, 2, (B, N, C)).astype("float32"), _probs((B, N, C))),
    "logits": (rng.integers(0, 2, (B, N, C)).astype("float32"), 3 * rng.normal(size=(B, N, C)).astype("float32")),
    "seq": (rng.integers(0, 2, (B, N, 4, C)).astype("float32"), _probs((B, N, 4, C))),   # rank 3, flattened
    "col": (rng.integers(0, 2, (B, N)).astype("float32"), _probs((B, N, 1))),           # (N,) targets, (N, 1) out
}
WEIGHTS = {
    "n": rng.random((B, N)).astype("float32"), "n1": rng.random((B, N, 1)).astype("float32"),
    "nc": rng.random((B, N, C)).astype("float32"), "n4": rng.random((B, N, 4)).astype("float32"),
    "n41": rng.random((B, N, 4, 1)).astype("float32"),
}
EVEN = [i / 10 for i in range(11)]
LISTS = [[0.7, 0.2, 0.5], [0.0, 0.25, 0.5, 0.75, 1.0], EVEN]

# (metric, kwargs, data, weights)
CASES = []
for cls in ("Precision", "Recall", "TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives"):
    CASES += [(cls, {}, "bin", None), (cls, {"thresholds": 0.3}, "bin", "n"), (cls, {"thresholds": 0.0}, "logits", None),
              (cls, {"thresholds": 1.0}, "bin", None), (cls, {}, "soft", None), (cls, {}, "seq", "n41"),
              (cls, {}, "col", "n")]
    CASES += [(cls, {"thresholds": t}, d, w) for t in LISTS for d, w in (("bin", None), ("logits", "nc"))]
    CASES += [(cls, {"thresholds": EVEN}, "seq", "n4"), (cls, {"thresholds": [0.4]}, "multihot", "n1")]
for cls in ("Precision", "Recall"):
    CASES += [(cls, {"top_k": 1}, "multi", None), (cls, {"top_k": 2}, "multihot", "n"),
              (cls, {"top_k": 3}, "logits", "nc"), (cls, {"top_k": 2}, "seq", None),
              (cls, {"top_k": 2, "thresholds": 0.4}, "multihot", None),
              (cls, {"top_k": 2, "thresholds": [0.2, 0.6, 0.9]}, "multihot", "n1"),
              (cls, {"top_k": 2, "thresholds": [0.0, 0.5, 1.0]}, "logits", None),
              (cls, {"class_id": 2}, "multihot", None), (cls, {"class_id": 0, "thresholds": [0.3, 0.6]}, "multi", "n"),
              (cls, {"class_id": 4}, "logits", "n1"), (cls, {"class_id": 1}, "seq", "n4"),
              (cls, {"top_k": 1, "class_id": 3}, "multi", None), (cls, {"top_k": 2, "class_id": 0}, "multihot", "n"),
              (cls, {"top_k": 3, "class_id": 1, "thresholds": [0.1, 0.5]}, "logits", None)]

_ORACLE = r'''
import keras, json
for i, (cls, kw, data, wkey) in enumerate(inputs["cases"]):
    t, p = inputs["data"][data]
    w = None if wkey is None else inputs["weights"][wkey]
    m = getattr(keras.metrics, cls)(name=f"m{i}", **kw)
    for b in range(len(t)):
        m.update_state(t[b], p[b], sample_weight=None if w is None else w[b])
    result[f"r{i}"] = np.asarray(keras.ops.convert_to_numpy(m.result()))
    result[f"cfg{i}"] = json.dumps(m.get_config())
# compile by name
x, y, W, bias = inputs["x"], inputs["y"], inputs["W"], inputs["b"]
inp = keras.Input((x.shape[1],))
model = keras.Model(inp, keras.layers.Dense(3, activation="sigmoid")(inp))
model.layers[-1].set_weights([W, bias])
model.compile("sgd", "binary_crossentropy", metrics=inputs["names"])
result["eval"] = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
# a .keras file whose compile settings carry top_k, class_id and the counts
model.compile("sgd", "binary_crossentropy", metrics=[
    keras.metrics.Precision(top_k=1, class_id=2, name="p_top1_c2"),
    keras.metrics.Recall(thresholds=0.3, class_id=0, name="r_c0"),
    keras.metrics.Recall(top_k=2, name="r_top2"),
    keras.metrics.FalseNegatives(0.7, name="fn07"), keras.metrics.TrueNegatives(name="tn")])
result["file_eval"] = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
model.save(inputs["path"])
'''

_X = rng.random((40, 4)).astype("float32")
_Y = rng.integers(0, 2, (40, 3)).astype("float32")
_W = rng.normal(size=(4, 3)).astype("float32")
_BIAS = rng.normal(size=(3,)).astype("float32") * 0.1
NAMES = ["true_positives", "FalsePositives", "true_negatives", "FalseNegatives", "precision", "Recall"]


@pytest.fixture(scope="module")
def oracle(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("confusion") / "k.keras")
    res = run_keras(_ORACLE, {"cases": CASES, "data": DATA, "weights": WEIGHTS, "x": _X, "y": _Y, "W": _W,
                              "b": _BIAS, "names": NAMES, "path": path})
    res["path"] = path
    return res


def _ours(case, device="cpu"):
    cls, kw, data, wkey = case
    t, p = DATA[data]
    w = None if wkey is None else WEIGHTS[wkey]
    m = getattr(metrics, cls)(**kw)
    for b in range(B):
        m.update_state(torch.from_numpy(t[b]).to(device), torch.from_numpy(p[b]).to(device),
                       None if w is None else torch.from_numpy(w[b]).to(device))
    return m


@requires_keras
def test_every_case_matches_keras(oracle):
    bad = []
    for i, case in enumerate(CASES):
        mine, theirs = _ours(case).result().numpy(), oracle[f"r{i}"]
        if mine.shape != theirs.shape or not np.allclose(mine, theirs, rtol=1e-6, atol=1e-6):
            bad.append(f"{case}: ours {mine}, Keras {theirs}")
    assert not bad, f"{len(bad)} of {len(CASES)} cases differ:\n" + "\n".join(bad)


@requires_keras
def test_the_cases_are_discriminating(oracle):
    """The oracle's numbers depend on each argument, so code that ignores one cannot pass."""
    res = {repr(c): np.asarray(oracle[f"r{i}"]) for i, c in enumerate(CASES)}

    def r(*case):
        return res[repr(case)]
    assert r("Precision", {"top_k": 2}, "multihot", "n") != r("Precision", {"top_k": 2, "class_id": 0}, "multihot", "n")
    assert r("Recall", {"top_k": 1, "class_id": 3}, "multi", None) != r("Recall", {"top_k": 1}, "multi", None)
    assert r("Precision", {"top_k": 2, "thresholds": 0.4}, "multihot", None) != \
        r("Precision", {"thresholds": [0.4]}, "multihot", "n1")
    assert r("TruePositives", {"thresholds": EVEN}, "bin", None).shape == (11,)
    # Keras bins evenly spaced thresholds by arithmetic (ceil(10 p)): the output just above 0.9 is not above 0.9
    # there, though it is for a threshold list that is not evenly spaced; outputs above 1 count as 1.
    predicted = r("TruePositives", {"thresholds": EVEN}, "bin", None) + \
        r("FalsePositives", {"thresholds": EVEN}, "bin", None)
    p = DATA["bin"][1]
    assert predicted[9] == (p > np.float32(0.9)).sum() - 1
    logits = DATA["logits"][1]
    assert r("TruePositives", {"thresholds": LISTS[1]}, "logits", "nc")[-1] == 0 < (logits > 1).sum()
    unsorted = r("FalsePositives", {"thresholds": LISTS[0]}, "bin", None)
    assert unsorted[0] < unsorted[2] < unsorted[1]       # one value per threshold, in the order given


@requires_keras
def test_keras_configs_load_and_write_back_unchanged(oracle):
    import json
    for i, (cls, kw, _, _) in enumerate(CASES):
        cfg = json.loads(oracle[f"cfg{i}"])
        m = getattr(metrics, cls).from_config(cfg)
        assert m.get_config() == cfg, (cls, kw)
        assert m.name == f"m{i}" and m.init_thresholds == kw.get("thresholds")
        mine = getattr(metrics, cls)(name=f"m{i}", **kw).get_config()
        assert mine == cfg and list(mine) == list(cfg)  # same keys, same order
        clone = getattr(metrics, cls).from_config(mine)
        if cls in ("Precision", "Recall"):
            assert (clone.top_k, clone.class_id) == (kw.get("top_k"), kw.get("class_id"))


@requires_keras
def test_compile_by_name_matches_keras(oracle):
    kfunc_torch.set_compat("keras3")
    torch.manual_seed(0)
    i = Input((4,))
    model = Model(i, Dense(3, activation="sigmoid")(i))
    model.layers[-1].set_weights([_W, _BIAS])
    model.compile("sgd", "binary_crossentropy", metrics=NAMES)
    mine = model.evaluate(_X, _Y, batch_size=16, verbose=0, return_dict=True)
    theirs = oracle["eval"]
    assert set(mine) == set(theirs) == {"loss", *NAMES}
    for k in NAMES:
        assert mine[k] == pytest.approx(float(theirs[k]), rel=1e-6, abs=1e-6), k
    assert mine["true_positives"] + mine["FalseNegatives"] == pytest.approx(float(_Y.sum()))


@requires_keras
def test_keras_file_with_top_k_class_id_and_counts_evaluates_as_keras(oracle):
    from kfunc_torch.models import load_model
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")                   # no metric is dropped
        model = load_model(oracle["path"])
    kinds = {e.key: (type(e.metric).__name__, e.metric.get_config()) for e in model._metric_entries}
    assert kinds["p_top1_c2"] == ("Precision", {"name": "p_top1_c2", "dtype": "float32", "thresholds": None,
                                                "top_k": 1, "class_id": 2})
    assert kinds["fn07"][0] == "FalseNegatives" and kinds["fn07"][1]["thresholds"] == 0.7
    mine = model.evaluate(_X, _Y, batch_size=16, verbose=0, return_dict=True)
    theirs = oracle["file_eval"]
    assert set(mine) == set(theirs)
    for k in theirs:
        assert mine[k] == pytest.approx(float(theirs[k]), rel=1e-5, abs=1e-6), k
    assert len({round(mine[k], 6) for k in ("p_top1_c2", "r_c0", "r_top2")}) == 3


def test_names_types_and_keras2_keys():
    for name, cls in (("true_positives", metrics.TruePositives), ("FalsePositives", metrics.FalsePositives),
                      ("true_negatives", metrics.TrueNegatives), ("false_negatives", metrics.FalseNegatives)):
        assert isinstance(metrics.get(name), cls)
    assert metrics.TrueNegatives().name == "true_negatives"
    i = Input((4,))
    model = Model(i, Dense(3, activation="sigmoid")(i))
    model.compile("sgd", "binary_crossentropy", metrics=["TruePositives", "false_negatives"])
    assert model.metrics_names == ["loss", "true_positives", "false_negatives"]


def test_semantics_by_hand_and_errors():
    t = torch.tensor([[0., 1., 1., 0.], [1., 0., 0., 1.]])
    p = torch.tensor([[0.9, 0.8, 0.1, 0.2], [0.3, 0.7, 0.6, 0.4]])
    m = metrics.Precision(top_k=1)                        # top-1 per row: 0.9 (false), 0.7 (false)
    m.update_state(t, p)
    assert float(m.result()) == 0.0
    m = metrics.Recall(top_k=2)                           # top-2: (0.9, 0.8) -> 1 of 2 positives; (0.7, 0.6) -> 0 of 2
    m.update_state(t, p)
    assert float(m.result()) == pytest.approx(0.25)
    m = metrics.Precision(class_id=1, thresholds=[0.5, 0.75])
    m.update_state(t, p)                                  # column 1: t (1, 0), p (0.8, 0.7)
    assert m.result().tolist() == pytest.approx([0.5, 1.0])
    m = metrics.TruePositives(thresholds=[0.5, 0.2])
    m.update_state(t, p, sample_weight=torch.tensor([2., 1.]))
    assert m.result().tolist() == [2.0 * 1 + 1.0 * 0, 2.0 * 1 + 1.0 * 2]  # row 1's positives: 0.3, 0.4
    m.reset_state()
    assert m.result().tolist() == [0.0, 0.0] and float(metrics.Recall().result()) == 0.0
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="class_id"):
        metrics.Recall(class_id=0).update_state(torch.ones(4), torch.ones(4))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_update_stays_on_the_device_without_host_sync():
    dev = torch.device("cuda")
    for case in (("Precision", {"top_k": 2, "class_id": 1}, "multihot", "n"),
                 ("Recall", {"thresholds": [0.7, 0.2, 0.5]}, "logits", "nc"),
                 ("FalseNegatives", {"thresholds": EVEN}, "seq", "n4"), ("TrueNegatives", {}, "bin", None)):
        m = _ours(case, dev)                               # first calls: caches the thresholds on the device
        cls, kw, data, wkey = case
        t, p = (torch.from_numpy(a[0]).to(dev) for a in DATA[data])
        w = None if wkey is None else torch.from_numpy(WEIGHTS[wkey][0]).to(dev)
        torch.cuda.synchronize()
        torch.cuda.set_sync_debug_mode("error")
        try:
            m.update_state(t, p, w)
            r = m.result()
        finally:
            torch.cuda.set_sync_debug_mode("default")
        assert r.device.type == "cuda"
        cpu = _ours(case)
        cpu.update_state(*(torch.from_numpy(a[0]) for a in DATA[data]),
                         None if wkey is None else torch.from_numpy(WEIGHTS[wkey][0]))
        np.testing.assert_allclose(r.cpu().numpy(), cpu.result().numpy(), rtol=1e-6, atol=1e-6)
