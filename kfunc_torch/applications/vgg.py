"""VGG16 and VGG19 (Simonyan & Zisserman, 2014): stacks of 3x3 convolutions and max pooling, then
three dense layers.

Example::

    >>> from kfunc_torch.applications import VGG16
    >>> VGG16(weights=None).count_params()
    138357544
"""
from __future__ import annotations

from .. import backend
from .. import layers as L
from . import imagenet_utils
from ._builder import check_weights, finish_model, image_input, pooled

__all__ = ["VGG16", "VGG19", "preprocess_input", "decode_predictions"]


def _vgg(convs_per_block, name, include_top, weights, input_tensor, input_shape, pooling, classes,
         classifier_activation):
    stem = "vgg16" if convs_per_block[2] == 3 else "vgg19"
    weights = check_weights(weights, include_top, classes, stem.upper(), f"{stem}_weights_tf_dim_ordering_tf_kernels",
                            pooling)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=224, min_size=32,
                                                    data_format=backend.image_data_format(),
                                                    require_flatten=include_top, weights=weights)
    img_input = image_input(input_tensor, input_shape)
    x = img_input
    for block, (filters, n) in enumerate(zip((64, 128, 256, 512, 512), convs_per_block), start=1):
        for i in range(1, n + 1):
            x = L.Conv2D(filters, (3, 3), activation="relu", padding="same", name=f"block{block}_conv{i}")(x)
        x = L.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = L.Flatten(name="flatten")(x)
        x = L.Dense(4096, activation="relu", name="fc1")(x)
        x = L.Dense(4096, activation="relu", name="fc2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = L.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = pooled(x, pooling)
    return finish_model(input_tensor, img_input, x, name, weights)


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
          classifier_activation="softmax", name="vgg16"):
    """VGG16: 13 convolutions in 5 blocks (2, 2, 3, 3, 3); default input 224x224x3 (at least 32x32).

    Example::

        >>> VGG16(weights=None, include_top=False).output_shape
        (None, None, None, 512)
    """
    return _vgg((2, 2, 3, 3, 3), name, include_top, weights, input_tensor, input_shape, pooling, classes,
                classifier_activation)


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
          classifier_activation="softmax", name="vgg19"):
    """VGG19: 16 convolutions in 5 blocks (2, 2, 4, 4, 4); default input 224x224x3 (at least 32x32).

    Example::

        >>> VGG19(weights=None).count_params()
        143667240
    """
    return _vgg((2, 2, 4, 4, 4), name, include_top, weights, input_tensor, input_shape, pooling, classes,
                classifier_activation)


# Keras exposes both per family module (applications.vgg.preprocess_input).
preprocess_input, decode_predictions = imagenet_utils.family_functions('caffe', 'VGG16/VGG19')
