"""ResNet50/101/152 (He et al., 2015): bottleneck residual blocks, batch normalization after each
convolution. ``resnet_v2`` builds the pre-activation variant on the same stem.

Example::

    >>> from kfunc_torch.applications import ResNet50
    >>> ResNet50(weights=None).count_params()
    25636712
"""
from __future__ import annotations

from .. import backend
from .. import layers as L
from . import imagenet_utils
from ._builder import channel_axis, check_weights, classifier_top, finish_model, image_input

__all__ = ["ResNet50", "ResNet101", "ResNet152", "preprocess_input", "decode_predictions"]
_EPS = 1.001e-5


def resnet(stack_fn, preact, use_bias, model_name, include_top, weights, input_tensor, input_shape, pooling,
           classes, classifier_activation, display_name, weights_stem):
    """The ResNet stem (7x7 conv, 3x3 max pool), ``stack_fn``'s residual stages, and the top."""
    weights = check_weights(weights, include_top, classes, display_name, weights_stem, pooling)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=224, min_size=32,
                                                    data_format=backend.image_data_format(),
                                                    require_flatten=include_top, weights=weights)
    img_input = image_input(input_tensor, input_shape)
    ax = channel_axis()
    x = L.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = L.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    if not preact:
        x = L.BatchNormalization(axis=ax, epsilon=_EPS, name="conv1_bn")(x)
        x = L.Activation("relu", name="conv1_relu")(x)
    x = L.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = L.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack_fn(x)
    if preact:
        x = L.BatchNormalization(axis=ax, epsilon=_EPS, name="post_bn")(x)
        x = L.Activation("relu", name="post_relu")(x)
    x = classifier_top(x, include_top, pooling, classes, classifier_activation, weights,
                       pool_names=("avg_pool", "avg_pool", "max_pool"))
    return finish_model(input_tensor, img_input, x, model_name, weights)


def _bottleneck(x, filters, stride=1, conv_shortcut=True, name=None):
    """1x1 -> 3x3 -> 1x1 (4x filters) with BN, added to a (projected) shortcut, then ReLU."""
    ax = channel_axis()
    if conv_shortcut:
        shortcut = L.Conv2D(4 * filters, 1, strides=stride, name=name + "_0_conv")(x)
        shortcut = L.BatchNormalization(axis=ax, epsilon=_EPS, name=name + "_0_bn")(shortcut)
    else:
        shortcut = x
    x = L.Conv2D(filters, 1, strides=stride, name=name + "_1_conv")(x)
    x = L.BatchNormalization(axis=ax, epsilon=_EPS, name=name + "_1_bn")(x)
    x = L.Activation("relu", name=name + "_1_relu")(x)
    x = L.Conv2D(filters, 3, padding="same", name=name + "_2_conv")(x)
    x = L.BatchNormalization(axis=ax, epsilon=_EPS, name=name + "_2_bn")(x)
    x = L.Activation("relu", name=name + "_2_relu")(x)
    x = L.Conv2D(4 * filters, 1, name=name + "_3_conv")(x)
    x = L.BatchNormalization(axis=ax, epsilon=_EPS, name=name + "_3_bn")(x)
    x = L.Add(name=name + "_add")([shortcut, x])
    return L.Activation("relu", name=name + "_out")(x)


def _stage(x, filters, blocks, stride1=2, name=None):
    x = _bottleneck(x, filters, stride=stride1, name=name + "_block1")
    for i in range(2, blocks + 1):
        x = _bottleneck(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def ResNet50(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
             classifier_activation="softmax", name="resnet50"):
    """ResNet50: stages of 3, 4, 6, 3 bottleneck blocks; default input 224x224x3 (at least 32x32).

    Example::

        >>> ResNet50(weights=None, include_top=False, pooling="avg").output_shape
        (None, 2048)
    """
    return _resnet_v1((3, 4, 6, 3), name, include_top, weights, input_tensor, input_shape, pooling, classes,
                      classifier_activation, "ResNet50")


def ResNet101(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
              classifier_activation="softmax", name="resnet101"):
    """ResNet101: stages of 3, 4, 23, 3 bottleneck blocks; default input 224x224x3.

    Example::

        >>> ResNet101(weights=None, include_top=False, pooling="avg").output_shape
        (None, 2048)
    """
    return _resnet_v1((3, 4, 23, 3), name, include_top, weights, input_tensor, input_shape, pooling, classes,
                      classifier_activation, "ResNet101")


def ResNet152(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
              classifier_activation="softmax", name="resnet152"):
    """ResNet152: stages of 3, 8, 36, 3 bottleneck blocks; default input 224x224x3.

    Example::

        >>> ResNet152(weights=None, include_top=False, pooling="avg").output_shape
        (None, 2048)
    """
    return _resnet_v1((3, 8, 36, 3), name, include_top, weights, input_tensor, input_shape, pooling, classes,
                      classifier_activation, "ResNet152")


def _resnet_v1(blocks, name, include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation,
               display_name):
    def stack_fn(x):
        x = _stage(x, 64, blocks[0], stride1=1, name="conv2")
        x = _stage(x, 128, blocks[1], name="conv3")
        x = _stage(x, 256, blocks[2], name="conv4")
        return _stage(x, 512, blocks[3], name="conv5")

    return resnet(stack_fn, False, True, name, include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, display_name, f"{display_name.lower()}_weights_tf_dim_ordering_tf_kernels")


# Keras exposes both per family module (applications.resnet.preprocess_input).
preprocess_input, decode_predictions = imagenet_utils.family_functions('caffe', 'ResNet')
