"""``keras.preprocessing.image`` (Keras 2): ``ImageDataGenerator`` (real-time augmentation and
normalisation feeding ``fit``), its iterators, the single-image transforms, and the image file
helpers (``load_img``, ``img_to_array``, ``array_to_img``, ``save_img``).

Example::

    >>> datagen = ImageDataGenerator(rotation_range=20, width_shift_range=0.1, horizontal_flip=True,
    ...                              featurewise_center=True)
    >>> datagen.fit(x_train)                                   # the featurewise mean
    >>> model.fit(datagen.flow(x_train, y_train, batch_size=32), epochs=10)
"""
from __future__ import annotations

import warnings

import numpy as np

from ..utils.image_utils import array_to_img, img_to_array, load_img, save_img  # noqa: F401
from .image_iterators import DataFrameIterator, DirectoryIterator, Iterator, NumpyArrayIterator  # noqa: F401
from .image_transforms import (apply_affine_transform, apply_brightness_shift, apply_channel_shift,  # noqa: F401
                               flip_axis, random_brightness, random_channel_shift, random_rotation, random_shear,
                               random_shift, random_zoom, transform_matrix_offset_center)

__all__ = ["ImageDataGenerator", "Iterator", "NumpyArrayIterator", "DirectoryIterator", "DataFrameIterator",
           "load_img", "img_to_array", "array_to_img", "save_img", "apply_affine_transform", "apply_channel_shift",
           "apply_brightness_shift", "random_rotation", "random_shift", "random_shear", "random_zoom",
           "random_channel_shift", "random_brightness", "flip_axis", "smart_resize",
           "image_dataset_from_directory"]


def _unfitted(what):
    warnings.warn(f"This ImageDataGenerator specifies `{what}`, but it hasn't been fit on any training data. Fit it "
                  "first by calling `.fit(numpy_data)`.", stacklevel=3)


def _draw_shift(shift_range, size):
    """A shift in pixels, drawn as Keras draws it; values below 1 are fractions of ``size``."""
    if not shift_range:
        return 0
    try:  # an int n (choices 0..n-1) or a list of choices, with a random sign
        t = np.random.choice(shift_range)
        t *= np.random.choice([-1, 1])
    except ValueError:  # a float: U(-r, r)
        t = np.random.uniform(-shift_range, shift_range)
    if np.max(shift_range) < 1:
        t *= size
    return t


