"""SimpleRNN, LSTM, GRU: Keras parity (counts, weight layout, numerics with Keras's weights), masks
through Embedding(mask_zero=True), fused kernels against torch's own nn.LSTM/nn.GRU, states, errors."""
import numpy as np
import pytest
import torch

import kfunc_torch
from kfunc_torch.layers import GRU, LSTM, Dense, Embedding, Input, SimpleRNN, concatenate
from kfunc_torch.models import Model

from keras_oracle import requires_keras, run_keras
from layer_harness import Case, check_layer, keras_parity



# ----------------------------------------------------------------------------- counts (KERAS_FACTS §3)
@pytest.mark.parametrize("layer, features, count", [
    (lambda: LSTM(32), 128, 20608), (lambda: LSTM(32), 64, 12416), (lambda: LSTM(16), 32, 3136),
    (lambda: GRU(32), 64, 3 * 32 * (64 + 32) + 6 * 32),
    (lambda: GRU(32, reset_after=False), 64, 3 * (32 * (64 + 32) + 32)),
    (lambda: SimpleRNN(32), 64, 32 * (64 + 32) + 32)])
def test_counts(layer, features, count):
    l = layer()
    l(Input(shape=(None, features)))
    assert l.count_params() == count


def test_seed_004_qa_model_builds_with_keras_count():
    text = Input(shape=(None,), dtype="int32", name="text")
    question = Input(shape=(None,), dtype="int32", name="question")
    a = LSTM(32)(Embedding(input_dim=10000, output_dim=64)(text))
    b = LSTM(16)(Embedding(input_dim=10000, output_dim=32)(question))
    answer = Dense(500, activation="softmax")(concatenate([a, b], axis=-1))
    model = Model([text, question], answer)
    assert model.count_params() == 1000052
    assert [l.output_shape for l in model.layers[2:6]] == [(None, None, 64), (None, None, 32), (None, 32), (None, 16)]
    out = model([torch.randint(1, 10000, (3, 7), dtype=torch.int32), torch.randint(1, 10000, (3, 4))])
    assert out.shape == (3, 500)


# ----------------------------------------------------------------------------- Keras parity, no mask
@requires_keras
def test_keras_parity_unmasked():
    shape = (6, 3)
    cases = [Case("LSTM(4)", shape), Case("LSTM(4, return_sequences=True)", shape),
             Case("LSTM(4, return_state=True)", shape), Case("LSTM(4, go_backwards=True, return_sequences=True)", shape),
             Case("LSTM(4, use_bias=False)", shape),
             Case("GRU(4, return_sequences=True)", shape), Case("GRU(4, return_state=True, go_backwards=True)", shape),
             Case("GRU(4, reset_after=False, return_sequences=True)", shape), Case("GRU(4, use_bias=False)", shape),
             Case("SimpleRNN(4, return_sequences=True)", shape), Case("SimpleRNN(4, activation='relu')", shape),
             Case("SimpleRNN(4, activation='sigmoid', return_state=True)", shape)]
    keras_parity(cases, config_keys=True)


# ----------------------------------------------------------------------------- Keras parity, masks
MASK_IDS = np.array([[1, 2, 3, 4, 0, 0],    # right padding (prefix run)
                     [0, 0, 5, 6, 7, 8],    # left padding
                     [0, 4, 5, 0, 6, 0],    # holes: only the step loop is exact
                     [1, 2, 3, 4, 5, 6],    # no padding
                     [0, 0, 0, 0, 0, 0]],   # nothing valid
                    dtype="int32")
MASK_CASES = ["LSTM(3, return_sequences=True, return_state=True)",
              "LSTM(3, return_sequences=True, go_backwards=True)",
              "GRU(3, return_sequences=True, return_state=True)",
              "GRU(3, reset_after=False, return_sequences=True)",
              "SimpleRNN(3, return_sequences=True, return_state=True, go_backwards=True)",
              "LSTM(3)",
              # Keras 1/2 hard_sigmoid (HS; Keras 3 changed its slope): no fused kernel, the step loop
              "LSTM(3, return_sequences=True, recurrent_activation=HS)",
              "GRU(3, reset_after=False, recurrent_activation=HS)"]


