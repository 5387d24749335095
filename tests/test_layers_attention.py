"""MultiHeadAttention, Attention, AdditiveAttention: Keras 3 parity (weights layout and order, counts,
outputs and attention scores with Keras's weights, masks, causal masks, higher-rank inputs), the
fused fast path against the explicit one, and clear errors."""
import numpy as np
import pytest
import torch

import kfunc_torch
from kfunc_torch import layers as L
from kfunc_torch.layers import AdditiveAttention, Attention, Input, MultiHeadAttention
from kfunc_torch.models import Model

from keras_oracle import requires_keras, run_keras
from layer_harness import Case, check_layer, keras_parity

# Each case is source run in both worlds (L = layers module, Input, Model) that sets `ins` and
# `out`; `data` names the arrays fed to the model's inputs.
GRAPHS = {
    "mha_self": ("x = Input((5, 4)); ins = [x]; out = L.MultiHeadAttention(2, 3)(x, x)", ["x"]),
    "mha_cross_key": ("q = Input((5, 4)); v = Input((6, 3)); k = Input((6, 2)); ins = [q, v, k];"
                      "out = L.MultiHeadAttention(3, 2, value_dim=4, output_shape=7)(q, v, key=k)", ["x", "v", "k"]),
    "mha_scores_causal": ("q = Input((5, 4)); v = Input((5, 4)); ins = [q, v];"
                          "out = L.MultiHeadAttention(2, 3, use_bias=False)(q, v, return_attention_scores=True,"
                          " use_causal_mask=True)", ["x", "x2"]),
    "mha_rank4_axes": ("x = Input((3, 4, 2)); ins = [x];"
                       "out = L.MultiHeadAttention(2, 3, attention_axes=(2,))(x, x, return_attention_scores=True)",
                       ["x4"]),
    "mha_rank4_all": ("x = Input((3, 4, 2)); ins = [x]; out = L.MultiHeadAttention(2, 3)(x, x)", ["x4"]),
    "mha_masked": ("i = Input((None,), dtype='int32'); e = L.Embedding(10, 4, mask_zero=True)(i); ins = [i];"
                   "out = L.MultiHeadAttention(2, 3)(e, e, return_attention_scores=True)", ["ids"]),
    "mha_attention_mask": ("q = Input((5, 4)); m = Input((5, 5), dtype='bool'); ins = [q, m];"
                           "out = L.MultiHeadAttention(2, 3)(q, q, attention_mask=m)", ["x", "amask"]),
    "mha_masked_fused": ("i = Input((None,), dtype='int32'); e = L.Embedding(10, 4, mask_zero=True)(i); ins = [i];"
                         "out = L.MultiHeadAttention(2, 3)(e, e)", ["ids"]),
    "mha_masked_dropout": ("i = Input((None,), dtype='int32'); e = L.Embedding(10, 4, mask_zero=True)(i); ins = [i];"
                           "out = L.MultiHeadAttention(2, 3, dropout=0.3)(e, e)", ["ids"]),
    "att_masked": ("i = Input((None,), dtype='int32'); e = L.Embedding(10, 4, mask_zero=True)(i); ins = [i];"
                   "out = L.Attention(use_scale=True)([e, e], return_attention_scores=True)", ["ids"]),
    "att_causal": ("q = Input((5, 4)); ins = [q]; out = L.Attention()([q, q], use_causal_mask=True)", ["x"]),
    "additive_masked": ("i = Input((None,), dtype='int32'); e = L.Embedding(10, 4, mask_zero=True)(i); ins = [i];"
                        "out = L.AdditiveAttention()([e, e])", ["ids"]),
}


def _data():
    rng = np.random.default_rng(0)
    amask = rng.random((2, 5, 5)) > 0.4
    amask[:, :, 0] = True
    amask[1, 3] = False  # a query row that may attend to nothing
    return {"x": rng.standard_normal((2, 5, 4)).astype("float32"),
            "x2": rng.standard_normal((2, 5, 4)).astype("float32"),
            "v": rng.standard_normal((2, 6, 3)).astype("float32"),
            "k": rng.standard_normal((2, 6, 2)).astype("float32"),
            "x4": rng.standard_normal((2, 3, 4, 2)).astype("float32"),
            "ids": np.array([[1, 2, 3, 0, 0], [0, 4, 5, 0, 6], [7, 8, 9, 1, 2], [0, 0, 0, 0, 0]], dtype="int32"),
            "amask": amask}


