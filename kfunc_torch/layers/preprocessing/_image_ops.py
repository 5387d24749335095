"""Image operations the image preprocessing layers share, as Keras 3's torch backend computes them:
resizing (with crop or pad to the target aspect ratio) and sampling through an affine transform
(the 8-number form ``[a0, a1, a2, b0, b1, b2, c0, c1]``: output pixel (x, y) reads the input at
``(a0 x + a1 y + a2, b0 x + b1 y + b2)``).

Images are (batch, height, width, channels) for channels_last or (batch, channels, height, width);
a single image (rank 3) is accepted too.

Example::

    >>> img = torch.arange(16.0).reshape(1, 4, 4, 1)
    >>> resize(img, (2, 2), "nearest", "channels_last").shape
    torch.Size([1, 2, 2, 1])
    >>> shift = torch.tensor([[1.0, 0, -1, 0, 1, 0, 0, 0]])       # move right by one pixel
    >>> affine_transform(img, shift, "nearest", "constant", 0.0, "channels_last")[0, 0, :, 0]
    tensor([0., 0., 1., 2.])
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

RESIZE_MODES = {"bilinear": "bilinear", "nearest": "nearest-exact", "bicubic": "bicubic", "area": "area"}
FILL_MODES = ("reflect", "wrap", "constant", "nearest")
SAMPLING = ("nearest", "bilinear")


def check_choice(value, choices, what: str, owner: str):
    if value not in choices:
        raise ValueError(f"{owner}: unknown {what} {value!r}; expected one of {', '.join(map(repr, choices))}.")
    return value


def hw_axes(data_format: str, rank: int) -> tuple[int, int]:
    """The (height, width) axes of an image tensor of ``rank`` 3 or 4."""
    if rank not in (3, 4):
        raise ValueError(f"Expected images of rank 4 (batch, height, width, channels) or 3 (one image); "
                         f"received rank {rank}.")
    return (-2, -1) if data_format == "channels_first" else (-3, -2)


def _to_nchw(images: torch.Tensor, data_format: str):
    single = images.dim() == 3
    x = images.unsqueeze(0) if single else images
    if data_format == "channels_last":
        x = x.permute(0, 3, 1, 2)
    return x, single


def _from_nchw(x: torch.Tensor, data_format: str, single: bool):
    if data_format == "channels_last":
        x = x.permute(0, 2, 3, 1)
    return x.squeeze(0) if single else x


def aspect_crop_box(height: int, width: int, target_h: int, target_w: int) -> tuple[int, int, int, int]:
    """(top, left, crop height, crop width) of the centred box with the target's aspect ratio."""
    crop_h = max(min(height, int(float(width * target_h) / target_w)), 1)
    crop_w = max(min(width, int(float(height * target_w) / target_h)), 1)
    return int(float(height - crop_h) / 2), int(float(width - crop_w) / 2), crop_h, crop_w


def resize(images: torch.Tensor, size, interpolation: str, data_format: str, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_value=0.0, antialias=False) -> torch.Tensor:
    """Resize to ``size`` = (height, width); integer images come back rounded in their own dtype."""
    out_dtype = images.dtype
    x, single = _to_nchw(images, data_format)
    if not x.is_floating_point():
        x = x.float()
    th, tw = size
    h, w = x.shape[-2], x.shape[-1]
    if crop_to_aspect_ratio:
        top, left, ch, cw = aspect_crop_box(h, w, th, tw)
        x = x[:, :, top:top + ch, left:left + cw]
    elif pad_to_aspect_ratio:
        ph = max(h, int(float(w * th) / tw))
        pw = max(w, int(float(h * tw) / th))
        top, left = int(float(ph - h) / 2), int(float(pw - w) / 2)
        if top > 0 or left > 0:  # the same margin on both sides, as Keras pads
            x = F.pad(x, (left, left, top, top), value=float(fill_value))
    mode = RESIZE_MODES[interpolation]
    align = False if mode in ("bilinear", "bicubic") else None
    y = F.interpolate(x, size=(th, tw), mode=mode, align_corners=align,
                      antialias=bool(antialias) and mode in ("bilinear", "bicubic"))
    if not out_dtype.is_floating_point:
        info = torch.iinfo(out_dtype)
        y = y.round().clamp(info.min, info.max)
    return _from_nchw(y.to(out_dtype), data_format, single)


def _fix_index(i: torch.Tensor, n: int, fill_mode: str) -> torch.Tensor:
    """Map integer indices outside [0, n) back inside, per Keras's fill modes."""
    if fill_mode == "wrap":
        return i % n
    if fill_mode == "reflect":  # d c b a | a b c d | d c b a: the edge pixel repeats
        j = i % (2 * n)
        return torch.where(j >= n, 2 * n - 1 - j, j)
    return i.clamp(0, n - 1)  # "nearest"; "constant" masks these positions out afterwards


def affine_transform(images: torch.Tensor, transform: torch.Tensor, interpolation: str, fill_mode: str,
                     fill_value: float, data_format: str) -> torch.Tensor:
    """Sample ``images`` through one 8-number transform per image (see the module docstring)."""
    x, single = _to_nchw(images, data_format)
    t = transform.to(device=x.device, dtype=torch.float32)
    t = t.reshape(1, 8) if t.dim() == 1 else t
    b, c, h, w = x.shape
    ys = torch.arange(h, dtype=torch.float32, device=x.device).view(1, h, 1)
    xs = torch.arange(w, dtype=torch.float32, device=x.device).view(1, 1, w)
    col = lambda k: t[:, k].view(-1, 1, 1)  # noqa: E731
    src_x = col(0) * xs + col(1) * ys + col(2)  # (b, h, w)
    src_y = col(3) * xs + col(4) * ys + col(5)
    flat = x.reshape(b, c, h * w)
    out_dtype = x.dtype
    xf = flat if flat.is_floating_point() else flat.float()

    def gather(iy, ix):
        valid = ((iy >= 0) & (iy < h) & (ix >= 0) & (ix < w)) if fill_mode == "constant" else None
        iy, ix = _fix_index(iy, h, fill_mode), _fix_index(ix, w, fill_mode)
        idx = (iy * w + ix).reshape(b, 1, h * w).expand(b, c, h * w)
        v = xf.gather(2, idx).reshape(b, c, h, w)
        if valid is not None:
            v = torch.where(valid.unsqueeze(1), v, torch.as_tensor(float(fill_value), dtype=v.dtype, device=v.device))
        return v

    if interpolation == "nearest":
        out = gather(torch.round(src_y).long(), torch.round(src_x).long())
    else:
        y0, x0 = torch.floor(src_y), torch.floor(src_x)
        wy1, wx1 = (src_y - y0).unsqueeze(1), (src_x - x0).unsqueeze(1)
        y0, x0 = y0.long(), x0.long()
        out = ((1 - wy1) * (1 - wx1) * gather(y0, x0) + (1 - wy1) * wx1 * gather(y0, x0 + 1)
               + wy1 * (1 - wx1) * gather(y0 + 1, x0) + wy1 * wx1 * gather(y0 + 1, x0 + 1))
    if not out_dtype.is_floating_point:
        out = out.round()
    return _from_nchw(out.to(out_dtype), data_format, single)
