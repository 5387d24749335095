"""Keras 3's ``keras.ops.image`` on torch: resizing, cropping and padding to a box, colour-space
conversions, patches, blur and edges, in Keras's layout (``channels_last`` by default; a single
image of rank 3 or a batch of rank 4).

Example::

    >>> from kfunc_torch import ops
    >>> ops.image.resize(torch.rand(2, 32, 32, 3), (16, 16)).shape
    torch.Size([2, 16, 16, 3])
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..settings import normalize_data_format
from .tensor_functions import _float, _t, symbolic


def _batched(images, data_format):
    """(N, C, H, W) float images, and how to give the result back in the caller's layout."""
    fmt = normalize_data_format(data_format)
    x = _t(images)
    single = x.dim() == 3
    if x.dim() not in (3, 4):
        raise ValueError(f"Expected an image of rank 3 or a batch of rank 4; received shape {tuple(x.shape)}.")
    x = x.unsqueeze(0) if single else x
    x = x.permute(0, 3, 1, 2) if fmt == "channels_last" else x

    def back(y):
        y = y.permute(0, 2, 3, 1) if fmt == "channels_last" else y
        return y[0] if single else y
    return x, back


_RESIZE = {"bilinear": "bilinear", "nearest": "nearest-exact", "bicubic": "bicubic", "area": "area"}


