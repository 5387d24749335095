"""Random image augmentation: RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomContrast,
RandomCrop, RandomBrightness.

When they transform is Keras 3's rule: ``call(inputs, training=True)``, so they augment in fit() and
on a direct call without ``training`` (``layer(images)``, ``model(images)``, a custom layer's
``self.augment(x)``), and pass images through in predict(), evaluate(), predict_on_batch() and when
called with ``training=False`` or an explicit ``training=None`` (in a torch loop, pass
``training=False`` to evaluate: torch's ``model.eval()`` does not turn them off, as Keras has no such
mode). Passing through gives float32, as Keras 3 does; RandomContrast and RandomBrightness keep the
dtype, RandomCrop centre-crops and resizes to its target size. Each call draws one transformation per image from
the layer's own ``torch.Generator`` when ``seed`` is given (reproducible), else from torch's global
RNG (so ``torch.manual_seed`` applies). The draws are not Keras's random numbers; the transforms
are Keras's: ``layer.get_random_transformation(images)`` returns the same dict Keras returns and
``layer.transform_images(images, transformation)`` applies it as Keras's torch backend does.

Example::

    >>> augment = Sequential([RandomFlip("horizontal"), RandomRotation(0.1), RandomZoom(0.2)])
    >>> augment(images)                      # a new random transform per image, per call (as Keras 3)
    >>> augment(images, training=False)      # unchanged
"""
from __future__ import annotations

import math

import torch

from . import _image_ops as ops
from ._base import make_generator
from .image import ImageLayer

__all__ = ["RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast", "RandomCrop",
           "RandomBrightness"]


def _factor_pair(factor, bounds, owner, what="factor"):
    """Keras's factor rule: a number f gives (max(-|f|, low), |f|); a pair is sorted; both within bounds."""
    msg = (f"{owner}: {what} must be a number or a pair of numbers in [{bounds[0]}, {bounds[1]}]; "
           f"received {what}={factor!r}.")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise ValueError(msg)
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)):
        if not bounds[0] <= factor <= bounds[1]:
            raise ValueError(msg)
        return (max(-abs(factor), bounds[0]), abs(factor))
    raise ValueError(msg)


def _range_pair(factor, owner, what, low_open=False):
    """RandomZoom/RandomTranslation factors: a number f gives (-f, f); each end in [-1, 1] ((-1, 1] for zoom)."""
    pair = tuple(sorted(factor)) if isinstance(factor, (tuple, list)) else (-abs(factor), abs(factor))
    if isinstance(factor, (tuple, list)) and len(factor) != 2:
        pair = ()
    if len(pair) != 2 or any(v > 1 or (v <= -1 if low_open else v < -1) for v in pair):
        raise ValueError(f"{owner}: {what} must be a number or a pair in {'(-1' if low_open else '[-1'}, 1]; "
                         f"received {what}={factor!r}.")
    return pair


class RandomImageLayer(ImageLayer):
    """Base of the random layers: seeding, batching of single images, training-only application."""

    fill_modes = ops.FILL_MODES

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.seed = seed
        self._generator = make_generator(seed)

    def build(self, input_shape):
        # Refused when the graph is built, not on the first batch (a symbolic call does not run `call`).
        if len(input_shape) not in (3, 4):
            raise ValueError(f"{type(self).__name__} takes images of rank 4 (batch, height, width, channels) or 3; "
                             f"received an input of shape {tuple(input_shape)}.")
        super().build(input_shape)

    def _uniform(self, shape, low, high, device) -> torch.Tensor:
        # Drawn on the CPU (the generator lives there); a few numbers per batch, moved without a sync.
        u = torch.rand(tuple(shape), generator=self._generator)
        return (u * (float(high) - float(low)) + float(low)).to(device)

    def call(self, inputs, training=True):
        # Keras 3's default: True when the caller gives no value (an enclosing fit/predict passes its own).
        single = inputs.dim() == 3
        images = inputs.unsqueeze(0) if single else inputs
        if images.dim() != 4:
            raise ValueError(f"{type(self).__name__} takes images of rank 4 (batch, height, width, channels) or 3; "
                             f"received shape {tuple(inputs.shape)}.")
        if self._active(training):
            out = self.transform_images(images, self.get_random_transformation(images, training=True))
        else:
            out = self._inference(images)
        return out.squeeze(0) if single else out

    def _inference(self, images):
        return images.float()

    def _output_torch_dtype(self):
        return torch.float32

    def _size(self, images):
        h, w = self._hw(images.dim())
        return images.shape[h], images.shape[w]

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


