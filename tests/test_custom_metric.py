"""A user's Metric with add_variable state whose reset_state() assigns to it (Keras does not call
reset_state at construction), in compile(); and callbacks get a logs dict from every hook."""
import numpy as np

import kfunc_torch as keras
from tests.keras_oracle import requires_keras, run_keras
from tests.same_program import assert_same, run_here

_PROGRAM = """
import numpy as np
import keras
from keras import layers, ops

class CategoricalTruePositives(keras.metrics.Metric):
    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
        values = ops.cast(ops.cast(y_true, "int32") == ops.cast(y_pred, "int32"), "float32")
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives

    def reset_state(self):
        self.true_positives.assign(0)

hooks = []
class Recorder(keras.callbacks.Callback):
    def on_train_begin(self, logs):
        hooks.append(("train_begin", type(logs).__name__))
    def on_epoch_begin(self, epoch, logs):
        hooks.append(("epoch_begin", type(logs).__name__))
    def on_batch_end(self, batch, logs):
        hooks.append(("batch_end", sorted(logs)))

i = keras.Input((4,))
m = keras.Model(i, layers.Dense(3, activation="softmax", kernel_initializer="ones")(i))
m.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy",
          metrics=[CategoricalTruePositives()])
h = m.fit(inputs["x"], inputs["y"], batch_size=10, epochs=2, shuffle=False, verbose=0, callbacks=[Recorder()])
result["history"] = {k: [float(v) for v in vs] for k, vs in h.history.items()}
result["hooks"] = hooks
"""


@requires_keras
def test_custom_metric_and_callback_logs_match_keras3():
    keras.set_compat("keras3")
    rng = np.random.default_rng(3)
    data = {"x": rng.normal(size=(30, 4)).astype("float32"), "y": rng.integers(0, 3, size=(30, 1))}
    ours = run_here(_PROGRAM, data)
    ref = run_keras(_PROGRAM, data)
    assert ref["hooks"][0] == ("train_begin", "dict")
    assert [tuple(h) if h[0] != "batch_end" else (h[0], list(h[1])) for h in ours["hooks"]] == \
        [tuple(h) if h[0] != "batch_end" else (h[0], list(h[1])) for h in ref["hooks"]]
    assert sorted(ours["history"]) == sorted(ref["history"])
    for k in ref["history"]:
        np.testing.assert_allclose(ours["history"][k], ref["history"][k], rtol=1e-5, atol=1e-6, err_msg=k)


def test_metric_variables_reset_by_fit():
    class Count(keras.metrics.Metric):
        def __init__(self, name="count"):
            super().__init__(name=name)
            self.n = self.add_variable(shape=(), name="n")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.n.assign_add(float(y_true.shape[0]))

        def result(self):
            return self.n

        def reset_state(self):
            self.n.assign(0.0)

    c = Count()
    assert [v.name for v in c.variables] == ["n"] and float(c.result()) == 0.0
    i = keras.Input((2,))
    m = keras.Model(i, keras.layers.Dense(1)(i))
    m.compile("sgd", "mse", metrics=[c])
    h = m.fit(np.ones((12, 2), "float32"), np.ones((12, 1), "float32"), batch_size=4, epochs=2, verbose=0)
    assert h.history["count"] == [12.0, 12.0]  # reset at each epoch
