"""RNN over a cell with nested inputs, states and outputs (the keras.io guide "Working with RNNs",
section "RNNs with list/dict inputs, or nested inputs"): shapes, masks, go_backwards, states, fit.

Keras 3 itself cannot run a nested RNN (its RNN.call slices ``sequences[:, 0, :]``, and its build
gets only the first input), so the oracle computes the same recurrences un-nested: the guide's
cell is two independent recurrences (``x1 @ k1`` and ``einsum("bij,ijkl->bkl", x2, k2)``, each
added to its state), which Keras 3 runs as two RNNs over flat cells (the second on flattened
images). Ours must agree with them output for output, state for state.
"""
import numpy as np
import pytest
import torch
from torch.utils import _pytree as pytree

from kfunc_torch import Input, Model, layers, ops

from keras_oracle import requires_keras, run_keras

U1, U2, U3, I1, I2, I3 = 3, 2, 4, 5, 3, 2
MASK = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 1], [1, 0, 1, 0, 1]], dtype=bool)


class _Shape:
    """A stand-in for tf.TensorShape (what the guide's cell uses): a shape with ``as_list()``."""

    def __init__(self, dims):
        self.dims = list(dims)

    def as_list(self):
        return list(self.dims)


class NestedCell(layers.Layer):
    """The guide's NestedCell with keras.ops for tf.*; ``shape`` makes its state/output sizes."""

    def __init__(self, unit_1, unit_2, unit_3, shape=_Shape, **kwargs):
        self.unit_1, self.unit_2, self.unit_3 = unit_1, unit_2, unit_3
        self.state_size = [shape([unit_1]), shape([unit_2, unit_3])]
        self.output_size = [shape([unit_1]), shape([unit_2, unit_3])]
        super().__init__(**kwargs)

    def build(self, input_shapes):
        first, second = input_shapes.values() if isinstance(input_shapes, dict) else input_shapes
        self.kernel_1 = self.add_weight(shape=(first[1], self.unit_1), initializer="uniform", name="kernel_1")
        self.kernel_2_3 = self.add_weight(shape=(second[1], second[2], self.unit_2, self.unit_3),
                                          initializer="uniform", name="kernel_2_3")

    def call(self, inputs, states):
        input_1, input_2 = pytree.tree_leaves(inputs)
        s1, s2 = states
        output_1 = ops.matmul(input_1, self.kernel_1)
        output_2_3 = ops.einsum("bij,ijkl->bkl", input_2, self.kernel_2_3)
        return (output_1, output_2_3), (s1 + output_1, s2 + output_2_3)


def _data():
    rng = np.random.default_rng(0)
    x1 = rng.standard_normal((3, 5, I1)).astype("float32")
    x2 = rng.standard_normal((3, 5, I2, I3)).astype("float32")
    k1 = rng.standard_normal((I1, U1)).astype("float32")
    k2 = rng.standard_normal((I2, I3, U2, U3)).astype("float32")
    return x1, x2, k1, k2


# (RNN arguments, with a mask)
CASES = [({"return_sequences": True, "return_state": True}, False),
         ({"return_sequences": True, "return_state": True}, True),
         ({"go_backwards": True, "return_state": True}, True),
         ({"return_sequences": True, "zero_output_for_mask": True}, True),
         ({}, False)]

_KERAS = r"""
import keras
from keras import ops
class Flat(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units
    def build(self, shape):
        self.kernel = self.add_weight(shape=(shape[-1], self.units), name="kernel")
    def call(self, inputs, states):
        out = ops.matmul(inputs, self.kernel)
        return out, [states[0] + out]
x1, x2, k1, k2, mask = (inputs[k] for k in ("x1", "x2", "k1", "k2", "mask"))
x2f = x2.reshape(x2.shape[:2] + (-1,))
for i, (kwargs, masked) in enumerate(inputs["cases"]):
    outs = []
    for x, k, u in ((x1, k1, k1.shape[-1]), (x2f, k2.reshape(-1, k2.shape[2] * k2.shape[3]), None)):
        layer = keras.layers.RNN(Flat(k.shape[-1]), **kwargs)
        layer(keras.Input(x.shape[1:]))
        layer.set_weights([k])
        y = layer(x, mask=keras.ops.convert_to_tensor(mask) if masked else None)
        outs.append([keras.ops.convert_to_numpy(t) for t in (y if isinstance(y, (list, tuple)) else [y])])
    result[i] = outs
"""


