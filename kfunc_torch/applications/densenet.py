"""DenseNet121/169/201 (Huang et al., 2016): dense blocks where each layer's output is concatenated to all
earlier ones, joined by transition layers that halve the channels and the resolution.

Example::

    >>> from kfunc_torch.applications import DenseNet121
    >>> DenseNet121(weights=None).count_params()
    8062504
"""
from __future__ import annotations

from .. import backend
from .. import layers as L
from . import imagenet_utils
from ._builder import channel_axis, check_weights, classifier_top, finish_model, image_input

__all__ = ["DenseNet121", "DenseNet169", "DenseNet201", "preprocess_input", "decode_predictions"]
_EPS = 1.001e-5


def _bn_relu(x, name):
    x = L.BatchNormalization(axis=channel_axis(), epsilon=_EPS, name=name + "_bn")(x)
    return L.Activation("relu", name=name + "_relu")(x)


def _conv_block(x, growth_rate, name):
    """BN-ReLU-1x1 conv (4k) -> BN-ReLU-3x3 conv (k), concatenated to the block's input."""
    y = _bn_relu(x, name + "_0")
    y = L.Conv2D(4 * growth_rate, 1, use_bias=False, name=name + "_1_conv")(y)
    y = _bn_relu(y, name + "_1")
    y = L.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=name + "_2_conv")(y)
    return L.Concatenate(axis=channel_axis(), name=name + "_concat")([x, y])


def _dense_block(x, blocks, name):
    for i in range(blocks):
        x = _conv_block(x, 32, name=f"{name}_block{i + 1}")
    return x


def _transition(x, reduction, name):
    x = _bn_relu(x, name)
    x = L.Conv2D(int(x.shape[channel_axis()] * reduction), 1, use_bias=False, name=name + "_conv")(x)
    return L.AveragePooling2D(2, strides=2, name=name + "_pool")(x)


def DenseNet(blocks, include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax", name="densenet"):
    """A DenseNet with ``blocks`` conv blocks in each of its four dense blocks (121: 6, 12, 24, 16).

    Example::

        >>> DenseNet([6, 12, 24, 16], weights=None, include_top=False).output_shape
        (None, None, None, 1024)
    """
    weights = check_weights(weights, include_top, classes, "DenseNet", f"{name}_weights_tf_dim_ordering_tf_kernels",
                            pooling)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=224, min_size=32,
                                                    data_format=backend.image_data_format(),
                                                    require_flatten=include_top, weights=weights)
    img_input = image_input(input_tensor, input_shape)
    ax = channel_axis()
    x = L.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = L.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = L.BatchNormalization(axis=ax, epsilon=_EPS, name="conv1_bn")(x)
    x = L.Activation("relu", name="conv1_relu")(x)
    x = L.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = L.MaxPooling2D(3, strides=2, name="pool1")(x)
    for stage, n in enumerate(blocks, start=2):
        x = _dense_block(x, n, name=f"conv{stage}")
        if stage < 1 + len(blocks):
            x = _transition(x, 0.5, name=f"pool{stage}")
    x = L.BatchNormalization(axis=ax, epsilon=_EPS, name="bn")(x)
    x = L.Activation("relu", name="relu")(x)
    x = classifier_top(x, include_top, pooling, classes, classifier_activation, weights,
                       pool_names=("avg_pool", "avg_pool", "max_pool"))
    return finish_model(input_tensor, img_input, x, name, weights)


def DenseNet121(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
                classifier_activation="softmax", name="densenet121"):
    """DenseNet121; default input 224x224x3 (at least 32x32).

    Example::

        >>> DenseNet121(weights=None, include_top=False, pooling="avg").output_shape
        (None, 1024)
    """
    return DenseNet([6, 12, 24, 16], include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, name=name)


def DenseNet169(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
                classifier_activation="softmax", name="densenet169"):
    """DenseNet169 (dense blocks of 6, 12, 32, 32); default input 224x224x3.

    Example::

        >>> DenseNet169(weights=None, include_top=False, pooling="avg").output_shape
        (None, 1664)
    """
    return DenseNet([6, 12, 32, 32], include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, name=name)


def DenseNet201(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
                classifier_activation="softmax", name="densenet201"):
    """DenseNet201 (dense blocks of 6, 12, 48, 32); default input 224x224x3.

    Example::

        >>> DenseNet201(weights=None, include_top=False, pooling="avg").output_shape
        (None, 1920)
    """
    return DenseNet([6, 12, 48, 32], include_top, weights, input_tensor, input_shape, pooling, classes,
                    classifier_activation, name=name)


# Keras exposes both per family module (applications.densenet.preprocess_input).
preprocess_input, decode_predictions = imagenet_utils.family_functions('torch', 'DenseNet')