class RandomFlip(RandomImageLayer):
    """Flip each image with probability 1/2. ``mode``: "horizontal", "vertical" or "horizontal_and_vertical"
    (one draw per image: with that mode a flipped image is flipped both ways). Example: ``RandomFlip("horizontal")``."""

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.mode = ops.check_choice(mode, ("horizontal", "vertical", "horizontal_and_vertical"), "mode", "RandomFlip")

    def get_random_transformation(self, images, training=True, seed=None):
        return {"flips": self._uniform((images.shape[0], 1, 1, 1), 0, 1, images.device) <= 0.5,
                "input_shape": tuple(images.shape)}

    def transform_images(self, images, transformation, training=True):
        x = images.float()
        flips = torch.as_tensor(transformation["flips"]).to(x.device).bool().reshape(-1, 1, 1, 1)
        h, w = self._hw(x.dim())
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            x = torch.where(flips, x.flip(w), x)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            x = torch.where(flips, x.flip(h), x)
        return x

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


class _AffineLayer(RandomImageLayer):
    """Rotation, zoom and translation: an affine map per image, sampled with fill_mode/interpolation."""

    def _check_sampling(self, fill_mode, interpolation, fill_value):
        owner = type(self).__name__
        self.fill_mode = ops.check_choice(fill_mode, ops.FILL_MODES, "fill_mode", owner)
        self.interpolation = ops.check_choice(interpolation, ops.SAMPLING, "interpolation", owner)
        self.fill_value = fill_value

    def _apply(self, images, matrix):
        return ops.affine_transform(images.float(), matrix, self.interpolation, self.fill_mode, self.fill_value,
                                    self.data_format)

    def get_config(self):
        return {**super().get_config(), "fill_mode": self.fill_mode, "fill_value": self.fill_value,
                "interpolation": self.interpolation}


