"""Embedding, Masking, Identity, TimeDistributed and Bidirectional: Keras parity (counts, weights,
outputs with Keras's weights, masks), the seed 000 models, and clear errors."""
import numpy as np
import pytest
import torch

from kfunc_torch.layers import (GRU, LSTM, Bidirectional, Dense, Dropout, Embedding, Identity, Input, Masking,
                                SimpleRNN, TimeDistributed, concatenate)
from kfunc_torch.models import Model, Sequential

from keras_oracle import requires_keras, run_keras
from layer_harness import Case, check_layer, keras_parity


def _ids(rng, shape):
    return rng.integers(0, 10, shape).astype("int32")


# ----------------------------------------------------------------------------- Keras parity
@requires_keras
def test_keras_parity_layers():
    seq = (5, 3)
    cases = [Case("Embedding(10, 3)", (6,), input_fn=_ids),
             Case("Identity()", seq, ),
             Case("TimeDistributed(Dense(4))", seq),
             Case("TimeDistributed(Dense(2, activation='tanh'))", (4, 3, 2)),
             Case("TimeDistributed(Conv2D(2, 3))", (3, 5, 5, 2)),
             Case("TimeDistributed(LSTM(2, return_sequences=True))", (3, 4, 2)),
             Case("Bidirectional(LSTM(3))", seq),
             Case("Bidirectional(GRU(3, return_sequences=True), merge_mode='sum')", seq),
             Case("Bidirectional(LSTM(3, return_sequences=True), merge_mode='mul')", seq),
             Case("Bidirectional(SimpleRNN(3, return_sequences=True), merge_mode='ave')", seq),
             Case("Bidirectional(GRU(3, return_sequences=True), merge_mode=None)", seq),
             Case("Bidirectional(LSTM(3, return_state=True))", seq)]
    keras_parity(cases, config_keys=True)


IDS = np.array([[1, 2, 3, 0, 0], [0, 4, 5, 0, 6], [0, 0, 7, 8, 9], [1, 2, 3, 4, 5]], dtype="int32")
MASKED = ["Bidirectional(LSTM(3, return_sequences=True))",
          "Bidirectional(GRU(3, return_sequences=True), merge_mode='sum')",
          "Bidirectional(LSTM(3))",
          "Bidirectional(SimpleRNN(2, return_sequences=True, return_state=True), merge_mode=None)"]


