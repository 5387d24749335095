"""RNN(cell) and the cells (SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells, a user-defined cell):
parity with real Keras 3 on the same weights (outputs and states, masks, initial states, counts, names),
agreement with the fused LSTM/GRU/SimpleRNN layers, states, dropout, config, errors, training."""
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from torch.utils import _pytree

import kfunc_torch
from kfunc_torch import ops
from kfunc_torch.layers import (GRU, LSTM, RNN, Dense, Embedding, GRUCell, Input, Layer, LSTMCell, SimpleRNN,
                                SimpleRNNCell, StackedRNNCells)
from kfunc_torch.models import Model

from keras_oracle import requires_keras, run_keras
from layer_harness import check_layer


class MinimalRNNCell(Layer):
    """The custom cell of the Keras guide (Keras 3 spelling), written against kfunc_torch."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="uniform", name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), initializer="uniform",
                                                name="recurrent_kernel")

    def call(self, inputs, states):
        prev_output = states[0]
        h = ops.matmul(inputs, self.kernel)
        output = h + ops.matmul(prev_output, self.recurrent_kernel)
        return output, [output]


# Each case: layer source (same text in both worlds), whether to pass the mask, whether to pass
# initial states (zeros-free random ones, one per state leaf).
CASES = [
    ("RNN(SimpleRNNCell(4))", False, False),
    ("RNN(SimpleRNNCell(4, activation='relu'), return_sequences=True, return_state=True)", False, False),
    ("RNN(SimpleRNNCell(4, use_bias=False), go_backwards=True, return_sequences=True)", False, False),
    ("RNN(LSTMCell(4), return_sequences=True, return_state=True)", False, False),
    ("RNN(LSTMCell(4, unit_forget_bias=False), go_backwards=True, return_state=True)", False, False),
    ("RNN(LSTMCell(4, use_bias=False))", False, False),
    ("RNN(GRUCell(4), return_sequences=True, return_state=True)", False, False),
    ("RNN(GRUCell(4, reset_after=False), go_backwards=True, return_sequences=True)", False, False),
    ("RNN(GRUCell(4, use_bias=False), return_state=True)", False, False),
    # masks with a hole, left padding, an empty row: state carried, output repeated or zeroed
    ("RNN(LSTMCell(3), return_sequences=True, return_state=True)", True, False),
    ("RNN(GRUCell(3), return_sequences=True, go_backwards=True)", True, False),
    ("RNN(SimpleRNNCell(3), zero_output_for_mask=True, return_sequences=True, return_state=True)", True, False),
    ("RNN(GRUCell(3, reset_after=False))", True, False),
    # initial_state=
    ("RNN(LSTMCell(3), return_sequences=True, return_state=True)", False, True),
    ("RNN(GRUCell(3), return_state=True)", True, True),
    # stacks: a list of cells, StackedRNNCells, nested states
    ("RNN([LSTMCell(4), GRUCell(3)], return_sequences=True, return_state=True)", False, False),
    ("RNN(StackedRNNCells([SimpleRNNCell(3), LSTMCell(2)]), return_state=True)", True, False),
    ("RNN([LSTMCell(3), LSTMCell(2)], return_state=True, go_backwards=True)", False, True),
    # the user-defined cell of the Keras guide, alone and stacked
    ("RNN(MinimalRNNCell(4), return_sequences=True, return_state=True)", False, False),
    ("RNN([MinimalRNNCell(4), MinimalRNNCell(2)], return_state=True)", True, False),
]
MASK = np.array([[1, 1, 1, 1, 0, 0],
                 [0, 0, 1, 1, 1, 1],
                 [1, 0, 1, 0, 0, 1],
                 [0, 0, 0, 0, 0, 0]], dtype=bool)
EMB_IDS = np.array([[3, 1, 4, 1, 0, 0], [0, 0, 5, 9, 2, 6], [5, 0, 3, 0, 0, 8]], dtype="int32")

_KERAS_SNIPPET = r"""
import keras
from keras import ops, layers

