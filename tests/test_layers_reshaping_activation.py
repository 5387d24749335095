"""Reshaping, activation and noise layers: generic behaviour, Keras-3 parity, training-only noise.

References: real Keras 3 (one oracle subprocess), KERAS_FACTS.md, independent torch/numpy math.
"""
import numpy as np
import pytest
import torch

from kfunc_torch import Input, Model
from kfunc_torch.layers import (ELU, ActivityRegularization, AlphaDropout, Conv2D, Cropping1D, Cropping2D, Cropping3D,
                                GaussianDropout, GaussianNoise, LeakyReLU, Permute, PReLU, ReLU, RepeatVector, Softmax,
                                SpatialDropout1D, SpatialDropout2D, SpatialDropout3D, ThresholdedReLU, UpSampling1D,
                                UpSampling2D, UpSampling3D, ZeroPadding1D, ZeroPadding2D, ZeroPadding3D)

from keras_oracle import requires_keras, run_keras
from layer_harness import Case, check_layer, keras_parity


@pytest.mark.parametrize("factory, shape", [
    (lambda: Permute((2, 1)), (None, 4)),
    (lambda: Permute((3, 1, 2)), (2, 3, 4)),
    (lambda: RepeatVector(3), (4,)),
    (lambda: Cropping1D((1, 2)), (None, 3)),
    (lambda: Cropping2D(((1, 0), (2, 1)), data_format="channels_first"), (2, 5, 6)),
    (lambda: Cropping3D(1), (4, 4, 5, 2)),
    (lambda: ZeroPadding1D((2, 1)), (None, 3)),
    (lambda: ZeroPadding2D(((1, 0), (0, 2))), (3, 4, 2)),
    (lambda: ZeroPadding3D(1, data_format="channels_first"), (2, 2, 3, 2)),
    (lambda: UpSampling1D(3), (None, 2)),
    (lambda: UpSampling2D((2, 3)), (3, 4, 2)),
    (lambda: UpSampling2D(2, interpolation="bilinear", data_format="channels_first"), (2, 3, 4)),
    (lambda: UpSampling3D(2), (2, 2, 3, 2)),
    (lambda: ReLU(max_value=1.0, negative_slope=0.1, threshold=0.2), (5,)),
    (lambda: LeakyReLU(), (5,)),
    (lambda: PReLU(alpha_initializer="ones"), (4, 3)),
    (lambda: PReLU(shared_axes=[1]), (None, 3)),
    (lambda: ELU(0.5), (5,)),
    (lambda: Softmax(axis=1), (4, 3)),
    (lambda: ThresholdedReLU(0.5), (5,)),
    (lambda: SpatialDropout2D(0.5), (4, 4, 3)),
    (lambda: GaussianNoise(0.3), (5,)),
    (lambda: GaussianDropout(0.3), (5,)),
    (lambda: AlphaDropout(0.3), (5,)),
    (lambda: ActivityRegularization(l1=0.01), (5,)),
])
def test_generic(factory, shape):
    check_layer(factory, shape)


def test_prelu_counts_match_keras_facts():
    p = PReLU()
    Conv2D(32, 3)(Input(shape=(28, 28, 1)))
    p(Input(shape=(26, 26, 32)))
    assert p.count_params() == 26 * 26 * 32  # KERAS_FACTS §3
    q = PReLU(shared_axes=[1, 2])
    q(Input(shape=(26, 26, 32)))
    assert q.count_params() == 32


def test_leaky_relu_names_and_default():
    x = torch.tensor([-10.0, 2.0])
    assert LeakyReLU()(x).tolist() == pytest.approx([-3.0, 2.0])  # Keras default 0.3
    assert LeakyReLU(alpha=0.1)(x).tolist() == pytest.approx([-1.0, 2.0])  # Keras 2 spelling
    assert LeakyReLU(alpha=0.1).get_config()["negative_slope"] == pytest.approx(0.1)
    with pytest.raises(TypeError, match="both"):
        LeakyReLU(negative_slope=0.1, alpha=0.2)


def test_noise_layers_only_act_when_training():
    x = torch.randn(64, 8, 8, 16)
    for layer in (SpatialDropout2D(0.5), GaussianNoise(1.0), GaussianDropout(0.5), AlphaDropout(0.5)):
        assert torch.equal(layer(x), x)
        assert not torch.equal(layer(x, training=True), x)
    # spatial dropout drops whole channels: every (sample, channel) map is all-zero or all-scaled
    y = SpatialDropout2D(0.5)(x, training=True)
    ratio = (y / x).reshape(64, 64, 16)
    assert torch.allclose(ratio, ratio[:, :1, :].expand_as(ratio))
    assert set(torch.unique(ratio.round(decimals=4)).tolist()) <= {0.0, 2.0}
    y1 = SpatialDropout1D(0.5)(torch.ones(4, 10, 6), training=True)
    assert torch.equal(y1, y1[:, :1, :].expand_as(y1))
    y3 = SpatialDropout3D(0.5, data_format="channels_first")(torch.ones(4, 6, 2, 2, 2), training=True)
    assert torch.equal(y3, y3[:, :, :1, :1, :1].expand_as(y3))


