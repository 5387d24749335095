"""ImageNet helpers shared by the applications: ``preprocess_input`` (modes ``caffe``, ``tf``,
``torch``), ``decode_predictions`` (needs a local class-index file), ``obtain_input_shape`` and
``correct_pad``.

Example::

    >>> import numpy as np
    >>> from kfunc_torch.applications import imagenet_utils
    >>> imagenet_utils.preprocess_input(np.full((1, 2, 2, 3), 255.0), mode="tf")[0, 0, 0]
    array([1., 1., 1.])
"""
from __future__ import annotations

import json
import os

import numpy as np
import torch

from .. import backend
from ..engine.keras_tensor import KerasTensor
from ..engine.op_layer import apply_op

# Channel means/stds of the ImageNet training set, RGB order (as Keras uses them).
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
TORCH_MEAN_RGB = (0.485, 0.456, 0.406)
TORCH_STD_RGB = (0.229, 0.224, 0.225)
_MODES = ("caffe", "tf", "torch")
CLASS_INDEX_FILE = "imagenet_class_index.json"


# ---------------------------------------------------------------------------- preprocess_input
def preprocess_input(x, data_format=None, mode="caffe"):
    """Scale a batch of RGB images (values 0..255) the way a pretrained network expects.

    ``mode``: ``'caffe'`` converts RGB to BGR and subtracts the ImageNet channel means (VGG,
    ResNet50); ``'tf'`` scales to [-1, 1] (Xception, InceptionV3, MobileNet); ``'torch'`` scales to
    [0, 1] then standardizes per channel (DenseNet). Accepts numpy arrays (integers become float32)
    and torch tensors; unlike Keras it never modifies a numpy array in place. On a symbolic tensor
    (``preprocess_input(Input(shape=(224, 224, 3)))``) it records the preprocessing in the graph.

    Example::

        >>> preprocess_input(np.zeros((1, 224, 224, 3)), mode="caffe")[0, 0, 0]
        array([-103.939, -116.779, -123.68 ])
    """
    if mode not in _MODES:
        raise ValueError(f"preprocess_input: unknown mode {mode!r}; expected one of {', '.join(_MODES)}.")
    data_format = backend.normalize_data_format(data_format)
    if isinstance(x, torch.Tensor):
        if not x.is_floating_point():
            x = x.float()
        return _preprocess(x, data_format, mode, flip=lambda t, ax: torch.flip(t, dims=(ax,)),
                           const=lambda v: torch.tensor(v, dtype=x.dtype, device=x.device))
    if isinstance(x, KerasTensor):  # inside a model: one op layer that preprocesses at run time
        return apply_op(lambda t: preprocess_input(t, data_format=data_format, mode=mode), (x,),
                        name="preprocess_input")
    x = np.asarray(x)
    x = x.astype(backend.floatx()) if not np.issubdtype(x.dtype, np.floating) else x.copy()
    if x.ndim < 3:
        raise ValueError(f"preprocess_input expects images of rank 3 (H, W, C) or a batch of rank 4; received "
                         f"an array of shape {x.shape}.")
    out = _preprocess(x, data_format, mode, flip=lambda t, ax: np.flip(t, axis=ax),
                      const=lambda v: np.asarray(v, dtype=x.dtype))
    return np.ascontiguousarray(out)


def _preprocess(x, data_format, mode, flip, const):
    if mode == "tf":
        return x / 127.5 - 1.0
    ch_axis = -1 if data_format == "channels_last" else (x.ndim - 3)
    if x.shape[ch_axis] != 3:
        raise ValueError(f"preprocess_input(mode={mode!r}) expects 3 colour channels on axis {ch_axis} "
                         f"({data_format}); received shape {tuple(x.shape)}.")
    bshape = [1] * x.ndim
    bshape[ch_axis] = 3
    if mode == "torch":
        mean = const(TORCH_MEAN_RGB).reshape(bshape)
        std = const(TORCH_STD_RGB).reshape(bshape)
        return (x / 255.0 - mean) / std
    # caffe: RGB -> BGR, subtract the BGR means, no scaling
    x = flip(x, ch_axis % x.ndim)
    return x - const(CAFFE_MEAN_BGR).reshape(bshape)


# ---------------------------------------------------------------------------- decode_predictions
def _default_class_index_paths():
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return [os.path.join(home, "models", CLASS_INDEX_FILE)]


def load_class_index(class_index_path=None) -> dict:
    """The ImageNet class index: ``{"0": ["n01440764", "tench"], ...}`` from a local JSON file.

    Looks at ``class_index_path``, then at Keras's cache (``$KERAS_HOME`` or ``~/.keras``,
    ``models/imagenet_class_index.json``). Nothing is downloaded.

    Example::

        >>> index = load_class_index("/data/imagenet_class_index.json")
        >>> index["0"]
        ['n01440764', 'tench']
    """
    candidates = [class_index_path] if class_index_path is not None else _default_class_index_paths()
    for path in candidates:
        if path is not None and os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                index = json.load(f)
            if not isinstance(index, dict) or not all(isinstance(v, (list, tuple)) and len(v) == 2
                                                       for v in index.values()):
                raise ValueError(f"{path} is not an ImageNet class index: expected a JSON object like "
                                 '{"0": ["n01440764", "tench"], ...}.')
            return index
    where = class_index_path if class_index_path is not None else " or ".join(candidates)
    raise FileNotFoundError(
        f"decode_predictions needs the ImageNet class index ({CLASS_INDEX_FILE}), but it was not found at "
        f"{where}. It cannot be downloaded in this environment: obtain the file elsewhere and pass "
        "class_index_path='/path/to/imagenet_class_index.json' (or place it in ~/.keras/models/).")


