"""add_loss inside call (losses of the last pass only, added to fit's loss), compile without a loss,
Keras 2's model.add_loss(symbolic tensor) (the VAE pattern) and add_metric; checked against Keras 3
where Keras 3 has the feature, against the formula where only Keras 2 had it."""
import numpy as np
import pytest
import torch

import kfunc_torch as keras
from kfunc_torch import backend as K
from kfunc_torch import layers
from tests.keras_oracle import requires_keras, run_keras
from tests.same_program import assert_same, run_here

_PROGRAM = """
import numpy as np
import keras
from keras import layers, ops

class ActivityReg(layers.Layer):
    def __init__(self, rate=1e-1, **kw):
        super().__init__(**kw)
        self.rate = rate
    def call(self, inputs):
        self.add_loss(self.rate * ops.mean(ops.abs(inputs)))
        return inputs

class Outer(layers.Layer):
    def __init__(self):
        super().__init__()
        self.reg = ActivityReg(1e-2)
    def call(self, inputs):
        return self.reg(inputs)

outer = Outer()
counts = [len(outer.losses)]
_ = outer(ops.ones((1, 2)))
counts.append(len(outer.losses))
_ = outer(ops.ones((1, 2)))
counts.append(len(outer.losses))
result["counts"] = counts
result["loss_value"] = float(outer.losses[0])

x, y = inputs["x"], inputs["y"]
def model():
    i = keras.Input((4,))
    h = layers.Dense(3, kernel_initializer="ones")(i)
    h = ActivityReg(0.5)(h)
    return keras.Model(i, layers.Dense(1, kernel_initializer="ones")(h))

m = model()
m.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
h = m.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
result["with_loss"] = h.history["loss"]
result["eval_with_loss"] = float(m.evaluate(x, y, batch_size=16, verbose=0))
result["model_losses"] = len(m.losses)
m2 = model()
m2.compile(optimizer=keras.optimizers.SGD(0.01))
h = m2.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
result["without_loss"] = h.history["loss"]
"""


def _data():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 4)).astype("float32")
    return {"x": x, "y": x[:, :1] * 2.0}


@requires_keras
def test_add_loss_in_call_matches_keras3():
    keras.set_compat("keras3")
    ours = run_here(_PROGRAM, _data())
    ref = run_keras(_PROGRAM, _data())
    assert ref["counts"] == [0, 1, 1]
    assert_same(ours, ref, exact=("counts", "model_losses"),
                close=("loss_value", "with_loss", "eval_with_loss", "without_loss"))


def test_losses_do_not_grow_over_steps():
    class Reg(layers.Layer):
        def call(self, x):
            self.add_loss(x.abs().mean())
            return x

    i = keras.Input((3,))
    m = keras.Model(i, layers.Dense(1)(Reg()(i)))
    m.compile("sgd", "mse")
    m.fit(np.ones((64, 3), "float32"), np.ones((64, 1), "float32"), batch_size=8, epochs=2, verbose=0)
    assert len(m.losses) == 1
    assert sum(len(l.__dict__.get("_call_losses") or ()) for l in m._flatten_layers()) == 1


def test_keras2_vae_pattern_symbolic_add_loss():
    # The Keras 2 VAE example: vae.add_loss(K.mean(expression of inputs and outputs)); compile(no loss).
    i = keras.Input((4,))
    out = layers.Dense(4, kernel_initializer="ones", bias_initializer="zeros")(i)
    model = keras.Model(i, out)
    model.add_loss(K.mean(K.square(out - i)))
    model.add_metric(K.mean(out), name="mean_out")
    model.compile(optimizer=keras.optimizers.SGD(0.0))  # lr 0: the logged loss is the formula's value
    x = np.random.default_rng(2).normal(size=(32, 4)).astype("float32")
    h = model.fit(x, batch_size=32, epochs=1, verbose=0)
    pred = x @ np.ones((4, 4), "float32")
    np.testing.assert_allclose(h.history["loss"][0], np.mean((pred - x) ** 2), rtol=1e-5)
    np.testing.assert_allclose(h.history["mean_out"][0], pred.mean(), rtol=1e-5)
    assert len(model.losses) == 1  # this pass's value only
    model.compile(optimizer=keras.optimizers.SGD(0.01))
    before = model.evaluate(x, batch_size=32, verbose=0)
    model.fit(x, batch_size=8, epochs=3, verbose=0)
    assert model.evaluate(x, batch_size=32, verbose=0)[0] < before[0]


def test_symbolic_add_loss_needs_a_functional_model():
    layer = layers.Dense(2)
    with pytest.raises(ValueError, match="symbolic tensor"):
        layer.add_loss(keras.Input((2,)))


def test_add_loss_ignored_while_inferring_shapes():
    class Reg(layers.Layer):
        def call(self, x):
            self.add_loss(x.sum())
            return x * 2

    r = Reg()
    out = r(keras.Input((3,)))  # shape inference runs call on stand-ins: no loss from it
    assert out.shape == (None, 3) and r.losses == []
