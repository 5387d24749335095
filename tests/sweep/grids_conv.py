"""Convolution layers over their argument grid: kernel sizes (1 to larger than strides), strides,
padding (valid/same/causal), dilation, groups, depth multipliers, data_format, use_bias,
activations, even and odd sizes, None spatial dimensions.

Example: ``cases()`` -> a list of ``SweepCase`` for Conv1D/2D/3D, their transposes, separable
and depthwise convolutions.
"""
from __future__ import annotations

from .grid import call_src, draws
from .runner import SweepCase


def spatial(sizes, channels: int, data_format, unknown: bool):
    """(symbolic shape, concrete data shape) for spatial ``sizes`` in ``data_format``;
    ``unknown`` makes the spatial dims None (the data keeps the sizes)."""
    dims = tuple(None if unknown else s for s in sizes)
    if data_format == "channels_first":
        return (channels,) + dims, (channels,) + tuple(sizes)
    return dims + (channels,), tuple(sizes) + (channels,)


def _tuple_or_int(v, rank):
    return v if isinstance(v, int) or len(v) == rank else v[:rank] + (v[-1],) * (rank - len(v))


def _case(cls, args, kw, rank, sizes, channels, fmt, unknown):
    shape, data = spatial(sizes[:rank], channels, fmt, unknown)
    return SweepCase(call_src(cls, *args, **kw, data_format=fmt), shape, data=data if unknown else None)


_SIZES = [(4, 5, 4), (5, 4, 5), (6, 7, 4), (7, 6, 5), (8, 8, 4)]
_ACTS = [None, "relu", "tanh", "sigmoid"]


def conv_cases(n_per_class: int = 150) -> list[SweepCase]:
    out = []
    for rank in (1, 2, 3):
        n = n_per_class if rank < 3 else n_per_class // 2
        for a in draws(n, seed=10 + rank, filters=[2, 3], kernel=[1, 2, 3, (3, 2)], strides=[1, 2, (2, 1), 3],
                       padding=["valid", "same"] + (["causal"] if rank == 1 else []), dilation=[1, 2, (1, 2)],
                       groups=[1, 2], use_bias=[True, False], act=_ACTS, fmt=["channels_last", "channels_first"],
                       sizes=_SIZES, unknown=[False, False, True]):
            kw = dict(strides=_tuple_or_int(a["strides"], rank), padding=a["padding"],
                      dilation_rate=_tuple_or_int(a["dilation"], rank), groups=a["groups"] if a["groups"] > 1 else ...,
                      use_bias=a["use_bias"], activation=a["act"] if a["act"] else ...)
            out.append(_case(f"Conv{rank}D", (a["filters"] * a["groups"], _tuple_or_int(a["kernel"], rank)), kw,
                             rank, a["sizes"], 2 * a["groups"], a["fmt"], a["unknown"]))
    return out


def transpose_cases(n_per_class: int = 120) -> list[SweepCase]:
    out = []
    for rank in (1, 2, 3):
        n = n_per_class if rank < 3 else n_per_class // 2
        for a in draws(n, seed=20 + rank, filters=[2, 3], kernel=[1, 2, 3, 4, (3, 2)], strides=[1, 2, (2, 1), 3],
                       padding=["valid", "same"], dilation=[1, 1, 2], use_bias=[True, False], act=_ACTS,
                       fmt=["channels_last", "channels_first"], sizes=_SIZES, unknown=[False, False, True],
                       output_padding=[None, None, 1]):
            strides = _tuple_or_int(a["strides"], rank)
            kw = dict(strides=strides, padding=a["padding"], dilation_rate=_tuple_or_int(a["dilation"], rank),
                      use_bias=a["use_bias"], activation=a["act"] if a["act"] else ...,
                      output_padding=a["output_padding"] if a["output_padding"] is not None else ...)
            out.append(_case(f"Conv{rank}DTranspose", (a["filters"], _tuple_or_int(a["kernel"], rank)), kw,
                             rank, a["sizes"], 2, a["fmt"], a["unknown"]))
    return out


def separable_depthwise_cases(n_per_class: int = 100) -> list[SweepCase]:
    out = []
    for rank in (1, 2):
        for cls in (f"SeparableConv{rank}D", f"DepthwiseConv{rank}D"):
            for a in draws(n_per_class, seed=30 + rank + len(cls),
                           filters=[2, 3], kernel=[1, 2, 3, (3, 2)], strides=[1, 2, (2, 1)],
                           padding=["valid", "same"], dilation=[1, 1, 2], depth_multiplier=[1, 2],
                           use_bias=[True, False], act=_ACTS, fmt=["channels_last", "channels_first"],
                           sizes=_SIZES, unknown=[False, False, True]):
                kw = dict(strides=_tuple_or_int(a["strides"], rank), padding=a["padding"],
                          dilation_rate=_tuple_or_int(a["dilation"], rank), depth_multiplier=a["depth_multiplier"],
                          use_bias=a["use_bias"], activation=a["act"] if a["act"] else ...)
                args = (_tuple_or_int(a["kernel"], rank),)
                if cls.startswith("Separable"):
                    args = (a["filters"],) + args
                out.append(_case(cls, args, kw, rank, a["sizes"], 2, a["fmt"], a["unknown"]))
    return out


def cases() -> list[SweepCase]:
    return conv_cases() + transpose_cases() + separable_depthwise_cases()
