"""Which way RNN goes through time: the fused torch kernels wherever they compute the layer (masks with
one valid run per row, return_sequences/state, go_backwards, stateful, input dropout), the Python loop
otherwise; and the two ways agree (outputs, states, gradients), stacked cells included."""
import pytest
import torch

from kfunc_torch.layers import GRU, LSTM, RNN, Bidirectional, GRUCell, LSTMCell, SimpleRNN, SimpleRNNCell

STEPS = 6
RIGHT = torch.arange(STEPS)[None] < torch.tensor([[6], [4], [2], [5]])   # right padding
LEFT = torch.arange(STEPS)[None] >= torch.tensor([[0], [2], [4], [6]])   # left padding, one row empty
HOLES = RIGHT.clone()
HOLES[1, 1] = False


def _sigmoid(v):  # the same function as torch.sigmoid, but no kernel knows it: forces the loop
    return torch.sigmoid(v)


def _path(layer, x, **kwargs):
    """'fused' when some cell's ``_fused`` ran during the call, else 'loop'."""
    calls = []
    for sub in layer._flatten_layers():
        fused = getattr(type(sub), "_fused", None)
        if fused is not None:
            sub._fused = lambda *a, _f=fused, _s=sub: calls.append(1) or _f(_s, *a)
    try:
        layer(x, **kwargs)
    finally:
        for sub in layer._flatten_layers():
            sub.__dict__.pop("_fused", None)
    return "fused" if calls else "loop"


class _OwnStep(LSTMCell):
    """A user's cell that changes the step: never fused."""

    def call(self, inputs, states, training=None):
        h, (h2, c) = super().call(inputs, states, training)
        return h * 0.5, [h2 * 0.5, c]


FUSED = [
    (lambda: LSTM(4), {}), (lambda: LSTM(4, return_sequences=True, return_state=True), {}),
    (lambda: LSTM(4, go_backwards=True), {}), (lambda: LSTM(4, stateful=True), {}),
    (lambda: LSTM(4), {"mask": RIGHT}), (lambda: LSTM(4, return_state=True), {"mask": LEFT}),
    (lambda: LSTM(4, go_backwards=True, return_sequences=True), {"mask": RIGHT}),
    (lambda: LSTM(4, stateful=True, return_sequences=True), {"mask": RIGHT}),
    (lambda: LSTM(4, dropout=0.3), {"training": True}),
    (lambda: LSTM(4, recurrent_dropout=0.3), {"training": False}),
    (lambda: GRU(4, return_state=True), {"mask": LEFT}), (lambda: SimpleRNN(4, activation="relu"), {}),
    (lambda: RNN(LSTMCell(4)), {"mask": RIGHT}), (lambda: RNN([LSTMCell(4), GRUCell(3)]), {"mask": RIGHT}),
    (lambda: Bidirectional(GRU(4, return_sequences=True)), {"mask": RIGHT}),
]
LOOP = [
    (lambda: LSTM(4), {"mask": HOLES}), (lambda: LSTM(4, recurrent_dropout=0.3), {"training": True}),
    (lambda: LSTM(4, recurrent_activation="hard_sigmoid"), {}), (lambda: GRU(4, reset_after=False), {}),
    (lambda: SimpleRNN(4, activation="sigmoid"), {}), (lambda: RNN(_OwnStep(4)), {}),
    (lambda: LSTM(4, dropout=0.3, implementation=1), {"training": True}),  # per-gate input masks
    (lambda: RNN([LSTMCell(4, dropout=0.3), GRUCell(3)]), {"training": True}),
]


@pytest.mark.parametrize("factory, kwargs", FUSED, ids=[f"fused{i}" for i in range(len(FUSED))])
def test_fused_where_a_kernel_computes_the_layer(factory, kwargs):
    layer = factory()
    x = torch.randn(4, STEPS, 3)
    layer(x)
    assert _path(layer, x, **kwargs) == "fused"


@pytest.mark.parametrize("factory, kwargs", LOOP, ids=[f"loop{i}" for i in range(len(LOOP))])
def test_python_loop_where_no_kernel_does(factory, kwargs):
    layer = factory()
    x = torch.randn(4, STEPS, 3)
    layer(x)
    assert _path(layer, x, **kwargs) == "loop"


@pytest.mark.parametrize("mask", [None, RIGHT, LEFT, HOLES], ids=["none", "right", "left", "holes"])
@pytest.mark.parametrize("kwargs", [{"return_state": True}, {"return_sequences": True, "go_backwards": True},
                                    {"return_sequences": True, "zero_output_for_mask": True}, {}],
                         ids=["state", "backwards", "zero-output", "last"])
def test_stacked_cells_fused_equal_the_loop(mask, kwargs):
    torch.manual_seed(0)
    x = torch.randn(4, STEPS, 3)
    fused = RNN([LSTMCell(4), GRUCell(3), SimpleRNNCell(2)], **kwargs)
    loop = RNN([LSTMCell(4, recurrent_activation=_sigmoid), GRUCell(3, recurrent_activation=_sigmoid),
                SimpleRNNCell(2, activation=lambda v: torch.tanh(v))], **kwargs)
    fused(x), loop(x)
    loop.set_weights(fused.get_weights())
    results = []
    for layer in (fused, loop):
        y = layer(x, mask=mask)
        leaves = torch.utils._pytree.tree_leaves(y)
        sum((t ** 2).sum() for t in leaves).backward()
        results.append((leaves, [w.grad.clone() for w in layer.weights]))
    assert _path(fused, x, mask=mask) == ("loop" if mask is HOLES else "fused")
    for a, b in zip(results[0][0], results[1][0]):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5)
    for a, b in zip(results[0][1], results[1][1]):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)
