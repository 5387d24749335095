"""What every application constructor does around its network body: check ``weights``, make the
image input (or adopt ``input_tensor``), add the classifier top or the pooling, wrap the graph in a
Model and load a local weights file.

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

NO_DOWNLOAD = ("pretrained weights cannot be downloaded in this environment; pass weights=PATH to a local "
               ".h5/.weights.h5/.keras file you obtained elsewhere")
_POOLINGS = (None, "avg", "max")


def check_weights(weights, include_top, classes, app_name, keras_file_stem, pooling=None, notop_suffix="_notop"):
    """Validate ``weights``/``classes``/``pooling``; 'imagenet' raises (no network here)."""
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
        raise ValueError(f"{app_name}(weights='imagenet'): {NO_DOWNLOAD} (Keras names the file "
                         f"{keras_file_stem}{suffix}), or use weights=None for random initialization.")
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
        model.load_weights(weights)
    return model
