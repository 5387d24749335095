"""EfficientNet B0-B7 (Tan & Le, 2019): MBConv blocks (expand, depthwise, squeeze-and-excitation,
project) with swish, scaled in width, depth and resolution. The model takes raw 0..255 images: it
starts with Rescaling(1/255) and a Normalization layer.

Example::

    >>> from kfunc_torch.applications import EfficientNetB0
    >>> EfficientNetB0(weights=None).count_params()
    5330571
"""
from __future__ import annotations

import copy
import math

from .. import backend
from .. import initializers
from .. import layers as L
from . import imagenet_utils
from ._builder import channel_axis, check_weights, classifier_top, finish_model, image_input
from .preprocessing_layers import Normalization as _Normalization
from .preprocessing_layers import Rescaling as _Rescaling

__all__ = ["EfficientNetB0", "EfficientNetB1", "EfficientNetB2", "EfficientNetB3", "EfficientNetB4",
           "EfficientNetB5", "EfficientNetB6", "EfficientNetB7", "preprocess_input", "decode_predictions"]

# One dict per stage of the B0 network; later variants scale filters and repeats.
DEFAULT_BLOCKS_ARGS = [
    dict(kernel_size=3, repeats=1, filters_in=32, filters_out=16, expand_ratio=1, strides=1),
    dict(kernel_size=3, repeats=2, filters_in=16, filters_out=24, expand_ratio=6, strides=2),
    dict(kernel_size=5, repeats=2, filters_in=24, filters_out=40, expand_ratio=6, strides=2),
    dict(kernel_size=3, repeats=3, filters_in=40, filters_out=80, expand_ratio=6, strides=2),
    dict(kernel_size=5, repeats=3, filters_in=80, filters_out=112, expand_ratio=6, strides=1),
    dict(kernel_size=5, repeats=4, filters_in=112, filters_out=192, expand_ratio=6, strides=2),
    dict(kernel_size=3, repeats=1, filters_in=192, filters_out=320, expand_ratio=6, strides=1),
]
for _args in DEFAULT_BLOCKS_ARGS:
    _args.update(se_ratio=0.25, id_skip=True)


def _conv_init():
    return initializers.VarianceScaling(scale=2.0, mode="fan_out", distribution="truncated_normal")


def _dense_init():
    return initializers.VarianceScaling(scale=1.0 / 3.0, mode="fan_out", distribution="uniform")


def _layer(name, fallback):
    return getattr(L, name, None) or fallback


def _mbconv(inputs, activation, drop_rate, name, filters_in, filters_out, kernel_size, strides, expand_ratio,
            se_ratio, id_skip):
    """Inverted residual block with squeeze-and-excitation."""
    ax = channel_axis()
    filters = filters_in * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = L.Conv2D(filters, 1, padding="same", use_bias=False, kernel_initializer=_conv_init(),
                     name=name + "expand_conv")(x)
        x = L.BatchNormalization(axis=ax, name=name + "expand_bn")(x)
        x = L.Activation(activation, name=name + "expand_activation")(x)
    if strides == 2:
        x = L.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size), name=name + "dwconv_pad")(x)
    x = L.DepthwiseConv2D(kernel_size, strides=strides, padding="valid" if strides == 2 else "same", use_bias=False,
                          depthwise_initializer=_conv_init(), name=name + "dwconv")(x)
    x = L.BatchNormalization(axis=ax, name=name + "bn")(x)
    x = L.Activation(activation, name=name + "activation")(x)
    if 0 < se_ratio <= 1:
        filters_se = max(1, int(filters_in * se_ratio))
        se = L.GlobalAveragePooling2D(name=name + "se_squeeze")(x)
        se_shape = (1, 1, filters) if ax == -1 else (filters, 1, 1)
        se = L.Reshape(se_shape, name=name + "se_reshape")(se)
        se = L.Conv2D(filters_se, 1, padding="same", activation=activation, kernel_initializer=_conv_init(),
                      name=name + "se_reduce")(se)
        se = L.Conv2D(filters, 1, padding="same", activation="sigmoid", kernel_initializer=_conv_init(),
                      name=name + "se_expand")(se)
        x = L.multiply([x, se], name=name + "se_excite")
    x = L.Conv2D(filters_out, 1, padding="same", use_bias=False, kernel_initializer=_conv_init(),
                 name=name + "project_conv")(x)
    x = L.BatchNormalization(axis=ax, name=name + "project_bn")(x)
    if id_skip and strides == 1 and filters_in == filters_out:
        if drop_rate > 0:
            x = L.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=name + "drop")(x)
        x = L.add([x, inputs], name=name + "add")
    return x


