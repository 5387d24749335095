"""compile(steps_per_execution=N): batch callbacks once per group of N steps, as Keras 3 calls them.

Keras 3's torch backend refuses N > 1 (only its TF and JAX backends group steps), so the grouping for N > 1
is checked against Keras's rule (its EpochIterator: begin at the group's first step, end at its last,
the epoch's last group shorter) and the callback sequence itself, validation included, against Keras 3 at N=1."""
import numpy as np
import pytest

from kfunc_torch import Input, Model, callbacks, layers
from tests.keras_oracle import requires_keras, run_keras


class _Recorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def on_train_batch_begin(self, batch, logs=None):
        self.calls.append(("train_begin", batch))

    def on_train_batch_end(self, batch, logs=None):
        self.calls.append(("train_end", batch, sorted(logs)))

    def on_test_batch_begin(self, batch, logs=None):
        self.calls.append(("test_begin", batch))

    def on_test_batch_end(self, batch, logs=None):
        self.calls.append(("test_end", batch))


def _model(spe):
    i = Input((3,))
    m = Model(i, layers.Dense(1)(i))
    m.compile("sgd", "mse", steps_per_execution=spe)
    return m


@pytest.mark.parametrize("bad", [0, -2, 1.5, "4"])
def test_steps_per_execution_must_be_a_positive_integer(bad):
    with pytest.raises(ValueError, match=f"steps_per_execution must be a positive integer; received {bad!r}"):
        _model(bad)


def _calls(spe):
    x, y = np.ones((40, 3), "float32"), np.ones((40, 1), "float32")  # 10 batches of 4
    rec = _Recorder()
    _model(spe).fit(x, y, batch_size=4, epochs=1, verbose=0, callbacks=[rec])
    return rec.calls


@pytest.mark.parametrize("spe, begins, ends", [(3, [0, 3, 6, 9], [2, 5, 8, 9]), (4, [0, 4, 8], [3, 7, 9]),
                                               (10, [0], [9]), (16, [0], [9])])
def test_callbacks_run_once_per_group_of_steps(spe, begins, ends):
    calls = _calls(spe)
    assert [c[1] for c in calls if c[0] == "train_begin"] == begins
    assert [c[1] for c in calls if c[0] == "train_end"] == ends


def test_grouped_steps_train_every_batch():
    x = np.random.default_rng(0).normal(size=(40, 3)).astype("float32")
    y = x.sum(1, keepdims=True)
    weights = []
    for spe in (1, 4):
        m = _model(spe)
        m.set_weights([np.zeros((3, 1), "float32"), np.zeros(1, "float32")])
        m.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
        weights.append(m.get_weights()[0])
    np.testing.assert_allclose(weights[0], weights[1], rtol=1e-6)


@requires_keras
def test_callback_sequence_matches_keras_validation_included():
    spe = 1
    x, y = np.ones((40, 3), "float32"), np.ones((40, 1), "float32")  # 10 batches of 4
    rec = _Recorder()
    _model(spe).fit(x, y, batch_size=4, epochs=1, verbose=0, callbacks=[rec], validation_data=(x[:12], y[:12]))
    _model(spe).evaluate(x, y, batch_size=4, verbose=0, callbacks=[rec])
    res = run_keras(f'''
        import keras
        calls = []
        class Rec(keras.callbacks.Callback):
            def on_train_batch_begin(self, batch, logs=None): calls.append(("train_begin", batch))
            def on_train_batch_end(self, batch, logs=None): calls.append(("train_end", batch, sorted(logs)))
            def on_test_batch_begin(self, batch, logs=None): calls.append(("test_begin", batch))
            def on_test_batch_end(self, batch, logs=None): calls.append(("test_end", batch))
        def model():
            i = keras.Input((3,))
            m = keras.Model(i, keras.layers.Dense(1)(i))
            m.compile("sgd", "mse", steps_per_execution={spe})
            return m
        x, y = inputs["x"], inputs["y"]
        model().fit(x, y, batch_size=4, epochs=1, verbose=0, callbacks=[Rec()], validation_data=(x[:12], y[:12]))
        model().evaluate(x, y, batch_size=4, verbose=0, callbacks=[Rec()])
        result["calls"] = calls
    ''', arrays={"x": x, "y": y})
    expected = [tuple(c) if c[0] != "train_end" else (c[0], c[1], list(c[2])) for c in res["calls"]]
    assert [tuple(c) for c in rec.calls] == [tuple(c) for c in expected]