@requires_keras
def test_keras_parity_masks_models_and_masking():
    res = run_keras("""
import keras
L = keras.layers
rng = np.random.default_rng(3)
def randomize(m):
    m.set_weights([(rng.standard_normal(w.shape) * 0.6).astype("float32") for w in m.get_weights()])
def outs(y):
    return list(y) if isinstance(y, (list, tuple)) else [y]
for i, src in enumerate(inputs["masked"]):
    inp = keras.Input((None,), dtype="int32")
    m = keras.Model(inp, eval(src, vars(L))(L.Embedding(10, 2, mask_zero=True)(inp)))
    randomize(m)
    result[i] = {"w": m.get_weights(), "out": outs(m.predict(inputs["ids"], verbose=0)),
                 "out_runs": outs(m.predict(inputs["ids"][[0, 2, 3]], verbose=0))}
# TimeDistributed over a functional Model (seed 000), and Masking in front of an LSTM
x = keras.Input((4,))
inner = keras.Model(x, L.Dense(3, activation="softmax")(L.Dense(5, activation="relu")(x)))
seq = keras.Input((6, 4))
td = keras.Model(seq, L.TimeDistributed(inner)(seq))
randomize(td)
result["td"] = {"w": td.get_weights(), "out": td.predict(inputs["frames"], verbose=0), "count": td.count_params()}
f = keras.Input((5, 2))
mk = keras.Model(f, L.LSTM(3, return_sequences=True)(L.Masking(0.0)(f)))
randomize(mk)
result["masking"] = {"w": mk.get_weights(), "out": mk.predict(inputs["padded"], verbose=0)}
""", {"masked": MASKED, "ids": IDS, "frames": np.random.default_rng(0).standard_normal((2, 6, 4)).astype("float32"),
      "padded": _padded()})
    ns = {"Bidirectional": Bidirectional, "LSTM": LSTM, "GRU": GRU, "SimpleRNN": SimpleRNN}
    for i, src in enumerate(MASKED):
        inp = Input(shape=(None,), dtype="int32")
        m = Model(inp, eval(src, ns)(Embedding(10, 2, mask_zero=True)(inp)))
        m.set_weights(res[i]["w"])
        # All rows (one has holes: the step loop), then rows with contiguous runs only (fused kernels).
        for ids, key in ((IDS, "out"), (IDS[[0, 2, 3]], "out_runs")):
            out = m(torch.from_numpy(ids))
            for o, k in zip(out if isinstance(out, list) else [out], res[i][key]):
                np.testing.assert_allclose(o.detach().numpy(), k, atol=1e-5, rtol=1e-5, err_msg=f"{src} {key}")
    x = Input(shape=(4,))
    inner = Model(x, Dense(3, activation="softmax")(Dense(5, activation="relu")(x)))
    seq = Input(shape=(6, 4))
    td = Model(seq, TimeDistributed(inner)(seq))
    assert td.count_params() == res["td"]["count"]
    td.set_weights(res["td"]["w"])
    np.testing.assert_allclose(td(torch.from_numpy(np.random.default_rng(0).standard_normal((2, 6, 4)).astype("float32")))
                               .detach().numpy(), res["td"]["out"], atol=1e-6, rtol=1e-5)
    f = Input(shape=(5, 2))
    mk = Model(f, LSTM(3, return_sequences=True)(Masking(0.0)(f)))
    mk.set_weights(res["masking"]["w"])
    np.testing.assert_allclose(mk(torch.from_numpy(_padded())).detach().numpy(), res["masking"]["out"],
                               atol=1e-5, rtol=1e-5)


def _padded():
    x = np.random.default_rng(1).standard_normal((3, 5, 2)).astype("float32")
    x[0, 3:] = 0.0
    x[1, :2] = 0.0
    x[2, 2] = 0.0
    return x


# ----------------------------------------------------------------------------- Embedding
def test_embedding_defaults_int_inputs_and_mask():
    e = Embedding(100, 8, mask_zero=True)
    ids = Input(shape=(None,), dtype="int32")
    y = e(ids)
    assert y.shape == (None, None, 8) and y.dtype == "float32" and y._has_mask
    w = e.get_weights()[0]
    assert w.shape == (100, 8) and -0.05 <= w.min() < -0.03 and 0.03 < w.max() <= 0.05  # uniform(-0.05, 0.05)
    x = torch.tensor([[3, 0, 7]], dtype=torch.int32)
    torch.testing.assert_close(e(x)[0, 2], e.embeddings[7])
    assert e.compute_mask(x).tolist() == [[True, False, True]]
    assert Embedding(5, 2).compute_mask(x) is None


def test_embedding_input_length_and_seed_000_model():
    main = Input(shape=(100,), dtype="int32", name="main_input")
    x = Embedding(output_dim=512, input_dim=10000, input_length=100)(main)
    lstm_out = LSTM(32)(x)
    aux = Input(shape=(5,), name="aux_input")
    h = Dense(64, activation="relu")(concatenate([lstm_out, aux]))
    model = Model([main, aux], [Dense(1, activation="sigmoid", name="main_output")(h),
                                Dense(1, activation="sigmoid", name="aux_output")(lstm_out)])
    assert [l.count_params() for l in model.layers if l.name.startswith(("embedding", "lstm"))] == [5120000, 69760]
    out = model([torch.randint(0, 10000, (2, 100), dtype=torch.int32), torch.randn(2, 5)])
    assert [o.shape for o in out] == [(2, 1), (2, 1)]
    assert Embedding(10, 3, input_length=7)._batch_input_shape == (None, 7)
    with pytest.raises(ValueError, match="input_length=7"):
        Embedding(10, 3, input_length=7)(Input(shape=(8,), dtype="int32"))


