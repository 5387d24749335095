"""Pooling and normalization layers, and the channels_last no-copy rule for conv/pool/BN chains.

References: real Keras 3 (one oracle subprocess), KERAS_FACTS.md, and independent numpy/torch math.
"""
import math

import numpy as np
import pytest
import torch
from torch.profiler import profile

from kfunc_torch import Input, Model
from kfunc_torch.layers import (AveragePooling1D, AveragePooling2D, AveragePooling3D, BatchNormalization, Conv1D,
                                Conv2D, Conv2DTranspose, Conv3D, DepthwiseConv2D, GlobalAveragePooling1D,
                                GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling3D, GroupNormalization,
                                LayerNormalization, MaxPooling1D, MaxPooling2D, MaxPooling3D, SeparableConv2D,
                                UnitNormalization, UpSampling2D, ZeroPadding2D)

from keras_oracle import requires_keras
from layer_harness import Case, check_layer, keras_parity


@pytest.mark.parametrize("factory, shape, kwargs", [
    (lambda: MaxPooling1D(3, strides=2, padding="same"), (None, 3), {}),
    (lambda: AveragePooling1D(2), (7, 3), {}),
    (lambda: MaxPooling2D((2, 3), padding="same"), (7, 7, 2), {}),
    (lambda: AveragePooling2D(3, strides=2, padding="same", data_format="channels_first"), (2, 8, 7), {}),
    (lambda: MaxPooling3D(2), (4, 5, 4, 2), {}),
    (lambda: AveragePooling3D(2, padding="same"), (3, 3, 3, 2), {}),
    (lambda: GlobalMaxPooling1D(), (None, 4), {}),
    (lambda: GlobalAveragePooling2D(keepdims=True), (3, 4, 5), {}),
    (lambda: GlobalMaxPooling3D(data_format="channels_first"), (2, 3, 3, 3), {}),
    (lambda: BatchNormalization(), (5, 4), {"training": True}),
    (lambda: BatchNormalization(axis=1), (4, 3, 3), {}),
    (lambda: LayerNormalization(), (5, 6), {}),
    (lambda: LayerNormalization(axis=[1, 2]), (3, 4), {}),
    (lambda: GroupNormalization(groups=2), (5, 4), {}),
    (lambda: UnitNormalization(), (6,), {}),
])
def test_generic(factory, shape, kwargs):
    check_layer(factory, shape, call_kwargs=kwargs)


def test_same_average_pooling_excludes_padding():
    # Independent: 1-D average over the real inputs of each window, windows placed as Keras does.
    x = torch.arange(1.0, 6.0).reshape(1, 5, 1)  # length 5, pool 2, stride 2 -> 3 windows, pad 1 at the end
    y = AveragePooling1D(2, strides=2, padding="same")(x)
    assert y.flatten().tolist() == [1.5, 3.5, 5.0]
    y = MaxPooling1D(2, strides=2, padding="same")(-x)
    assert y.flatten().tolist() == [-1.0, -3.0, -5.0]  # padding never wins a max


def test_asymmetric_same_average_pooling_2d_against_numpy():
    x = np.random.default_rng(3).standard_normal((2, 8, 9, 3)).astype(np.float32)
    y = AveragePooling2D(3, strides=2, padding="same")(x).numpy()
    assert y.shape == (2, 4, 5, 3)
    ref = np.zeros_like(y)
    for i in range(4):          # rows: total padding 1 -> (0, 1); cols: total 2 -> (1, 1)
        for j in range(5):
            r0, c0 = i * 2, j * 2 - 1
            win = x[:, max(r0, 0):min(r0 + 3, 8), max(c0, 0):min(c0 + 3, 9), :]
            ref[:, i, j] = win.mean(axis=(1, 2))
    np.testing.assert_allclose(y, ref, atol=1e-6)


def test_global_average_pooling_1d_respects_mask():
    x = torch.randn(2, 5, 3)
    mask = torch.tensor([[True, True, False, False, False], [True, True, True, True, True]])
    y = GlobalAveragePooling1D()(x, mask=mask)
    torch.testing.assert_close(y[0], x[0, :2].mean(0))
    torch.testing.assert_close(y[1], x[1].mean(0))