@requires_keras
def test_keras_parity_graphs():
    data = _data()
    res = run_keras("""
import keras
L, Input, Model = keras.layers, keras.Input, keras.Model
rng = np.random.default_rng(5)
for name, (src, feeds) in inputs["graphs"].items():
    env = {"L": L, "Input": Input}
    exec(src, env)
    m = Model(env["ins"], env["out"])
    m.set_weights([(rng.standard_normal(w.shape) * 0.5).astype("float32") for w in m.get_weights()])
    y = m.predict([inputs["data"][f] for f in feeds], verbose=0)
    result[name] = {"w": m.get_weights(), "count": m.count_params(),
                    "out": list(y) if isinstance(y, (list, tuple)) else [y]}
""", {"graphs": GRAPHS, "data": data})
    failures = []
    for name, (src, feeds) in GRAPHS.items():
        env = {"L": L, "Input": Input}
        exec(src, env)
        m = Model(env["ins"], env["out"])
        try:
            assert m.count_params() == res[name]["count"], f"count {m.count_params()} != {res[name]['count']}"
            assert [w.shape for w in m.get_weights()] == [w.shape for w in res[name]["w"]], "weight shapes"
            m.set_weights(res[name]["w"])
            out = m([torch.from_numpy(data[f]) for f in feeds])
            out = out if isinstance(out, list) else [out]
            assert len(out) == len(res[name]["out"])
            for o, k in zip(out, res[name]["out"]):
                np.testing.assert_allclose(o.detach().numpy(), k, atol=2e-5, rtol=1e-4)
        except AssertionError as e:
            failures.append(f"{name}: {e}")
    assert not failures, "\n".join(failures)


@requires_keras
def test_keras_parity_dense_attention_layers():
    two, three = [(5, 4), (6, 4)], [(5, 4), (6, 3), (6, 4)]
    keras_parity([Case("Attention()", two), Case("Attention(use_scale=True)", three),
                  Case("Attention(use_scale=True, score_mode='concat')", two),
                  Case("Attention(score_mode='concat')", three),
                  Case("AdditiveAttention()", two), Case("AdditiveAttention(use_scale=False)", three)], config_keys=True)


def test_fused_path_equals_explicit_path():
    torch.manual_seed(0)
    m = MultiHeadAttention(2, 4)
    q, v = torch.randn(3, 5, 6), torch.randn(3, 7, 6)
    fused = m(q, v)  # no mask, no scores: scaled_dot_product_attention
    explicit, scores = m(q, v, return_attention_scores=True)
    torch.testing.assert_close(fused, explicit, atol=1e-6, rtol=1e-5)
    assert scores.shape == (3, 2, 5, 7)
    torch.testing.assert_close(scores.sum(-1), torch.ones(3, 2, 5))


def test_mha_weight_layout_matches_independent_computation():
    torch.manual_seed(1)
    m = MultiHeadAttention(2, 3, value_dim=2)
    q, v = torch.randn(1, 4, 5), torch.randn(1, 3, 5)
    out = m(q, v)
    wq, bq, wk, bk, wv, bv, wo, bo = [torch.from_numpy(w) for w in m.get_weights()]
    K = torch.einsum("btd,dhk->bhtk", v, wk) + bk[None, :, None, :]
    V = torch.einsum("btd,dhk->bhtk", v, wv) + bv[None, :, None, :]
    Q = torch.einsum("btd,dhk->bhtk", q, wq) + bq[None, :, None, :]
    att = torch.softmax(Q @ K.transpose(-1, -2) / 3 ** 0.5, -1) @ V            # (b, h, t, v)
    ref = torch.einsum("bhtv,hvo->bto", att, wo) + bo
    torch.testing.assert_close(out, ref, atol=1e-5, rtol=1e-5)


def test_dropout_changes_only_training_output():
    torch.manual_seed(2)
    m = MultiHeadAttention(2, 3, dropout=0.5)
    x = torch.randn(2, 6, 4)
    torch.testing.assert_close(m(x, x), m(x, x))
    assert not torch.allclose(m(x, x, training=True), m(x, x))


@pytest.mark.parametrize("factory, shape", [(lambda: Attention(use_scale=True), [(5, 4), (6, 4)]),
                                            (lambda: AdditiveAttention(), [(5, 4), (6, 4)])])
def test_generic_harness(factory, shape):
    check_layer(factory, shape)


def test_errors():
    x = Input(shape=(5, 4))
    with pytest.raises(ValueError, match=r"\[query, value\]"):
        Attention()(x)
    with pytest.raises(ValueError, match="needs a value"):
        MultiHeadAttention(2, 3)(x)
    with pytest.raises(ValueError, match="num_heads must be a positive integer"):
        MultiHeadAttention(0, 3)
    with pytest.raises(ValueError, match="score_mode"):
        Attention(score_mode="general")


def test_tf_keras_causal_argument_means_causal_mask():
    torch.manual_seed(3)
    q = torch.randn(2, 4, 3)
    with pytest.warns(DeprecationWarning):
        old = Attention(causal=True)
    torch.testing.assert_close(old([q, q]), Attention()([q, q], use_causal_mask=True))
    # step 0 may only attend to itself
    torch.testing.assert_close(old([q, q])[:, 0], q[:, 0])