class MinimalRNNCell(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units
    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="uniform", name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), initializer="uniform",
                                                name="recurrent_kernel")
    def call(self, inputs, states):
        prev_output = states[0]
        output = ops.matmul(inputs, self.kernel) + ops.matmul(prev_output, self.recurrent_kernel)
        return output, [output]

ns = {**vars(layers), "MinimalRNNCell": MinimalRNNCell}
# Names first, in a fresh session: Keras 3's auto names.
a, b = layers.RNN(layers.LSTMCell(2)), layers.RNN(layers.GRUCell(2))
s = layers.StackedRNNCells([layers.SimpleRNNCell(2), layers.SimpleRNNCell(2)])
result["names"] = [a.name, b.name, a.cell.name, b.cell.name, s.name] + [c.name for c in s.cells]

def leaves(v):
    if isinstance(v, (list, tuple)):
        return [x for e in v for x in leaves(e)]
    return [np.array(keras.ops.convert_to_numpy(v))]

def _sym_leaves(v):
    if isinstance(v, (list, tuple)):
        return [x for e in v for x in _sym_leaves(e)]
    return [v]

rng = np.random.default_rng(42)
x, mask = inputs["x"], inputs["mask"]
for i, (src, use_mask, use_init) in enumerate(inputs["cases"]):
    layer = eval(src, ns)
    sym = layer(keras.Input((None, x.shape[-1])))
    layer.set_weights([(rng.standard_normal(w.shape) * 0.5).astype("float32") for w in layer.get_weights()])
    kw = {}
    if use_mask:
        kw["mask"] = keras.ops.convert_to_tensor(mask)
    if use_init:
        init = list(inputs[f"init{i}"])
        sizes = layer.state_size
        kw["initial_state"] = [[keras.ops.convert_to_tensor(init.pop(0)) for _ in s] if isinstance(s, (list, tuple))
                               else keras.ops.convert_to_tensor(init.pop(0)) for s in sizes]
    result[i] = {"count": layer.count_params(), "weights": layer.get_weights(), "out": leaves(layer(x, **kw)),
                 "sym": [tuple(t.shape) for t in _sym_leaves(sym)]}

# Masks from Embedding(mask_zero=True) through a functional model.
inp = keras.Input((None,), dtype="int32")
h = layers.Embedding(10, 3, mask_zero=True)(inp)
seq = layers.RNN(layers.GRUCell(4), return_sequences=True)(h)
last = layers.RNN([layers.LSTMCell(3), layers.SimpleRNNCell(2)])(seq)
model = keras.Model(inp, [seq, last])
model.set_weights([(rng.standard_normal(w.shape) * 0.5).astype("float32") for w in model.get_weights()])
result["emb"] = {"w": model.get_weights(), "out": leaves(model.predict(inputs["ids"], verbose=0)),
                 "count": model.count_params()}
