"""Pooling layers over their argument grid: pool sizes (1 to larger than strides), strides
(default, 1, 2, 3, per axis), valid/same padding on even and odd sizes, data_format, None spatial
dimensions; global pooling with keepdims, data_format and masks over the steps.

Example: ``cases()`` -> a list of ``SweepCase``.
"""
from __future__ import annotations

import numpy as np

from .grid import call_src, draws
from .grids_conv import spatial
from .runner import SweepCase

_SIZES = [(4, 5, 4), (5, 4, 5), (6, 7, 4), (7, 6, 5), (8, 8, 4), (3, 3, 3)]


def _t(v, rank):
    return v if v is None or isinstance(v, int) else (v + (v[-1],) * rank)[:rank]


def local_cases(n_per_class: int = 110) -> list[SweepCase]:
    out = []
    for kind in ("Max", "Average"):
        for rank in (1, 2, 3):
            n = n_per_class if rank < 3 else n_per_class // 2
            for a in draws(n, seed=40 + rank + 7 * (kind == "Max"), pool=[1, 2, 3, (3, 2)],
                           strides=[None, 1, 2, 3, (2, 1)], padding=["valid", "same"],
                           fmt=["channels_last", "channels_first"], sizes=_SIZES, unknown=[False, False, True],
                           channels=[1, 3]):
                shape, data = spatial(a["sizes"][:rank], a["channels"], a["fmt"], a["unknown"])
                src = call_src(f"{kind}Pooling{rank}D", _t(a["pool"], rank), strides=_t(a["strides"], rank),
                               padding=a["padding"], data_format=a["fmt"])
                out.append(SweepCase(src, shape, data=data if a["unknown"] else None))
    return out


def _step_mask(batch, steps, seed):
    """A mask with some steps off in every sample (never all of them)."""
    rng = np.random.default_rng(seed)
    m = rng.random((batch, steps)) > 0.4
    m[:, 0] = True
    return m


def global_cases() -> list[SweepCase]:
    out = []
    for kind in ("Max", "Average"):
        for rank in (1, 2, 3):
            for a in draws(40, seed=60 + rank, keepdims=[False, True], fmt=["channels_last", "channels_first"],
                           sizes=_SIZES, unknown=[False, True], channels=[1, 3]):
                shape, data = spatial(a["sizes"][:rank], a["channels"], a["fmt"], a["unknown"])
                src = call_src(f"Global{kind}Pooling{rank}D", data_format=a["fmt"], keepdims=a["keepdims"])
                out.append(SweepCase(src, shape, data=data if a["unknown"] else None))
                if rank == 1:  # masked steps (Keras: GlobalAveragePooling1D averages the unmasked ones)
                    steps = data[0] if a["fmt"] == "channels_last" else data[1]
                    out.append(SweepCase(src, shape, data=data if a["unknown"] else None,
                                         mask=_step_mask(2, steps, len(out))))
    return out


def cases() -> list[SweepCase]:
    return local_cases() + global_cases()
