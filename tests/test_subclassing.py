"""Subclassed models and Keras 3's step API (train_step/test_step/predict_step overrides, compute_loss,
model.metrics, compile without a loss), and `training` as Keras passes it: one program runs here and
under real Keras 3, and the call counts, logs and losses per epoch must agree."""
import numpy as np
import pytest

import kfunc_torch as keras
from kfunc_torch import layers
from tests.keras_oracle import requires_keras, run_keras
from tests.same_program import assert_same, run_here

# x: 40 samples (batch 16: 3 steps per epoch, the last one short), 2 epochs; no shuffling, so both
# sides see the same batches; initializers are constants, so both start from the same weights.
_STEPS_PROGRAM = """
import numpy as np
import torch
import keras
from keras import layers

x, y, sw = inputs["x"], inputs["y"], inputs["sw"]
counts = {"train": 0, "test": 0, "predict": 0}

def make_io():
    i = keras.Input((4,))
    return i, layers.Dense(1, kernel_initializer="ones", bias_initializer="zeros")(i)

# 1. The guide's train_step with self.compute_loss and self.metrics (compiled loss and metrics).
class GuideModel(keras.Model):
    def train_step(self, data):
        counts["train"] += 1
        if len(data) == 3:
            x, y, sample_weight = data
        else:
            sample_weight = None
            x, y = data
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
        loss.backward()
        trainable_weights = [v for v in self.trainable_weights]
        gradients = [v.value.grad for v in trainable_weights]
        with torch.no_grad():
            self.optimizer.apply(gradients, trainable_weights)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred, sample_weight=sample_weight)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        counts["test"] += 1
        x, y = data
        y_pred = self(x, training=False)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        for metric in self.metrics:
            if metric.name != "loss":
                metric.update_state(y, y_pred)
            else:
                metric.update_state(loss)
        return {m.name: m.result() for m in self.metrics}

    def predict_step(self, data):
        counts["predict"] += 1
        return super().predict_step(data) * 2.0

i, o = make_io()
m = GuideModel(i, o)
m.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse", metrics=["mae"])
h = m.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
result["guide_history"] = {k: [float(v) for v in vs] for k, vs in h.history.items()}
result["guide_metric_names"] = [mm.name for mm in m.metrics]
result["guide_eval"] = [float(v) for v in m.evaluate(x, y, batch_size=16, verbose=0)]
result["guide_pred"] = m.predict(x, batch_size=16, verbose=0)
h = m.fit(x, y, sample_weight=sw, batch_size=16, epochs=1, shuffle=False, verbose=0)
result["guide_sw_history"] = {k: [float(v) for v in vs] for k, vs in h.history.items()}
result["counts"] = dict(counts)
result["guide_weights"] = [w.numpy() for w in m.weights]

# 2. compile() without a loss; trackers listed by an overridden `metrics` property.
class TrackerModel(keras.Model):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
        self.loss_fn = keras.losses.MeanSquaredError()

    def train_step(self, data):
        x, y = data
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = self.loss_fn(y, y_pred)
        loss.backward()
        trainable_weights = [v for v in self.trainable_weights]
        gradients = [v.value.grad for v in trainable_weights]
        with torch.no_grad():
            self.optimizer.apply(gradients, trainable_weights)
        self.loss_tracker.update_state(loss)
        self.mae_metric.update_state(y, y_pred)
        return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

    @property
    def metrics(self):
        return [self.loss_tracker, self.mae_metric]

i, o = make_io()
t = TrackerModel(i, o)
t.compile(optimizer=keras.optimizers.SGD(0.01))
seen = []
class Logs(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        seen.append(sorted(logs))
h = t.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0, callbacks=[Logs()])
result["tracker_history"] = {k: [float(v) for v in vs] for k, vs in h.history.items()}
result["tracker_batch_logs"] = seen

# 3. compute_loss overridden; the default train_step calls it.
calls = []
class LossModel(keras.Model):
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        calls.append(bool(training))
        return keras.ops.mean(keras.ops.abs(y - y_pred)) * 3.0

i, o = make_io()
lm = LossModel(i, o)
lm.compile(optimizer=keras.optimizers.SGD(0.01))
h = lm.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
result["loss_history"] = [float(v) for v in h.history["loss"]]
result["loss_eval"] = float(lm.evaluate(x, y, batch_size=16, verbose=0))
result["loss_calls"] = calls
"""


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 4)).astype("float32")
    y = (x.sum(1, keepdims=True) * 0.5 + 0.1).astype("float32")
    sw = rng.uniform(0.5, 1.5, size=(40,)).astype("float32")
    return {"x": x, "y": y, "sw": sw}