"""


def _init_states(layer, i):
    rng = np.random.default_rng(500 + i)
    sizes = _pytree.tree_leaves(layer.state_size)
    return [rng.standard_normal((MASK.shape[0], s)).astype("float32") for s in sizes]


def _nest(layer, flat):
    flat = list(flat)
    return [[flat.pop(0) for _ in s] if isinstance(s, (list, tuple)) else flat.pop(0) for s in layer.state_size]


def _leaves(v):
    if isinstance(v, (list, tuple)):
        return [x for e in v for x in _leaves(e)]
    return [v]


@pytest.fixture(scope="module")
def keras_results():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((MASK.shape[0], MASK.shape[1], 3)).astype("float32")
    arrays = {"cases": CASES, "x": x, "mask": MASK, "ids": EMB_IDS}
    for i, (src, _, use_init) in enumerate(CASES):
        if use_init:
            arrays[f"init{i}"] = _init_states(eval(src, _namespace()), i)
    return x, run_keras(_KERAS_SNIPPET, arrays)


def _namespace():
    return {**vars(kfunc_torch.layers), "MinimalRNNCell": MinimalRNNCell}


@requires_keras
def test_keras_parity_outputs_states_counts(keras_results):
    x, res = keras_results
    failures = []
    for i, (src, use_mask, use_init) in enumerate(CASES):
        k = res[i]
        try:
            layer = eval(src, _namespace())
            sym = _leaves(layer(Input(shape=(None, x.shape[-1]))))
            assert [t.shape for t in sym] == [tuple(s) for s in k["sym"]], f"symbolic shapes vs Keras {k['sym']}"
            assert layer.count_params() == k["count"], f"count {layer.count_params()} != Keras {k['count']}"
            assert [w.shape for w in layer.get_weights()] == [w.shape for w in k["weights"]], "weight shapes"
            layer.set_weights(k["weights"])
            kw = {}
            if use_mask:
                kw["mask"] = torch.from_numpy(MASK)
            if use_init:
                kw["initial_state"] = _nest(layer, [torch.from_numpy(s) for s in _init_states(layer, i)])
            out = _leaves(layer(torch.from_numpy(x), **kw))
            assert len(out) == len(k["out"]), f"{len(out)} output tensors vs Keras {len(k['out'])}"
            for j, (o, ko) in enumerate(zip(out, k["out"])):
                np.testing.assert_allclose(o.detach().numpy(), ko, atol=1e-5, rtol=1e-5,
                                           err_msg=f"output/state {j}")
        except AssertionError as e:
            failures.append(f"[{i}] {src} (mask={use_mask}, initial_state={use_init}): {e}")
    assert not failures, "Keras parity failures:\n" + "\n".join(failures)


@requires_keras
def test_keras_parity_embedding_mask_in_a_model(keras_results):
    _, res = keras_results
    inp = Input(shape=(None,), dtype="int32")
    h = Embedding(10, 3, mask_zero=True)(inp)
    seq = RNN(GRUCell(4), return_sequences=True)(h)
    last = RNN([LSTMCell(3), SimpleRNNCell(2)])(seq)
    model = Model(inp, [seq, last])
    assert model.count_params() == res["emb"]["count"]
    model.set_weights(res["emb"]["w"])
    out = model(torch.from_numpy(EMB_IDS))
    for o, k in zip(out, res["emb"]["out"]):
        np.testing.assert_allclose(o.detach().numpy(), k, atol=1e-5, rtol=1e-5)


@requires_keras
def test_keras3_names(keras_results):
    _, res = keras_results
    kfunc_torch.set_compat("keras3")
    try:
        kfunc_torch.backend.clear_session()
        a, b = RNN(LSTMCell(2)), RNN(GRUCell(2))
        s = StackedRNNCells([SimpleRNNCell(2), SimpleRNNCell(2)])
        assert [a.name, b.name, a.cell.name, b.cell.name, s.name] + [c.name for c in s.cells] == res["names"]
    finally:
        kfunc_torch.set_compat("keras2")
        kfunc_torch.backend.clear_session()


# ----------------------------------------------------------------------------- without the oracle
@pytest.mark.parametrize("cell, layer", [(lambda: LSTMCell(5), lambda: LSTM(5)), (lambda: GRUCell(5), lambda: GRU(5)),
                                         (lambda: GRUCell(5, reset_after=False), lambda: GRU(5, reset_after=False)),
                                         (lambda: SimpleRNNCell(5), lambda: SimpleRNN(5))])
def test_cells_agree_with_fused_layers(cell, layer):
    torch.manual_seed(0)
    x = torch.randn(3, 7, 4)
    mask = torch.tensor([[1, 1, 1, 0, 0, 0, 0], [0, 1, 1, 0, 1, 1, 1], [1] * 7]).bool()
    for kw in ({"return_sequences": True, "return_state": True}, {"go_backwards": True, "return_state": True}):
        ref = layer()
        for k, v in kw.items():
            setattr(ref, k, v)
        rnn = RNN(cell(), **kw)
        ref(x), rnn(x)
        ref.set_weights(rnn.get_weights())
        for m in (None, mask):
            for a, b in zip(rnn(x, mask=m), ref(x, mask=m)):
                torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)


def test_summary_counts_and_nested_states():
    x = Input(shape=(None, 5))
    out, (h1, c1), (h2, c2) = RNN([LSTMCell(8), LSTMCell(4)], return_state=True)(x)
    assert [h1.shape, c1.shape, h2.shape, c2.shape] == [(None, 8), (None, 8), (None, 4), (None, 4)]
    o, s1, s2 = RNN([SimpleRNNCell(8), GRUCell(4)], return_state=True)(x)
    model = Model(x, [o, s1, s2])
    # 8·(5+8)+8 + 3·4·(8+4) + 6·4
    assert model.count_params() == 112 + 168
    lines = []
    model.summary(print_fn=lines.append)
    assert any("280" in line for line in lines)
    y = model(torch.randn(2, 6, 5))
    assert [tuple(t.shape) for t in y] == [(2, 4), (2, 8), (2, 4)]
    torch.testing.assert_close(y[0], y[2])
    assert RNN(LSTMCell(32))(Input(shape=(None, 64))) is not None
    lstm_rnn = RNN(LSTMCell(32))
    lstm_rnn(Input(shape=(None, 128)))
    assert lstm_rnn.count_params() == 20608  # KERAS_FACTS §3


def test_cell_call_contract():
    cell = LSTMCell(4)
    h0, c0 = torch.zeros(2, 4), torch.zeros(2, 4)
    out, (h, c) = cell(torch.ones(2, 3), [h0, c0])
    torch.testing.assert_close(out, h)
    assert cell.state_size == [4, 4] and cell.output_size == 4
    assert GRUCell(3).state_size == 3 and SimpleRNNCell(3).state_size == 3
    out, h = GRUCell(3)(torch.ones(2, 3), torch.zeros(2, 3))  # a bare state comes back bare
    assert isinstance(h, torch.Tensor)
    np.testing.assert_array_equal(cell.bias.detach().numpy()[4:8], np.ones(4))  # unit_forget_bias


def test_stateful_and_initial_state():
    torch.manual_seed(1)
    x = torch.randn(2, 6, 3)
    stateful = RNN(LSTMCell(4), stateful=True, return_sequences=True)
    whole = RNN(LSTMCell(4), return_sequences=True)
    stateful(x), whole(x)
    stateful.reset_states()
    stateful.set_weights(whole.get_weights())
    halves = torch.cat([stateful(x[:, :3]), stateful(x[:, 3:])], 1)
    torch.testing.assert_close(halves, whole(x), atol=1e-6, rtol=1e-5)
    stateful.reset_states()
    torch.testing.assert_close(stateful(x[:, :3]), whole(x)[:, :3], atol=1e-6, rtol=1e-5)
    rs = RNN(LSTMCell(4), return_state=True)
    rs(x)
    rs.set_weights(whole.get_weights())
    _, h, c = rs(x[:, :3])
    out2, _, _ = rs(x[:, 3:], initial_state=[h, c])
    torch.testing.assert_close(out2, whole(x)[:, -1], atol=1e-6, rtol=1e-5)
    with pytest.raises(ValueError, match="initial_state has 1"):
        rs(x, initial_state=[h])
    with pytest.raises(AttributeError, match="not stateful"):
        rs.reset_states()


def test_dropout_masks_once_per_sequence():
    torch.manual_seed(2)
    layer = RNN(LSTMCell(6, dropout=0.5, recurrent_dropout=0.3), return_sequences=True)
    x = torch.randn(4, 5, 3)
    layer(x)
    torch.testing.assert_close(layer(x), layer(x))  # inference: no dropout
    drawn = []
    orig = layer.cell._cached_mask
    layer.cell._cached_mask = lambda key, like, rate: drawn.append(key) or orig(key, like, rate)
    y = layer(x, training=True)
    assert not torch.allclose(y, layer(x))
    assert layer.cell._dropout_cache == {}  # reset after the call
    del layer.cell._cached_mask
    assert layer.cell.implementation == 1  # per-gate masks, as Keras with recurrent_dropout
    y.sum().backward()
    assert torch.isfinite(layer.cell.recurrent_kernel.grad).all()
    # the same mask at every step: with zero recurrent kernel and constant input, every step's
    # input contribution is identical, so a per-step mask would make the steps differ
    l2 = RNN(SimpleRNNCell(5, dropout=0.5, recurrent_initializer="zeros", use_bias=False), return_sequences=True)
    y2 = l2(torch.ones(3, 6, 4), training=True)
    torch.testing.assert_close(y2, y2[:, :1].expand_as(y2))


@pytest.mark.parametrize("factory", [lambda: RNN(LSTMCell(3), return_sequences=True),
                                     lambda: RNN([GRUCell(3, reset_after=False), SimpleRNNCell(2)], return_state=True),
                                     lambda: RNN(GRUCell(3), go_backwards=True)])
def test_generic_harness(factory):
    check_layer(factory, (4, 2))


def test_config_round_trip_and_bidirectional():
    from kfunc_torch.layers import Bidirectional
    layer = RNN([LSTMCell(3, dropout=0.1), GRUCell(2, reset_after=False)], return_sequences=True)
    config = layer.get_config()
    assert config["cell"]["class_name"] == "StackedRNNCells"
    clone = RNN.from_config(config)
    assert clone.get_config() == config
    b = Bidirectional(RNN(GRUCell(3), return_sequences=True))
    assert b(Input(shape=(5, 2))).shape == (None, 5, 6)
    assert b.count_params() == 2 * (3 * 3 * (2 + 3) + 6 * 3)


def test_errors_are_clear():
    with pytest.raises(ValueError, match="state_size"):
        RNN(Dense(3))
    with pytest.raises(ValueError, match="call"):
        RNN(object())
    with pytest.raises(TypeError, match="units"):
        LSTMCell()
    with pytest.raises(ValueError, match="positive integer"):
        GRUCell(0)
    with pytest.raises(ValueError, match="batch, time, features"):
        RNN(LSTMCell(2))(Input(shape=(4,)))


def test_keras_alias_picks_up_the_cells():
    code = textwrap.dedent("""
        import json, kfunc_torch
        kfunc_torch.alias_keras()
        import keras
        from keras.layers import RNN, LSTMCell, GRUCell, SimpleRNNCell, StackedRNNCells
        from keras.layers.recurrent import RNN as OldRNN
        print(json.dumps(keras.layers.RNN is kfunc_torch.layers.RNN and OldRNN is RNN
                         and keras.layers.StackedRNNCells is StackedRNNCells))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) is True


