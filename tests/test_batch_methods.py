"""train_on_batch / test_on_batch against real Keras 3: the running sums kept or restarted, the
dict and list answers, and the model's train/eval mode around each call.

Keras 3's batch methods answer for their batch alone (it has no ``reset_metrics``); Keras 2's
``reset_metrics=False``, which keeps the sums of the calls before, is checked on its own."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from kfunc_torch import Input, Model
from kfunc_torch.layers import Dense, Dropout, Layer
from tests.keras_oracle import requires_keras, run_keras

_ORACLE = r'''
import keras
from keras import layers
i = keras.Input((6,))
m = keras.Model(i, layers.Dense(3, activation="softmax")(layers.Dense(5, activation="tanh")(i)))
m.set_weights(inputs["w"])
m.compile(optimizer=keras.optimizers.SGD(0.1), loss="categorical_crossentropy", metrics=["accuracy"])
x, y = inputs["x"], inputs["y"]
out = [m.train_on_batch(x[:8], y[:8]), m.train_on_batch(x[8:], y[8:]),
       m.test_on_batch(x[:8], y[:8], return_dict=True), m.test_on_batch(x[8:], y[8:], return_dict=True)]
result["out"] = [o if isinstance(o, dict) else [float(v) for v in o] for o in out]
result["w"] = m.get_weights()
'''


def _model():
    i = Input((6,))
    return Model(i, Dense(3, activation="softmax")(Dense(5, activation="tanh")(i)))


@requires_keras
def test_batch_methods_match_keras3():
    from kfunc_torch import optimizers
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 6)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 16)]
    m = _model()
    w0 = [rng.normal(scale=0.5, size=v.shape).astype("float32") for v in m.get_weights()]
    m.set_weights(w0)
    m.compile(optimizer=optimizers.SGD(0.1), loss="categorical_crossentropy", metrics=["accuracy"])
    ours = [m.train_on_batch(x[:8], y[:8]), m.train_on_batch(x[8:], y[8:]),
            m.test_on_batch(x[:8], y[:8], return_dict=True), m.test_on_batch(x[8:], y[8:], return_dict=True)]
    keras = run_keras(_ORACLE, {"w": w0, "x": x, "y": y})
    for a, b in zip(ours, keras["out"]):
        if isinstance(b, dict):
            assert sorted(a) == sorted(b)
            np.testing.assert_allclose([a[k] for k in sorted(b)], [b[k] for k in sorted(b)], rtol=1e-5, atol=1e-6)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for a, b in zip(m.get_weights(), keras["w"]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_kept_sums_are_the_sample_weighted_mean_over_both_batches():
    m = _model()
    m.compile("sgd", "categorical_crossentropy")
    rng = np.random.default_rng(1)
    x = rng.normal(size=(12, 6)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 12)]
    first = m.test_on_batch(x[:4], y[:4])
    second = m.test_on_batch(x[4:], y[4:])          # restarted: the second batch alone
    assert second != pytest.approx(first)
    m.test_on_batch(x[:4], y[:4])
    both = m.test_on_batch(x[4:], y[4:], reset_metrics=False)  # kept: 4 rows, then 8 more
    assert both == pytest.approx((4 * first + 8 * second) / 12, rel=1e-6)


class _SeesMode(Layer):
    def call(self, x):
        self.seen = self.training
        return x


def test_each_call_runs_in_its_mode_and_restores_the_models():
    i = Input((6,))
    probe = _SeesMode()
    m = Model(i, Dense(3)(Dropout(0.5)(probe(i))))
    m.compile("sgd", "mse")
    x, y = np.ones((4, 6), "float32"), np.zeros((4, 3), "float32")
    for start in (False, True):
        m.train(start)
        m.train_on_batch(x, y)
        assert probe.seen is True and m.training is start
        m.test_on_batch(x, y)
        assert probe.seen is False and m.training is start
    with torch.no_grad():
        assert m.test_on_batch(x, y, return_dict=True).keys() == {"loss"}
