"""Convolution layers: generic behaviour, Keras-3 parity (counts, layouts, numerics), seed models.

Reference numbers come from real Keras 3 (one oracle subprocess per test) or from torch itself.
"""
import numpy as np
import pytest
import torch

import kfunc_torch
from kfunc_torch import Input, Model, backend, layers
from kfunc_torch.layers import (Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose,
                                DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D, SeparableConv2D)

from keras_oracle import requires_keras, run_keras
from layer_harness import Case, check_layer, keras_parity


@pytest.mark.parametrize("factory, shape", [
    (lambda: Conv1D(4, 3, padding="causal", dilation_rate=2), (None, 3)),
    (lambda: Conv2D(4, 3, strides=2, padding="same", activation="relu"), (7, 6, 3)),
    (lambda: Conv2D(4, (3, 1), groups=2, data_format="channels_first"), (4, 6, 5)),
    (lambda: Conv3D(2, 2, padding="same", strides=2), (5, 4, 3, 2)),
    (lambda: Conv1DTranspose(3, 3, strides=2), (5, 2)),
    (lambda: Conv2DTranspose(3, 4, strides=2, padding="same"), (None, 4, 2)),
    (lambda: Conv3DTranspose(2, 2, strides=2, output_padding=1), (2, 3, 2, 2)),
    (lambda: DepthwiseConv1D(3, depth_multiplier=2), (6, 3)),
    (lambda: DepthwiseConv2D(3, strides=2, padding="same"), (7, 7, 3)),
    (lambda: SeparableConv1D(4, 3, padding="same"), (6, 3)),
    (lambda: SeparableConv2D(4, 3, depth_multiplier=2), (6, 6, 3)),
])
def test_generic(factory, shape):
    check_layer(factory, shape)


def test_parameter_counts_match_keras_facts():
    # KERAS_FACTS §3: conv prod(k)*cin*f + f; separable kh*kw*cin*dm + cin*dm*f + f.
    x = Input(shape=(8, 8, 3))
    conv = Conv2D(5, (3, 2))
    conv(x)
    assert conv.count_params() == 3 * 2 * 3 * 5 + 5
    assert [w.shape for w in conv.get_weights()] == [(3, 2, 3, 5), (5,)]
    sep = SeparableConv2D(7, 3, depth_multiplier=2)
    sep(x)
    assert sep.count_params() == 3 * 3 * 3 * 2 + 3 * 2 * 7 + 7
    tr = Conv2DTranspose(6, 3)
    tr(x)
    assert [w.shape for w in tr.get_weights()] == [(3, 3, 6, 3), (6,)]


def test_kernel_layout_against_torch_conv():
    # Independent check: a Keras-layout kernel (kh, kw, cin, f) means out[f] = sum k[i,j,c,f] * x[c]
    conv = Conv2D(4, 3, use_bias=False)
    x = torch.randn(2, 6, 6, 3)
    conv(x)
    k = np.random.default_rng(0).standard_normal((3, 3, 3, 4)).astype(np.float32)
    conv.set_weights([k])
    ref = torch.nn.functional.conv2d(x.permute(0, 3, 1, 2), torch.from_numpy(k).permute(3, 2, 0, 1))
    torch.testing.assert_close(conv(x), ref.permute(0, 2, 3, 1))


def test_initializer_sees_keras_shape():
    seen = []

    def init(shape, dtype=None):
        seen.append(tuple(shape))
        return torch.zeros(shape)
    Conv2D(5, 3, kernel_initializer=init)(Input(shape=(8, 8, 2)))
    DepthwiseConv2D(3, depth_multiplier=2, depthwise_initializer=init)(Input(shape=(8, 8, 2)))
    assert seen == [(3, 3, 2, 5), (3, 3, 2, 2)]


def test_global_channels_first_setting():
    backend.set_image_data_format("channels_first")
    try:
        y = Conv2D(8, 3, padding="same")(Input(shape=(3, 16, 16)))
    finally:
        backend.set_image_data_format("channels_last")
    assert y.shape == (None, 8, 16, 16)