class ImageDataGenerator:
    """Batches of augmented, normalised images from arrays, folders or DataFrames.

    Augmentations (random, per image): ``rotation_range`` (degrees), ``width_shift_range`` /
    ``height_shift_range`` (a fraction of the size, pixels, or a list of choices), ``shear_range``
    (degrees), ``zoom_range`` (float ``z`` = [1 - z, 1 + z], or [lo, hi]), ``channel_shift_range``,
    ``brightness_range`` ([lo, hi] factors), ``horizontal_flip`` / ``vertical_flip``; outside pixels
    follow ``fill_mode`` / ``cval``. Normalisation (in this order): ``preprocessing_function``,
    ``rescale``, samplewise centre / std, featurewise centre / std and ``zca_whitening`` (statistics
    from ``fit``). ``validation_split`` with ``subset='training'|'validation'`` in the ``flow*`` methods.

    Example: ``ImageDataGenerator(rescale=1./255, validation_split=0.2).flow_from_directory(d, subset="training")``
    """

    def __init__(self, featurewise_center=False, samplewise_center=False, featurewise_std_normalization=False,
                 samplewise_std_normalization=False, zca_whitening=False, zca_epsilon=1e-6, rotation_range=0,
                 width_shift_range=0.0, height_shift_range=0.0, brightness_range=None, shear_range=0.0,
                 zoom_range=0.0, channel_shift_range=0.0, fill_mode="nearest", cval=0.0, horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None, data_format=None,
                 validation_split=0.0, interpolation_order=1, dtype=None):
        from .. import backend
        data_format = data_format or backend.image_data_format()
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"ImageDataGenerator: data_format must be 'channels_last' or 'channels_first'; "
                             f"received {data_format!r}.")
        self.featurewise_center, self.samplewise_center = featurewise_center, samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening, self.zca_epsilon = zca_whitening, zca_epsilon
        self.rotation_range, self.shear_range = rotation_range, shear_range
        self.width_shift_range, self.height_shift_range = width_shift_range, height_shift_range
        self.brightness_range, self.channel_shift_range = brightness_range, channel_shift_range
        self.fill_mode, self.cval = fill_mode, cval
        self.horizontal_flip, self.vertical_flip = horizontal_flip, vertical_flip
        self.rescale, self.preprocessing_function = rescale, preprocessing_function
        self.data_format, self.interpolation_order = data_format, interpolation_order
        self.dtype = dtype or backend.floatx()
        # Axes of a batch (samples first); a single image uses each minus one.
        self.channel_axis, self.row_axis, self.col_axis = (1, 2, 3) if data_format == "channels_first" else (3, 1, 2)
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(f"ImageDataGenerator: validation_split must be strictly between 0 and 1; received "
                             f"{validation_split}.")
        self._validation_split = validation_split
        self.mean = self.std = self.zca_whitening_matrix = None
        if isinstance(zoom_range, (float, int)):
            self.zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif len(zoom_range) == 2 and all(isinstance(v, (float, int)) for v in zoom_range):
            self.zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError(f"ImageDataGenerator: zoom_range must be a float or a pair of floats; received "
                             f"{zoom_range!r}.")
        # The options that imply others, with Keras's warnings.
        if zca_whitening:
            if not featurewise_center:
                self.featurewise_center = True
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, which overrides setting of "
                              "`featurewise_center`.", stacklevel=2)
            if featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warnings.warn("This ImageDataGenerator specifies `zca_whitening` which overrides setting of"
                              "`featurewise_std_normalization`.", stacklevel=2)
        if self.featurewise_std_normalization and not self.featurewise_center:
            self.featurewise_center = True
            warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, which overrides "
                          "setting of `featurewise_center`.", stacklevel=2)
        if samplewise_std_normalization and not samplewise_center:
            self.samplewise_center = True
            warnings.warn("This ImageDataGenerator specifies `samplewise_std_normalization`, which overrides "
                          "setting of `samplewise_center`.", stacklevel=2)
        if brightness_range is not None and (not isinstance(brightness_range, (tuple, list)) or
                                             len(brightness_range) != 2):
            raise ValueError(f"ImageDataGenerator: brightness_range must be a tuple or list of two floats; "
                             f"received {brightness_range!r}.")

    # ------------------------------------------------------------------ sources
    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None, save_to_dir=None,
             save_prefix="", save_format="png", ignore_class_split=False, subset=None):
        """Batches from arrays: ``(x, y[, sample_weight])``, or ``x`` alone without ``y``."""
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle, sample_weight=sample_weight,
                                  seed=seed, data_format=self.data_format, save_to_dir=save_to_dir,
                                  save_prefix=save_prefix, save_format=save_format,
                                  ignore_class_split=ignore_class_split, subset=subset, dtype=self.dtype)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb", classes=None,
                            class_mode="categorical", batch_size=32, shuffle=True, seed=None, save_to_dir=None,
                            save_prefix="", save_format="png", follow_links=False, subset=None,
                            interpolation="nearest", keep_aspect_ratio=False):
        """Batches from ``directory/<class name>/<image files>``; prints how many images and classes."""
        return DirectoryIterator(directory, self, target_size=target_size, color_mode=color_mode, classes=classes,
                                 class_mode=class_mode, data_format=self.data_format, batch_size=batch_size,
                                 shuffle=shuffle, seed=seed, save_to_dir=save_to_dir, save_prefix=save_prefix,
                                 save_format=save_format, follow_links=follow_links, subset=subset,
                                 interpolation=interpolation, keep_aspect_ratio=keep_aspect_ratio, dtype=self.dtype)

    def flow_from_dataframe(self, dataframe, directory=None, x_col="filename", y_col="class", weight_col=None,
                            target_size=(256, 256), color_mode="rgb", classes=None, class_mode="categorical",
                            batch_size=32, shuffle=True, seed=None, save_to_dir=None, save_prefix="",
                            save_format="png", subset=None, interpolation="nearest", validate_filenames=True,
                            **kwargs):
        """Batches of the image files named in a pandas DataFrame (see ``DataFrameIterator``)."""
        for old, why in (("has_ext", "file names must match the files on disk exactly"),
                         ("sort", "batches follow the DataFrame's order when shuffle=False"),
                         ("drop_duplicates", "use DataFrame.drop_duplicates")):
            if kwargs.pop(old, None) is not None:
                warnings.warn(f"flow_from_dataframe({old}=...) is deprecated: {why}.", DeprecationWarning,
                              stacklevel=2)
        if kwargs:
            raise TypeError(f"flow_from_dataframe() got unexpected keyword argument(s) {sorted(kwargs)}.")
        if class_mode == "other":
            warnings.warn("class_mode='other' is deprecated; use class_mode='raw'.", DeprecationWarning, stacklevel=2)
            class_mode = "raw"
        return DataFrameIterator(dataframe, directory, self, x_col=x_col, y_col=y_col, weight_col=weight_col,
                                 target_size=target_size, color_mode=color_mode, classes=classes,
                                 class_mode=class_mode, data_format=self.data_format, batch_size=batch_size,
                                 shuffle=shuffle, seed=seed, save_to_dir=save_to_dir, save_prefix=save_prefix,
                                 save_format=save_format, subset=subset, interpolation=interpolation,
                                 validate_filenames=validate_filenames, dtype=self.dtype)

    # ------------------------------------------------------------------ normalisation
    def standardize(self, x):
        """Apply the normalisation options to ``x`` (one image or a batch) in place, and return it."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        if self.featurewise_center:
            if self.mean is None:
                _unfitted("featurewise_center")
            else:
                x -= self.mean
        if self.featurewise_std_normalization:
            if self.std is None:
                _unfitted("featurewise_std_normalization")
            else:
                x /= self.std + 1e-6
        if self.zca_whitening:
            if self.zca_whitening_matrix is None:
                _unfitted("zca_whitening")
            else:
                flat = x.reshape(-1, int(np.prod(x.shape[-3:])))
                x = (flat @ self.zca_whitening_matrix).reshape(x.shape)
        return x

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Compute the featurewise mean / std (per channel) and the ZCA matrix from a 4D sample array
        (rescaled first; ``augment`` fits on ``rounds`` randomly transformed copies)."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(f"ImageDataGenerator.fit() needs a 4D array of images; received shape {x.shape}.")
        if x.shape[self.channel_axis] not in (1, 3, 4):
            warnings.warn(f"ImageDataGenerator.fit(): with data_format={self.data_format!r} the channels are on axis "
                          f"{self.channel_axis}, which has {x.shape[self.channel_axis]} entries (shape {x.shape}); "
                          "images have 1, 3 or 4 channels.", stacklevel=2)
        if seed is not None:
            np.random.seed(seed)
        x = np.copy(x)
        if self.rescale:
            x *= self.rescale
        if augment:
            x = np.stack([self.random_transform(img) for _ in range(rounds) for img in x]).astype(self.dtype)
        per_channel = [1, 1, 1]
        per_channel[self.channel_axis - 1] = x.shape[self.channel_axis]
        if self.featurewise_center:
            self.mean = np.mean(x, axis=(0, self.row_axis, self.col_axis)).reshape(per_channel)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.std(x, axis=(0, self.row_axis, self.col_axis)).reshape(per_channel)
            x /= self.std + 1e-6
        if self.zca_whitening:
            n = len(x)
            u, s, _ = np.linalg.svd(x.reshape(n, -1).T, full_matrices=False)
            self.zca_whitening_matrix = (u * (np.sqrt(n) / (s + self.zca_epsilon))) @ u.T

    # ------------------------------------------------------------------ augmentation
    def get_random_transform(self, img_shape, seed=None):
        """Random parameters for one image of ``img_shape`` (a dict for ``apply_transform``)."""
        rows, cols = img_shape[self.row_axis - 1], img_shape[self.col_axis - 1]
        if seed is not None:
            np.random.seed(seed)
        # The draws happen in Keras's order, so a seed gives Keras's parameters.
        theta = np.random.uniform(-self.rotation_range, self.rotation_range) if self.rotation_range else 0
        tx = _draw_shift(self.height_shift_range, rows)
        ty = _draw_shift(self.width_shift_range, cols)
        shear = np.random.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = np.random.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_h = (np.random.random() < 0.5) * self.horizontal_flip
        flip_v = (np.random.random() < 0.5) * self.vertical_flip
        shift = np.random.uniform(-self.channel_shift_range, self.channel_shift_range) \
            if self.channel_shift_range != 0 else None
        brightness = np.random.uniform(*self.brightness_range) if self.brightness_range is not None else None
        return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy, "flip_horizontal": flip_h,
                "flip_vertical": flip_v, "channel_shift_intensity": shift, "brightness": brightness}

    def apply_transform(self, x, transform_parameters):
        """Apply the parameters of ``get_random_transform`` to one 3D image (missing keys: no change)."""
        p = transform_parameters
        rows, cols, chans = self.row_axis - 1, self.col_axis - 1, self.channel_axis - 1
        x = apply_affine_transform(x, p.get("theta", 0), p.get("tx", 0), p.get("ty", 0), p.get("shear", 0),
                                   p.get("zx", 1), p.get("zy", 1), row_axis=rows, col_axis=cols, channel_axis=chans,
                                   fill_mode=self.fill_mode, cval=self.cval, order=self.interpolation_order)
        if p.get("channel_shift_intensity") is not None:
            x = apply_channel_shift(x, p["channel_shift_intensity"], chans)
        if p.get("flip_horizontal", False):
            x = flip_axis(x, cols)
        if p.get("flip_vertical", False):
            x = flip_axis(x, rows)
        if p.get("brightness") is not None:
            x = apply_brightness_shift(x, p["brightness"], False)
        return x

    def random_transform(self, x, seed=None):
        """One image, randomly transformed. Example: ``datagen.random_transform(x_train[0], seed=1)``."""
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last"):
    """Resize an image (or batch) to ``size=(height, width)`` without distortion: crop the centre to
    the target aspect ratio, then resize. Example: ``smart_resize(img, (224, 224))``."""
    import torch
    t = torch.as_tensor(np.asarray(x, dtype="float32"))
    batched = t.dim() == 4
    if t.dim() not in (3, 4):
        raise ValueError(f"smart_resize expects (height, width, channels) or a batch of them; received shape "
                         f"{tuple(t.shape)}.")
    if not batched:
        t = t[None]
    if data_format == "channels_last":
        t = t.permute(0, 3, 1, 2)
    h, w = t.shape[-2:]
    th, tw = size
    ch = max(min(h, int(float(w * th) / tw)), 1)
    cw = max(min(w, int(float(h * tw) / th)), 1)
    top, left = int(float(h - ch) / 2), int(float(w - cw) / 2)
    t = t[..., top:top + ch, left:left + cw]
    mode = {"bilinear": "bilinear", "nearest": "nearest", "bicubic": "bicubic", "area": "area"}.get(interpolation)
    if mode is None:
        raise ValueError(f"smart_resize: unsupported interpolation {interpolation!r}; use bilinear, nearest, "
                         "bicubic or area.")
    kw = {"align_corners": False, "antialias": False} if mode in ("bilinear", "bicubic") else {}
    t = torch.nn.functional.interpolate(t, size=(th, tw), mode=mode, **kw)
    if data_format == "channels_last":
        t = t.permute(0, 2, 3, 1)
    out = t.numpy()
    return out if batched else out[0]


def __getattr__(name):
    if name == "image_dataset_from_directory":  # Keras 2.9+ kept it here too
        from ..utils.dataset_utils import image_dataset_from_directory
        return image_dataset_from_directory
    raise AttributeError(f"module 'kfunc_torch.preprocessing.image' has no attribute {name!r}")
