"""InceptionV3 (Szegedy et al., 2015): factorized convolutions in parallel branches, concatenated
into the blocks ``mixed0`` ... ``mixed10``.

Example::

    >>> from kfunc_torch.applications import InceptionV3
    >>> InceptionV3(weights=None).count_params()
    23851784
"""
from __future__ import annotations

from .. import backend
from .. import layers as L
from . import imagenet_utils
from ._builder import channel_axis, check_weights, classifier_top, finish_model, image_input

__all__ = ["InceptionV3", "preprocess_input", "decode_predictions"]


def _conv_bn(x, filters, rows, cols, padding="same", strides=(1, 1), name=None):
    """Conv2D (no bias) -> BatchNormalization (no scale) -> ReLU."""
    conv_name, bn_name = (name + "_conv", name + "_bn") if name else (None, None)
    x = L.Conv2D(filters, (rows, cols), strides=strides, padding=padding, use_bias=False, name=conv_name)(x)
    x = L.BatchNormalization(axis=channel_axis(), scale=False, name=bn_name)(x)
    return L.Activation("relu", name=name)(x)


def _avg_branch(x, filters):
    b = L.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return _conv_bn(b, filters, 1, 1)


def _block35(x, pool_filters, name):
    """35x35 block: 1x1, 5x5, double 3x3 and pooled branches."""
    b1 = _conv_bn(x, 64, 1, 1)
    b5 = _conv_bn(x, 48, 1, 1)
    b5 = _conv_bn(b5, 64, 5, 5)
    b3 = _conv_bn(x, 64, 1, 1)
    b3 = _conv_bn(b3, 96, 3, 3)
    b3 = _conv_bn(b3, 96, 3, 3)
    bp = _avg_branch(x, pool_filters)
    return L.concatenate([b1, b5, b3, bp], axis=channel_axis(), name=name)


def _block17(x, mid, name):
    """17x17 block: 1x1, factorized 7x7, double factorized 7x7 and pooled branches."""
    b1 = _conv_bn(x, 192, 1, 1)
    b7 = _conv_bn(x, mid, 1, 1)
    b7 = _conv_bn(b7, mid, 1, 7)
    b7 = _conv_bn(b7, 192, 7, 1)
    bd = _conv_bn(x, mid, 1, 1)
    bd = _conv_bn(bd, mid, 7, 1)
    bd = _conv_bn(bd, mid, 1, 7)
    bd = _conv_bn(bd, mid, 7, 1)
    bd = _conv_bn(bd, 192, 1, 7)
    bp = _avg_branch(x, 192)
    return L.concatenate([b1, b7, bd, bp], axis=channel_axis(), name=name)


def _block8(x, i):
    """8x8 block with split 1x3 / 3x1 branches (mixed9, mixed10)."""
    ax = channel_axis()
    b1 = _conv_bn(x, 320, 1, 1)
    b3 = _conv_bn(x, 384, 1, 1)
    b3a = _conv_bn(b3, 384, 1, 3)
    b3b = _conv_bn(b3, 384, 3, 1)
    b3 = L.concatenate([b3a, b3b], axis=ax, name=f"mixed9_{i}")
    bd = _conv_bn(x, 448, 1, 1)
    bd = _conv_bn(bd, 384, 3, 3)
    bda = _conv_bn(bd, 384, 1, 3)
    bdb = _conv_bn(bd, 384, 3, 1)
    bd = L.concatenate([bda, bdb], axis=ax)
    bp = _avg_branch(x, 192)
    return L.concatenate([b1, b3, bd, bp], axis=ax, name=f"mixed{9 + i}")


def InceptionV3(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
                classifier_activation="softmax", name="inception_v3"):
    """InceptionV3; default input 299x299x3 (at least 75x75).

    Example::

        >>> InceptionV3(weights=None, include_top=False, pooling="max").output_shape
        (None, 2048)
    """
    weights = check_weights(weights, include_top, classes, "InceptionV3",
                            "inception_v3_weights_tf_dim_ordering_tf_kernels", pooling)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=299, min_size=75,
                                                    data_format=backend.image_data_format(),
                                                    require_flatten=include_top, weights=weights)
    img_input = image_input(input_tensor, input_shape)
    ax = channel_axis()

    x = _conv_bn(img_input, 32, 3, 3, strides=(2, 2), padding="valid")
    x = _conv_bn(x, 32, 3, 3, padding="valid")
    x = _conv_bn(x, 64, 3, 3)
    x = L.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = _conv_bn(x, 80, 1, 1, padding="valid")
    x = _conv_bn(x, 192, 3, 3, padding="valid")
    x = L.MaxPooling2D((3, 3), strides=(2, 2))(x)

    x = _block35(x, 32, "mixed0")
    x = _block35(x, 64, "mixed1")
    x = _block35(x, 64, "mixed2")

    # mixed3: grid reduction 35 -> 17
    b3 = _conv_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")
    bd = _conv_bn(x, 64, 1, 1)
    bd = _conv_bn(bd, 96, 3, 3)
    bd = _conv_bn(bd, 96, 3, 3, strides=(2, 2), padding="valid")
    bp = L.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = L.concatenate([b3, bd, bp], axis=ax, name="mixed3")

    x = _block17(x, 128, "mixed4")
    x = _block17(x, 160, "mixed5")
    x = _block17(x, 160, "mixed6")
    x = _block17(x, 192, "mixed7")

    # mixed8: grid reduction 17 -> 8
    b3 = _conv_bn(x, 192, 1, 1)
    b3 = _conv_bn(b3, 320, 3, 3, strides=(2, 2), padding="valid")
    b7 = _conv_bn(x, 192, 1, 1)
    b7 = _conv_bn(b7, 192, 1, 7)
    b7 = _conv_bn(b7, 192, 7, 1)
    b7 = _conv_bn(b7, 192, 3, 3, strides=(2, 2), padding="valid")
    bp = L.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = L.concatenate([b3, b7, bp], axis=ax, name="mixed8")

    x = _block8(x, 0)
    x = _block8(x, 1)

    x = classifier_top(x, include_top, pooling, classes, classifier_activation, weights)
    return finish_model(input_tensor, img_input, x, name, weights)


# Keras exposes both per family module (applications.inception_v3.preprocess_input).
preprocess_input, decode_predictions = imagenet_utils.family_functions('tf', 'InceptionV3')
