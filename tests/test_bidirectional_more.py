"""Bidirectional around the other recurrent layers Keras 3 accepts inside it: ConvLSTM1D/2D/3D (rank-5/4/6
inputs) and RNN(cell) / RNN(StackedRNNCells). Differential against real Keras 3 with the same weights
(one subprocess for all cases): outputs and states to 1e-5, parameter counts, symbolic shapes, weight
shapes and order (forward_*, then backward_*), configs Keras writes loading here; plus what needs no
oracle (rank checks, config round trips, custom cells, training).
"""
import numpy as np
import pytest
import torch

from kfunc_torch import Input, Model, layers
from kfunc_torch.layers import (RNN, Bidirectional, ConvLSTM1D, ConvLSTM2D, Dense, GRUCell, LSTMCell,
                                StackedRNNCells)

from keras_oracle import requires_keras, run_keras

# batch 2, time 5: holes, and fully masked leading steps
_MASK = np.array([[True, False, True, True, False], [False, False, True, False, True]])

# (source, valid in both keras.layers and kfunc_torch.layers; input shape without batch; mask or None)
CASES = [
    ("Bidirectional(ConvLSTM2D(2, 3, padding='same', return_sequences=True))", (4, 5, 5, 2), None),
    ("Bidirectional(ConvLSTM2D(2, 3, padding='same', return_sequences=True), merge_mode='sum')", (4, 5, 5, 2), None),
    ("Bidirectional(ConvLSTM2D(2, 3))", (4, 6, 5, 2), None),
    ("Bidirectional(ConvLSTM2D(2, 3, padding='same'), merge_mode='sum')", (4, 5, 4, 2), None),
    # channels_first: Keras 3 concatenates on the LAST axis (ops.concatenate(axis=-1)) whatever the format
    ("Bidirectional(ConvLSTM2D(2, 3, data_format='channels_first', return_sequences=True))", (4, 2, 6, 5), None),
    ("Bidirectional(ConvLSTM2D(2, 2, padding='same', return_state=True), merge_mode='ave')", (3, 4, 4, 2), None),
    ("Bidirectional(ConvLSTM2D(2, 3, padding='same', return_sequences=True, return_state=True), merge_mode=None)",
     (5, 5, 4, 2), _MASK),
    ("Bidirectional(ConvLSTM1D(3, 3, padding='same', return_sequences=True), merge_mode='mul')", (5, 6, 2), _MASK),
    ("Bidirectional(ConvLSTM2D(2, 3, padding='same'))", (5, 4, 4, 1), _MASK),
    ("Bidirectional(ConvLSTM3D(2, 2, padding='same'))", (3, 4, 4, 3, 1), None),
    ("Bidirectional(RNN(LSTMCell(3)))", (5, 4), None),
    ("Bidirectional(RNN(LSTMCell(3), return_sequences=True), merge_mode='sum')", (5, 4), _MASK),
    ("Bidirectional(RNN(LSTMCell(3), return_state=True))", (5, 4), None),
    ("Bidirectional(RNN(StackedRNNCells([LSTMCell(3), GRUCell(2)]), return_sequences=True))", (5, 4), None),
    ("Bidirectional(RNN(SimpleRNNCell(3), return_sequences=True), merge_mode='ave')", (5, 4), _MASK),
]

_SNIPPET = r"""
import keras
from keras import layers
rng = np.random.default_rng(7)
for i, (src, shape, has_mask) in enumerate(inputs["cases"]):
    layer = eval(src, vars(layers))
    sym = layer(keras.Input(shape=shape))
    sym = sym if isinstance(sym, (list, tuple)) else [sym]
    layer.set_weights([(rng.standard_normal(tuple(w.shape)) * 0.5).astype("float32") for w in layer.weights])
    kw = {"mask": keras.ops.convert_to_tensor(inputs["mask"])} if has_mask else {}
    out = layer(keras.ops.convert_to_tensor(inputs[f"x{i}"]), **kw)
    out = out if isinstance(out, (list, tuple)) else [out]
    result[i] = {"count": layer.count_params(), "sym": [tuple(t.shape) for t in sym],
                 "weights": [np.array(w) for w in layer.get_weights()],
                 # which direction each weight belongs to, and its name, in Keras's order
                 "paths": [(w.path.split("/")[1].split("_")[0], w.path.split("/")[-1]) for w in layer.weights],
                 "out": [keras.ops.convert_to_numpy(o) for o in out],
                 "config": keras.saving.serialize_keras_object(layer)}
"""


def _inputs():
    arrays = {"cases": [(src, shape, mask is not None) for src, shape, mask in CASES], "mask": _MASK}
    for i, (_, shape, _) in enumerate(CASES):
        arrays[f"x{i}"] = np.random.default_rng(100 + i).standard_normal((2,) + shape).astype("float32")
    return arrays


@pytest.fixture(scope="module")
def keras_results():
    arrays = _inputs()
    return arrays, run_keras(_SNIPPET, arrays)


def _flat(y):
    return list(y) if isinstance(y, (list, tuple)) else [y]


def _ours(i, k):
    src, shape, _ = CASES[i]
    layer = eval(src, vars(layers))
    sym = _flat(layer(Input(shape=shape)))
    return layer, sym


def _run(layer, x, mask):
    kw = {} if mask is None else {"mask": torch.from_numpy(mask)}
    with torch.no_grad():
        return [o.numpy() for o in _flat(layer(torch.from_numpy(x), **kw))]