@requires_keras
def test_step_overrides_match_keras3():
    keras.set_compat("keras3")
    data = _data()
    ours = run_here(_STEPS_PROGRAM, data)
    ref = run_keras(_STEPS_PROGRAM, data)
    assert ref["counts"] == {"train": 9, "test": 3, "predict": 3}  # the oracle itself: 2x3 + 3 steps
    assert_same(ours, ref, exact=("counts", "guide_metric_names", "tracker_batch_logs", "loss_calls"))
    for key in ("guide_history", "guide_sw_history", "tracker_history"):
        assert sorted(ours[key]) == sorted(ref[key]), key
        for k in ref[key]:
            np.testing.assert_allclose(ours[key][k], ref[key][k], rtol=1e-5, atol=1e-6, err_msg=f"{key}/{k}")
    assert_same(ours, ref, close=("guide_eval", "guide_pred", "loss_history", "loss_eval"))
    for a, b in zip(ours["guide_weights"], ref["guide_weights"]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


# Which `training` value each call of a layer receives: fit (train and validation), evaluate, predict,
# a direct call, an explicit training=False inside a subclassed model's call, and a nested layer that
# is called without `training` inside another layer's call.
_TRAINING_PROGRAM = """
import numpy as np
import keras
from keras import layers

seen = []
def _concrete(x):
    return type(x).__name__ != "KerasTensor" and str(getattr(x, "device", "meta")) != "meta"

class Probe(layers.Layer):
    def __init__(self, tag, **kw):
        super().__init__(**kw)
        self.tag = tag
    def call(self, x, training=None):
        if _concrete(x):  # graph building runs call on symbolic stand-ins; count real calls only
            seen.append((self.tag, training))
        return x

class Outer(layers.Layer):
    def __init__(self, **kw):
        super().__init__(**kw)
        self.inner = Probe("inner")
    def call(self, x, training=None):
        if _concrete(x):
            seen.append(("outer", training))
        return self.inner(x)

class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.outer = Outer()
        self.frozen = Probe("explicit_false")
        self.dense = layers.Dense(1, kernel_initializer="ones")
    def call(self, x, training=None):
        x = self.outer(x)
        x = self.frozen(x, training=False)
        return self.dense(x)

x, y = inputs["x"], inputs["y"]
net = Net()
net(x[:2])  # built by its first call (Keras 3 traces it more than once there: not compared)
seen.clear()
net.compile(optimizer="sgd", loss="mse")
net.fit(x, y, batch_size=20, epochs=1, verbose=0, validation_data=(x, y), shuffle=False)
result["fit"] = list(seen); seen.clear()
net.evaluate(x, y, batch_size=20, verbose=0)
result["evaluate"] = list(seen); seen.clear()
net.predict(x, batch_size=20, verbose=0)
result["predict"] = list(seen); seen.clear()
net(x[:2])
result["direct"] = list(seen); seen.clear()
net(x[:2], training=True)
result["direct_true"] = list(seen); seen.clear()

# The same probe in a functional model, fitted.
i = keras.Input((4,))
fm = keras.Model(i, layers.Dense(1)(Outer()(i)))
fm.compile(optimizer="sgd", loss="mse")
seen.clear()
fm.fit(x, y, batch_size=40, epochs=1, verbose=0)
result["functional_fit"] = list(seen); seen.clear()
fm.predict(x, batch_size=40, verbose=0)
result["functional_predict"] = list(seen); seen.clear()
"""


@requires_keras
def test_training_flag_matches_keras3():
    keras.set_compat("keras3")
    data = _data()
    ours = run_here(_TRAINING_PROGRAM, data)
    ref = run_keras(_TRAINING_PROGRAM, data)
    assert ("outer", True) in ref["fit"]  # the oracle: fit passes True
    ref = {k: [tuple(e) for e in v] for k, v in ref.items()}
    ours = {k: [tuple(e) for e in v] for k, v in ours.items()}
    assert ours == ref


def test_custom_train_step_runs_and_callbacks_get_dicts():
    calls = []

    class M(keras.Model):
        def train_step(self, data):
            calls.append(type(data).__name__)
            x, y = data
            self.zero_grad()
            loss = self.compute_loss(y=y, y_pred=self(x, training=True))
            loss.backward()
            self.optimizer.apply([v.grad for v in self.trainable_weights], self.trainable_weights)
            return {"loss": loss}

    i = keras.Input((3,))
    m = M(i, layers.Dense(1)(i))
    m.compile(optimizer="sgd", loss="mse")
    got = {}

    class CB(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            got["epoch"] = logs

    h = m.fit(np.ones((10, 3), "float32"), np.ones((10, 1), "float32"), batch_size=5, epochs=2, verbose=0,
              callbacks=[CB()])
    assert calls == ["tuple"] * 4
    assert isinstance(got["epoch"]["loss"], float) and len(h.history["loss"]) == 2


def test_train_step_returning_non_dict_is_a_clear_error():
    class M(keras.Model):
        def train_step(self, data):
            return 1.0

    i = keras.Input((3,))
    m = M(i, layers.Dense(1)(i))
    m.compile(optimizer="sgd", loss="mse")
    with pytest.raises(TypeError, match="must return a dict"):
        m.fit(np.ones((4, 3), "float32"), np.ones((4, 1), "float32"), verbose=0)


def test_compile_without_loss_and_nothing_to_minimise_says_so():
    i = keras.Input((3,))
    m = keras.Model(i, layers.Dense(1)(i))
    m.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="No loss to compute"):
        m.fit(np.ones((4, 3), "float32"), np.ones((4, 1), "float32"), verbose=0)


# compute_output_shape / compute_output_spec overrides decide the symbolic outputs (a call that could
# not run symbolically, a dtype the call would not give), and a layer whose call reads its weights with
# keras.ops builds in a functional graph (the guide's Linear).
_SHAPES_PROGRAM = """
import numpy as np
import keras
from keras import layers, ops

class Linear(layers.Layer):
    def __init__(self, units=3, **kw):
        super().__init__(**kw)
        self.units = units
    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="ones")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros")
    def call(self, x):
        return ops.matmul(x, self.w) + self.b

class Spec(layers.Layer):
    def call(self, x):
        return ops.concatenate([x, x], axis=-1)
    def compute_output_spec(self, x):
        return keras.KerasTensor((x.shape[0], 2 * x.shape[1]), dtype="float16")

class Shaped(layers.Layer):
    def call(self, x):
        return x[:, :2]
    def compute_output_shape(self, s):
        return (s[0], 42)

i = keras.Input((4,))
lin = Linear(3)(i)
spec = Spec()(lin)
shaped = Shaped()(lin)
result["shapes"] = [tuple(t.shape) for t in (lin, spec, shaped)]
result["dtypes"] = [str(t.dtype) for t in (lin, spec, shaped)]
m = keras.Model(i, lin)
result["pred"] = m.predict(inputs["x"][:5], verbose=0)
"""


@requires_keras
def test_output_shape_and_spec_overrides_match_keras3():
    keras.set_compat("keras3")
    data = _data()
    ours, ref = run_here(_SHAPES_PROGRAM, data), run_keras(_SHAPES_PROGRAM, data)
    assert ref["shapes"] == [(None, 3), (None, 6), (None, 42)]  # the oracle: the overrides decide
    assert_same(ours, ref, exact=("shapes", "dtypes"), close=("pred",))