def test_bad_arguments_fail_early_with_clear_errors():
    with pytest.raises(ValueError, match="padding"):
        Conv2D(4, 3, padding="causal")
    with pytest.raises(ValueError, match="filters"):
        Conv2D(0, 3)
    with pytest.raises(ValueError, match="kernel_size"):
        Conv2D(4, (3, 3, 3))
    with pytest.raises(ValueError, match="divisible by groups"):
        Conv2D(4, 3, groups=2)(Input(shape=(8, 8, 3)))
    with pytest.raises(ValueError, match="ndim=4|rank 4"):
        Conv2D(4, 3)(Input(shape=(8, 3)))
    with pytest.raises(ValueError, match="does not fit"):
        Conv2D(4, 5)(Input(shape=(3, 3, 2)))
    with pytest.raises(ValueError, match="dilation_rate"):
        Conv2D(4, 3, strides=2, dilation_rate=2)  # Keras 3 refuses this combination too
    with pytest.raises(ValueError, match="padding"):
        SeparableConv1D(4, 3, padding="causal")  # causal is Conv1D-only in Keras 3
    with pytest.raises(ValueError, match="output_padding"):
        Conv2DTranspose(4, 3, strides=2, output_padding=2)


def test_regularizer_and_constraint_are_wired():
    conv = Conv2D(2, 3, kernel_regularizer="l2", kernel_constraint="non_neg")
    conv(Input(shape=(5, 5, 1)))
    assert len(conv.losses) == 1 and float(conv.losses[0].detach()) > 0
    assert "kernel" in conv._constraints


@requires_keras
def test_keras_parity():
    cases = [
        Case("Conv1D(4, 3)", (9, 3)),
        Case("Conv1D(4, 3, strides=2, padding='same')", (10, 3)),
        Case("Conv1D(4, 3, padding='causal', dilation_rate=2, activation='relu')", (9, 3)),
        Case("Conv2D(5, 3)", (7, 8, 3)),
        Case("Conv2D(5, (3, 2), strides=2, padding='same')", (8, 7, 3)),
        Case("Conv2D(4, 4, strides=3, padding='same')", (10, 11, 2)),
        Case("Conv2D(6, 3, groups=3, padding='same', use_bias=False)", (6, 6, 6)),
        Case("Conv2D(4, 3, dilation_rate=2, padding='same')", (9, 9, 2)),
        Case("Conv2D(4, 3, strides=2, padding='same', data_format='channels_first')", (3, 9, 8)),
        Case("Conv3D(3, 2, strides=2, padding='same')", (5, 4, 5, 2)),
        Case("Conv1DTranspose(3, 3, strides=2)", (5, 2)),
        Case("Conv2DTranspose(3, 3, strides=2, padding='same')", (5, 4, 2)),
        Case("Conv2DTranspose(3, 4, strides=2, padding='same')", (5, 4, 2)),
        Case("Conv2DTranspose(3, 2, strides=3)", (4, 4, 2)),
        Case("Conv2DTranspose(3, 3, strides=2, padding='same', output_padding=1)", (4, 5, 2)),
        Case("Conv2DTranspose(3, 3, strides=2, data_format='channels_first')", (2, 4, 5)),
        Case("Conv3DTranspose(2, 3, strides=2, padding='same')", (3, 3, 2, 2)),
        Case("DepthwiseConv1D(3, depth_multiplier=2)", (8, 3)),
        Case("DepthwiseConv2D(3, depth_multiplier=2, strides=2, padding='same')", (7, 8, 3)),
        Case("SeparableConv1D(4, 3, padding='same')", (8, 3)),
        Case("SeparableConv2D(5, 3, depth_multiplier=2)", (7, 7, 3)),
        Case("SeparableConv2D(5, 3, strides=2, padding='same', data_format='channels_first')", (3, 7, 7)),
    ]
    keras_parity(cases, config_keys=True)