def test_global_average_pooling_1d_uses_embedding_mask_in_a_model():
    from kfunc_torch import layers
    inp = Input(shape=(5,), dtype="int64")
    emb = layers.Embedding(10, 3, mask_zero=True)
    model = Model(inp, GlobalAveragePooling1D()(emb(inp)))
    ids = torch.tensor([[1, 2, 0, 0, 0], [3, 4, 5, 6, 7]])
    vectors = emb(ids)
    torch.testing.assert_close(model(ids), torch.stack([vectors[0, :2].mean(0), vectors[1].mean(0)]))


def test_batchnorm_counts_and_keras_momentum():
    bn = BatchNormalization()
    bn(Input(shape=(6, 6, 3)))
    assert bn.count_params() == 12 and len(bn.non_trainable_weights) == 2
    assert [w.shape for w in bn.trainable_weights] == [(3,), (3,)]
    x = torch.randn(8, 6, 6, 3) * 2 + 1
    y = bn(x, training=True)
    flat = x.reshape(-1, 3).double()
    mean, var = flat.mean(0), flat.var(0, unbiased=False)
    np.testing.assert_allclose(bn.moving_mean.detach().numpy(), (0.01 * mean).numpy(), rtol=1e-4)
    np.testing.assert_allclose(bn.moving_variance.detach().numpy(), (0.99 + 0.01 * var).numpy(), rtol=1e-4)
    ref = (x.double() - mean) / torch.sqrt(var + 1e-3)
    torch.testing.assert_close(y.double(), ref, atol=1e-5, rtol=1e-5)
    # inference (default) uses the moving statistics and leaves them alone
    before = bn.moving_mean.detach().clone()
    bn(x)
    assert torch.equal(before, bn.moving_mean)
    # a frozen BatchNormalization runs in inference mode even with training=True (Keras 2.1+)
    bn.trainable = False
    torch.testing.assert_close(bn(x, training=True), bn(x))
    assert torch.equal(before, bn.moving_mean)


def test_layernorm_on_a_non_trailing_axis():
    # Keras 3.15's torch backend cannot run this case (layer_norm shape error), so: numpy reference.
    ln = LayerNormalization(axis=1)
    x = torch.randn(2, 4, 3)
    ln(x)
    g = np.random.default_rng(0).standard_normal(4).astype(np.float32)
    ln.set_weights([g, g[::-1].copy()])
    xn = x.double().numpy()
    ref = (xn - xn.mean(1, keepdims=True)) / np.sqrt(xn.var(1, keepdims=True) + 1e-3)
    ref = ref * g[None, :, None] + g[::-1][None, :, None]
    np.testing.assert_allclose(ln(x).detach().numpy(), ref, atol=1e-5)


def test_bad_arguments():
    with pytest.raises(ValueError, match="axis"):
        BatchNormalization(axis=3)(Input(shape=(4, 4)))
    with pytest.raises(ValueError, match="groups"):
        GroupNormalization(groups=3)(Input(shape=(4, 4)))
    with pytest.raises(ValueError, match="pool_size"):
        MaxPooling2D(5)(Input(shape=(3, 3, 1)))
    with pytest.raises(ValueError, match="padding"):
        MaxPooling2D(padding="full")


def _copies(model, x, **kw):
    """Copy-like torch ops of non-scalar tensors during one forward, except explicit padding
    and the copies torch's convolution kernels make internally."""
    with profile(record_shapes=True) as prof:
        model(x, **kw)
    bad = []
    for e in prof.events():
        if e.name in ("aten::copy_", "aten::clone", "aten::contiguous", "aten::_to_copy"):
            parent = e.cpu_parent.name if e.cpu_parent else ""
            sizes = [math.prod(s) for s in e.input_shapes if s]
            # copies inside torch's own conv kernels (the slow CPU path copies the bias into its
            # output) are torch's choice of algorithm, not a layout change of ours
            inside_kernel = "conv" in parent and parent != "aten::contiguous"
            if "constant_pad" not in parent and not inside_kernel and any(n > 1 for n in sizes):
                bad.append((e.name, parent, e.input_shapes))
    return bad


