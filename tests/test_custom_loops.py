"""The torch guide's custom training loop (model.trainable_weights, `v.value.grad`, a Keras optimizer's
apply, a metric reset per epoch; and the same loop with a torch optimizer) and a train_step that
returns compute_metrics(), with metrics_names, get_metrics_result and reset_metrics: losses and
metrics per step against real Keras 3."""
import numpy as np

import kfunc_torch as keras
from tests.keras_oracle import requires_keras, run_keras
from tests.same_program import assert_same, run_here

_PROGRAM = """
import numpy as np
import torch
import keras
from keras import layers

x, y = inputs["x"], inputs["y"]

def make():
    return keras.Sequential([keras.Input((4,)), layers.Dense(3, kernel_initializer="ones", activation="tanh"),
                             layers.Dense(1, kernel_initializer="ones")])

for which in ("keras", "torch"):
    model = make()
    optimizer = keras.optimizers.SGD(0.05) if which == "keras" else torch.optim.SGD(model.parameters(), lr=0.05)
    loss_fn = keras.losses.MeanSquaredError()
    mae = keras.metrics.MeanAbsoluteError()
    losses, epochs = [], []
    for epoch in range(2):
        for start in range(0, len(x), 10):
            xb, yb = torch.as_tensor(x[start:start + 10]), torch.as_tensor(y[start:start + 10])
            pred = model(xb, training=True)
            loss = loss_fn(yb, pred)
            model.zero_grad()
            loss.backward()
            if which == "keras":
                trainable_weights = [v for v in model.trainable_weights]
                gradients = [v.value.grad for v in trainable_weights]
                with torch.no_grad():
                    optimizer.apply(gradients, trainable_weights)
            else:
                optimizer.step()
            mae.update_state(yb, pred)
            losses.append(float(loss.detach()))
        epochs.append(float(mae.result()))
        mae.reset_state()
    result[which + "_losses"] = losses
    result[which + "_epoch_mae"] = epochs
    result[which + "_weights"] = [w.detach().cpu().numpy() if hasattr(w, "detach") else np.array(w)
                                  for w in model.get_weights()]

class MetricsModel(keras.Model):
    def train_step(self, data):
        x, y = data
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred)
        loss.backward()
        trainable_weights = [v for v in self.trainable_weights]
        gradients = [v.value.grad for v in trainable_weights]
        with torch.no_grad():
            self.optimizer.apply(gradients, trainable_weights)
        return self.compute_metrics(x, y, y_pred, sample_weight=None)

i = keras.Input((4,))
m = MetricsModel(i, layers.Dense(1, kernel_initializer="ones")(i))
m.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
h = m.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0)
result["cm_history"] = {k: [float(v) for v in vs] for k, vs in h.history.items()}
result["cm_names"] = list(m.metrics_names)
result["cm_result"] = {k: float(v) for k, v in m.get_metrics_result().items()}
m.reset_metrics()
result["cm_after_reset"] = {k: float(v) for k, v in m.get_metrics_result().items()}
"""


def _data():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(30, 4)).astype("float32")
    return {"x": x, "y": (np.sin(x).sum(1, keepdims=True) * 0.3).astype("float32")}


@requires_keras
def test_custom_loops_and_compute_metrics_match_keras3():
    keras.set_compat("keras3")
    data = _data()
    ours, ref = run_here(_PROGRAM, data), run_keras(_PROGRAM, data)
    assert len(ref["keras_losses"]) == 6 and ref["keras_losses"][-1] < ref["keras_losses"][0]  # the oracle
    # metrics_names differs: Keras 3 lists ["loss", "compile_metrics"] (its metric objects), we list
    # ["loss", "mae"] (Keras 2's names); not compared here (engine/trainer.py)
    assert_same(ours, ref, rtol=1e-5,
                close=("keras_losses", "keras_epoch_mae", "torch_losses", "torch_epoch_mae"))
    for key in ("keras_weights", "torch_weights"):
        for a, b in zip(ours[key], ref[key]):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=key)
    for key in ("cm_history", "cm_result", "cm_after_reset"):
        assert sorted(ours[key]) == sorted(ref[key]), key
        for k in ref[key]:
            np.testing.assert_allclose(ours[key][k], ref[key][k], rtol=1e-5, atol=1e-6, err_msg=f"{key}/{k}")
