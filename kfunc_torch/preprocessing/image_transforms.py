"""The single-image transforms behind ``ImageDataGenerator`` (Keras 2's
``keras.preprocessing.image.apply_affine_transform``, ``random_rotation``, ...).

An image here is one 3D array with its channel axis first or last. Affine warps go through
``scipy.ndimage.affine_transform`` (as in Keras), one channel at a time, around the image centre.

Example::

    >>> x = np.random.rand(32, 32, 3)
    >>> apply_affine_transform(x, theta=30, row_axis=0, col_axis=1, channel_axis=2).shape
    (32, 32, 3)
"""
from __future__ import annotations

import numpy as np

__all__ = ["apply_affine_transform", "flip_axis", "apply_channel_shift", "random_channel_shift",
           "apply_brightness_shift", "random_brightness", "random_rotation", "random_shift", "random_shear",
           "random_zoom", "transform_matrix_offset_center"]


def _ndimage():
    try:
        import scipy.ndimage
    except ImportError:
        raise ImportError("Image rotations, shifts, shears and zooms need SciPy (scipy.ndimage), which is not "
                          "installed. Install it with `pip install scipy` (or `pip install kfunc_torch[image]`).") \
            from None
    return scipy.ndimage


def flip_axis(x, axis):
    """``x`` reversed along ``axis``. Example: ``flip_axis(img, 1)`` mirrors a channels_last image."""
    return np.flip(np.asarray(x), axis)


def transform_matrix_offset_center(matrix, x, y):
    """``matrix`` (3x3, homogeneous) re-centred so that it acts around the middle of an x-by-y image."""
    ox, oy = float(x) / 2 - 0.5, float(y) / 2 - 0.5
    to_center = np.array([[1, 0, ox], [0, 1, oy], [0, 0, 1]])
    from_center = np.array([[1, 0, -ox], [0, 1, -oy], [0, 0, 1]])
    return to_center @ matrix @ from_center


def _affine_matrix(theta, tx, ty, shear, zx, zy):
    """rotation @ shift @ shear @ zoom (angles in degrees), or None for the identity (Keras's order)."""
    parts = []
    if theta != 0:
        t = np.deg2rad(theta)
        parts.append(np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]]))
    if tx != 0 or ty != 0:
        parts.append(np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]]))
    if shear != 0:
        s = np.deg2rad(shear)
        parts.append(np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]]))
    if zx != 1 or zy != 1:
        parts.append(np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]]))
    if not parts:
        return None
    m = parts[0]
    for p in parts[1:]:
        m = m @ p
    return m


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=1, col_axis=2, channel_axis=0,
                           fill_mode="nearest", cval=0.0, order=1):
    """Rotate (``theta`` degrees), shift (``tx`` rows, ``ty`` columns), shear (degrees) and zoom
    (``zx``, ``zy``: a factor > 1 shows less of the image) one 3D image. Pixels from outside follow
    ``fill_mode`` ('constant' with ``cval``, 'nearest', 'reflect', 'wrap'); ``order`` is the spline order.

    Example: ``apply_affine_transform(img, tx=2, row_axis=0, col_axis=1, channel_axis=2)`` moves it 2 rows up.
    """
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"apply_affine_transform expects one image with channels (a 3D array); received shape "
                         f"{x.shape}.")
    if sorted((row_axis, col_axis, channel_axis)) != [0, 1, 2]:
        raise ValueError("apply_affine_transform: row_axis, col_axis and channel_axis must be 0, 1 and 2 in some "
                         f"order; received {row_axis}, {col_axis}, {channel_axis}.")
    if channel_axis not in (0, 2):
        raise ValueError(f"apply_affine_transform: the channel axis must be first or last; received {channel_axis}.")
    m = _affine_matrix(theta, tx, ty, shear, zx, zy)
    if m is None:
        return x
    m = transform_matrix_offset_center(m, x.shape[row_axis], x.shape[col_axis])
    if col_axis > row_axis:
        # The matrix is written in (x, y) = (row, col) order; the array is indexed (row, col) only when rows
        # come first, so otherwise conjugate it by the swap of the two axes.
        m[:, [0, 1]] = m[:, [1, 0]]
        m[[0, 1]] = m[[1, 0]]
    ndimage = _ndimage()
    channels = np.moveaxis(x, channel_axis, 0)
    out = np.stack([ndimage.affine_transform(c, m[:2, :2], m[:2, 2], order=order, mode=fill_mode, cval=cval)
                    for c in channels], axis=0)
    return np.moveaxis(out, 0, channel_axis)


