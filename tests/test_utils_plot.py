"""utils: to_categorical / normalize / pad_sequences against real Keras 3 (one oracle call);
plot_model / model_to_dot DOT text and Graphviz rendering; Sequence; get_file offline."""
import os
import re
import shutil

import numpy as np
import pytest

from kfunc_torch import Input, Model
from kfunc_torch import plot as plot_mod
from kfunc_torch.layers import Dense, concatenate
from kfunc_torch.utils import Sequence, get_file, model_to_dot, normalize, pad_sequences, plot_model, to_categorical
from keras_oracle import requires_keras, run_keras

SEQS = [[1, 2, 3, 4], [5], [6, 7]]
PAD_CASES = [dict(), dict(maxlen=3), dict(maxlen=3, padding="post"), dict(maxlen=3, truncating="post"),
             dict(maxlen=5, value=-1, padding="post", truncating="post")]
Y = np.array([[0], [2], [1], [2]])
V = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, -1.0]])


@requires_keras
def test_array_utils_match_keras3():
    res = run_keras(f"""
        from keras.utils import pad_sequences, to_categorical, normalize
        result["pad"] = [pad_sequences({SEQS!r}, **kw) for kw in {PAD_CASES!r}]
        result["cat"] = to_categorical(inputs["y"], 3)
        result["cat_flat"] = to_categorical(inputs["y"][:, 0])
        result["norm"] = normalize(inputs["v"], axis=-1)
    """, arrays={"y": Y, "v": V})
    for kw, want in zip(PAD_CASES, res["pad"]):
        got = pad_sequences(SEQS, **kw)
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype
    np.testing.assert_array_equal(to_categorical(Y, 3), res["cat"])
    np.testing.assert_array_equal(to_categorical(Y[:, 0]), res["cat_flat"])
    np.testing.assert_allclose(normalize(V, axis=-1), res["norm"], rtol=1e-6)


def test_array_util_errors():
    with pytest.raises(ValueError, match="out of range.*num_classes=2"):
        to_categorical([0, 2], num_classes=2)
    with pytest.raises(ValueError, match="'pre' or 'post'"):
        pad_sequences(SEQS, padding="left")
    with pytest.raises(ValueError, match="list of sequences"):
        pad_sequences([1, 2, 3])


def _two_input_model():
    a, b = Input(shape=(4,), name="a"), Input(shape=(3,), name="b")
    x = concatenate([a, b])
    h = Dense(8, activation="relu", name="hidden")(x)
    return Model([a, b], Dense(1, name="out")(h))


def _edges(text):
    labels = dict(re.findall(r'"(\w+)" \[label="([^"]*)"\]', text))
    names = {k: re.split(r"[:|{}\s]", v.lstrip("{"))[0] for k, v in labels.items()}
    return sorted((names[s], names[d]) for s, d in re.findall(r'"(\w+)" -> "(\w+)"', text))


def test_model_to_dot_nodes_edges_and_shapes():
    model = _two_input_model()
    text = model_to_dot(model, show_shapes=True, rankdir="LR").to_string()
    assert text.startswith("digraph G {") and "rankdir=LR;" in text
    assert _edges(text) == sorted([("a", "concatenate_1"), ("b", "concatenate_1"), ("concatenate_1", "hidden"),
                                   ("hidden", "out")])
    assert "hidden: Dense|{input:|output:}|{(None, 7)|(None, 8)}" in text
    assert "concatenate_1: Concatenate|{input:|output:}|{[(None, 4), (None, 3)]|(None, 7)}" in text
    plain = model_to_dot(model, show_layer_names=False).to_string()
    assert 'label="Dense"' in plain and "hidden" not in plain
    with pytest.raises(ValueError, match="rankdir"):
        model_to_dot(model, rankdir="XY")


def test_model_to_dot_nested_model():
    inner_in = Input(shape=(4,))
    inner = Model(inner_in, Dense(2, name="inner_dense")(inner_in), name="inner")
    x = Input(shape=(4,), name="x")
    outer = Model(x, Dense(1, name="head")(inner(x)))
    flat = model_to_dot(outer).to_string()
    assert "inner: Model" in flat or "inner: Functional" in flat
    nested = model_to_dot(outer, expand_nested=True).to_string()
    assert 'subgraph "cluster_' in nested and "inner_dense: Dense" in nested
    assert ("inner_dense", "head") in _edges(nested)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")
def test_plot_model_writes_png_and_svg(tmp_path):
    model = _two_input_model()
    png = tmp_path / "model.png"
    plot_model(model, to_file=str(png), show_shapes=True, show_dtype=True, dpi=72)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = model_to_dot(model).create(prog="dot", format="svg")
    assert b"<svg" in svg and b"hidden" in svg


def test_plot_model_without_graphviz_names_the_install_step(tmp_path, monkeypatch):
    monkeypatch.setattr(plot_mod.shutil, "which", lambda name: None)
    with pytest.raises(ImportError, match="apt-get install graphviz"):
        plot_model(_two_input_model(), to_file=str(tmp_path / "m.png"))
    plot_model(_two_input_model(), to_file=str(tmp_path / "m.dot"))  # DOT text needs no Graphviz
    assert (tmp_path / "m.dot").read_text().startswith("digraph G {")


def test_sequence_and_get_file(tmp_path):
    class Batches(Sequence):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return np.full((2, 1), i), np.zeros(2)
    assert [int(x[0, 0]) for x, _ in Batches()] == [0, 1, 2]
    with pytest.raises(NotImplementedError, match="__len__"):
        len(Sequence())
    cached = tmp_path / "datasets" / "mnist.npz"
    cached.parent.mkdir()
    cached.write_bytes(b"x")
    assert get_file("mnist.npz", origin="https://example.invalid/mnist.npz", cache_dir=str(tmp_path)) == str(cached)
    with pytest.raises(OSError, match="other.npz.*https://example.invalid/other.npz.*Download it yourself"):
        get_file("other.npz", origin="https://example.invalid/other.npz", cache_dir=str(tmp_path))
    assert os.path.exists(cached)