def test_short_fit_lowers_the_loss():
    torch.manual_seed(3)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((128, 8, 2)).astype("float32")
    y = x[:, :, :1].sum(1) * 0.3  # a running sum: needs the recurrence
    inp = Input(shape=(8, 2))
    out = Dense(1)(RNN([GRUCell(8), LSTMCell(8)])(inp))
    model = Model(inp, out)
    model.compile(optimizer=kfunc_torch.optimizers.Adam(learning_rate=0.01), loss="mse")
    hist = model.fit(x, y, epochs=8, batch_size=32, verbose=0)
    losses = hist.history["loss"]
    assert losses[-1] < 0.5 * losses[0], losses


def test_stacked_states_as_model_outputs():
    # return_state on stacked cells gives [output, [h1, c1], [h2, c2]]: the plan stores nested outputs.
    torch.manual_seed(0)
    x = Input((5, 3))
    rnn = RNN([LSTMCell(4), LSTMCell(2)], return_state=True)
    out, (h1, c1), (h2, c2) = rnn(x)
    m = Model(x, [out, h1, c2])
    data = np.random.default_rng(0).random((2, 5, 3), dtype=np.float32)
    got = m.predict_on_batch(data)
    with torch.no_grad():
        eager_out, (e_h1, _), (_, e_c2) = rnn(torch.from_numpy(data))
    for a, b in zip(got, (eager_out, e_h1, e_c2)):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-6)
    assert [a.shape for a in got] == [(2, 2), (2, 4), (2, 2)]
