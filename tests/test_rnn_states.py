"""Stateful recurrent layers: ``layer.states``, ``reset_states``, ``Model.reset_states``, batch rules.

Numerics against real Keras 3 (same weights, same batches): a stateful layer carries its final
states into the next call, in eager calls and in ``predict``.
"""
import numpy as np
import pytest
import torch

from kfunc_torch import Input, Model, Sequential
from kfunc_torch.layers import GRU, LSTM, RNN, Bidirectional, ConvLSTM2D, Dense, GRUCell, LSTMCell, SimpleRNN
from kfunc_torch.layers.recurrent.states import StateVariable
from keras_oracle import requires_keras, run_keras

# One Keras snippet per case: each builds the layer on a (B, T, F) batch, sets the given weights,
# and records its outputs and states over three consecutive batches, then after reset_states().
CASES = ["LSTM(5, stateful=True)", "GRU(4, stateful=True, return_sequences=True)",
         "SimpleRNN(3, stateful=True, activation='relu')", "RNN(LSTMCell(4), stateful=True)",
         "RNN([GRUCell(3), LSTMCell(2)], stateful=True, return_sequences=True)",
         "LSTM(4, stateful=True, go_backwards=True)"]


def _parts():
    rng = np.random.default_rng(0)
    return [rng.standard_normal((3, 4, 6)).astype("float32") for _ in range(3)]


@requires_keras
def test_stateful_calls_match_keras():
    parts = _parts()
    res = run_keras("""
import keras
from keras.layers import *
rng = np.random.default_rng(1)
def reset(layer):  # Keras 3's reset_state() fails on nested (stacked-cell) states: zero each variable
    for v in keras.tree.flatten(layer.states):
        v.assign(np.zeros(v.shape, "float32"))
for i, src in enumerate(inputs["cases"]):
    layer = eval(src)
    layer(inputs["parts"][0])
    layer.set_weights([(rng.standard_normal(w.shape) * 0.5).astype("float32") for w in layer.get_weights()])
    reset(layer)
    outs = [layer(p) for p in inputs["parts"]]
    states = [s.numpy() for s in keras.tree.flatten(layer.states)]
    reset(layer)
    again = layer(inputs["parts"][0])
    result[i] = {"w": layer.get_weights(), "outs": outs, "states": states, "again": again}
""", {"cases": CASES, "parts": parts})
    env = {"LSTM": LSTM, "GRU": GRU, "SimpleRNN": SimpleRNN, "RNN": RNN, "LSTMCell": LSTMCell,
           "GRUCell": GRUCell}
    for i, src in enumerate(CASES):
        layer = eval(src, env)
        layer(torch.from_numpy(parts[0]))
        layer.set_weights(res[i]["w"])
        layer.reset_states()
        for p, expected in zip(parts, res[i]["outs"]):
            np.testing.assert_allclose(layer(torch.from_numpy(p)).detach().numpy(), expected, atol=1e-5,
                                       err_msg=src)
        states = torch.utils._pytree.tree_leaves(layer.states)
        assert all(isinstance(s, StateVariable) for s in states), src
        assert len(states) == len(res[i]["states"]), src
        for s, expected in zip(states, res[i]["states"]):
            np.testing.assert_allclose(s.numpy(), expected, atol=1e-5, err_msg=src)
        layer.reset_states()
        assert all(float(s.abs().sum()) == 0.0 for s in torch.utils._pytree.tree_leaves(layer.states))
        np.testing.assert_allclose(layer(torch.from_numpy(parts[0])).detach().numpy(), res[i]["again"],
                                   atol=1e-5, err_msg=src)


@requires_keras
def test_stateful_predict_and_model_reset_match_keras():
    parts = _parts()
    res = run_keras("""
import keras
rng = np.random.default_rng(2)
model = keras.Sequential([keras.Input((4, 6), batch_size=3), keras.layers.LSTM(5, stateful=True),
                          keras.layers.Dense(2)])
model.set_weights([(rng.standard_normal(w.shape) * 0.5).astype("float32") for w in model.get_weights()])
result["w"] = model.get_weights()
result["p"] = [model.predict(p, verbose=0) for p in inputs["parts"]]
for layer in model.layers:
    if getattr(layer, "stateful", False):
        layer.reset_states()
result["after_reset"] = model.predict(inputs["parts"][0], verbose=0)
# A stateful layer's states seed a new layer (the guide's state reuse).
lstm = keras.layers.LSTM(5, stateful=True)
lstm(inputs["parts"][0])
lstm.set_weights(model.layers[0].get_weights())
lstm.reset_states()
lstm(inputs["parts"][0]); lstm(inputs["parts"][1])
fresh = keras.layers.LSTM(5)
fresh(inputs["parts"][2])
fresh.set_weights(model.layers[0].get_weights())
result["reuse"] = fresh(inputs["parts"][2], initial_state=lstm.states)
""", {"parts": parts})
    model = Sequential([Input((4, 6), batch_size=3), LSTM(5, stateful=True), Dense(2)])
    model.set_weights(res["w"])
    for p, expected in zip(parts, res["p"]):
        np.testing.assert_allclose(model.predict(p, verbose=0), expected, atol=1e-5)
    model.reset_states()
    np.testing.assert_allclose(model.predict(parts[0], verbose=0), res["after_reset"], atol=1e-5)
    lstm = LSTM(5, stateful=True)
    lstm(torch.from_numpy(parts[0]))
    lstm.set_weights(model.layers[0].get_weights())
    lstm.reset_states()
    lstm(torch.from_numpy(parts[0])), lstm(torch.from_numpy(parts[1]))
    fresh = LSTM(5)
    fresh(torch.from_numpy(parts[2]))
    fresh.set_weights(model.layers[0].get_weights())
    out = fresh(torch.from_numpy(parts[2]), initial_state=lstm.states)
    np.testing.assert_allclose(out.detach().numpy(), res["reuse"], atol=1e-5)