def rotation_matrix(angle_deg: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """(batch, 8) transforms rotating by ``angle_deg`` about the image centre."""
    a = angle_deg.float() * (math.pi / 180.0)
    cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
    cos, sin = torch.cos(a), torch.sin(a)
    zero = torch.zeros_like(a)
    return torch.stack([cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos, zero, zero], dim=1)


class RandomRotation(_AffineLayer):
    """Rotate by a random angle: ``factor`` is a fraction of a full turn (0.1 = up to ±36°), or a (low, high) pair.

    Example: ``RandomRotation(0.1, fill_mode="constant")``.
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor_pair(factor, (-1, 1), "RandomRotation")
        self._check_sampling(fill_mode, interpolation, fill_value)

    def get_random_transformation(self, images, training=True, seed=None):
        angle = self._uniform((images.shape[0],), self.factor[0] * 360.0, self.factor[1] * 360.0, images.device)
        h, w = self._size(images)
        return {"angle": angle, "rotation_matrix": rotation_matrix(angle, h, w), "image_height": h, "image_width": w,
                "batch_size": images.shape[0]}

    def transform_images(self, images, transformation, training=True):
        return self._apply(images, torch.as_tensor(transformation["rotation_matrix"]))

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class RandomZoom(_AffineLayer):
    """Zoom by a random factor per axis: ``height_factor`` 0.2 draws zooms in [0.8, 1.2] (above 1 zooms out).
    ``width_factor`` None keeps the aspect ratio. Example: ``RandomZoom(0.2)``, ``RandomZoom((-0.3, -0.1))`` (zoom in)."""

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._h = _range_pair(height_factor, "RandomZoom", "height_factor", low_open=True)
        self._w = None if width_factor is None else _range_pair(width_factor, "RandomZoom", "width_factor",
                                                                  low_open=True)
        self._check_sampling(fill_mode, interpolation, fill_value)

    def get_random_transformation(self, images, training=True, seed=None):
        n = images.shape[0]
        hz = self._uniform((n, 1), 1 + self._h[0], 1 + self._h[1], images.device)
        wz = hz if self._w is None else self._uniform((n, 1), 1 + self._w[0], 1 + self._w[1], images.device)
        return {"height_zoom": hz, "width_zoom": wz, "input_shape": tuple(images.shape)}

    def transform_images(self, images, transformation, training=True):
        wz = torch.as_tensor(transformation["width_zoom"]).float().reshape(-1).to(images.device)
        hz = torch.as_tensor(transformation["height_zoom"]).float().reshape(-1).to(images.device)
        h, w = self._size(images)
        zero = torch.zeros_like(wz)
        # Scale about the image centre: x_in = zx * x + (w - 1) / 2 * (1 - zx).
        matrix = torch.stack([wz, zero, (w - 1) / 2.0 * (1 - wz), zero, hz, (h - 1) / 2.0 * (1 - hz), zero, zero], 1)
        return self._apply(images, matrix)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor, "width_factor": self.width_factor}


class RandomTranslation(_AffineLayer):
    """Shift by a random fraction of the height and width (0.1 = up to ±10%).
    Example: ``RandomTranslation(0.1, 0.2, fill_mode="constant")``."""

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._h = _range_pair(height_factor, "RandomTranslation", "height_factor")
        self._w = _range_pair(width_factor, "RandomTranslation", "width_factor")
        self._check_sampling(fill_mode, interpolation, fill_value)

    def get_random_transformation(self, images, training=True, seed=None):
        n = images.shape[0]
        h, w = self._size(images)
        dy = self._uniform((n, 1), *self._h, images.device) * h
        dx = self._uniform((n, 1), *self._w, images.device) * w
        return {"translations": torch.cat([dx, dy], dim=1), "input_shape": tuple(images.shape)}

    def transform_images(self, images, transformation, training=True):
        t = torch.as_tensor(transformation["translations"]).float().to(images.device)
        one, zero = torch.ones_like(t[:, 0]), torch.zeros_like(t[:, 0])
        matrix = torch.stack([one, zero, -t[:, 0], zero, one, -t[:, 1], zero, zero], dim=1)
        return self._apply(images, matrix)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor, "width_factor": self.width_factor}


class RandomContrast(RandomImageLayer):
    """Scale each image's deviation from its per-channel mean by a random factor, clipped to ``value_range``.

    As in Keras 3.15, a number ``factor`` f draws the factor from [1, 1 + f] (a pair (a, b) from
    [1 - a, 1 + b]). Example: ``RandomContrast(0.2)``.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = _factor_pair(factor, (0, 1), "RandomContrast")
        self.value_range = tuple(value_range)

    def _inference(self, images):
        return images  # unchanged, dtype included (as Keras 3)

    def _output_torch_dtype(self):
        return None  # as the input

    def get_random_transformation(self, images, training=True, seed=None):
        return {"contrast_factor": self._uniform((images.shape[0], 1, 1, 1), 1.0 - self.factor[0],
                                                 1.0 + self.factor[1], images.device)}

    def transform_images(self, images, transformation, training=True):
        x = images.float()
        f = torch.as_tensor(transformation["contrast_factor"]).float().to(x.device).reshape(-1, 1, 1, 1)
        h, w = self._hw(x.dim())
        mean = x.mean(dim=h, keepdim=True).mean(dim=w, keepdim=True)
        return ((x - mean) * f + mean).clamp(self.value_range[0], self.value_range[1])

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


class RandomBrightness(RandomImageLayer):
    """Add a random offset, ``factor`` times the width of ``value_range``, clipped to that range
    (0.2 on [0, 255]: up to ±51). Keeps the input dtype. Example: ``RandomBrightness(0.2)``."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = _factor_pair(factor, (-1, 1), "RandomBrightness")
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise ValueError("RandomBrightness: value_range must be a (low, high) pair, e.g. (0, 255) or (0, 1); "
                             f"received value_range={value_range!r}.")
        self.value_range = sorted(value_range)

    def _inference(self, images):
        return images

    def _output_torch_dtype(self):
        return None  # as the input

    def get_random_transformation(self, images, training=True, seed=None):
        delta = self._uniform((images.shape[0], 1, 1, 1), self.factor[0], self.factor[1], images.device)
        return {"rgb_delta": delta * (self.value_range[1] - self.value_range[0])}

    def transform_images(self, images, transformation, training=True):
        delta = torch.as_tensor(transformation["rgb_delta"]).to(images.device).reshape(-1, 1, 1, 1)
        return (images + delta.to(images.dtype)).clamp(self.value_range[0], self.value_range[1])

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range}


class RandomCrop(RandomImageLayer):
    """Crop a random ``height`` x ``width`` window (one position per batch, as Keras draws it) when training.

    In inference, or when an image is not larger than the target in both dimensions, the largest
    centred window with the target's aspect ratio is resized to the target (as Keras documents it;
    Keras 3.15's code returns the images unchanged in inference, which breaks the layers after it).
    Example: ``RandomCrop(224, 224)``.
    """

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, name=name, **kwargs)
        self.height, self.width = int(height), int(width)

    def get_random_transformation(self, images, training=True, seed=None):
        """(top, left) of the window, or None when the image is not larger than the target (resize instead)."""
        h, w = self._size(images)
        if training and h > self.height and w > self.width:
            top = int(self._uniform((), 0, h - self.height + 1, "cpu"))
            left = int(self._uniform((), 0, w - self.width + 1, "cpu"))
            return top, left
        return None

    def transform_images(self, images, transformation, training=True):
        x = images.float()
        if transformation is None:
            return self._inference(x)
        top, left = (int(v) for v in transformation)
        h_axis, w_axis = self._hw(x.dim())
        x = x.narrow(h_axis, top, min(self.height, x.shape[h_axis] - top))
        x = x.narrow(w_axis, left, min(self.width, x.shape[w_axis] - left))
        if (x.shape[h_axis], x.shape[w_axis]) != (self.height, self.width):
            x = ops.resize(x, (self.height, self.width), "bilinear", self.data_format)
        return x

    def _inference(self, images):
        # The input's dtype is kept (uint8 stays uint8, rounded), as Keras 3 keeps it in inference.
        return ops.resize(images, (self.height, self.width), "bilinear", self.data_format, crop_to_aspect_ratio=True)

    def _output_torch_dtype(self):
        return None  # as the input

    def compute_output_shape(self, input_shape):
        return self._with_size(input_shape, self.height, self.width)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}
