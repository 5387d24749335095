"""tf.GradientTape on torch autograd: gradients against hand-computed derivatives, watch / persistent /
watch_accessed_variables / unconnected sources / output_gradients / jacobians, a custom train_step written
with the tape (the trainer pattern) against the same steps done by hand, tf.function and tf.device."""
import numpy as np
import pytest
import torch

import kfunc_torch.tf_stand_in as tf
from kfunc_torch import Input, Model, layers, losses, optimizers


def test_gradient_of_watched_constant_and_variables():
    x = tf.constant([1.0, 2.0, 3.0])
    w = tf.Variable([0.5, -1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(w * x * x)
    gx, gw = tape.gradient(y, [x, w])
    np.testing.assert_allclose(gx.numpy(), 2 * w.numpy() * x.detach().numpy())  # d/dx sum(w x^2) = 2 w x
    np.testing.assert_allclose(gw.numpy(), x.detach().numpy() ** 2)
    assert not x.requires_grad  # the watched constant is a constant again once the tape is used


def test_non_persistent_tape_refuses_a_second_gradient_and_persistent_allows_it():
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x * x
    assert tape.gradient(y, x).item() == 6.0
    with pytest.raises(RuntimeError, match="non-persistent GradientTape"):
        tape.gradient(y, x)
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
        z = y * y  # x^4
    assert tape.gradient(y, x).item() == 6.0 and tape.gradient(z, x).item() == 4 * 27.0


def test_unconnected_sources_nested_structures_output_gradients():
    a, b = tf.Variable(2.0), tf.Variable(5.0)
    with tf.GradientTape(persistent=True) as tape:
        y = a * 3.0
    assert tape.gradient(y, b) is None
    assert tape.gradient(y, b, unconnected_gradients="zero").item() == 0.0
    assert tape.gradient(y, b, unconnected_gradients=tf.UnconnectedGradients.ZERO).item() == 0.0
    grads = tape.gradient(y, {"a": a, "pair": (a, b)})
    assert grads["a"].item() == 3.0 and grads["pair"][0].item() == 3.0 and grads["pair"][1] is None
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        out = v * v
    # d(sum(g * v^2))/dv = 2 g v
    assert tape.gradient(out, v, output_gradients=tf.constant([10.0, 1.0])).tolist() == [20.0, 4.0]
    with tf.GradientTape() as tape:
        t1, t2 = v * 2.0, v * v
    assert tape.gradient([t1, t2], v).tolist() == [4.0, 6.0]  # a list of targets: their gradients add up


def test_watch_accessed_variables_false_and_stop_recording():
    a, b = tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(a)
        y = a * b
    ga, gb = tape.gradient(y, [a, b])
    assert ga.item() == 3.0 and gb is None
    with tf.GradientTape() as tape:
        with tape.stop_recording():
            c = a * 10.0
        y = a * a + c
    assert tape.gradient(y, a).item() == 4.0


def test_tape_records_even_under_no_grad_and_rejects_integers():
    w = tf.Variable(2.0)
    with torch.no_grad():
        with tf.GradientTape() as tape:
            y = w * w
    assert tape.gradient(y, w).item() == 4.0
    with pytest.raises(ValueError, match="floating"):
        with tf.GradientTape() as tape:
            tape.watch(tf.constant(1))


def test_jacobian_and_batch_jacobian():
    x = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    m = tf.constant([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0]])
    with tf.GradientTape(persistent=True) as tape:
        y = tf.matmul(x, m)  # (2, 3)
    jac = tape.jacobian(y, x)
    assert tuple(jac.shape) == (2, 3, 2, 2)
    expected = np.einsum("ik,jl->ijkl", np.eye(2), m.numpy().T)  # dy[i,j]/dx[k,l] = delta_ik m[l,j]
    np.testing.assert_allclose(jac.numpy(), expected)
    bj = tape.batch_jacobian(y, x)
    assert tuple(bj.shape) == (2, 3, 2)
    np.testing.assert_allclose(bj.numpy(), np.stack([m.numpy().T] * 2))


def _model(seed):
    torch.manual_seed(seed)
    x = Input((4,))
    return Model(x, layers.Dense(3, activation="softmax")(layers.Dense(8, activation="relu")(x)))


class TapeTrainer(Model):
    """The trainer pattern's train_step, written with tf.GradientTape (x_trainer_pattern)."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.loss_fn = losses.SparseCategoricalCrossentropy()
        self.step_losses = []

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self.model(x, training=True)
            loss = self.loss_fn(y, y_pred)
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        self.optimizer.apply_gradients(zip(gradients, trainable_vars))
        self.step_losses.append(float(loss.detach()))
        return {"loss": loss}

    def call(self, x):
        return self.model(x)


def test_trainer_pattern_with_tape_equals_manual_sgd():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((32, 4)).astype("f"), rng.integers(0, 3, 32)
    trainer = TapeTrainer(_model(1))
    trainer.compile(optimizer=optimizers.SGD(learning_rate=0.1))
    trainer.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    # The same 8 steps by hand: loss, autograd gradient, w -= lr * g.
    ref = _model(1)
    params = [p for p in ref.parameters()]
    manual = []
    for _ in range(2):
        for i in range(0, 32, 8):
            probs = ref(torch.tensor(x[i:i + 8]))
            loss = -torch.log(probs[torch.arange(8), torch.tensor(y[i:i + 8])].clamp_min(1e-7)).mean()
            grads = torch.autograd.grad(loss, params)
            with torch.no_grad():
                for p, g in zip(params, grads):
                    p -= 0.1 * g
            manual.append(loss.item())
    np.testing.assert_allclose(trainer.step_losses, manual, rtol=1e-5)


def test_function_and_device_pass_through():
    calls = []

    @tf.function
    def f(x):
        calls.append(1)
        return x * 2

    @tf.function(jit_compile=True, reduce_retracing=True)
    def g(x):
        return x + 1

    with tf.device("/GPU:0"):
        assert f(tf.constant(2.0)).item() == 4.0 and g(1) == 2 and len(calls) == 1
    assert f.python_function is f and tf.executing_eagerly()
    with pytest.raises(TypeError, match="device name"):
        with tf.device(3):
            pass
    assert [d.device_type for d in tf.config.list_physical_devices("CPU")] == ["CPU"]
    assert tf.cond(tf.constant(True), lambda: 1, lambda: 2) == 1
    assert tf.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s + i), [0, 0]) == [3, 3]
    assert tf.map_fn(lambda r: r * 2, tf.constant([[1, 2], [3, 4]])).tolist() == [[2, 4], [6, 8]]