def test_states_none_until_stateful_and_not_in_weights():
    plain = LSTM(3)
    plain(torch.zeros(2, 4, 5))
    assert plain.states is None
    with pytest.raises(AttributeError, match="not stateful"):
        plain.reset_states()
    st = LSTM(3, stateful=True)
    assert st.states is None  # not built yet
    st(torch.zeros(2, 4, 5))
    assert [tuple(s.shape) for s in st.states] == [(2, 3), (2, 3)]
    assert len(st.weights) == 3 and st.count_params() == 4 * (3 * (5 + 3) + 3)
    assert not any(k.startswith("_states") or "state" in k for k in st.state_dict())


def test_reset_states_with_values_and_assign():
    torch.manual_seed(0)
    layer = GRU(3, stateful=True)
    x = torch.randn(2, 5, 4)
    layer(x)
    h0 = np.full((2, 3), 0.5, "float32")
    layer.reset_states([h0])
    np.testing.assert_allclose(layer.states[0].numpy(), h0)
    ref = GRU(3)
    ref(x)
    ref.set_weights(layer.get_weights())
    expected = ref(x, initial_state=[torch.from_numpy(h0)])
    np.testing.assert_allclose(layer(x).detach().numpy(), expected.detach().numpy(), atol=1e-6)
    kept = layer.states[0]
    kept.assign(np.zeros((2, 3)))          # in place: the same object, as a Keras variable
    assert layer.states[0] is kept and float(kept.abs().sum()) == 0.0
    layer.states = [np.ones((2, 3), "float32")]
    assert float(layer.states[0].sum()) == 6.0
    with pytest.raises(ValueError, match=r"state 0 has shape \(2, 3\).*\(4, 3\)"):
        layer.reset_states([np.zeros((4, 3))])
    with pytest.raises(ValueError, match="has 1 state"):
        layer.reset_states([h0, h0])
    with pytest.raises(ValueError, match="expected a value of shape"):
        kept.assign(np.zeros(3))


def test_batch_size_rules():
    layer = LSTM(3, stateful=True)
    layer(torch.zeros(4, 2, 5))
    with pytest.raises(ValueError, match="Expected batch size: 4; received batch size: 3"):
        layer(torch.zeros(3, 2, 5))
    with pytest.raises(ValueError, match="static batch size.*batch_size="):
        Model(*(lambda i: (i, LSTM(3, stateful=True)(i)))(Input((2, 5))))
    # fit carries states across batches; a dataset not divisible by the batch size is refused clearly
    model = Sequential([Input((2, 5), batch_size=4), SimpleRNN(3, stateful=True), Dense(1)])
    model.compile("sgd", "mse")
    model.fit(np.zeros((8, 2, 5), "float32"), np.zeros((8, 1), "float32"), batch_size=4, shuffle=False, verbose=0)
    with pytest.raises(ValueError, match="Expected batch size: 4; received batch size: 2"):
        model.fit(np.zeros((10, 2, 5), "float32"), np.zeros((10, 1), "float32"), batch_size=4, verbose=0)


def test_fit_carries_states_between_batches():
    torch.manual_seed(0)
    x = np.random.default_rng(3).standard_normal((4, 6, 2)).astype("float32")
    stateful = Sequential([Input((3, 2), batch_size=4), LSTM(3, stateful=True)])
    whole = Sequential([Input((6, 2)), LSTM(3)])
    whole.set_weights(stateful.get_weights())
    stateful.predict(x[:, :3], batch_size=4, verbose=0)
    second = stateful.predict(x[:, 3:], batch_size=4, verbose=0)
    np.testing.assert_allclose(second, whole.predict(x, verbose=0), atol=1e-5)
    stateful.reset_states()
    assert float(sum(s.abs().sum() for s in stateful.layers[0].states)) == 0.0


def test_bidirectional_and_conv_lstm_states():
    bi = Bidirectional(LSTM(2, stateful=True))
    bi(torch.randn(3, 4, 5))
    assert len(bi.states) == 4 and all(tuple(s.shape) == (3, 2) for s in bi.states)
    bi.reset_states()
    assert all(float(s.abs().sum()) == 0.0 for s in bi.states)
    with pytest.raises(AttributeError, match="not stateful"):
        Bidirectional(LSTM(2)).reset_states()
    conv = ConvLSTM2D(2, 3, padding="same", stateful=True)
    x = torch.randn(2, 3, 5, 5, 1)
    first = conv(x)
    assert [tuple(s.shape) for s in conv.states] == [(2, 5, 5, 2)] * 2   # Keras layout
    np.testing.assert_allclose(conv.states[0].numpy(), first.detach().numpy(), atol=1e-6)
    conv.reset_states()
    torch.testing.assert_close(conv(x), first)