@requires_keras
def test_keras_parity_masked_by_embedding():
    # Two batches: contiguous runs only (fused kernels), and one with holes (the step loop).
    batches = [MASK_IDS[[0, 1, 3, 4]], MASK_IDS]
    res = run_keras("""
import keras
rng = np.random.default_rng(7)
def HS(x):  # Keras 1/2 hard_sigmoid
    return keras.ops.clip(0.2 * x + 0.5, 0.0, 1.0)
for i, src in enumerate(inputs["cases"]):
    inp = keras.Input((None,), dtype="int32")
    emb = keras.layers.Embedding(10, 2, mask_zero=True)
    layer = eval(src, {**vars(keras.layers), "HS": HS})
    model = keras.Model(inp, layer(emb(inp)))
    model.set_weights([(rng.standard_normal(w.shape) * 0.6).astype("float32") for w in model.get_weights()])
    outs = []
    for ids in inputs["batches"]:
        y = model.predict(ids, verbose=0)
        outs.append(list(y) if isinstance(y, (list, tuple)) else [y])
    result[i] = {"w": model.get_weights(), "out": outs}
""", {"cases": MASK_CASES, "batches": batches})
    failures = []
    for i, src in enumerate(MASK_CASES):
        inp = Input(shape=(None,), dtype="int32")
        layer = eval(src, {"LSTM": LSTM, "GRU": GRU, "SimpleRNN": SimpleRNN, "HS": "hard_sigmoid"})
        model = Model(inp, layer(Embedding(10, 2, mask_zero=True)(inp)))
        model.set_weights(res[i]["w"])
        for ids, expected in zip(batches, res[i]["out"]):
            out = model(torch.from_numpy(ids))
            out = out if isinstance(out, list) else [out]
            assert len(out) == len(expected)
            for o, k in zip(out, expected):
                try:
                    np.testing.assert_allclose(o.detach().numpy(), k, atol=1e-5, rtol=1e-5)
                except AssertionError as e:
                    failures.append(f"{src} on {len(ids)} rows: {e}")
    assert not failures, "\n".join(failures)


# ----------------------------------------------------------------------------- fused path vs torch
def _copy_lstm(ours: LSTM, ref: torch.nn.LSTM):
    with torch.no_grad():
        ref.weight_ih_l0.copy_(ours.kernel.t())
        ref.weight_hh_l0.copy_(ours.recurrent_kernel.t())
        ref.bias_ih_l0.copy_(ours.bias)
        ref.bias_hh_l0.zero_()


