"""What every application constructor does around its network body: check ``weights``, make the
image input (or adopt ``input_tensor``), add the classifier top or the pooling, wrap the graph in a
Model and load the weights (a local file, or Keras's ImageNet file from the Keras cache).

Example (inside an application)::

    check_weights(weights, include_top, classes, "Xception", "xception_weights_tf_dim_ordering_tf_kernels")
    img_input = image_input(input_tensor, input_shape)
    ...                                           # the network body on img_input
    x = classifier_top(x, include_top, pooling, classes, classifier_activation, weights)
    return finish_model(input_tensor, img_input, x, "xception", weights)
"""
from __future__ import annotations

import os

import numpy as np
import torch

from .. import backend
from .. import layers as L
from ..engine.functional import Model
from ..engine.input_layer import Input, InputLayer
from ..engine.keras_tensor import KerasTensor
from .imagenet_utils import validate_activation

# Where Keras publishes each family's ImageNet weights (file names: the stems the applications pass).
_TF_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/"
_WEIGHTS_FOLDERS = (("vgg16", _TF_BASE + "vgg16/"), ("vgg19", _TF_BASE + "vgg19/"),
                    ("xception", _TF_BASE + "xception/"), ("inception_v3", _TF_BASE + "inception_v3/"),
                    ("resnet", _TF_BASE + "resnet/"), ("mobilenet_v2", _TF_BASE + "mobilenet_v2/"),
                    ("mobilenet", _TF_BASE + "mobilenet/"), ("densenet", _TF_BASE + "densenet/"),
                    ("efficientnet", "https://storage.googleapis.com/keras-applications/"))


class ImagenetWeights(str):
    """``'imagenet'`` (it compares equal, so input-shape rules keyed on it still apply) that also
    carries the local path of the weights file: ``finish_model`` loads ``weights.path``."""

    def __new__(cls, path):
        obj = super().__new__(cls, "imagenet")
        obj.path = path
        return obj


def imagenet_weights_file(app_name, file_name):
    """The weights file in ``~/.keras/models`` (or ``$KERAS_HOME/models``) under Keras's name,
    downloaded with ``get_file`` when it is missing; offline and missing: an error naming the file,
    the URL and the folder. Example: ``imagenet_weights_file("VGG16", "vgg16_weights_tf_dim_ordering_tf_kernels.h5")``.
    """
    from ..utils.file_utils import get_file
    base = next(url for prefix, url in _WEIGHTS_FOLDERS if file_name.startswith(prefix))
    try:
        return get_file(file_name, base + file_name, cache_subdir="models")
    except FileNotFoundError as e:
        raise FileNotFoundError(f"{app_name}(weights='imagenet') needs Keras's pretrained weights file. {e} "
                                "Or build the network with weights=None (random initialization).") from None


_POOLINGS = (None, "avg", "max")


def check_weights(weights, include_top, classes, app_name, keras_file_stem, pooling=None, notop_suffix="_notop"):
    """Validate ``weights``/``classes``/``pooling``; for 'imagenet', find (or download) Keras's file now,
    before the network is built, so a missing file fails fast."""
    if pooling not in _POOLINGS:
        raise ValueError(f"{app_name}: unknown pooling={pooling!r}; expected None (4D feature map), 'avg' "
                         "(global average pooling) or 'max' (global max pooling).")
    if isinstance(weights, os.PathLike):
        weights = os.fspath(weights)
    if weights is None:
        return None
    if not isinstance(weights, str) or (weights != "imagenet" and not os.path.exists(weights)):
        raise ValueError("The `weights` argument should be either `None` (random initialization), 'imagenet' "
                         "(pre-training on ImageNet), or the path to the weights file to be loaded. "
                         f"Received: weights={weights!r}" + ("" if not isinstance(weights, str) else
                                                            " (no file exists at that path)."))
    if weights == "imagenet":
        if include_top and classes != 1000:
            raise ValueError('If using `weights="imagenet"` with `include_top=True`, `classes` should be 1000. '
                             f"Received classes={classes}")
        suffix = ".h5" if include_top else notop_suffix + ".h5"
        return ImagenetWeights(imagenet_weights_file(app_name, keras_file_stem + suffix))
    return weights


def channel_axis() -> int:
    """The channel axis of 4D image tensors under the current image data format."""
    return -1 if backend.image_data_format() == "channels_last" else 1


def image_input(input_tensor, input_shape):
    """The network's input: a new ``Input(shape=input_shape)`` or the user's symbolic ``input_tensor``."""
    if input_tensor is None:
        return Input(shape=input_shape)
    if isinstance(input_tensor, KerasTensor):
        if len(input_tensor.shape) != 4:
            raise ValueError(f"input_tensor must be a 4D image tensor (batch, height, width, channels); received "
                             f"shape {input_tensor.shape}.")
        return input_tensor
    if isinstance(input_tensor, (torch.Tensor, np.ndarray)):
        raise TypeError("input_tensor must be a symbolic tensor (the output of Input() or of a layer), not a "
                        f"{type(input_tensor).__name__} of values. Use input_shape={tuple(input_tensor.shape[1:])} "
                        "instead, then call the model on your data.")
    raise TypeError(f"input_tensor must be a symbolic tensor from Input() or a layer; received "
                    f"{type(input_tensor).__name__}.")


def source_inputs(tensor) -> list:
    """The Input tensors a symbolic tensor is computed from (Keras's ``get_source_inputs``)."""
    out, seen, stack = [], set(), [tensor]
    while stack:
        t = stack.pop()
        layer, node_index, _ = t._keras_history
        if isinstance(layer, InputLayer):
            if id(t) not in seen:
                seen.add(id(t))
                out.append(t)
            continue
        stack.extend(reversed(layer._inbound_nodes[node_index].input_tensors))
    return out


def classifier_top(x, include_top, pooling, classes, classifier_activation, weights,
                   pool_names=("avg_pool", None, None)):
    """GlobalAveragePooling2D + Dense classifier, or the requested global pooling of the features.

    ``pool_names``: names of the top's average pool, of the avg pooling and of the max pooling
    used without top (None: automatic names), as each Keras application names them.
    """
    if include_top:
        x = L.GlobalAveragePooling2D(name=pool_names[0])(x)
        validate_activation(classifier_activation, weights)
        return L.Dense(classes, activation=classifier_activation, name="predictions")(x)
    return pooled(x, pooling, pool_names[1], pool_names[2])


def pooled(x, pooling, avg_name=None, max_name=None):
    """Global average or max pooling per ``pooling`` ('avg', 'max'), or ``x`` unchanged for None."""
    if pooling == "avg":
        return L.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return L.GlobalMaxPooling2D(name=max_name)(x)
    return x


def finish_model(input_tensor, img_input, x, name, weights):
    """Model from the image input (or the sources of ``input_tensor``) to ``x``; load ``weights``."""
    inputs = source_inputs(input_tensor) if input_tensor is not None else img_input
    if isinstance(inputs, list) and len(inputs) == 1:
        inputs = inputs[0]
    model = Model(inputs, x, name=name)
    if weights is not None:
        model.load_weights(getattr(weights, "path", weights))
    return model
