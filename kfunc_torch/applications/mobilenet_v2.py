"""MobileNetV2 (Sandler et al., 2018): inverted residual blocks (1x1 expand, 3x3 depthwise,
linear 1x1 projection) with ReLU6, scaled by ``alpha``.

Example::

    >>> from kfunc_torch.applications import MobileNetV2
    >>> MobileNetV2(weights=None).count_params()
    3538984
"""
from __future__ import annotations

from .. import backend
from .. import layers as L
from . import imagenet_utils
from ._builder import channel_axis, check_weights, classifier_top, finish_model, image_input

__all__ = ["MobileNetV2", "preprocess_input", "decode_predictions"]
_SIZES = (96, 128, 160, 192, 224)


def _make_divisible(v, divisor, min_value=None):
    """Round ``v`` to a multiple of ``divisor``, never more than 10% below ``v``."""
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def _bn(x, name):
    return L.BatchNormalization(axis=channel_axis(), epsilon=1e-3, momentum=0.999, name=name)(x)


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    in_channels = inputs.shape[channel_axis()]
    pointwise_filters = _make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_"
    if block_id:
        x = L.Conv2D(expansion * in_channels, kernel_size=1, padding="same", use_bias=False, activation=None,
                     name=prefix + "expand")(x)
        x = _bn(x, prefix + "expand_BN")
        x = L.ReLU(6.0, name=prefix + "expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = L.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3), name=prefix + "pad")(x)
    x = L.DepthwiseConv2D(kernel_size=3, strides=stride, activation=None, use_bias=False,
                          padding="same" if stride == 1 else "valid", name=prefix + "depthwise")(x)
    x = _bn(x, prefix + "depthwise_BN")
    x = L.ReLU(6.0, name=prefix + "depthwise_relu")(x)
    x = L.Conv2D(pointwise_filters, kernel_size=1, padding="same", use_bias=False, activation=None,
                 name=prefix + "project")(x)
    x = _bn(x, prefix + "project_BN")
    if in_channels == pointwise_filters and stride == 1:
        return L.Add(name=prefix + "add")([inputs, x])
    return x


# (filters, stride, expansion) of blocks 0..16
_BLOCKS = ((16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6), (64, 1, 6),
           (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6),
           (320, 1, 6))


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True, weights="imagenet", input_tensor=None, pooling=None,
                classes=1000, classifier_activation="softmax", name=None):
    """MobileNetV2; default input 224x224x3 (96..224 square sizes have pretrained weights in Keras).

    Example::

        >>> MobileNetV2(weights=None, alpha=0.35, input_shape=(96, 96, 3)).name
        'mobilenetv2_0.35_96'
    """
    size = input_shape[0] if input_shape else 224
    weights = check_weights(weights, include_top, classes, "MobileNetV2",
                            f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{size}", pooling,
                            notop_suffix="_no_top")
    cl = backend.image_data_format() == "channels_last"
    default_size = 224
    probe = input_shape
    if probe is None and input_tensor is not None and hasattr(input_tensor, "shape") and len(input_tensor.shape) == 4:
        probe = tuple(input_tensor.shape[1:])
    if probe is not None and len(probe) == 3:
        rows, cols = (probe[0], probe[1]) if cl else (probe[1], probe[2])
        if rows == cols and rows in _SIZES:
            default_size = rows
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=default_size, min_size=32,
                                                    data_format=backend.image_data_format(),
                                                    require_flatten=include_top, weights=weights)
    rows = input_shape[0] if cl else input_shape[1]
    img_input = image_input(input_tensor, input_shape)

    x = L.Conv2D(_make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2), padding="same", use_bias=False,
                 name="Conv1")(img_input)
    x = _bn(x, "bn_Conv1")
    x = L.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
        x = _inverted_res_block(x, filters=filters, alpha=alpha, stride=stride, expansion=expansion,
                                block_id=block_id)
    last = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = L.Conv2D(last, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = _bn(x, "Conv_1_bn")
    x = L.ReLU(6.0, name="out_relu")(x)

    x = classifier_top(x, include_top, pooling, classes, classifier_activation, weights,
                       pool_names=(None, None, None))
    if name is None:
        name = f"mobilenetv2_{alpha:0.2f}_{rows}"
    return finish_model(input_tensor, img_input, x, name, weights)


# Keras exposes both per family module (applications.mobilenet_v2.preprocess_input).
preprocess_input, decode_predictions = imagenet_utils.family_functions('tf', 'MobileNetV2')
