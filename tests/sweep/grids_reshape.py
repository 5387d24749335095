"""Reshaping layers over their argument grid: Reshape (with -1), Flatten (data_format), Permute,
RepeatVector, Cropping/ZeroPadding (ints, per-axis pairs, data_format), UpSampling (sizes,
nearest/bilinear), on even/odd and None dims; masks through Reshape-free layers.

Example: ``cases()`` -> a list of ``SweepCase``.
"""
from __future__ import annotations

from .grid import call_src, draws
from .grids_conv import spatial
from .runner import SweepCase

_SIZES = [(4, 5, 4), (5, 6, 5), (7, 6, 6), (6, 7, 4)]


def _pairs(v, rank):
    if isinstance(v, int):
        return v
    if rank == 1:
        return v[0]
    return tuple(v[:rank])


def crop_pad_up_cases(n: int = 70) -> list[SweepCase]:
    out = []
    for rank in (1, 2, 3):
        for a in draws(n, seed=80 + rank, amount=[0, 1, 2, ((1, 0), (0, 2), (1, 1)), (1, 2, 1), ((0, 1), (2, 0), (1, 0))],
                       fmt=["channels_last", "channels_first"], sizes=_SIZES, unknown=[False, True],
                       up=[1, 2, 3, (2, 1, 3)], interp=["nearest", "bilinear"]):
            shape, data = spatial(a["sizes"][:rank], 3, a["fmt"], a["unknown"])
            fmt = a["fmt"] if rank > 1 else ...
            amount = _pairs(a["amount"], rank)
            data_arg = data if a["unknown"] else None
            out.append(SweepCase(call_src(f"Cropping{rank}D", amount, data_format=fmt), shape, data=data_arg))
            out.append(SweepCase(call_src(f"ZeroPadding{rank}D", amount, data_format=fmt), shape, data=data_arg))
            up = a["up"] if isinstance(a["up"], int) else (a["up"][0] if rank == 1 else a["up"][:rank])
            interp = a["interp"] if rank == 2 else ...
            out.append(SweepCase(call_src(f"UpSampling{rank}D", up, data_format=fmt, interpolation=interp),
                                 shape, data=data_arg))
    return out


def simple_cases() -> list[SweepCase]:
    out = []
    for shape, target in [((12,), (3, 4)), ((12,), (-1, 2)), ((3, 4), (12,)), ((3, 4), (2, -1, 3)),
                          ((2, 3, 4), (4, 6)), ((2, 3, 4), (-1,)), ((6, 4), (2, 3, 4)), ((2, 2, 3), (3, -1))]:
        out.append(SweepCase(call_src("Reshape", target), shape))
    for shape in [(5,), (3, 4), (2, 3, 4), (2, 3, 4, 5), (None, 3)]:
        for fmt in ("channels_last", "channels_first"):
            out.append(SweepCase(call_src("Flatten", data_format=fmt), shape, data=(4, 3) if None in shape else None))
    for dims in [(1,), (2, 1), (1, 2), (2, 3, 1), (3, 1, 2), (1, 3, 2)]:
        shape = (2, 3, 4)[:len(dims)]
        out.append(SweepCase(call_src("Permute", dims), shape))
        out.append(SweepCase(call_src("Permute", dims), tuple(None if i == 0 else d for i, d in enumerate(shape)),
                             data=shape))
    for n in (1, 3):
        for shape in [(4,), (1,)]:
            out.append(SweepCase(call_src("RepeatVector", n), shape))
    return out


def cases() -> list[SweepCase]:
    return crop_pad_up_cases() + simple_cases()
