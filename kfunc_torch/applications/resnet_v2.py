"""ResNet50V2/101V2/152V2 (He et al., 2016, "Identity Mappings"): pre-activation bottleneck blocks (BN and
ReLU before each convolution), a final BN + ReLU after the last stage.

Example::

    >>> from kfunc_torch.applications import ResNet50V2
    >>> ResNet50V2(weights=None).count_params()
    25613800
"""
from __future__ import annotations

from .. import layers as L
from . import imagenet_utils
from ._builder import channel_axis
from .resnet import _EPS, resnet

__all__ = ["ResNet50V2", "ResNet101V2", "ResNet152V2", "preprocess_input", "decode_predictions"]


def _preact_block(x, filters, stride=1, conv_shortcut=False, name=None):
    """BN-ReLU, then 1x1 -> 3x3 (carries the stride) -> 1x1 (4x filters), added to the shortcut."""
    ax = channel_axis()
    preact = L.BatchNormalization(axis=ax, epsilon=_EPS, name=name + "_preact_bn")(x)
    preact = L.Activation("relu", name=name + "_preact_relu")(preact)
    if conv_shortcut:
        shortcut = L.Conv2D(4 * filters, 1, strides=stride, name=name + "_0_conv")(preact)
    else:
        shortcut = L.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = L.Conv2D(filters, 1, strides=1, use_bias=False, name=name + "_1_conv")(preact)
    x = L.BatchNormalization(axis=ax, epsilon=_EPS, name=name + "_1_bn")(x)
    x = L.Activation("relu", name=name + "_1_relu")(x)
    x = L.ZeroPadding2D(padding=((1, 1), (1, 1)), name=name + "_2_pad")(x)
    x = L.Conv2D(filters, 3, strides=stride, use_bias=False, name=name + "_2_conv")(x)
    x = L.BatchNormalization(axis=ax, epsilon=_EPS, name=name + "_2_bn")(x)
    x = L.Activation("relu", name=name + "_2_relu")(x)
    x = L.Conv2D(4 * filters, 1, name=name + "_3_conv")(x)
    return L.Add(name=name + "_out")([shortcut, x])


def _stage(x, filters, blocks, stride1=2, name=None):
    """First block projects the shortcut; the last block carries the stage's stride."""
    x = _preact_block(x, filters, conv_shortcut=True, name=name + "_block1")
    for i in range(2, blocks):
        x = _preact_block(x, filters, name=f"{name}_block{i}")
    return _preact_block(x, filters, stride=stride1, name=f"{name}_block{blocks}")


def ResNet50V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
               classifier_activation="softmax", name="resnet50v2"):
    """ResNet50V2: stages of 3, 4, 6, 3 pre-activation blocks; default input 224x224x3.

    Example::

        >>> ResNet50V2(weights=None, include_top=False).output_shape
        (None, None, None, 2048)
    """
    return _resnet_v2((3, 4, 6, 3), name, include_top, weights, input_tensor, input_shape, pooling, classes,
                      classifier_activation, "ResNet50V2")


def ResNet101V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="resnet101v2"):
    """ResNet101V2: stages of 3, 4, 23, 3 pre-activation blocks; default input 224x224x3.

    Example::

        >>> ResNet101V2(weights=None, include_top=False, pooling="avg").output_shape
        (None, 2048)
    """
    return _resnet_v2((3, 4, 23, 3), name, include_top, weights, input_tensor, input_shape, pooling, classes,
                      classifier_activation, "ResNet101V2")


def ResNet152V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="resnet152v2"):
    """ResNet152V2: stages of 3, 8, 36, 3 pre-activation blocks; default input 224x224x3.

    Example::

        >>> ResNet152V2(weights=None, include_top=False, pooling="avg").output_shape
        (None, 2048)
    """
    return _resnet_v2((3, 8, 36, 3), name, include_top, weights, input_tensor, input_shape, pooling, classes,
                      classifier_activation, "ResNet152V2")


def _resnet_v2(blocks, name, include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation,
               display_name):
    def stack_fn(x):
        x = _stage(x, 64, blocks[0], name="conv2")
        x = _stage(x, 128, blocks[1], name="conv3")
        x = _stage(x, 256, blocks[2], name="conv4")
        return _stage(x, 512, blocks[3], stride1=1, name="conv5")

    return resnet(stack_fn, True, True, name, include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, display_name, f"{display_name.lower()}_weights_tf_dim_ordering_tf_kernels")


# Keras exposes both per family module (applications.resnet_v2.preprocess_input).
preprocess_input, decode_predictions = imagenet_utils.family_functions('tf', 'ResNetV2')