def test_lstm_forward_and_gradients_match_nn_lstm():
    torch.manual_seed(0)
    ours = LSTM(5, return_sequences=True)
    x = torch.randn(4, 7, 3, requires_grad=True)
    ours(x)
    ref = torch.nn.LSTM(3, 5, batch_first=True)
    _copy_lstm(ours, ref)
    torch.testing.assert_close(ours(x), ref(x)[0], atol=1e-6, rtol=1e-5)
    (ours(x) ** 2).sum().backward()
    (ref(x)[0] ** 2).sum().backward()
    torch.testing.assert_close(ours.kernel.grad, ref.weight_ih_l0.grad.t(), atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(ours.recurrent_kernel.grad, ref.weight_hh_l0.grad.t(), atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(ours.bias.grad, ref.bias_ih_l0.grad, atol=1e-5, rtol=1e-4)


def test_gru_gate_permutation_matches_nn_gru():
    torch.manual_seed(1)
    ours = GRU(4, return_sequences=True)
    x = torch.randn(2, 5, 3)
    ours(x)
    u = 4
    ref = torch.nn.GRU(3, u, batch_first=True)
    with torch.no_grad():  # Keras gates z, r, h -> torch r, z, n
        order = lambda w: torch.cat([w[..., u:2 * u], w[..., :u], w[..., 2 * u:]], -1)
        ref.weight_ih_l0.copy_(order(ours.kernel).t())
        ref.weight_hh_l0.copy_(order(ours.recurrent_kernel).t())
        ours.bias.normal_()
        ref.bias_ih_l0.copy_(order(ours.bias[0]))
        ref.bias_hh_l0.copy_(order(ours.bias[1]))
    torch.testing.assert_close(ours(x), ref(x)[0], atol=1e-6, rtol=1e-5)


def test_step_loop_agrees_with_fused_kernel():
    # A sigmoid that is not torch.sigmoid itself forces the Python step loop on the same weights.
    torch.manual_seed(2)
    for cls in (LSTM, GRU):
        fused = cls(4, return_sequences=True)
        loop = cls(4, return_sequences=True, recurrent_activation=lambda v: torch.sigmoid(v))
        x = torch.randn(3, 6, 2)
        fused(x), loop(x)
        loop.set_weights(fused.get_weights())
        torch.testing.assert_close(loop(x), fused(x), atol=1e-6, rtol=1e-5)


def test_unit_forget_bias_and_default_initializers():
    l = LSTM(3)
    l(torch.zeros(1, 2, 5))
    np.testing.assert_array_equal(l.bias.detach().numpy(), [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    rk = l.recurrent_kernel.detach()
    # orthogonal (Keras flattens to (3, 12)): the rows are orthonormal
    torch.testing.assert_close(rk @ rk.t(), torch.eye(3), atol=1e-5, rtol=1e-4)
    l2 = LSTM(3, unit_forget_bias=False)
    l2(torch.zeros(1, 2, 5))
    assert float(l2.bias.detach().abs().sum()) == 0.0


# ----------------------------------------------------------------------------- states, dropout, generic
def test_stateful_carries_state_between_calls():
    torch.manual_seed(3)
    l = LSTM(4, stateful=True, return_sequences=True)
    x = torch.randn(2, 6, 3)
    l(x[:, :3])
    l.reset_states()
    first, second = l(x[:, :3]), l(x[:, 3:])
    whole = LSTM(4, return_sequences=True)
    whole(x)
    whole.set_weights(l.get_weights())
    torch.testing.assert_close(torch.cat([first, second], 1), whole(x), atol=1e-6, rtol=1e-5)


def test_initial_state_and_return_state():
    torch.manual_seed(4)
    l = LSTM(4, return_state=True)
    x = torch.randn(2, 5, 3)
    out, h, c = l(x)
    torch.testing.assert_close(out, h)
    _, h3, c3 = l(x[:, :3])
    out2, _, _ = l(x[:, 3:], initial_state=[h3, c3])  # continuing from the states after 3 steps
    torch.testing.assert_close(out2, out, atol=1e-6, rtol=1e-5)
    with pytest.raises(ValueError, match="initial_state"):
        l(x, initial_state=[h])


def test_dropout_only_in_training_and_recurrent_dropout_trains():
    torch.manual_seed(5)
    l = LSTM(6, dropout=0.5, recurrent_dropout=0.3)
    x = torch.randn(4, 5, 3)
    l(x)
    torch.testing.assert_close(l(x), l(x))  # inference: deterministic
    a = l(x, training=True)
    assert not torch.allclose(a, l(x))
    a.sum().backward()
    assert l.recurrent_kernel.grad is not None and torch.isfinite(l.recurrent_kernel.grad).all()


@pytest.mark.parametrize("factory", [lambda: LSTM(3, return_sequences=True), lambda: GRU(3, reset_after=False),
                                     lambda: SimpleRNN(3, return_state=True)])
def test_generic_harness(factory):
    check_layer(factory, (4, 2))


def test_errors_are_clear():
    with pytest.raises(TypeError, match="units"):
        LSTM()
    with pytest.raises(ValueError, match="units must be a positive integer"):
        GRU(0)
    with pytest.raises(ValueError, match="ndim=3"):
        LSTM(3)(Input(shape=(5,)))
    with pytest.raises(TypeError, match="output_dim"):
        LSTM(3, output_dim=4)
    assert LSTM(output_dim=7, inner_activation="hard_sigmoid").units == 7


def test_regularizers_reach_layer_losses():
    l = LSTM(3, kernel_regularizer="l2", recurrent_regularizer=kfunc_torch.regularizers.l1(0.5))
    l(torch.zeros(1, 2, 4))
    losses = l.losses
    assert len(losses) == 2
    torch.testing.assert_close(losses[0], 0.01 * (l.kernel ** 2).sum())
    torch.testing.assert_close(losses[1], 0.5 * l.recurrent_kernel.abs().sum())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA (cuDNN kernels)")
def test_cuda_matches_cpu_with_and_without_mask():
    torch.manual_seed(6)
    for cls in (LSTM, GRU, SimpleRNN):
        cpu = cls(5, return_sequences=True)
        x = torch.randn(3, 7, 4)
        mask = torch.tensor([[1] * 7, [1] * 4 + [0] * 3, [0] * 2 + [1] * 5]).bool()
        ref, ref_masked = cpu(x), cpu(x, mask=mask)
        gpu = cls(5, return_sequences=True)
        gpu(x)
        gpu.set_weights(cpu.get_weights())
        gpu.to("cuda")
        torch.testing.assert_close(gpu(x.cuda()).cpu(), ref, atol=1e-4, rtol=1e-3)
        torch.testing.assert_close(gpu(x.cuda(), mask=mask.cuda()).cpu(), ref_masked, atol=1e-4, rtol=1e-3)


@pytest.mark.parametrize("return_state", [False, True], ids=["padded-fused", "packed"])
def test_masked_fused_paths_match_step_loop_with_gradients(return_state):
    torch.manual_seed(7)
    mask = torch.tensor([[1, 1, 1, 0, 0], [0, 0, 1, 1, 1], [0, 1, 1, 1, 0], [0, 0, 0, 0, 0]]).bool()
    x = torch.randn(4, 5, 3)
    for cls in (LSTM, GRU):
        fused = cls(4, return_state=return_state)
        loop = cls(4, return_state=return_state, recurrent_activation=lambda v: torch.sigmoid(v))
        fused(x), loop(x)
        loop.set_weights(fused.get_weights())
        outs = []
        for layer in (fused, loop):
            y = layer(x, mask=mask)
            y = y if isinstance(y, list) else [y]
            sum((t ** 2).sum() for t in y).backward()
            outs.append((y, layer.kernel.grad.clone(), layer.recurrent_kernel.grad.clone()))
        for a, b in zip(outs[0][0], outs[1][0]):
            torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5)
        torch.testing.assert_close(outs[0][1], outs[1][1], atol=1e-5, rtol=1e-4)
        torch.testing.assert_close(outs[0][2], outs[1][2], atol=1e-5, rtol=1e-4)
