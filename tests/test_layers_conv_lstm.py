"""ConvLSTM1D/2D/3D: Keras-3 parity (counts, weight layouts, outputs and states, masks, dropout with
known masks), shapes, the one-batched-input-conv structure, stateful carrying, Keras 1/2 spellings, and
a tiny next-frame-prediction fit. Real Keras 3 runs in two subprocesses (``keras_parity`` and one
snippet for what the harness cannot express).
"""
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import torch

import kfunc_torch
from kfunc_torch import Input, Model, layers
from kfunc_torch.layers import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D

from keras_oracle import requires_keras, run_keras
from layer_harness import Case, check_layer, keras_parity

# A mask with holes and fully masked leading steps (batch 2, time 5).
_MASK = np.array([[True, False, True, True, False], [False, False, True, False, True]])


@pytest.mark.parametrize("factory, shape", [
    (lambda: ConvLSTM2D(3, 3, padding="same", return_sequences=True), (4, 6, 5, 2)),
    (lambda: ConvLSTM2D(2, 2, strides=2, padding="same", data_format="channels_first", return_state=True),
     (3, 2, 5, 6)),
    (lambda: ConvLSTM1D(3, 3, go_backwards=True), (None, 7, 2)),
    (lambda: ConvLSTM3D(2, 2, padding="same"), (2, 3, 4, 3, 1)),
])
def test_generic(factory, shape):
    check_layer(factory, shape)


@requires_keras
def test_keras_parity_outputs_states_counts_shapes():
    cases = [
        Case("ConvLSTM2D(3, 3, padding='same')", (4, 6, 6, 2)),
        Case("ConvLSTM2D(2, (3, 2), strides=2, padding='same', return_sequences=True)", (3, 7, 6, 2)),
        Case("ConvLSTM2D(3, 3, strides=(1, 2), return_sequences=True, return_state=True)", (3, 6, 7, 2)),
        Case("ConvLSTM2D(3, 3, data_format='channels_first', return_sequences=True, return_state=True)",
             (3, 2, 6, 5)),
        Case("ConvLSTM2D(2, 3, dilation_rate=2, go_backwards=True, return_sequences=True)", (3, 7, 7, 1)),
        Case("ConvLSTM2D(2, 2, padding='same', use_bias=False, unit_forget_bias=False, activation='relu', "
             "return_state=True)", (3, 5, 4, 2)),
        Case("ConvLSTM1D(3, 3, padding='same', return_state=True)", (4, 8, 2)),
        Case("ConvLSTM1D(2, 2, strides=2, data_format='channels_first', return_sequences=True)", (3, 2, 9)),
        Case("ConvLSTM3D(2, 2, padding='same', return_sequences=True)", (3, 4, 4, 3, 1)),
        Case("ConvLSTM3D(2, 3, data_format='channels_first', return_state=True)", (2, 1, 4, 5, 3)),
        Case("ConvLSTM2D(2, 3, padding='same', return_sequences=True, return_state=True)", (5, 5, 4, 2),
             mask=_MASK),
        Case("ConvLSTM2D(2, 3, go_backwards=True, return_sequences=True, return_state=True)", (5, 5, 5, 2),
             mask=_MASK),
        Case("ConvLSTM1D(2, 3, padding='same')", (5, 6, 2), mask=_MASK),
        # a per-position mask (what Masking() gives on image sequences): Keras 3 masks position by position
        Case("ConvLSTM2D(2, 3, padding='same', return_sequences=True)", (4, 5, 5, 2),
             mask=np.random.default_rng(3).random((2, 4, 5, 5)) > 0.3),
    ]
    keras_parity(cases, config_keys=True)


_ORACLE = r"""
import keras
from keras import layers
# 1. dropout + recurrent_dropout in training, with the per-gate masks we give it
w, x = inputs["w"], inputs["x"]
layer = layers.ConvLSTM2D(3, 3, padding="same", dropout=0.4, recurrent_dropout=0.3, return_sequences=True,
                          return_state=True)
layer(keras.Input(shape=x.shape[1:]))
layer.set_weights(w)
cell = layer.cell
cell.get_dropout_mask = lambda inp: [keras.ops.convert_to_tensor(m) for m in inputs["dp"]]
cell.get_recurrent_dropout_mask = lambda h: [keras.ops.convert_to_tensor(m) for m in inputs["rdp"]]
result["dropout"] = [keras.ops.convert_to_numpy(o) for o in layer(x, training=True)]
result["dropout_eval"] = keras.ops.convert_to_numpy(layer(x, training=False)[0])
# 2. initial_state
layer2 = layers.ConvLSTM2D(3, 3, padding="same", return_sequences=True)
layer2(keras.Input(shape=x.shape[1:]))
layer2.set_weights(w)
h0, c0 = inputs["h0"], inputs["c0"]
result["init"] = keras.ops.convert_to_numpy(layer2(x, initial_state=[h0, c0]))
# 3. a model: summary counts and output shape (next-frame model)
inp = keras.Input(shape=(None, 8, 8, 1))
y = layers.ConvLSTM2D(4, 3, padding="same", return_sequences=True)(inp)
y = layers.Conv3D(1, (1, 3, 3), padding="same", activation="sigmoid")(y)
m = keras.Model(inp, y)
result["model_count"] = m.count_params()
result["model_shape"] = tuple(m.output.shape)
"""