@symbolic
def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Resize to ``size`` = (height, width) (bilinear, nearest, bicubic or area). Example:
    ``ops.image.resize(x, (224, 224))``."""
    if interpolation not in _RESIZE:
        raise ValueError(f"resize(): interpolation must be one of {sorted(_RESIZE)}; received {interpolation!r}.")
    x, back = _batched(images, data_format)
    dtype = x.dtype
    x = x.float() if not x.is_floating_point() else x
    if crop_to_aspect_ratio:
        h, w = x.shape[-2:]
        target = size[0] / size[1]
        ch, cw = (h, int(round(h / target))) if h / w < target else (int(round(w * target)), w)
        ch, cw = min(ch, h), min(cw, w)
        top, left = (h - ch) // 2, (w - cw) // 2
        x = x[..., top:top + ch, left:left + cw]
    mode = _RESIZE[interpolation]
    kwargs = {} if mode in ("nearest-exact", "area") else {"align_corners": False, "antialias": antialias}
    y = F.interpolate(x, size=tuple(size), mode=mode, **kwargs)
    return back(y.to(dtype) if not dtype.is_floating_point else y)


@symbolic
def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None, right_cropping=None,
                target_height=None, target_width=None, data_format=None):
    """Crop a box given by offsets and a target size (or the bottom/right margins). Example:
    ``ops.image.crop_images(x, 2, 2, target_height=28, target_width=28)``."""
    x, back = _batched(images, data_format)
    h, w = x.shape[-2:]
    top, left = top_cropping or 0, left_cropping or 0
    th = target_height if target_height is not None else h - top - (bottom_cropping or 0)
    tw = target_width if target_width is not None else w - left - (right_cropping or 0)
    return back(x[..., top:top + th, left:left + tw])


@symbolic
def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None, right_padding=None,
               target_height=None, target_width=None, data_format=None):
    """Zero-pad to a box (offsets and a target size, or all four margins). Example:
    ``ops.image.pad_images(x, 2, 2, target_height=32, target_width=32)``."""
    x, back = _batched(images, data_format)
    h, w = x.shape[-2:]
    top, left = top_padding or 0, left_padding or 0
    bottom = bottom_padding if bottom_padding is not None else target_height - h - top
    right = right_padding if right_padding is not None else target_width - w - left
    return back(F.pad(x, (left, right, top, bottom)))


@symbolic
def rgb_to_grayscale(images, data_format=None):
    """ITU-R 601 luma (0.2989 R + 0.5870 G + 0.1140 B), one channel. Example: ``ops.image.rgb_to_grayscale(x)``."""
    x, back = _batched(images, data_format)
    w = torch.tensor([0.2989, 0.5870, 0.1140], dtype=_float(x).dtype, device=x.device).reshape(1, 3, 1, 1)
    return back((_float(x) * w).sum(dim=1, keepdim=True).to(x.dtype if x.is_floating_point() else torch.float32))


@symbolic
def rgb_to_hsv(images, data_format=None):
    """RGB in [0, 1] to HSV in [0, 1]. Example: ``ops.image.rgb_to_hsv(x)``."""
    x, back = _batched(images, data_format)
    r, g, b = _float(x).unbind(1)
    v, _ = torch.stack([r, g, b], 1).max(1)
    mn, _ = torch.stack([r, g, b], 1).min(1)
    delta = v - mn
    s = torch.where(v > 0, delta / torch.where(v > 0, v, torch.ones_like(v)), torch.zeros_like(v))
    safe = torch.where(delta > 0, delta, torch.ones_like(delta))
    h = torch.where(v == r, (g - b) / safe, torch.where(v == g, 2.0 + (b - r) / safe, 4.0 + (r - g) / safe))
    h = torch.where(delta > 0, (h / 6.0) % 1.0, torch.zeros_like(h))
    return back(torch.stack([h, s, v], 1))


@symbolic
def hsv_to_rgb(images, data_format=None):
    """HSV in [0, 1] to RGB. Example: ``ops.image.hsv_to_rgb(x)``."""
    x, back = _batched(images, data_format)
    h, s, v = _float(x).unbind(1)

    def channel(n):
        k = (n + h * 6.0) % 6.0
        return v - v * s * torch.clamp(torch.minimum(k, 4.0 - k), 0.0, 1.0)
    return back(torch.stack([channel(5.0), channel(3.0), channel(1.0)], 1))


@symbolic
def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """Patches of ``size`` as channels: (N, H', W', ph * pw * C). Example: ``ops.image.extract_patches(x, 4)``."""
    from .nn_ops import _same_pads
    ph, pw = (size, size) if isinstance(size, int) else tuple(size)
    strides = (ph, pw) if strides is None else ((strides, strides) if isinstance(strides, int) else tuple(strides))
    x, back = _batched(images, data_format)
    x = _float(x)
    n, c = x.shape[:2]
    if padding == "same":
        top, bottom = _same_pads(x.shape[2], ph, strides[0], dilation_rate)
        left, right = _same_pads(x.shape[3], pw, strides[1], dilation_rate)
        x = F.pad(x, (left, right, top, bottom))
    cols = F.unfold(x, (ph, pw), dilation=dilation_rate, stride=strides)  # (N, C*ph*pw, L)
    oh = (x.shape[2] - (ph - 1) * dilation_rate - 1) // strides[0] + 1
    ow = (x.shape[3] - (pw - 1) * dilation_rate - 1) // strides[1] + 1
    # Keras orders a patch's values as (ph, pw, C): channels innermost.
    patches = cols.reshape(n, c, ph * pw, oh, ow).permute(0, 2, 1, 3, 4).reshape(n, ph * pw * c, oh, ow)
    return back(patches)


@symbolic
def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Blur with a Gaussian kernel (zero padding). Example: ``ops.image.gaussian_blur(x, (5, 5), (2., 2.))``."""
    x, back = _batched(images, data_format)
    x = _float(x)
    c = x.shape[1]
    kernels = []
    for k, s in zip(kernel_size, sigma):
        r = torch.arange(k, dtype=x.dtype, device=x.device) - (k - 1) / 2
        g = torch.exp(-(r ** 2) / (2 * s * s))
        kernels.append(g / g.sum())
    kernel = torch.outer(kernels[0], kernels[1]).expand(c, 1, -1, -1)
    kh, kw = kernel_size
    # Zero padding of half the kernel, as Keras.
    return back(F.conv2d(x, kernel, padding=(kh // 2, kw // 2), groups=c))


@symbolic
def sobel_edges(images, data_format=None):
    """Sobel gradients per channel: (..., C, 2) with (dy, dx) last in channels_last. Example:
    ``ops.image.sobel_edges(x)``."""
    x, back = _batched(images, data_format)
    x = _float(x)
    c = x.shape[1]
    ky = torch.tensor([[-1., -2., -1.], [0., 0., 0.], [1., 2., 1.]], dtype=x.dtype, device=x.device)
    kernels = torch.stack([ky, ky.T]).unsqueeze(1).repeat(c, 1, 1, 1)  # (2C, 1, 3, 3)
    y = F.conv2d(x, kernels, padding=1, groups=c)  # zero padding, as Keras  # (N, 2C, H, W)
    y = y.reshape(y.shape[0], c, 2, *y.shape[-2:])
    out = y.permute(0, 3, 4, 1, 2)  # (N, H, W, C, 2)
    return out[0] if _t(images).dim() == 3 else out


def _not_here(name, hint):
    def fn(*args, **kwargs):
        raise NotImplementedError(f"keras.ops.image.{name} is not implemented in kfunc_torch. {hint}")
    fn.__name__ = name
    fn.__doc__ = f"Not implemented here: {hint}"
    return fn


# Geometric warps need an interpolation kernel of their own; torch's grid_sample covers them.
affine_transform = _not_here("affine_transform", "Use torch.nn.functional.affine_grid + grid_sample, or the "
                                                 "RandomRotation/RandomTranslation layers.")
perspective_transform = _not_here("perspective_transform", "Use torch.nn.functional.grid_sample with your grid.")
map_coordinates = _not_here("map_coordinates", "Use torch.nn.functional.grid_sample with normalised coordinates.")
elastic_transform = _not_here("elastic_transform", "Use torch.nn.functional.grid_sample with a displaced grid.")
scale_and_translate = _not_here("scale_and_translate", "Use ops.image.resize followed by ops.image.pad_images.")
extract_patches_3d = _not_here("extract_patches_3d", "Use torch.Tensor.unfold over the three spatial axes.")
ssim = _not_here("ssim", "Compute it from ops.image.gaussian_blur of the images, their squares and product.")
