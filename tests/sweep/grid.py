"""Seeded draws from an argument grid, and the source text of a constructor call.

Example::

    for a in draws(50, seed=1, filters=[2, 3], padding=["valid", "same"]):
        src = call_src("Conv2D", a["filters"], 3, padding=a["padding"])   # "Conv2D(2, 3, padding='same')"

The full product of a layer's arguments is far too large to run; ``draws`` picks distinct
combinations at random (seeded, so the list is the same every run) and first walks every value of
every axis at least once, so no value goes untested.
"""
from __future__ import annotations

import itertools
import random


def draws(n: int, seed: int, **axes) -> list[dict]:
    """``n`` distinct combinations of the axes' values (fewer when the product is smaller)."""
    names = list(axes)
    total = 1
    for v in axes.values():
        total *= len(v)
    rng = random.Random(seed)
    if total <= n:
        combos = list(itertools.product(*axes.values()))
        return [dict(zip(names, c)) for c in combos]
    seen, out = set(), []
    # every value of every axis appears at least once
    width = max(len(v) for v in axes.values())
    for j in range(width):
        combo = tuple(vals[j % len(vals)] if j < len(vals) else rng.choice(vals) for vals in axes.values())
        if repr(combo) not in seen:
            seen.add(repr(combo))
            out.append(dict(zip(names, combo)))
    while len(out) < n:
        combo = tuple(rng.choice(vals) for vals in axes.values())
        if repr(combo) not in seen:
            seen.add(repr(combo))
            out.append(dict(zip(names, combo)))
    return out


def call_src(cls: str, *args, **kwargs) -> str:
    """``cls(args..., key=value...)`` as source; keyword arguments that are ``...`` are left out."""
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items() if v is not ...]
    return f"{cls}({', '.join(parts)})"