def test_channels_last_chains_make_no_layout_copies():
    x = Input(shape=(16, 16, 3))
    y = Conv2D(8, 3, padding="same")(x)
    y = BatchNormalization()(y)
    y = MaxPooling2D()(y)
    y = SeparableConv2D(8, 3, padding="same")(y)
    y = DepthwiseConv2D(3, padding="same")(y)
    y = AveragePooling2D(2)(y)
    y = Conv2DTranspose(4, 4, strides=2, padding="same")(y)
    y = UpSampling2D(2)(ZeroPadding2D(1)(y))
    y = Conv2D(4, 3, strides=2, padding="same")(y)
    m2 = Model(x, y)
    t = torch.randn(4, 16, 16, 3)
    assert _copies(m2, t) == [] and _copies(m2, t, training=True) == []
    out = m2(t)
    assert out.is_contiguous() and out.shape == (4, 10, 10, 4)
    # the layer-by-layer check: conv output comes back as a contiguous NHWC view of torch's result
    conv = m2.layers[1]
    assert conv(t).is_contiguous()
    # Keras 'same' with an odd k - stride crops one more at the end: the output is still dense NHWC
    assert Conv2DTranspose(4, 3, strides=2, padding="same")(t).is_contiguous()
    x1 = Input(shape=(20, 3))
    m1 = Model(x1, MaxPooling1D()(BatchNormalization()(Conv1D(8, 3)(x1))))
    assert _copies(m1, torch.randn(4, 20, 3)) == []
    x3 = Input(shape=(6, 6, 6, 3))
    m3 = Model(x3, MaxPooling3D()(BatchNormalization()(Conv3D(8, 3)(x3))))
    assert _copies(m3, torch.randn(2, 6, 6, 6, 3)) == []


@requires_keras
def test_keras_parity():
    cases = [
        Case("MaxPooling1D(3, strides=2, padding='same')", (10, 3)),
        Case("MaxPooling2D()", (7, 8, 3)),
        Case("MaxPooling2D(3, strides=2, padding='same')", (8, 7, 2)),
        Case("AveragePooling2D(2, strides=1, padding='same')", (5, 6, 2)),
        # Asymmetric 'same' average pooling is checked against numpy below, not against Keras 3.15's
        # torch backend: that backend counts its explicit end padding (TF/Keras 2 semantics exclude it).
        Case("AveragePooling2D(3, strides=2, padding='same')", (7, 9, 2)),
        Case("AveragePooling2D((3, 2), strides=(2, 3), padding='same', data_format='channels_first')", (2, 7, 8)),
        Case("MaxPooling3D(2, padding='same')", (3, 5, 4, 2)),
        Case("AveragePooling3D(2, strides=2, padding='same')", (3, 5, 4, 2)),
        Case("GlobalMaxPooling1D()", (6, 3)),
        Case("GlobalAveragePooling1D(keepdims=True)", (6, 3)),
        Case("GlobalAveragePooling2D(data_format='channels_first')", (3, 4, 5)),
        Case("GlobalMaxPooling3D(keepdims=True)", (3, 4, 2, 3)),
        Case("BatchNormalization()", (5, 4), training=True, batch=6),
        Case("BatchNormalization()", (5, 4), training=False),
        Case("BatchNormalization(axis=1, momentum=0.9, epsilon=1e-2)", (3, 4, 4), training=True, batch=4),
        Case("BatchNormalization(center=False, scale=False)", (4, 4, 3), training=True),
        Case("BatchNormalization(axis=2)", (3, 4, 2), training=True),
        Case("BatchNormalization()", (5, 3), training=True, batch=3,
             mask=np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]], dtype=bool)),
        Case("LayerNormalization()", (5, 6)),
        Case("LayerNormalization(axis=[2, 3], center=False)", (3, 4, 5)),
        Case("LayerNormalization(epsilon=1e-5, scale=False)", (4, 3)),
        Case("GroupNormalization(groups=2)", (5, 4)),
        Case("GroupNormalization(groups=3, axis=1)", (6, 2, 2)),
        Case("UnitNormalization()", (6,)),
        Case("UnitNormalization(axis=[1, 2])", (3, 4)),
    ]
    keras_parity(cases, config_keys=True)