def decode_predictions(preds, top=5, class_index_path=None):
    """Turn a batch of ImageNet predictions into ``[(class_id, class_name, score), ...]`` per sample,
    best first (``top`` entries each).

    Example::

        >>> decode_predictions(model.predict(x), top=3, class_index_path="imagenet_class_index.json")
        [[('n02504458', 'African_elephant', 0.82), ...]]
    """
    if isinstance(preds, torch.Tensor):
        preds = preds.detach().cpu().numpy()
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError("`decode_predictions` expects a batch of predictions (i.e. a 2D array of shape "
                         f"(samples, 1000)). Received array with shape: {preds.shape}. Pass the output of a "
                         "model built with include_top=True and classes=1000.")
    index = load_class_index(class_index_path)
    results = []
    for pred in preds:
        best = pred.argsort()[-top:][::-1]
        results.append([tuple(index[str(i)]) + (pred[i],) for i in best])
    return results


# ---------------------------------------------------------------------------- shapes
def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten, weights=None):
    """The image shape (without batch) a network is built for, validating the user's ``input_shape``.

    With a classifier top (``require_flatten``) the spatial size must be static; without it, an
    unknown ``input_shape`` gives ``(None, None, 3)``.

    Example::

        >>> obtain_input_shape(None, 299, 71, "channels_last", require_flatten=True)
        (299, 299, 3)
    """
    cl = data_format != "channels_first"
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[-1] if cl else input_shape[0]
        default_shape = (default_size, default_size, channels) if cl else (channels, default_size, default_size)
    else:
        default_shape = (default_size, default_size, 3) if cl else (3, default_size, default_size)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and tuple(input_shape) != default_shape:
            raise ValueError(f"When setting `include_top=True` and loading `imagenet` weights, `input_shape` "
                             f"should be {default_shape}. Received: input_shape={input_shape}")
        return default_shape
    if input_shape:
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ValueError(f"`input_shape` must be a tuple of three integers (height, width, channels), without "
                             f"the batch size. Received: input_shape={input_shape}")
        spatial = input_shape[:2] if cl else input_shape[1:]
        channels = input_shape[-1] if cl else input_shape[0]
        if channels != 3 and weights == "imagenet":
            raise ValueError(f"The input must have 3 channels to use ImageNet weights; Received: "
                             f"input_shape={input_shape}")
        if any(d is not None and d < min_size for d in spatial):
            raise ValueError(f"Input size must be at least {min_size}x{min_size}; Received: input_shape={input_shape}. "
                             f"Use images of at least {min_size}x{min_size} pixels (or upsample them).")
    else:
        if require_flatten:
            input_shape = default_shape
        else:
            input_shape = (None, None, 3) if cl else (3, None, None)
    if require_flatten and None in input_shape:
        raise ValueError("If `include_top` is True, you should specify a static `input_shape` (the classifier "
                         f"needs a fixed image size). Received: input_shape={input_shape}. Pass e.g. "
                         f"input_shape={default_shape}, or include_top=False.")
    return input_shape


def correct_pad(inputs, kernel_size):
    """ZeroPadding2D padding that makes a stride-2 'valid' convolution match TensorFlow's 'same'.

    Example::

        >>> correct_pad(Input(shape=(224, 224, 3)), 3)
        ((0, 1), (0, 1))
    """
    cl = backend.image_data_format() != "channels_first"
    size = tuple(inputs.shape[1:3] if cl else inputs.shape[2:4])
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def validate_activation(classifier_activation, weights):
    """Pretrained weights fix the classifier: only 'softmax' or None (logits) may be asked for."""
    if weights is None:
        return
    if classifier_activation not in {"softmax", None}:
        raise ValueError("Only `None` and `softmax` activations are allowed for the `classifier_activation` "
                         f"argument when using pretrained weights, with `include_top=True`; Received: "
                         f"classifier_activation={classifier_activation}")


def family_functions(mode, family: str):
    """The ``preprocess_input`` / ``decode_predictions`` pair of one family module, as Keras has them
    (``applications.xception.preprocess_input``). ``mode`` None is a pass-through (EfficientNet
    rescales inside the model).

    Example::

        >>> pre, decode = family_functions("tf", "Xception")
        >>> pre(np.array([[[[0., 127.5, 255.]]]]))
        array([[[[-1.,  0.,  1.]]]])
    """
    def family_preprocess_input(x, data_format=None):
        return x if mode is None else preprocess_input(x, data_format=data_format, mode=mode)

    def family_decode_predictions(preds, top=5, class_index_path=None):
        return decode_predictions(preds, top=top, class_index_path=class_index_path)

    family_preprocess_input.__name__ = "preprocess_input"
    family_preprocess_input.__doc__ = (
        f"Prepare RGB images (0..255) for {family}: " +
        ("returned unchanged (the model rescales inside)." if mode is None else
         f"mode {mode!r} of ``imagenet_utils.preprocess_input``.") +
        "\n\nExample: ``preprocess_input(images)``")
    family_decode_predictions.__name__ = "decode_predictions"
    family_decode_predictions.__doc__ = (f"Top ImageNet classes per sample of {family}'s predictions; see "
                                         "``imagenet_utils.decode_predictions``.")
    return family_preprocess_input, family_decode_predictions