@requires_keras
def test_nested_rnn_matches_keras_run_unnested():
    x1, x2, k1, k2 = _data()
    res = run_keras(_KERAS, {"x1": x1, "x2": x2, "k1": k1, "k2": k2, "mask": MASK, "cases": CASES})
    for i, (kwargs, masked) in enumerate(CASES):
        for shape in (_Shape, torch.Size):
            rnn = layers.RNN(NestedCell(U1, U2, U3, shape=shape), **kwargs)
            sym = rnn((Input((None, I1)), Input((None, I2, I3))))
            rnn.set_weights([k1, k2])
            y = rnn((torch.from_numpy(x1), torch.from_numpy(x2)), mask=torch.from_numpy(MASK) if masked else None)
            if kwargs.get("return_state"):
                (o1, o2), s1, s2 = y[0], y[1], y[2]
                sym_out = sym[0]
            else:
                (o1, o2), s1, s2, sym_out = y, None, None, sym
            seq = (None,) if kwargs.get("return_sequences") else ()  # the symbolic time axis is unknown
            assert [tuple(t.shape) for t in sym_out] == [(None, *seq, U1), (None, *seq, U2, U3)]
            first, second = res[i]
            np.testing.assert_allclose(o1.detach().numpy(), first[0], atol=1e-5, rtol=1e-5, err_msg=str(kwargs))
            flat = o2.detach().numpy().reshape(second[0].shape)
            np.testing.assert_allclose(flat, second[0], atol=1e-5, rtol=1e-5, err_msg=str(kwargs))
            if s1 is not None:
                np.testing.assert_allclose(s1.detach().numpy(), first[1], atol=1e-5, rtol=1e-5)
                np.testing.assert_allclose(s2.detach().numpy().reshape(second[1].shape), second[1], atol=1e-5,
                                           rtol=1e-5)


def test_dict_inputs_match_tuple_inputs_and_initial_state():
    x1, x2, k1, k2 = _data()
    rnn = layers.RNN(NestedCell(U1, U2, U3), return_sequences=True, return_state=True)
    as_tuple = rnn((torch.from_numpy(x1), torch.from_numpy(x2)))
    rnn.set_weights([k1, k2])
    as_tuple = rnn((torch.from_numpy(x1), torch.from_numpy(x2)))
    as_dict = rnn({"audio": torch.from_numpy(x1), "video": torch.from_numpy(x2)})
    for a, b in zip(pytree.tree_leaves(as_tuple), pytree.tree_leaves(as_dict)):
        torch.testing.assert_close(a, b)
    # continuing from the states after 3 steps gives the last 2 steps of the whole run
    _, s1, s2 = rnn((torch.from_numpy(x1[:, :3]), torch.from_numpy(x2[:, :3])))
    (o1, o2), _, _ = rnn((torch.from_numpy(x1[:, 3:]), torch.from_numpy(x2[:, 3:])), initial_state=[s1, s2])
    torch.testing.assert_close(o1, as_tuple[0][0][:, 3:])
    torch.testing.assert_close(o2, as_tuple[0][1][:, 3:])


def test_the_guides_model_compiles_and_fits():
    torch.manual_seed(0)
    cell = NestedCell(U1, U2, U3)
    rnn = layers.RNN(cell)
    input_1, input_2 = Input((None, I1)), Input((None, I2, I3))
    outputs = rnn((input_1, input_2))
    model = Model([input_1, input_2], outputs)
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(1)
    data = [rng.random((32, 6, I1)), rng.random((32, 6, I2, I3))]
    targets = [rng.random((32, U1)), rng.random((32, U2, U3))]
    hist = model.fit(data, targets, batch_size=8, epochs=3, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    y = model.predict(data, verbose=0)
    assert [a.shape for a in y] == [(32, U1), (32, U2, U3)]
    assert model.count_params() == I1 * U1 + I2 * I3 * U2 * U3


def test_clear_errors_for_nested_cells():
    class Wrong(NestedCell):
        def call(self, inputs, states):
            out, new = super().call(inputs, states)
            return out, new[:1]
    rnn = layers.RNN(Wrong(U1, U2, U3))
    x1, x2, _, _ = _data()
    with pytest.raises(ValueError, match="returned 1 state tensor"):
        rnn((torch.from_numpy(x1), torch.from_numpy(x2)))

    class Unknown(NestedCell):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            self.state_size = [_Shape([None])]
    with pytest.raises(ValueError, match="known dimensions"):
        layers.RNN(Unknown(U1, U2, U3))
