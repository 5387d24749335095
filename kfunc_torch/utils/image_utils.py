"""Images as arrays and back (``keras.utils.load_img`` / ``img_to_array`` / ``array_to_img`` /
``save_img``, also under ``keras.preprocessing.image``). Pillow does the file work; it is an
optional dependency (``pip install pillow`` or ``kfunc_torch[image]``).

Example::

    >>> from kfunc_torch.utils import load_img, img_to_array
    >>> img = load_img("cat.jpg", target_size=(224, 224))     # a PIL image
    >>> img_to_array(img).shape
    (224, 224, 3)
"""
from __future__ import annotations

import io
import os
import pathlib
import warnings

import numpy as np

__all__ = ["load_img", "img_to_array", "array_to_img", "save_img", "require_pillow"]

_COLOR_MODES = ("grayscale", "rgb", "rgba")


def require_pillow(what: str):
    """``PIL.Image``, or an ImportError that says Pillow is what ``what`` needs and how to get it."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(f"{what} needs Pillow (the PIL package) to read and write images, and it is not "
                          "installed. Install it with `pip install pillow` (or `pip install kfunc_torch[image]`).") \
            from None
    return Image


def _data_format(data_format):
    from .. import backend
    data_format = backend.image_data_format() if data_format is None else data_format.lower()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first'; received {data_format!r}.")
    return data_format


def _floatx(dtype):
    from .. import backend
    return backend.floatx() if dtype is None else dtype


def _resampling(Image, interpolation):
    methods = {"nearest": "NEAREST", "bilinear": "BILINEAR", "bicubic": "BICUBIC", "hamming": "HAMMING",
               "box": "BOX", "lanczos": "LANCZOS"}
    if interpolation not in methods:
        raise ValueError(f"load_img: unknown interpolation {interpolation!r}; supported: {', '.join(methods)}.")
    return getattr(getattr(Image, "Resampling", Image), methods[interpolation])


def load_img(path, grayscale=False, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """Read an image file (a path or ``io.BytesIO``) as a PIL image in ``color_mode``, resized to
    ``target_size=(height, width)`` when given (``keep_aspect_ratio`` crops the centre first).

    Example: ``load_img("cat.png", color_mode="grayscale", target_size=(28, 28))``.
    """
    Image = require_pillow("load_img")
    if isinstance(grayscale, str):  # Keras 3 order: load_img(path, color_mode, ...)
        grayscale, color_mode = False, grayscale
    if grayscale:  # Keras 2.2 argument
        warnings.warn("load_img(grayscale=True) is deprecated; use color_mode='grayscale'.", stacklevel=2)
        color_mode = "grayscale"
    if color_mode not in _COLOR_MODES:
        raise ValueError(f"load_img: color_mode must be one of {_COLOR_MODES}; received {color_mode!r}.")
    if isinstance(path, io.BytesIO):
        img = Image.open(path)
    elif isinstance(path, (str, bytes, os.PathLike)):
        with open(path, "rb") as f:  # read fully, so the file is closed before we return
            img = Image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"load_img: path should be a file path or io.BytesIO; received {type(path).__name__}.")
    wanted = {"grayscale": ("L", "I;16", "I"), "rgba": ("RGBA",), "rgb": ("RGB",)}[color_mode]
    if img.mode not in wanted:
        img = img.convert(wanted[0])
    if target_size is not None:
        size = (target_size[1], target_size[0])  # PIL sizes are (width, height)
        if img.size != size:
            resample = _resampling(Image, interpolation)
            box = None
            if keep_aspect_ratio:
                width, height = img.size
                crop_h = min(height, (width * size[1]) // size[0])
                crop_w = min(width, (height * size[0]) // size[1])
                top, left = (height - crop_h) // 2, (width - crop_w) // 2
                box = [left, top, left + crop_w, top + crop_h]
            img = img.resize(size, resample, box=box)
    return img


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image (or anything ``np.asarray`` takes) as a 3D float array (height, width, channels)
    under channels_last, (channels, height, width) under channels_first.

    Example: ``img_to_array(load_img("cat.png")).shape`` -> ``(h, w, 3)``.
    """
    data_format = _data_format(data_format)
    x = np.asarray(img, dtype=_floatx(dtype))
    if x.ndim == 2:
        x = x[None] if data_format == "channels_first" else x[..., None]
    elif x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    else:
        raise ValueError(f"img_to_array: expected a 2D or 3D image; received an array of shape {x.shape}.")
    return x


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A 3D array as a PIL image (1, 3 or 4 channels); ``scale`` stretches the values to [0, 255].

    Example: ``array_to_img(np.random.rand(8, 8, 3)).size`` -> ``(8, 8)``.
    """
    Image = require_pillow("array_to_img")
    x = np.asarray(x, dtype=_floatx(dtype))
    if x.ndim != 3:
        raise ValueError(f"array_to_img: expected one image of rank 3; received an array of shape {x.shape}.")
    if _data_format(data_format) == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        top = np.max(x)
        if top != 0:
            x = x / top
        x = x * 255
    channels = x.shape[2]
    if channels in (3, 4):
        return Image.fromarray(x.astype("uint8"), "RGB" if channels == 3 else "RGBA")
    if channels == 1:
        if np.max(x) > 255:  # beyond 8 bits: a 32-bit integer grayscale image
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"array_to_img: images have 1, 3 or 4 channels; received {channels} (shape {x.shape}).")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Write an array as an image file; the format follows the file name unless ``file_format`` is given.

    Example: ``save_img("out.png", np.random.rand(32, 32, 3))``.
    """
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower() or None
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"  # Pillow's name
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("save_img: JPEG has no alpha channel; converting the RGBA image to RGB.", stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)