def _seed_models(L, Input, Model, emb):
    """The seed models, written once for both worlds (L = layers module)."""
    out = {}
    # seed 001: three-output Conv1D model. The seed writes Embedding(256, vocabulary_size) (input_dim
    # 256, output_dim 50000); we keep its arguments. Without an Embedding layer: features of 256.
    posts = Input(shape=(None,), dtype="int32") if emb else Input(shape=(None, 256))
    x = L.Embedding(256, 50000)(posts) if emb else posts
    x = L.Conv1D(128, 5, activation="relu")(x)
    x = L.MaxPooling1D(5)(x)
    x = L.Conv1D(256, 5, activation="relu")(x)
    x = L.Conv1D(256, 5, activation="relu")(x)
    x = L.MaxPooling1D(5)(x)
    x = L.Conv1D(256, 5, activation="relu")(x)
    x = L.Conv1D(256, 5, activation="relu")(x)
    x = L.GlobalMaxPooling1D()(x)
    x = L.Dense(128, activation="relu")(x)
    outs = [L.Dense(1, name="age")(x), L.Dense(10, activation="softmax", name="income")(x),
            L.Dense(1, activation="sigmoid", name="gender")(x)]
    out["seed001_three_output"] = Model(posts, outs)
    # seed 001: Inception module
    x = Input(shape=(32, 32, 64))
    a = L.Conv2D(128, 1, activation="relu", strides=2)(x)
    b = L.Conv2D(128, 1, activation="relu")(x)
    b = L.Conv2D(128, 3, activation="relu", strides=2)(b)
    c = L.AveragePooling2D(3, strides=2)(x)
    c = L.Conv2D(128, 3, activation="relu")(c)
    d = L.Conv2D(128, 1, activation="relu")(x)
    d = L.Conv2D(128, 3, activation="relu")(d)
    d = L.Conv2D(128, 3, activation="relu", strides=2)(d)
    # Branch sizes differ (15 vs 13 vs 14) exactly as in the seed, so each branch is an output.
    out["seed001_inception"] = Model(x, [a, b, c, d])
    # seed 001: residual blocks
    x = Input(shape=(32, 32, 128))
    y = L.Conv2D(128, 3, activation="relu", padding="same")(x)
    y = L.Conv2D(128, 3, activation="relu", padding="same")(y)
    y = L.Conv2D(128, 3, activation="relu", padding="same")(y)
    out["seed001_residual_same"] = Model(x, L.add([y, x]))
    x = Input(shape=(32, 32, 64))
    y = L.Conv2D(128, 3, activation="relu", padding="same")(x)
    y = L.Conv2D(128, 3, activation="relu", padding="same")(y)
    y = L.MaxPooling2D(2, strides=2)(y)
    out["seed001_residual_down"] = Model(x, L.add([y, L.Conv2D(128, 1, strides=2, padding="same")(x)]))
    # seed 003: channels-first VQA vision model (functional here; Keras 1 spelled it Sequential)
    img = Input(shape=(3, 224, 224))
    v = img
    cf = dict(data_format="channels_first")
    for f, n in ((64, 2), (128, 2), (256, 3)):
        v = L.Conv2D(f, (3, 3), activation="relu", padding="same", **cf)(v)
        for _ in range(n - 1):
            v = L.Conv2D(f, (3, 3), activation="relu", **cf)(v)
        v = L.MaxPooling2D((2, 2), **cf)(v)
    out["seed003_vqa_vision"] = Model(img, L.Flatten(**cf)(v))
    return out


_SEED_SCRIPT = """
import keras
from keras import layers as L
models = SEED_MODELS(L, keras.Input, keras.Model, inputs["emb"])
for name, m in models.items():
    outs = m.outputs
    result[name] = {"count": m.count_params(), "shapes": [tuple(o.shape) for o in outs]}
m = models["seed001_inception"]
ws = [np.random.default_rng(0).standard_normal(w.shape).astype("float32") * 0.05 for w in m.get_weights()]
m.set_weights(ws)
x = inputs["x"]
result["inception_weights"] = ws
result["inception_out"] = [keras.ops.convert_to_numpy(o) for o in m(x)]
"""


@requires_keras
def test_seed_models_match_keras():
    import inspect
    src = inspect.getsource(_seed_models).replace("def _seed_models", "def SEED_MODELS")
    x = np.random.default_rng(1).standard_normal((2, 32, 32, 64)).astype(np.float32)
    emb = hasattr(layers, "Embedding")  # written by another module; use it once it exists
    res = run_keras(src + _SEED_SCRIPT, {"x": x, "emb": emb})
    ours = _seed_models(layers, Input, Model, emb)
    for name, m in ours.items():
        assert m.count_params() == res[name]["count"], name
        assert [tuple(o.shape) for o in m.outputs] == res[name]["shapes"], name
    m = ours["seed001_inception"]
    m.set_weights(res["inception_weights"])
    for a, b in zip(m(torch.from_numpy(x)), res["inception_out"]):
        np.testing.assert_allclose(a.detach().numpy(), b, atol=1e-4, rtol=1e-4)
