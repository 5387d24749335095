"""Recurrent layers over their arguments: SimpleRNN, LSTM and GRU with units, activations (the fused
tanh/sigmoid path and others), use_bias, return_sequences / return_state, go_backwards, unroll, GRU's
reset_after, unit_forget_bias, dropout at inference, masks, None lengths; Bidirectional over them
(merge modes).

Example: ``cases()`` -> a list of ``SweepCase``.
"""
from __future__ import annotations

import zlib

import numpy as np

from .grid import call_src, draws
from .runner import SweepCase


def _mask(key: str, batch: int, length: int) -> np.ndarray:
    """Right-padding masks (each row keeps its first ``k >= 1`` steps), seeded by ``key``."""
    keep = np.random.default_rng(zlib.crc32(key.encode())).integers(1, length + 1, batch)
    return np.arange(length)[None, :] < keep[:, None]


def rnn_cases(n_per_class: int = 110) -> list[SweepCase]:
    out = []
    for cls in ("SimpleRNN", "LSTM", "GRU"):
        extra = {"GRU": dict(reset_after=[True, False]), "LSTM": dict(unit_forget_bias=[True, False])}.get(cls, {})
        for a in draws(n_per_class, seed=140 + len(cls), units=[1, 3, 4], act=[None, "relu", "sigmoid"],
                       rec_act=[None, "tanh", "hard_sigmoid"], use_bias=[True, False], seq=[False, True],
                       state=[False, True], back=[False, True], unroll=[False, False, True],
                       dropout=[0.0, 0.0, 0.3], masked=[False, False, True],
                       shape=[((5, 3), None), ((None, 3), (6, 3)), ((2, 4), None)], **extra):
            kw = dict(activation=a["act"] or ..., use_bias=a["use_bias"], return_sequences=a["seq"],
                      return_state=a["state"], go_backwards=a["back"], unroll=a["unroll"] or ...,
                      dropout=a["dropout"] or ..., recurrent_dropout=a["dropout"] or ...)
            if cls != "SimpleRNN":
                kw["recurrent_activation"] = a["rec_act"] or ...
            for k in extra:
                kw[k] = a[k]
            shape, data = a["shape"]
            if a["unroll"] and shape[0] is None:
                continue  # Keras: unrolling needs a known length
            src = call_src(cls, a["units"], **kw)
            length = (data or shape)[0]
            mask = _mask(src + str(shape), 2, length) if a["masked"] else None
            out.append(SweepCase(src, shape, data=data, mask=mask))
    return out


def bidirectional_cases(n: int = 60) -> list[SweepCase]:
    out = []
    for a in draws(n, seed=150, cls=["SimpleRNN", "LSTM", "GRU"], units=[2, 3], seq=[False, True],
                   merge=["concat", "sum", "mul", "ave", None], state=[False, True], masked=[False, True]):
        inner = call_src(a["cls"], a["units"], return_sequences=a["seq"], return_state=a["state"])
        src = f"Bidirectional({inner}, merge_mode={a['merge']!r})"
        mask = _mask(src, 2, 5) if a["masked"] else None
        out.append(SweepCase(src, (5, 3), mask=mask))
    return out


def cases() -> list[SweepCase]:
    return rnn_cases() + bidirectional_cases()