def test_embedding_errors():
    with pytest.raises(TypeError, match="output_dim"):  # seed 001's mistake: Embedding(vocabulary_size)
        Embedding(10000)
    with pytest.raises(ValueError, match="positive integer"):
        Embedding(10, 0)


def test_masking_and_identity():
    x = torch.tensor([[[1.0, 2.0], [0.0, 0.0], [0.0, 3.0]]])
    m = Masking(0.0)
    assert m.compute_mask(x).tolist() == [[True, False, True]]
    torch.testing.assert_close(m(x), x)
    m2 = Masking(1.0)
    torch.testing.assert_close(m2(torch.ones(1, 2, 2)), torch.zeros(1, 2, 2))
    assert Identity()(x) is x


@pytest.mark.parametrize("factory, shape", [
    (lambda: Embedding(10, 3), (4,)), (lambda: TimeDistributed(Dense(3)), (4, 2)),
    (lambda: Bidirectional(LSTM(2, return_sequences=True)), (4, 3)),
    (lambda: Bidirectional(GRU(2), merge_mode="ave"), (4, 3))])
def test_generic_harness(factory, shape):
    kw = {"input_fn": _ids, "input_dtype": "int32"} if shape == (4,) else {}
    check_layer(factory, shape, **kw)


# ----------------------------------------------------------------------------- wrappers
def test_time_distributed_model_seed_000():
    x = Input(shape=(784,))
    inner = Model(x, Dense(10, activation="softmax")(Dense(64, activation="relu")(x)))
    seq = Input(shape=(20, 784))
    y = TimeDistributed(inner)(seq)
    assert y.shape == (None, 20, 10)
    frames = torch.randn(2, 20, 784)
    out = Model(seq, y)(frames)
    torch.testing.assert_close(out[1, 7], inner(frames[1, 7:8])[0])  # the model applied frame by frame


def test_time_distributed_passes_training():
    td = TimeDistributed(Dropout(0.5))
    x = torch.ones(2, 3, 4)
    torch.testing.assert_close(td(x), x)
    assert (td(x, training=True) == 0).any()


def test_bidirectional_weights_and_directions():
    torch.manual_seed(0)
    b = Bidirectional(LSTM(3, return_sequences=True), merge_mode=None)
    x = torch.randn(2, 4, 2)
    fw, bw = b(x)
    assert [w.shape for w in b.get_weights()] == [(2, 12), (3, 12), (12,)] * 2
    assert b.count_params() == 2 * 4 * (3 * (2 + 3) + 3)
    ref = LSTM(3, return_sequences=True)
    ref(x)
    ref.set_weights(b.get_weights()[3:])
    torch.testing.assert_close(bw, ref(x.flip(1)).flip(1))  # backward = run on reversed time, re-reversed


def test_wrapper_errors():
    with pytest.raises(ValueError, match="merge_mode"):
        Bidirectional(LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="recurrent layer"):
        Bidirectional(Dense(2))
    with pytest.raises(ValueError, match="wraps a Keras layer"):
        TimeDistributed(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="ndim|rank"):
        TimeDistributed(Dense(2))(Input(shape=(3,)))


def test_embedding_starts_a_keras2_sequential():
    # Keras 2: an Embedding without input_shape takes (input_length,) as its input shape, so the
    # Sequential is built at once (seed 004's Sequential summaries).
    m = Sequential([Embedding(1000, 64, input_length=10), LSTM(32)])
    assert m.output_shape == (None, 32)
    assert m.count_params() == 1000 * 64 + 4 * (32 * (64 + 32) + 32)
    assert Sequential([Embedding(1000, 8), LSTM(4, return_sequences=True)]).output_shape == (None, None, 4)
