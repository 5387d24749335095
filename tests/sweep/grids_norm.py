"""Normalization layers over their argument grid: axis (last, first feature axis, negative, several),
center/scale, epsilon, momentum, training True/False (moving statistics after the call), groups,
rms scaling, None dims.

Example: ``cases()`` -> a list of ``SweepCase``.
"""
from __future__ import annotations

from .grid import call_src, draws
from .runner import SweepCase

_SHAPES = [((6,), None), ((4, 6), None), ((3, 4, 6), None), ((None, 6), (5, 6)), ((5, 4, 6), None)]


def _axis_ok(axis, shape):
    rank = len(shape) + 1
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    return all(-rank < a < rank and a != 0 and shape[a - 1 if a > 0 else a] is not None for a in axes)


def batchnorm_cases(n: int = 120) -> list[SweepCase]:
    out = []
    for a in draws(n, seed=70, axis=[-1, 1, 2, -2], center=[True, False], scale=[True, False],
                   momentum=[0.99, 0.5], epsilon=[1e-3, 1e-5], training=[None, False, True], shape=_SHAPES):
        shape, data = a["shape"]
        if not _axis_ok(a["axis"], shape):
            continue
        src = call_src("BatchNormalization", axis=a["axis"], center=a["center"], scale=a["scale"],
                       momentum=a["momentum"], epsilon=a["epsilon"])
        call = {} if a["training"] is None else {"training": a["training"]}
        out.append(SweepCase(src, shape, data=data, call=call, atol=1e-4 if a["training"] else 1e-5))
    return out


def layernorm_cases(n: int = 100) -> list[SweepCase]:
    out = []
    for a in draws(n, seed=71, axis=[-1, 1, 2, [1, 2], [-2, -1]], center=[True, False], scale=[True, False],
                   epsilon=[1e-3, 1e-6], rms=[False, False, True], shape=_SHAPES):
        shape, data = a["shape"]
        if not _axis_ok(a["axis"], shape):
            continue
        src = call_src("LayerNormalization", axis=a["axis"], center=a["center"], scale=a["scale"],
                       epsilon=a["epsilon"], rms_scaling=a["rms"] if a["rms"] else ...)
        out.append(SweepCase(src, shape, data=data))
    return out


def groupnorm_cases(n: int = 60) -> list[SweepCase]:
    out = []
    for a in draws(n, seed=72, groups=[1, 2, 3, 6, -1, 4], axis=[-1, 1], center=[True, False],
                   scale=[True, False], epsilon=[1e-3, 1e-5], shape=_SHAPES):
        shape, data = a["shape"]
        if not _axis_ok(a["axis"], shape):
            continue
        src = call_src("GroupNormalization", groups=a["groups"], axis=a["axis"], center=a["center"],
                       scale=a["scale"], epsilon=a["epsilon"])
        out.append(SweepCase(src, shape, data=data))
    return out


def unitnorm_cases() -> list[SweepCase]:
    out = []
    for a in draws(30, seed=73, axis=[-1, 1, [1, 2], -2], shape=_SHAPES):
        shape, data = a["shape"]
        if not _axis_ok(a["axis"], shape):
            continue
        out.append(SweepCase(call_src("UnitNormalization", axis=a["axis"]), shape, data=data))
    return out


def cases() -> list[SweepCase]:
    return batchnorm_cases() + layernorm_cases() + groupnorm_cases() + unitnorm_cases()