def apply_channel_shift(x, intensity, channel_axis=0):
    """Add ``intensity`` to every channel, clipped to the image's own [min, max].

    Example: ``apply_channel_shift(img, 10.0, channel_axis=2)``.
    """
    x = np.asarray(x)
    lo, hi = np.min(x), np.max(x)
    channels = np.moveaxis(x, channel_axis, 0)
    return np.moveaxis(np.stack([np.clip(c + intensity, lo, hi) for c in channels]), 0, channel_axis)


def random_channel_shift(x, intensity_range, channel_axis=0):
    """``apply_channel_shift`` by an intensity drawn from U(-range, range)."""
    return apply_channel_shift(x, np.random.uniform(-intensity_range, intensity_range), channel_axis)


def apply_brightness_shift(x, brightness, scale=True):
    """Change brightness by Pillow's ``ImageEnhance.Brightness(brightness)`` (1.0: unchanged), on a
    channels_last image; values outside [0, 255] are mapped back to their range afterwards unless ``scale``.

    Example: ``apply_brightness_shift(img, 1.2)``.
    """
    from ..utils.image_utils import array_to_img, img_to_array, require_pillow
    require_pillow("apply_brightness_shift / brightness_range")
    from PIL import ImageEnhance
    x = np.asarray(x)
    lo, hi = np.min(x), np.max(x)
    outside = lo < 0 or hi > 255
    img = array_to_img(x, data_format="channels_last", scale=outside or scale)
    out = img_to_array(ImageEnhance.Brightness(img).enhance(brightness), data_format="channels_last")
    if not scale and outside:
        out = out / 255 * (hi - lo) + lo
    return out


def random_brightness(x, brightness_range, scale=True):
    """``apply_brightness_shift`` by a factor drawn from U(*brightness_range)."""
    if len(brightness_range) != 2:
        raise ValueError(f"brightness_range must be a tuple or list of two floats; received {brightness_range!r}.")
    return apply_brightness_shift(x, np.random.uniform(brightness_range[0], brightness_range[1]), scale)


# Keras 2's one-parameter random helpers: arrays default to channels_first axes (row 1, col 2, channel 0).
def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                    interpolation_order=1):
    """Rotate by an angle drawn from U(-rg, rg) degrees."""
    return apply_affine_transform(x, theta=np.random.uniform(-rg, rg), row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                 interpolation_order=1):
    """Shift by fractions of the height (``hrg``) and width (``wrg``) drawn uniformly."""
    h, w = x.shape[row_axis], x.shape[col_axis]
    tx = np.random.uniform(-hrg, hrg) * h
    ty = np.random.uniform(-wrg, wrg) * w
    return apply_affine_transform(x, tx=tx, ty=ty, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                 interpolation_order=1):
    """Shear by an angle drawn from U(-intensity, intensity) degrees."""
    return apply_affine_transform(x, shear=np.random.uniform(-intensity, intensity), row_axis=row_axis,
                                  col_axis=col_axis, channel_axis=channel_axis, fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                interpolation_order=1):
    """Zoom by factors (zx, zy) drawn from U(*zoom_range)."""
    if len(zoom_range) != 2:
        raise ValueError(f"zoom_range must be a tuple or list of two floats; received {zoom_range!r}.")
    zx, zy = (1, 1) if zoom_range[0] == 1 and zoom_range[1] == 1 else \
        np.random.uniform(zoom_range[0], zoom_range[1], 2)
    return apply_affine_transform(x, zx=zx, zy=zy, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)
