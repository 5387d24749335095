"""Xception (Chollet, 2017): depthwise-separable convolutions with residual connections.

Example::

    >>> from kfunc_torch import applications
    >>> base = applications.Xception(weights=None, include_top=False)
    >>> base(Input(shape=(250, 250, 3))).shape
    (None, 8, 8, 2048)
"""
from __future__ import annotations

from .. import backend
from .. import layers as L
from . import imagenet_utils
from ._builder import channel_axis, check_weights, classifier_top, finish_model, image_input

__all__ = ["Xception", "preprocess_input", "decode_predictions"]


def _sep_bn(x, filters, name, axis):
    x = L.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return L.BatchNormalization(axis=axis, name=name + "_bn")(x)


def _shortcut(x, filters, axis):
    r = L.Conv2D(filters, (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    return L.BatchNormalization(axis=axis)(r)


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", name="xception"):
    """The Xception network; default input 299x299x3 (at least 71x71).

    Example::

        >>> model = Xception(weights=None, input_shape=(299, 299, 3))
        >>> model.count_params()
        22910480
    """
    weights = check_weights(weights, include_top, classes, "Xception", "xception_weights_tf_dim_ordering_tf_kernels",
                            pooling)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=299, min_size=71,
                                                    data_format=backend.image_data_format(),
                                                    require_flatten=include_top, weights=weights)
    img_input = image_input(input_tensor, input_shape)
    ax = channel_axis()

    # Entry flow
    x = L.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = L.BatchNormalization(axis=ax, name="block1_conv1_bn")(x)
    x = L.Activation("relu", name="block1_conv1_act")(x)
    x = L.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = L.BatchNormalization(axis=ax, name="block1_conv2_bn")(x)
    x = L.Activation("relu", name="block1_conv2_act")(x)

    for block, filters, act_first in ((2, 128, False), (3, 256, True), (4, 728, True)):
        residual = _shortcut(x, filters, ax)
        p = f"block{block}"
        if act_first:
            x = L.Activation("relu", name=p + "_sepconv1_act")(x)
        x = _sep_bn(x, filters, p + "_sepconv1", ax)
        x = L.Activation("relu", name=p + "_sepconv2_act")(x)
        x = _sep_bn(x, filters, p + "_sepconv2", ax)
        x = L.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=p + "_pool")(x)
        x = L.add([x, residual])

    # Middle flow: eight residual blocks of three separable convolutions
    for block in range(5, 13):
        residual = x
        p = f"block{block}"
        for i in (1, 2, 3):
            x = L.Activation("relu", name=f"{p}_sepconv{i}_act")(x)
            x = _sep_bn(x, 728, f"{p}_sepconv{i}", ax)
        x = L.add([x, residual])

    # Exit flow
    residual = _shortcut(x, 1024, ax)
    x = L.Activation("relu", name="block13_sepconv1_act")(x)
    x = _sep_bn(x, 728, "block13_sepconv1", ax)
    x = L.Activation("relu", name="block13_sepconv2_act")(x)
    x = _sep_bn(x, 1024, "block13_sepconv2", ax)
    x = L.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name="block13_pool")(x)
    x = L.add([x, residual])

    x = _sep_bn(x, 1536, "block14_sepconv1", ax)
    x = L.Activation("relu", name="block14_sepconv1_act")(x)
    x = _sep_bn(x, 2048, "block14_sepconv2", ax)
    x = L.Activation("relu", name="block14_sepconv2_act")(x)

    x = classifier_top(x, include_top, pooling, classes, classifier_activation, weights)
    return finish_model(input_tensor, img_input, x, name, weights)


# Keras exposes both per family module (applications.xception.preprocess_input).
preprocess_input, decode_predictions = imagenet_utils.family_functions('tf', 'Xception')