@requires_keras
def test_keras_parity_dropout_masks_initial_state_model():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 4, 5, 6, 2)).astype(np.float32)
    w = [(rng.standard_normal(s) * 0.5).astype(np.float32) for s in [(3, 3, 2, 12), (3, 3, 3, 12), (12,)]]

    def keep(shape, rate):
        return ((rng.random(shape) >= rate) / (1 - rate)).astype(np.float32)
    dp = [keep((2, 5, 6, 2), 0.4) for _ in range(4)]
    rdp = [keep((2, 5, 6, 3), 0.3) for _ in range(4)]
    h0 = rng.standard_normal((2, 5, 6, 3)).astype(np.float32)
    c0 = rng.standard_normal((2, 5, 6, 3)).astype(np.float32)
    res = run_keras(_ORACLE, {"x": x, "w": w, "dp": dp, "rdp": rdp, "h0": h0, "c0": c0})

    layer = ConvLSTM2D(3, 3, padding="same", dropout=0.4, recurrent_dropout=0.3, return_sequences=True,
                       return_state=True)
    layer(torch.from_numpy(x))
    layer.set_weights(w)
    given = {0.4: dp, 0.3: rdp}
    layer.cell._draw_dropout_masks = lambda like, rate: [torch.from_numpy(m) for m in given[rate]]
    out = layer(torch.from_numpy(x), training=True)
    for o, k in zip(out, res["dropout"]):
        np.testing.assert_allclose(o.detach().numpy(), k, atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(layer(torch.from_numpy(x))[0].detach().numpy(), res["dropout_eval"], atol=1e-5,
                               rtol=1e-5)
    # without the given masks, training draws random ones: different from inference
    del layer.cell._draw_dropout_masks
    assert not np.allclose(layer(torch.from_numpy(x), training=True)[0].detach().numpy(), res["dropout_eval"])

    layer2 = ConvLSTM2D(3, 3, padding="same", return_sequences=True)
    layer2(torch.from_numpy(x))
    layer2.set_weights(w)
    got = layer2(torch.from_numpy(x), initial_state=[torch.from_numpy(h0), torch.from_numpy(c0)])
    np.testing.assert_allclose(got.detach().numpy(), res["init"], atol=1e-5, rtol=1e-5)

    model = _next_frame_model()
    assert model.count_params() == res["model_count"]
    assert tuple(model.output.shape) == tuple(res["model_shape"])


def _next_frame_model():
    inp = Input(shape=(None, 8, 8, 1))
    y = ConvLSTM2D(4, 3, padding="same", return_sequences=True)(inp)
    y = layers.Conv3D(1, (1, 3, 3), padding="same", activation="sigmoid")(y)
    return Model(inp, y)


def _moving_squares(n, steps, rng):
    """Frames of a 2x2 square moving one pixel right per step (wrapping), from a random start."""
    frames = np.zeros((n, steps + 1, 8, 8, 1), np.float32)
    for i in range(n):
        r, c = rng.integers(0, 7, 2)
        for t in range(steps + 1):
            cc = (c + t) % 7
            frames[i, t, r:r + 2, cc:cc + 2, 0] = 1.0
    return frames[:, :-1], frames[:, 1:]


def test_fit_next_frame_prediction_lowers_loss():
    torch.manual_seed(0)
    x, y = _moving_squares(32, 5, np.random.default_rng(0))
    model = _next_frame_model()
    model.compile(optimizer=kfunc_torch.optimizers.Adam(learning_rate=0.02), loss="binary_crossentropy")
    before = model.evaluate(x, y, verbose=0)
    hist = model.fit(x, y, batch_size=8, epochs=8, verbose=0)
    after = model.evaluate(x, y, verbose=0)
    assert after < 0.8 * before, (before, hist.history["loss"], after)
    assert hist.history["loss"][-1] < hist.history["loss"][0]


def test_counts_and_weight_shapes():
    layer = ConvLSTM2D(5, (3, 2))
    layer(Input(shape=(None, 8, 8, 3)))
    assert [w.shape for w in layer.get_weights()] == [(3, 2, 3, 20), (3, 2, 5, 20), (20,)]
    assert layer.count_params() == 3 * 2 * 3 * 20 + 3 * 2 * 5 * 20 + 20
    # unit_forget_bias: the forget block of the bias starts at 1, the others at 0
    np.testing.assert_array_equal(layer.get_weights()[2], np.repeat([0.0, 1.0, 0.0, 0.0], 5))
    assert ConvLSTM1D(4, 3, use_bias=False)(Input(shape=(2, 9, 2))).shape == (None, 7, 4)


def test_input_conv_once_recurrent_conv_per_step_no_layout_copies():
    layer = ConvLSTM2D(4, 3, padding="same", return_sequences=True)
    x = torch.randn(2, 6, 7, 7, 3)
    layer(x)
    seen = []
    op = layer.cell._op

    def spy(inp, w, *args):
        seen.append((tuple(inp.shape), inp.is_contiguous(memory_format=torch.channels_last)))
        return op(inp, w, *args)
    layer.cell._op = spy
    layer(x)
    assert seen[0] == ((12, 3, 7, 7), True)       # all 6 steps of 2 sequences in one conv, an NHWC view
    assert seen[1:] == [((2, 4, 7, 7), True)] * 6  # h stays channels_last from step to step
    assert layer.kernel.is_contiguous(memory_format=torch.channels_last)


def test_stateful_carries_states_across_calls():
    x = torch.randn(2, 6, 5, 5, 2)
    full = ConvLSTM2D(3, 3, padding="same", return_sequences=True)
    full(x)
    st = ConvLSTM2D(3, 3, padding="same", return_sequences=True, stateful=True)
    st(x)
    st.set_weights(full.get_weights())
    st.reset_states()
    halves = torch.cat([st(x[:, :3]), st(x[:, 3:])], 1)
    torch.testing.assert_close(halves, full(x))
    st.reset_states()
    torch.testing.assert_close(st(x[:, :3]), full(x)[:, :3])
    with pytest.raises(AttributeError, match="not stateful"):
        full.reset_states()


def test_arguments_errors_and_keras1_spellings():
    with pytest.raises(ValueError, match="strides > 1 together with dilation_rate > 1"):
        ConvLSTM2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="padding"):
        ConvLSTM2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="rank 5"):
        ConvLSTM2D(2, 3)(Input(shape=(8, 8, 3)))
    with pytest.raises(ValueError, match="does not fit"):
        ConvLSTM2D(2, 5)(Input(shape=(3, 4, 4, 1)))
    x = Input(shape=(4, 6, 6, 2))
    model = Model(x, ConvLSTM2D(3, 3)(layers.Masking()(x)))  # Keras 3 fails here too
    with pytest.raises(ValueError, match="per-position mask"):
        model(torch.randn(2, 4, 6, 6, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        old = ConvLSTM2D(2, 3, inner_activation="hard_sigmoid", dropout_W=0.25, dropout_U=0.5)
    assert (old.recurrent_activation.__name__, old.dropout, old.recurrent_dropout) == ("hard_sigmoid", 0.25, 0.5)
    # channels_first from the global setting
    kfunc_torch.backend.set_image_data_format("channels_first")
    try:
        y = ConvLSTM2D(4, 3, padding="same", return_sequences=True)(Input(shape=(None, 2, 6, 6)))
    finally:
        kfunc_torch.backend.set_image_data_format("channels_last")
    assert y.shape == (None, None, 4, 6, 6)


def test_keras_alias_and_config_round_trip():
    code = textwrap.dedent("""
        import kfunc_torch
        kfunc_torch.alias_keras()
        import keras
        from keras.layers.convolutional_recurrent import ConvLSTM2D as Old
        layer = keras.layers.ConvLSTM2D(4, 3, return_sequences=True)
        assert Old is keras.layers.ConvLSTM2D is kfunc_torch.layers.ConvLSTM2D
        print(layer(keras.Input((None, 8, 8, 1))).shape)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().endswith("(None, None, 6, 6, 4)")
    layer = ConvLSTM3D(2, 3, strides=2, padding="same", dropout=0.1, go_backwards=True, stateful=True)
    clone = ConvLSTM3D.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_keras2_list_form_gives_initial_states():
    # Keras 2's layer([x, h0, c0]) is layer(x, initial_state=[h0, c0]), for ConvLSTM and LSTM alike.
    torch.manual_seed(0)
    x = torch.randn(2, 4, 5, 5, 2)
    layer = ConvLSTM2D(3, 3, padding="same", return_state=True)
    _, h, c = layer(x[:, :2])
    torch.testing.assert_close(layer([x[:, 2:], h, c])[0], layer(x[:, 2:], initial_state=[h, c])[0])
    torch.testing.assert_close(layer([x[:, 2:], h, c])[0], layer(x)[0], atol=1e-6, rtol=1e-5)
    inp, h_in, c_in = Input(shape=(None, 5, 5, 2)), Input(shape=(5, 5, 3)), Input(shape=(5, 5, 3))
    model = Model([inp, h_in, c_in], layer([inp, h_in, c_in])[0])
    torch.testing.assert_close(model([x[:, 2:], h, c]), layer(x)[0], atol=1e-6, rtol=1e-5)
    lstm = layers.LSTM(4, return_state=True)
    seq = torch.randn(2, 5, 3)
    _, h, c = lstm(seq[:, :3])
    torch.testing.assert_close(lstm([seq[:, 3:], h, c])[0], lstm(seq)[0], atol=1e-6, rtol=1e-5)
