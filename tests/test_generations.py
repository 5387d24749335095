"""The generations table (kfunc_torch/generations.py) against real Keras 3 where it can answer:
hard_sigmoid's formula, the names a session of Sequential and functional models gets; and the
table's shape (every generation answers every question; lookups of unknown names fail clearly)."""
import dataclasses

import numpy as np
import pytest
import torch

import kfunc_torch
from kfunc_torch import Input, Model, Sequential, activations, backend
from kfunc_torch.generations import GENERATIONS, SUMMARY_STYLES, current, summary_style
from kfunc_torch.layers import LSTM, Dense, add

from keras_oracle import requires_keras, run_keras

X = np.array([-4.0, -2.5, -1.0, 0.0, 0.5, 1.0, 2.9, 3.5], dtype="float32")


@pytest.fixture(autouse=True)
def _fresh_names():
    backend.clear_session()
    yield
    kfunc_torch.set_compat("keras2")
    backend.clear_session()


def _session_names():
    """Names of a session: a Sequential built with an Input, then a functional model."""
    seq = Sequential([Input((3,)), Dense(2)])
    i = Input((3,))
    func = Model(i, Dense(2)(i))
    return [seq.name, seq.layers[0].name, func.name, func.layers[0].name]


@requires_keras
def test_keras3_formulas_and_names_match_keras():
    res = run_keras("""
import keras
result["hard_sigmoid"] = keras.activations.hard_sigmoid(inputs["x"]).numpy()
seq = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
i = keras.Input((3,))
func = keras.Model(i, keras.layers.Dense(2)(i))
result["names"] = [seq.name, seq.layers[0].name, func.name, func.layers[0].name]
""", arrays={"x": X})
    kfunc_torch.set_compat("keras3")
    np.testing.assert_allclose(activations.hard_sigmoid(torch.from_numpy(X)).numpy(), res["hard_sigmoid"],
                               rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(backend.hard_sigmoid(torch.from_numpy(X)).numpy(), res["hard_sigmoid"],
                               rtol=1e-6, atol=1e-6)
    # Keras 3's Sequential takes a functional_N name for its inner graph: the next Model is functional_1.
    assert _session_names() == res["names"]


def test_keras2_and_tf2_keep_the_old_hard_sigmoid_and_names():
    for compat in ("keras2", "tf2"):
        kfunc_torch.set_compat(compat)
        np.testing.assert_allclose(activations.hard_sigmoid(torch.from_numpy(X)).numpy(),
                                   np.clip(0.2 * X + 0.5, 0, 1), rtol=1e-6)
    kfunc_torch.set_compat("keras2")
    backend.clear_session()
    assert _session_names() == ["sequential_1", "dense_1", "model_1", "input_2"]
    kfunc_torch.set_compat("tf2")
    backend.clear_session()
    assert _session_names() == ["sequential", "dense", "model", "input_2"]


def test_an_lstm_with_hard_sigmoid_follows_the_generation():
    x = torch.randn(2, 4, 3)
    outs = {}
    for compat in ("keras2", "keras3"):
        kfunc_torch.set_compat(compat)
        torch.manual_seed(0)
        layer = LSTM(2, recurrent_activation="hard_sigmoid")
        outs[compat] = layer(x).detach()
    assert not torch.allclose(outs["keras2"], outs["keras3"])  # same weights, the formula differs


def test_every_generation_answers_every_question():
    fields = {f.name for f in dataclasses.fields(next(iter(GENERATIONS.values())))}
    for name, gen in GENERATIONS.items():
        assert gen.name == name and {f.name for f in dataclasses.fields(gen)} == fields
        assert gen.summary is SUMMARY_STYLES[gen.summary.name]
    kfunc_torch.set_compat("tf2")
    assert current() is GENERATIONS["tf2"] and kfunc_torch.get_compat() == "tf2"
    assert summary_style(None) is GENERATIONS["tf2"].summary
    with pytest.raises(ValueError, match="keras2, tf2, keras3"):
        kfunc_torch.set_compat("keras4")
    with pytest.raises(ValueError, match="Unknown summary style 'tf3'"):
        summary_style("tf3")


def test_nested_model_calls_are_numbered_per_generation():
    # Keras 2 counts a model's own inputs->outputs node, so its first call is node 1; Keras 3 has no
    # such node and tf_keras prints the same numbers (issue 13): "inner[0][0]".
    def connections(style):
        backend.clear_session()
        i = Input((3,), name="x")
        inner = Model(i, Dense(2)(i), name="inner")
        j = Input((3,), name="y")
        outer = Model(j, add([inner(j), Dense(2, name="side")(j)]))  # two branches: a "Connected to" column
        lines = []
        outer.summary(print_fn=lambda line, **kw: lines.append(line), style=style)
        return "\n".join(lines)
    assert "inner[1][0]" in connections("keras2")
    assert "inner[0][0]" in connections("tf2")
    assert "inner[0][0]" in connections("keras3")