def EfficientNet(width_coefficient, depth_coefficient, default_size, dropout_rate=0.2, drop_connect_rate=0.2,
                 depth_divisor=8, activation="swish", blocks_args="default", name="efficientnet",
                 include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
                 classifier_activation="softmax"):
    """An EfficientNet of the given width/depth multipliers and default resolution.

    Example::

        >>> EfficientNet(1.0, 1.0, 224, name="efficientnetb0", weights=None).count_params()
        5330571
    """
    if blocks_args == "default":
        blocks_args = DEFAULT_BLOCKS_ARGS
    weights = check_weights(weights, include_top, classes, "EfficientNet", name, pooling)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=default_size, min_size=32,
                                                    data_format=backend.image_data_format(),
                                                    require_flatten=include_top, weights=weights)
    img_input = image_input(input_tensor, input_shape)
    ax = channel_axis()

    def round_filters(filters):
        filters *= width_coefficient
        new = max(depth_divisor, int(filters + depth_divisor / 2) // depth_divisor * depth_divisor)
        return int(new + depth_divisor if new < 0.9 * filters else new)

    def round_repeats(repeats):
        return int(math.ceil(depth_coefficient * repeats))

    x = _layer("Rescaling", _Rescaling)(1.0 / 255.0)(img_input)
    x = _layer("Normalization", _Normalization)(axis=ax)(x)
    x = L.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3), name="stem_conv_pad")(x)
    x = L.Conv2D(round_filters(32), 3, strides=2, padding="valid", use_bias=False, kernel_initializer=_conv_init(),
                 name="stem_conv")(x)
    x = L.BatchNormalization(axis=ax, name="stem_bn")(x)
    x = L.Activation(activation, name="stem_activation")(x)

    blocks_args = copy.deepcopy(blocks_args)
    total = float(sum(round_repeats(a["repeats"]) for a in blocks_args))
    b = 0
    for i, args in enumerate(blocks_args):
        args["filters_in"] = round_filters(args["filters_in"])
        args["filters_out"] = round_filters(args["filters_out"])
        for j in range(round_repeats(args.pop("repeats"))):
            if j > 0:
                args["strides"] = 1
                args["filters_in"] = args["filters_out"]
            x = _mbconv(x, activation, drop_connect_rate * b / total, name=f"block{i + 1}{chr(j + 97)}_", **args)
            b += 1

    x = L.Conv2D(round_filters(1280), 1, padding="same", use_bias=False, kernel_initializer=_conv_init(),
                 name="top_conv")(x)
    x = L.BatchNormalization(axis=ax, name="top_bn")(x)
    x = L.Activation(activation, name="top_activation")(x)
    if include_top:
        x = L.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = L.Dropout(dropout_rate, name="top_dropout")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = L.Dense(classes, activation=classifier_activation, kernel_initializer=_dense_init(),
                    name="predictions")(x)
    else:
        x = classifier_top(x, False, pooling, classes, classifier_activation, weights,
                           pool_names=(None, "avg_pool", "max_pool"))
    return finish_model(input_tensor, img_input, x, name, weights)


def _variant(fn_name, width, depth, size, dropout):
    def build(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
              classifier_activation="softmax", name=fn_name.lower()):
        return EfficientNet(width, depth, size, dropout, name=name, include_top=include_top, weights=weights,
                            input_tensor=input_tensor, input_shape=input_shape, pooling=pooling, classes=classes,
                            classifier_activation=classifier_activation)
    build.__name__ = build.__qualname__ = fn_name
    build.__doc__ = (f"{fn_name}: width x{width}, depth x{depth}, default input {size}x{size}x3, top dropout "
                     f"{dropout}. Takes raw 0..255 images.\n\n    Example::\n\n        >>> model = {fn_name}"
                     "(weights=None, include_top=False)\n")
    return build


EfficientNetB0 = _variant("EfficientNetB0", 1.0, 1.0, 224, 0.2)
EfficientNetB1 = _variant("EfficientNetB1", 1.0, 1.1, 240, 0.2)
EfficientNetB2 = _variant("EfficientNetB2", 1.1, 1.2, 260, 0.3)
EfficientNetB3 = _variant("EfficientNetB3", 1.2, 1.4, 300, 0.3)
EfficientNetB4 = _variant("EfficientNetB4", 1.4, 1.8, 380, 0.4)
EfficientNetB5 = _variant("EfficientNetB5", 1.6, 2.2, 456, 0.4)
EfficientNetB6 = _variant("EfficientNetB6", 1.8, 2.6, 528, 0.5)
EfficientNetB7 = _variant("EfficientNetB7", 2.0, 3.1, 600, 0.5)


# Keras exposes both per family module (applications.efficientnet.preprocess_input).
preprocess_input, decode_predictions = imagenet_utils.family_functions(None, 'EfficientNet')