@requires_keras
@pytest.mark.parametrize("i", range(len(CASES)), ids=[c[0] for c in CASES])
def test_matches_keras(keras_results, i):
    arrays, res = keras_results
    k = res[i]
    src, shape, mask = CASES[i]
    layer, sym = _ours(i, k)
    assert [tuple(t.shape) for t in sym] == [tuple(s) for s in k["sym"]], src
    assert layer.count_params() == k["count"], src
    ours_w = layer.get_weights()
    assert [w.shape for w in ours_w] == [w.shape for w in k["weights"]], src
    # direction and name of every weight, in Keras's order: forward_*, then backward_*
    ours_paths = [(direction, name.split(".")[-1])
                  for direction, sub in (("forward", layer.forward_layer), ("backward", layer.backward_layer))
                  for name, _ in sub.named_parameters()]
    assert ours_paths == [tuple(p) for p in k["paths"]], src
    assert layer.forward_layer.name.startswith("forward_") and layer.backward_layer.name.startswith("backward_")
    layer.set_weights(k["weights"])
    for a, b in zip(layer.get_weights(), k["weights"]):
        np.testing.assert_array_equal(a, b)
    out = _run(layer, arrays[f"x{i}"], mask)
    assert len(out) == len(k["out"]), src
    for o, ko in zip(out, k["out"]):
        assert o.shape == ko.shape, src
        np.testing.assert_allclose(o, ko, atol=1e-5, rtol=1e-5, err_msg=src)


@requires_keras
def test_the_comparison_can_fail(keras_results):
    """Swapping the two directions' weights (or dropping the time reversal) must break the match."""
    arrays, res = keras_results
    for i in (0, 10):
        layer, _ = _ours(i, res[i])
        w = res[i]["weights"]
        n = len(w) // 2
        layer.set_weights(w[n:] + w[:n])
        out = _run(layer, arrays[f"x{i}"], CASES[i][2])
        assert not np.allclose(out[0], res[i]["out"][0], atol=1e-3), CASES[i][0]


@requires_keras
def test_keras_configs_load_here(keras_results):
    from kfunc_torch.engine.layer_config import deserialize_layer
    arrays, res = keras_results
    for i in (0, 4, 7, 13):
        layer = deserialize_layer(res[i]["config"])
        assert isinstance(layer, Bidirectional)
        layer(Input(shape=CASES[i][1]))
        layer.set_weights(res[i]["weights"])
        out = _run(layer, arrays[f"x{i}"], CASES[i][2])
        np.testing.assert_allclose(out[0], res[i]["out"][0], atol=1e-5, rtol=1e-5, err_msg=CASES[i][0])


# ----------------------------------------------------------------------------- no oracle needed
def test_rank_is_the_wrapped_layers():
    with pytest.raises(ValueError, match="rank 5|ndim=5"):
        Bidirectional(ConvLSTM2D(2, 3))(Input(shape=(5, 4)))
    assert Bidirectional(ConvLSTM1D(2, 3))(Input(shape=(None, 8, 2))).shape == (None, 6, 4)
    # RNN(cell) takes (batch, time, features...) as RNN does
    assert Bidirectional(RNN(LSTMCell(3)))(Input(shape=(None, 4))).shape == (None, 6)


def test_config_round_trip_and_state_masks():
    for layer, shape in ((Bidirectional(ConvLSTM2D(2, 3, padding="same", return_state=True), merge_mode="sum"),
                          (3, 4, 4, 2)),
                         (Bidirectional(RNN(StackedRNNCells([LSTMCell(3), GRUCell(2)]), return_sequences=True)),
                          (5, 4))):
        x = np.random.default_rng(0).standard_normal((2,) + shape).astype("float32")
        y = layer(Input(shape=shape))
        clone = Bidirectional.from_config(layer.get_config())
        clone(Input(shape=shape))
        clone.set_weights(layer.get_weights())
        for a, b in zip(_run(layer, x, None), _run(clone, x, None)):
            np.testing.assert_array_equal(a, b)
        if layer.return_state:
            assert len(_flat(y)) == 5
            assert layer.compute_mask(None, None) == [None] * 5


def test_custom_cell_needs_no_registration():
    class MinimalCell(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")

        def call(self, inputs, states):
            out = inputs @ self.kernel + states[0]
            return out, [out]

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    b = Bidirectional(RNN(MinimalCell(3), return_sequences=True), merge_mode="sum")
    assert b(Input(shape=(4, 2))).shape == (None, 4, 3)
    assert b.count_params() == 12
    x = torch.ones(1, 4, 2)
    b.set_weights([np.ones((2, 3), "float32"), np.ones((2, 3), "float32")])
    # forward: running sums 2,4,6,8; backward (back in time order): 8,6,4,2 -> sum 10 everywhere
    np.testing.assert_allclose(b(x).detach().numpy(), np.full((1, 4, 3), 10.0))


def test_trains_in_a_model():
    torch.manual_seed(0)
    inp = Input(shape=(4, 5, 5, 1))
    h = Bidirectional(ConvLSTM2D(2, 3, padding="same"))(inp)
    out = Dense(1)(layers.GlobalAveragePooling2D()(h))
    m = Model(inp, out)
    m.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).standard_normal((8, 4, 5, 5, 1)).astype("float32")
    y = x.mean(axis=(1, 2, 3))
    before = [w.copy() for w in m.get_weights()]
    m.fit(x, y, epochs=2, batch_size=4, verbose=0)
    changed = [not np.array_equal(a, b) for a, b in zip(before, m.get_weights())]
    assert all(changed), "every weight of both directions gets a gradient"