def test_alpha_dropout_keeps_mean_and_variance():
    torch.manual_seed(0)
    x = torch.randn(200000)
    y = AlphaDropout(0.2)(x, training=True)
    assert abs(float(y.mean())) < 0.02 and abs(float(y.std()) - 1.0) < 0.02


def test_activity_regularization_reaches_model_losses():
    inp = Input(shape=(3,))
    model = Model(inp, ActivityRegularization(l1=0.5, l2=0.25)(inp))
    model(torch.tensor([[1.0, -2.0, 0.0]]))
    assert sum(float(v) for v in model.losses) == pytest.approx(0.5 * 3 + 0.25 * 5)


def test_bad_arguments():
    with pytest.raises(ValueError, match="permutation"):
        Permute((0, 1))
    with pytest.raises(ValueError, match="cropping"):
        Cropping2D((1, 2, 3))
    with pytest.raises(ValueError, match="removes all"):
        Cropping1D((3, 3))(Input(shape=(5, 2)))
    with pytest.raises(ValueError, match="interpolation"):
        UpSampling2D(interpolation="cubic")
    with pytest.raises(ValueError, match="shared_axes"):
        PReLU()(Input(shape=(None, 3)))
    with pytest.raises(ValueError, match="rate"):
        SpatialDropout2D(1.5)


@requires_keras
def test_keras_parity():
    cases = [
        Case("Permute((2, 1))", (4, 3)),
        Case("Permute((3, 1, 2))", (2, 3, 4)),
        Case("RepeatVector(3)", (4,)),
        Case("Cropping1D((1, 2))", (6, 3)),
        Case("Cropping2D(((1, 0), (2, 1)))", (5, 6, 2)),
        Case("Cropping2D(1, data_format='channels_first')", (2, 5, 6)),
        Case("Cropping3D(((1, 0), (0, 1), (1, 1)))", (4, 4, 5, 2)),
        Case("ZeroPadding1D((2, 1))", (4, 3)),
        Case("ZeroPadding1D(1, data_format='channels_first')", (3, 4)),
        Case("ZeroPadding2D(((1, 0), (0, 2)))", (3, 4, 2)),
        Case("ZeroPadding2D(1, data_format='channels_first')", (2, 3, 4)),
        Case("ZeroPadding3D((1, 0, 2))", (2, 2, 3, 2)),
        Case("UpSampling1D(3)", (4, 2)),
        Case("UpSampling2D((2, 3))", (3, 4, 2)),
        Case("UpSampling2D(2, data_format='channels_first')", (2, 3, 4)),
        Case("UpSampling2D(2, interpolation='bilinear')", (3, 4, 2)),
        Case("UpSampling3D((1, 2, 2))", (2, 2, 3, 2)),
        Case("ReLU()", (6,)),
        Case("ReLU(max_value=1.0, negative_slope=0.1, threshold=0.2)", (6,)),
        Case("LeakyReLU()", (6,)),
        Case("LeakyReLU(negative_slope=0.05)", (6,)),
        Case("PReLU()", (4, 3)),
        Case("PReLU(shared_axes=[1, 2])", (3, 3, 4)),
        Case("ELU(alpha=0.7)", (6,)),
        Case("Softmax()", (4, 5)),
        Case("Softmax(axis=1)", (4, 5)),
        Case("SpatialDropout2D(0.5)", (3, 3, 2)),
        Case("GaussianNoise(0.5)", (6,)),
        Case("AlphaDropout(0.5)", (6,)),
    ]
    keras_parity(cases, config_keys=True)


@requires_keras
def test_activity_regularization_matches_keras():
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    res = run_keras("""
import keras
layer = keras.layers.ActivityRegularization(l1=0.01, l2=0.1)
layer(inputs["x"])
result["loss"] = float(sum(keras.ops.convert_to_numpy(l) for l in layer.losses))
""", {"x": x})
    layer = ActivityRegularization(l1=0.01, l2=0.1)
    layer(torch.from_numpy(x))
    assert float(layer.losses[0]) == pytest.approx(res["loss"], rel=1e-5)
