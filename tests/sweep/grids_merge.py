"""Merge layers over their arguments: 2 and 3 inputs, broadcastable shapes, Concatenate axes, Dot
axes and normalize. (Keras's merge layers take no eager ``mask=``; masks entering merges are
compared in the graph sweep, tests/sweep/graphs.py.)

Example: ``cases()`` -> a list of ``SweepCase``.
"""
from __future__ import annotations

from .grid import call_src
from .runner import SweepCase

_ELEMENTWISE = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]


def elementwise_cases() -> list[SweepCase]:
    out = []
    for cls in _ELEMENTWISE:
        n_inputs = [2] if cls == "Subtract" else [2, 3]
        for n in n_inputs:
            for shape in [(4,), (3, 4), (2, 3, 4), (None, 4)]:
                data = [(5, 4)] * n if None in shape else None
                out.append(SweepCase(call_src(cls), [shape] * n, data=data))
        # broadcasting across a unit dim
        if cls != "Subtract":
            out.append(SweepCase(call_src(cls), [(3, 4), (1, 4)]))
    return out


def concat_cases() -> list[SweepCase]:
    out = []
    for axis in (-1, 1, 2, -2):
        shapes = {-1: [(3, 4), (3, 2)], 2: [(3, 4), (3, 2)], 1: [(3, 4), (2, 4)], -2: [(3, 4), (2, 4)]}[axis]
        out.append(SweepCase(call_src("Concatenate", axis=axis), shapes))
        out.append(SweepCase(call_src("Concatenate", axis=axis), shapes + [shapes[0]]))
    out.append(SweepCase(call_src("Concatenate"), [(None, 4), (None, 2)], data=[(5, 4), (5, 2)]))
    return out


def dot_cases() -> list[SweepCase]:
    out = []
    for axes, shapes in [(1, [(4,), (4,)]), (-1, [(4,), (4,)]), (2, [(3, 4), (5, 4)]), (1, [(3, 4), (3, 5)]),
                         ((1, 2), [(3, 4), (5, 3)]), ((2, 1), [(3, 4), (4, 5)]), (-1, [(3, 4), (5, 4)]),
                         ((2, 2), [(2, 3, 4)[1:], (5, 4)])]:
        for normalize in (False, True):
            out.append(SweepCase(call_src("Dot", axes, normalize=normalize), shapes))
    return out


def cases() -> list[SweepCase]:
    return elementwise_cases() + concat_cases() + dot_cases()
