"""Losses and metrics against real Keras 3 on the same arrays, plus compile's metric resolution."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from kfunc_torch import Input, Model, losses, metrics
from kfunc_torch.engine.compile_utils import CompiledLoss, compile_metrics
from kfunc_torch.layers import Dense
from tests.keras_oracle import requires_keras, run_keras

rng = np.random.default_rng(3)
N, C = 16, 5
_logits = rng.normal(size=(N, C)).astype("float32")
_probs = np.exp(_logits) / np.exp(_logits).sum(-1, keepdims=True)
_probs[0] = [1.0, 0.0, 0.0, 0.0, 0.0]  # exercises the clip at 1e-7
ARR = {
    "probs": _probs.astype("float32"), "logits": _logits,
    "onehot": np.eye(C, dtype="float32")[rng.integers(0, C, N)],
    "ids": rng.integers(0, C, N), "bin_t": rng.integers(0, 2, (N, 3)).astype("float32"),
    "bin_p": rng.random((N, 3)).astype("float32"), "reg_t": rng.normal(size=(N, 3)).astype("float32"),
    "reg_p": rng.normal(size=(N, 3)).astype("float32"), "pos_p": rng.random((N, 3)).astype("float32") + 0.1,
    "sw": rng.random(N).astype("float32"),
}
ARR["bin_p"][0, 0] = 1.0

# (name, y_true key, y_pred key, kwargs)
LOSSES = [("categorical_crossentropy", "onehot", "probs", {}),
          ("categorical_crossentropy", "onehot", "logits", {"from_logits": True}),
          ("categorical_crossentropy", "onehot", "probs", {"label_smoothing": 0.1}),
          ("sparse_categorical_crossentropy", "ids", "probs", {}),
          ("sparse_categorical_crossentropy", "ids", "logits", {"from_logits": True}),
          ("binary_crossentropy", "bin_t", "bin_p", {}),
          ("binary_crossentropy", "bin_t", "reg_p", {"from_logits": True}),
          ("mean_squared_error", "reg_t", "reg_p", {}), ("mean_absolute_error", "reg_t", "reg_p", {}),
          ("mean_absolute_percentage_error", "reg_t", "reg_p", {}),
          ("mean_squared_logarithmic_error", "pos_p", "bin_p", {}), ("hinge", "bin_t", "reg_p", {}),
          ("squared_hinge", "bin_t", "reg_p", {}), ("categorical_hinge", "onehot", "probs", {}),
          ("kl_divergence", "onehot", "probs", {}), ("poisson", "pos_p", "bin_p", {}),
          ("log_cosh", "reg_t", "reg_p", {}), ("huber", "reg_t", "reg_p", {}),
          ("cosine_similarity", "reg_t", "reg_p", {})]
METRICS = [("binary_accuracy", "bin_t", "bin_p"), ("categorical_accuracy", "onehot", "probs"),
           ("sparse_categorical_accuracy", "ids", "probs"), ("top_k_categorical_accuracy", "onehot", "probs"),
           ("sparse_top_k_categorical_accuracy", "ids", "probs")]

_ORACLE = r'''
import keras
arr = inputs["arr"]
for k, (name, t, p, kw) in enumerate(inputs["losses"]):
    fn = getattr(keras.losses, name)
    result[f"loss{k}"] = keras.ops.convert_to_numpy(fn(arr[t], arr[p], **kw))
for k, (name, t, p) in enumerate(inputs["metrics"]):
    kw = {"k": 3} if "top_k" in name else {}
    result[f"metric{k}"] = keras.ops.convert_to_numpy(getattr(keras.metrics, name)(arr[t], arr[p], **kw))
l = keras.losses.CategoricalCrossentropy()
result["cce_sw"] = float(l(arr["onehot"], arr["probs"], sample_weight=arr["sw"]))
l = keras.losses.MeanSquaredError(reduction="sum")
result["mse_sum"] = float(l(arr["reg_t"], arr["reg_p"], sample_weight=arr["sw"]))
m = keras.metrics.CategoricalAccuracy()
m.update_state(arr["onehot"][:10], arr["probs"][:10], sample_weight=arr["sw"][:10])
m.update_state(arr["onehot"][10:], arr["probs"][10:])
result["cacc_running"] = float(m.result())
for cls in ("Precision", "Recall"):
    m = getattr(keras.metrics, cls)(); m.update_state(arr["bin_t"], arr["bin_p"]); result[cls] = float(m.result())
'''


@pytest.fixture(scope="module")
def oracle():
    return run_keras(_ORACLE, {"arr": ARR, "losses": LOSSES, "metrics": METRICS})


def T(key):
    return torch.tensor(ARR[key])


@requires_keras
@pytest.mark.parametrize("k", range(len(LOSSES)))
def test_loss_functions_match_keras(oracle, k):
    name, t, p, kw = LOSSES[k]
    ours = getattr(losses, name)(T(t), T(p), **kw)
    np.testing.assert_allclose(ours.numpy(), oracle[f"loss{k}"], rtol=1e-5, atol=1e-6, err_msg=name)


@requires_keras
@pytest.mark.parametrize("k", range(len(METRICS)))
def test_metric_functions_match_keras(oracle, k):
    name, t, p = METRICS[k]
    kw = {"k": 3} if "top_k" in name else {}
    theirs = oracle[f"metric{k}"]
    if theirs.ndim == 2:  # Keras 3's binary_accuracy is elementwise; ours is Keras 2's per-sample mean
        theirs = theirs.mean(-1)
    np.testing.assert_allclose(getattr(metrics, name)(T(t), T(p), **kw).numpy(), theirs, rtol=1e-6)


@requires_keras
def test_reductions_and_running_metrics_match_keras(oracle):
    assert float(losses.CategoricalCrossentropy()(T("onehot"), T("probs"), sample_weight=T("sw"))) == \
        pytest.approx(oracle["cce_sw"], rel=1e-5)
    assert float(losses.MeanSquaredError(reduction="sum")(T("reg_t"), T("reg_p"), sample_weight=T("sw"))) == \
        pytest.approx(oracle["mse_sum"], rel=1e-5)
    m = metrics.CategoricalAccuracy()
    m.update_state(T("onehot")[:10], T("probs")[:10], sample_weight=T("sw")[:10])
    m.update_state(T("onehot")[10:], T("probs")[10:])
    assert float(m.result()) == pytest.approx(oracle["cacc_running"], rel=1e-6)
    for cls in ("Precision", "Recall"):
        m = getattr(metrics, cls)()
        m.update_state(T("bin_t"), T("bin_p"))
        assert float(m.result()) == pytest.approx(oracle[cls], rel=1e-6)


def test_rank_matching_targets():
    # (N,) targets for a (N, 1) output: Keras expands them instead of broadcasting to (N, N)
    t, p = torch.tensor([0., 1., 1.]), torch.tensor([[0.2], [0.6], [0.9]])
    assert losses.mean_squared_error(t, p).shape == (3,)
    assert float(losses.mean_squared_error(t, p).mean()) == pytest.approx((0.04 + 0.16 + 0.01) / 3)


def test_unknown_names_are_clear_errors():
    with pytest.raises(ValueError, match="Unknown loss 'categorical_crosentropy'"):
        losses.get("categorical_crosentropy")
    with pytest.raises(ValueError, match="Unknown metric 'acuracy'"):
        metrics.get("acuracy")
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        losses.categorical_crossentropy(torch.tensor([1, 2]), torch.rand(2, 3))


@pytest.mark.parametrize("loss,last,expected", [
    ("binary_crossentropy", 3, "binary_accuracy"), ("categorical_crossentropy", 1, "binary_accuracy"),
    ("categorical_crossentropy", 10, "categorical_accuracy"), ("mse", 10, "categorical_accuracy"),
    ("sparse_categorical_crossentropy", 10, "sparse_categorical_accuracy")])
def test_accuracy_resolution(loss, last, expected):
    cl = CompiledLoss(loss, None, ["out"])
    for written in ("accuracy", "acc"):
        (entry,) = compile_metrics([written], None, cl, [(None, last)])
        assert entry.key == written and entry.metric._fn.__name__ == expected


def test_metric_keys_and_loss_dicts_for_several_outputs():
    cl = CompiledLoss({"b": "mse"}, {"b": 2.0}, ["a", "b"])
    assert [(e.index, e.key, e.weight) for e in cl.entries] == [(1, "b_loss", 2.0)]
    cl = CompiledLoss("mse", None, ["a", "b"])
    keys = [e.key for e in compile_metrics({"a": "mae", "b": ["acc", "mse"]}, None, cl, [(None, 1), (None, 4)])]
    assert keys == ["a_mae", "b_acc", "b_mse"]
    with pytest.raises(ValueError, match=r"Unknown entries in loss dictionary: \['c'\]"):
        CompiledLoss({"c": "mse"}, None, ["a", "b"])
    with pytest.raises(ValueError, match="The model has 2 outputs, but you passed loss_weights=\\[1.0\\]"):
        CompiledLoss("mse", [1.0], ["a", "b"])


def test_weighted_metrics_use_sample_weight_in_fit():
    i = Input((1,))
    m = Model(i, Dense(1, kernel_initializer="zeros", bias_initializer="zeros")(i))
    m.compile("sgd", "mse", metrics=["mae"], weighted_metrics=["mae"])
    x = np.zeros((4, 1), "float32")
    y = np.array([[1.], [2.], [3.], [4.]], "float32")
    sw = np.array([1., 0., 1., 0.], "float32")
    logs = m.evaluate(x, y, sample_weight=sw, verbose=0, return_dict=True)
    assert logs["mae"] == pytest.approx(2.5)             # plain metrics ignore sample weights
    assert logs["weighted_mae"] == pytest.approx(2.0)    # weighted: sum(w*v)/sum(w) = (1+3)/2


def test_precision_and_recall_by_name_in_compile():
    torch.manual_seed(0)
    i = Input((3,))
    m = Model(i, Dense(1, activation="sigmoid")(i))
    m.compile("sgd", "binary_crossentropy", metrics=["precision", "Recall"])
    rng = np.random.default_rng(0)
    x, y = rng.random((64, 3), dtype=np.float32), (rng.random((64, 1)) > 0.5).astype(np.float32)
    result = m.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    assert set(result) == {"loss", "precision", "recall"}
    pred = torch.from_numpy(m.predict(x, verbose=0))
    for metric, key in ((metrics.Precision(), "precision"), (metrics.Recall(), "recall")):
        metric.update_state(torch.from_numpy(y), pred)
        assert result[key] == pytest.approx(float(metric.result()), rel=1e-6)


def test_metric_with_several_thresholds_logs_an_array():
    torch.manual_seed(0)
    i = Input((3,))
    m = Model(i, Dense(1, activation="sigmoid")(i))
    m.compile("sgd", "binary_crossentropy", metrics=[metrics.Precision(thresholds=[0.3, 0.5])])
    rng = np.random.default_rng(0)
    x, y = rng.random((64, 3), dtype=np.float32), (rng.random((64, 1)) > 0.5).astype(np.float32)
    h = m.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert h.history["precision"][0].shape == (2,)
    result = m.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    expected = metrics.Precision(thresholds=[0.3, 0.5])
    expected.update_state(torch.from_numpy(y), torch.from_numpy(m.predict(x, verbose=0)))
    np.testing.assert_allclose(result["precision"], expected.result().numpy(), rtol=1e-6)
