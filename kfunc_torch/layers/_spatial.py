"""Shared helpers of the spatial layers (conv, pooling, reshaping): argument normalization, Keras's
output-length and 'same'-padding arithmetic, and the channels_last <-> torch layout views.

Layout rule (why this module exists): Keras's default is channels_last (N, *spatial, C) while
torch's kernels take (N, C, *spatial). ``to_torch`` returns a permuted VIEW, whose strides torch
recognizes as channels_last memory format, so conv/pool/batch_norm run their channels_last
kernels and return channels_last-strided outputs; ``from_torch`` permutes back to a contiguous
(N, *spatial, C) view. No copy per layer. Rank-1 data runs as 2-D with a unit height, because
torch has no channels_last format for 3-D tensors.

Example::

    >>> x = torch.randn(2, 8, 8, 3)                  # NHWC
    >>> t = to_torch(x, 2, "channels_last")          # (2, 3, 8, 8) view, channels_last strides
    >>> from_torch(t, 2, "channels_last").data_ptr() == x.data_ptr()
    True
"""
from __future__ import annotations

import torch

from ..backend import normalize_data_format
from ..engine.layer import WeightLayout

__all__: list[str] = []  # internal module: nothing to star-export


def normalize_tuple(value, n: int, arg: str, owner: str, allow_zero: bool = False) -> tuple:
    """``3`` -> ``(3, 3)`` for n=2; a tuple/list must have n ints. Raises a ValueError that names ``owner``."""
    if isinstance(value, int):
        value = (value,) * n
    try:
        value = tuple(int(v) for v in value)
    except TypeError:
        raise TypeError(f"{owner}: {arg} must be an int or a tuple of {n} ints; received {arg}={value!r}.") from None
    low = 0 if allow_zero else 1
    if len(value) != n or any(v < low for v in value):
        raise ValueError(f"{owner}: {arg} must be an int or a tuple of {n} ints, each >= {low}; "
                         f"received {arg}={value!r}.")
    return value


def normalize_padding(padding, owner: str, allowed=("valid", "same")) -> str:
    """'valid', 'same' or 'causal' (lower-cased), else a ValueError listing them."""
    p = padding.lower() if isinstance(padding, str) else padding
    if p not in allowed:
        raise ValueError(f"{owner}: padding must be one of {', '.join(map(repr, allowed))}; received "
                         f"padding={padding!r}.")
    return p


def data_format(value) -> str:
    """A layer's data_format: the argument, or the backend's image_data_format()."""
    return normalize_data_format(value)


def conv_out_len(size, k: int, s: int, d: int, padding: str):
    """Keras's output length of a convolution / pooling window along one dimension."""
    if size is None:
        return None
    k_eff = (k - 1) * d + 1
    if padding == "valid":
        return (size - k_eff) // s + 1  # <= 0 when the window does not fit: callers report it
    return -(-size // s)  # same, causal: ceil(size / s)


def same_pads(size: int, k: int, s: int, d: int) -> tuple[int, int]:
    """Keras/TF 'same' padding (before, after): the extra element, if any, goes at the end."""
    k_eff = (k - 1) * d + 1
    out = -(-size // s)
    total = max((out - 1) * s + k_eff - size, 0)
    return total // 2, total - total // 2


def deconv_out_len(size, k: int, s: int, d: int, padding: str, output_padding):
    """Keras's output length of a transposed convolution along one dimension."""
    if size is None:
        return None
    k_eff = (k - 1) * d + 1
    if output_padding is None:
        return size * s + max(k_eff - s, 0) if padding == "valid" else size * s
    pad = k_eff // 2 if padding == "same" else 0
    return (size - 1) * s + k_eff - 2 * pad + output_padding


def spatial_dims(input_shape, rank: int, fmt: str) -> tuple:
    """Indices of the spatial axes of a (batch, ...) shape for the data format."""
    return tuple(input_shape[1:1 + rank]) if fmt == "channels_last" else tuple(input_shape[2:2 + rank])


def channel_dim(input_shape, fmt: str):
    """Index of the channel axis for the data format (-1 or 1)."""
    return input_shape[-1] if fmt == "channels_last" else input_shape[1]


def with_channels(batch, spatial, channels, fmt: str) -> tuple:
    """Assemble an output shape from batch, spatial sizes and channels in the data format's order."""
    if fmt == "channels_last":
        return (batch, *spatial, channels)
    return (batch, channels, *spatial)


def torch_tuple(values: tuple, fill: int) -> tuple:
    """Rank-1 arguments gain a unit leading dimension (we run 1-D as 2-D, see module doc)."""
    return (fill,) + tuple(values) if len(values) == 1 else tuple(values)


def to_torch(x: torch.Tensor, rank: int, fmt: str) -> torch.Tensor:
    """(N, *spatial, C) or (N, C, *spatial) -> (N, C, [1,] *spatial) as a view (no copy)."""
    if fmt == "channels_last":
        if rank == 1:
            return x.unsqueeze(1).permute(0, 3, 1, 2)
        return x.permute(0, rank + 1, *range(1, rank + 1))
    return x.unsqueeze(2) if rank == 1 else x


def from_torch(y: torch.Tensor, rank: int, fmt: str) -> torch.Tensor:
    """Inverse of ``to_torch`` (a view when torch kept the channels_last strides)."""
    if fmt == "channels_last":
        y = y.permute(0, *range(2, y.dim()), 1)
        return y.squeeze(1) if rank == 1 else y
    return y.squeeze(2) if rank == 1 else y


def pad_plan(sizes, kernel, strides, dilation, padding: str):
    """For spatial ``sizes``: (symmetric padding for the torch op, F.pad tuple or None).

    Keras 'same' may need one more element at the end than at the start; torch ops only pad
    symmetrically, so that case pads explicitly with F.pad (a copy only in that case).
    """
    if padding == "valid":
        return (0,) * len(kernel), None
    if padding == "causal":
        left = (kernel[-1] - 1) * dilation[-1]
        return (0,) * len(kernel), (left, 0)
    pads = [same_pads(n, k, s, d) for n, k, s, d in zip(sizes, kernel, strides, dilation)]
    if all(b == a for b, a in pads):
        return tuple(b for b, _ in pads), None
    flat = []
    for b, a in reversed(pads):  # F.pad lists the last dimension first
        flat += [b, a]
    return (0,) * len(kernel), tuple(flat)


def kernel_layout(rank: int) -> WeightLayout:
    """Keras (*k, a, b) <-> torch (b, a, [1,] *k): conv (a=in, b=out) and transposed (a=out, b=in)."""
    def from_keras(w):
        t = w.permute(rank + 1, rank, *range(rank))
        return t.unsqueeze(2) if rank == 1 else t

    def to_keras(t):
        if rank == 1:
            t = t.squeeze(2)
        return t.permute(*range(2, rank + 2), 1, 0)
    return WeightLayout(to_keras, from_keras)


def depthwise_layout(rank: int, cin: int, dm: int) -> WeightLayout:
    """Keras (*k, cin, dm) <-> torch (cin*dm, 1, [1,] *k); output channel c*dm + m reads input c."""
    def from_keras(w):
        k = tuple(w.shape[:rank])
        t = w.reshape(*k, cin * dm).permute(rank, *range(rank)).unsqueeze(1)
        return t.unsqueeze(2) if rank == 1 else t

    def to_keras(t):
        if rank == 1:
            t = t.squeeze(2)
        k = tuple(t.shape[2:])
        return t.squeeze(1).permute(*range(1, rank + 1), 0).reshape(*k, cin, dm)
    return WeightLayout(to_keras, from_keras)
