"""MobileNet (Howard et al., 2017): depthwise-separable convolutions with ReLU6, scaled by the width
multiplier ``alpha`` and the resolution.

Example::

    >>> from kfunc_torch.applications import MobileNet
    >>> MobileNet(weights=None, alpha=0.25, input_shape=(128, 128, 3)).name
    'mobilenet_0.25_128'
"""
from __future__ import annotations

from .. import backend
from .. import layers as L
from . import imagenet_utils
from ._builder import channel_axis, check_weights, finish_model, image_input, pooled

__all__ = ["MobileNet", "preprocess_input", "decode_predictions"]
_SIZES = (128, 160, 192, 224)


def _conv_block(x, filters, alpha, strides):
    x = L.Conv2D(int(filters * alpha), (3, 3), padding="same", use_bias=False, strides=strides, name="conv1")(x)
    x = L.BatchNormalization(axis=channel_axis(), name="conv1_bn")(x)
    return L.ReLU(6.0, name="conv1_relu")(x)


def _depthwise_block(x, pointwise_filters, alpha, depth_multiplier, block_id, strides=(1, 1)):
    """(pad) -> 3x3 depthwise -> BN -> ReLU6 -> 1x1 pointwise -> BN -> ReLU6."""
    ax = channel_axis()
    if strides != (1, 1):
        x = L.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block_id}")(x)
    x = L.DepthwiseConv2D((3, 3), padding="same" if strides == (1, 1) else "valid", depth_multiplier=depth_multiplier,
                          strides=strides, use_bias=False, name=f"conv_dw_{block_id}")(x)
    x = L.BatchNormalization(axis=ax, name=f"conv_dw_{block_id}_bn")(x)
    x = L.ReLU(6.0, name=f"conv_dw_{block_id}_relu")(x)
    x = L.Conv2D(int(pointwise_filters * alpha), (1, 1), padding="same", use_bias=False, strides=(1, 1),
                 name=f"conv_pw_{block_id}")(x)
    x = L.BatchNormalization(axis=ax, name=f"conv_pw_{block_id}_bn")(x)
    return L.ReLU(6.0, name=f"conv_pw_{block_id}_relu")(x)


# (pointwise filters, strides) of blocks 1..13
_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1), (512, 1),
           (512, 1), (1024, 2), (1024, 1))


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3, include_top=True, weights="imagenet",
              input_tensor=None, pooling=None, classes=1000, classifier_activation="softmax", name=None):
    """MobileNet v1; default input 224x224x3 (128, 160, 192 or 224 square sizes have pretrained
    weights in Keras; at least 32x32). ``alpha`` scales every layer's filters.

    Example::

        >>> MobileNet(weights=None, include_top=False, pooling="avg").output_shape
        (None, 1024)
    """
    weights = check_weights(weights, include_top, classes, "MobileNet", _weights_stem(alpha, input_shape), pooling,
                            notop_suffix="_no_top")
    if depth_multiplier < 1 or int(depth_multiplier) != depth_multiplier:
        raise ValueError(f"MobileNet: depth_multiplier must be a positive integer; received {depth_multiplier!r}.")
    cl = backend.image_data_format() == "channels_last"
    default_size = 224
    if input_shape is not None and len(input_shape) == 3:
        rows, cols = (input_shape[0], input_shape[1]) if cl else (input_shape[1], input_shape[2])
        if rows == cols and rows in _SIZES:
            default_size = rows
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=default_size, min_size=32,
                                                    data_format=backend.image_data_format(),
                                                    require_flatten=include_top, weights=weights)
    rows = input_shape[0] if cl else input_shape[1]
    img_input = image_input(input_tensor, input_shape)

    x = _conv_block(img_input, 32, alpha, strides=(2, 2))
    for block_id, (filters, stride) in enumerate(_BLOCKS, start=1):
        x = _depthwise_block(x, filters, alpha, depth_multiplier, block_id, strides=(stride, stride))

    if include_top:
        x = L.GlobalAveragePooling2D(keepdims=True)(x)
        x = L.Dropout(dropout, name="dropout")(x)
        x = L.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = L.Reshape((classes,), name="reshape_2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = L.Activation(classifier_activation, name="predictions")(x)
    else:
        x = pooled(x, pooling)
    if name is None:
        name = f"mobilenet_{alpha:0.2f}_{rows}"
    return finish_model(input_tensor, img_input, x, name, weights)


def _weights_stem(alpha, input_shape):
    """Keras's file name for these weights (alpha 0.25 -> '2_5', 1.0 -> '1_0')."""
    size = input_shape[0] if input_shape else 224
    alpha_text = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}.get(alpha, str(alpha))
    return f"mobilenet_{alpha_text}_{size}_tf"


# Keras exposes both per family module (applications.mobilenet.preprocess_input).
preprocess_input, decode_predictions = imagenet_utils.family_functions('tf', 'MobileNet')
