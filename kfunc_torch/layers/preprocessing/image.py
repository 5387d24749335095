"""Deterministic image preprocessing: Resizing and CenterCrop (the same in training and inference).

Example::

    >>> Resizing(64, 64)(np.zeros((2, 128, 96, 3))).shape
    torch.Size([2, 64, 64, 3])
    >>> CenterCrop(32, 32)(Input(shape=(64, 64, 3))).shape
    (None, 32, 32, 3)
"""
from __future__ import annotations

import torch

from .. import _spatial as sp
from . import _image_ops as ops
from ._base import PreprocessingLayer

__all__ = ["Resizing", "CenterCrop"]


class ImageLayer(PreprocessingLayer):
    """Base of the image layers: a data_format, and images of rank 4 (a batch) or 3 (one image)."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = sp.data_format(data_format)

    def _hw(self, rank):
        return ops.hw_axes(self.data_format, rank)

    def _with_size(self, input_shape, height, width):
        shape = list(input_shape)
        h, w = self._hw(len(shape))
        shape[h], shape[w] = height, width
        return tuple(shape)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Resizing(ImageLayer):
    """Resize images to ``(height, width)``.

    Args:
        interpolation: "bilinear" (default), "nearest", "bicubic" or "area".
        crop_to_aspect_ratio: first crop the centre to the target's aspect ratio (no distortion).
        pad_to_aspect_ratio: first pad the sides with ``fill_value`` to the target's aspect ratio.
        antialias: smooth when downsampling (bilinear and bicubic).

    Integer images (uint8) come back rounded in their own dtype, as in Keras. Example::

        >>> Resizing(2, 2, crop_to_aspect_ratio=True)(np.ones((1, 4, 8, 3))).shape
        torch.Size([1, 2, 2, 3])
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
                 fill_mode="constant", fill_value=0.0, antialias=False, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = int(height), int(width)
        self.interpolation = ops.check_choice(interpolation, tuple(ops.RESIZE_MODES), "interpolation", "Resizing")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Resizing: pass only one of crop_to_aspect_ratio=True and pad_to_aspect_ratio=True.")
        if fill_mode != "constant":
            raise ValueError(f"Resizing: fill_mode must be 'constant' (the only mode Keras's torch backend has); "
                             f"received fill_mode={fill_mode!r}.")
        self.crop_to_aspect_ratio, self.pad_to_aspect_ratio = bool(crop_to_aspect_ratio), bool(pad_to_aspect_ratio)
        self.fill_mode, self.fill_value, self.antialias = fill_mode, fill_value, bool(antialias)

    def call(self, inputs):
        return ops.resize(inputs, (self.height, self.width), self.interpolation, self.data_format,
                          self.crop_to_aspect_ratio, self.pad_to_aspect_ratio, self.fill_value, self.antialias)

    def compute_output_shape(self, input_shape):
        return self._with_size(input_shape, self.height, self.width)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "interpolation": self.interpolation, "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias}


def center_crop(images: torch.Tensor, height: int, width: int, data_format: str) -> torch.Tensor:
    """The centred ``height`` x ``width`` window; an image smaller than that is cropped to the target's
    aspect ratio and resized instead (Keras's smart_resize)."""
    h_axis, w_axis = ops.hw_axes(data_format, images.dim())
    h, w = images.shape[h_axis], images.shape[w_axis]
    if h >= height and w >= width:
        top, left = (h - height) // 2, (w - width) // 2
        return images.narrow(h_axis, top, height).narrow(w_axis, left, width)
    return ops.resize(images, (height, width), "bilinear", data_format, crop_to_aspect_ratio=True)


class CenterCrop(ImageLayer):
    """Crop the centre ``height`` x ``width`` of images (output float32).

    Images smaller than the target are cropped to its aspect ratio and resized, as Keras 3 does.
    Example: ``CenterCrop(224, 224)(images)``.
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height, self.width = int(height), int(width)

    def call(self, inputs):
        return center_crop(inputs.float(), self.height, self.width, self.data_format)

    def _output_torch_dtype(self):
        return torch.float32

    def compute_output_shape(self, input_shape):
        if len(input_shape) not in (3, 4):
            raise ValueError(f"CenterCrop takes images of rank 4 (batch) or 3; received shape {tuple(input_shape)}.")
        return self._with_size(input_shape, self.height, self.width)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}
