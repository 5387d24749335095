"""Attention layers over their arguments: MultiHeadAttention (heads, key/value dims, bias, output
shapes, attention axes on rank-4 inputs, separate keys, causal masks, attention scores, query/value
masks, None lengths) and Attention / AdditiveAttention (scale, score mode, keys, causal masks, scores,
query/value masks, dropout at inference).

Example: ``cases()`` -> a list of ``SweepCase``.
"""
from __future__ import annotations

import zlib

import numpy as np

from .grid import call_src, draws
from .runner import SweepCase


def _mask(key: str, batch: int, length: int) -> np.ndarray:
    """A padding-style boolean mask (each row keeps at least its first step), seeded by ``key``."""
    rng = np.random.default_rng(zlib.crc32(key.encode()))
    keep = rng.integers(1, length + 1, batch)
    return np.arange(length)[None, :] < keep[:, None]


def mha_cases(n: int = 260) -> list[SweepCase]:
    out = []
    for a in draws(n, seed=130, heads=[1, 2, 3], key_dim=[2, 4], value_dim=[None, 3], use_bias=[True, False],
                   output_shape=[None, 5, (2, 3)], lengths=[(3, 3), (3, 4), (4, 2), (None, None)], dims=[(4, 4), (4, 6)],
                   key=[False, True], call=[{}, {}, {"use_causal_mask": True}, {"return_attention_scores": True},
                                            "masks"], rank4=[False, False, False, True], dropout=[0.0, 0.3]):
        kw = dict(value_dim=a["value_dim"] if a["value_dim"] else ..., use_bias=a["use_bias"],
                  output_shape=a["output_shape"] if a["output_shape"] else ..., dropout=a["dropout"] or ...)
        (tq, tv), (dq, dv) = a["lengths"], a["dims"]
        if a["rank4"]:  # (batch, rows, steps, features): attend over the steps (axis 2) or both axes
            axes = (2,) if a["heads"] != 2 else (1, 2)
            kw["attention_axes"] = axes
            shapes = [(2, tq or 3, dq), (2, tv or 3, dv)]
            data = [(2, 3, dq), (2, 3, dv)] if tq is None else None
        else:
            shapes = [(tq, dq), (tv, dv)]
            data = [(5, dq), (4, dv)] if tq is None else None
        if a["key"]:
            shapes.append(shapes[1][:-1] + (3,))
            data = data + [data[1][:-1] + (3,)] if data else None
        src = call_src("MultiHeadAttention", a["heads"], a["key_dim"], **kw)
        call = a["call"]
        if call == "masks":
            if a["rank4"]:
                continue  # Keras's query/value masks are (batch, steps): rank-3 inputs only
            tq_, tv_ = (data[0][0], data[1][0]) if data else (tq, tv)
            key = f"{src} {shapes}"
            call = {"query_mask": _mask(key + "q", 2, tq_), "value_mask": _mask(key + "v", 2, tv_)}
        if call.get("use_causal_mask") and a["rank4"]:
            continue  # Keras: a causal mask needs one attention axis
        out.append(SweepCase(src, shapes, data=data, args=True, call=call))
    return out


def dense_attention_cases(n: int = 200) -> list[SweepCase]:
    out = []
    for a in draws(n, seed=131, cls=["Attention", "Attention", "AdditiveAttention"], use_scale=[False, True],
                   score_mode=["dot", "concat"], lengths=[(3, 3), (3, 5), (4, 2), (None, None)], dim=[2, 4],
                   key=[False, True], call=[{}, {"use_causal_mask": True}, {"return_attention_scores": True}],
                   masks=[None, "value", "both"], dropout=[0.0, 0.5]):
        kw = dict(use_scale=a["use_scale"], dropout=a["dropout"] or ...)
        if a["cls"] == "Attention":
            kw["score_mode"] = a["score_mode"]
        src = call_src(a["cls"], **kw)
        tq, tv = a["lengths"]
        shapes = [(tq, a["dim"]), (tv, a["dim"])] + ([(tv, a["dim"])] if a["key"] else [])
        data = [(4, a["dim"]), (6, a["dim"])] + ([(6, a["dim"])] if a["key"] else []) if tq is None else None
        mask = None
        if a["masks"]:
            lq, lv = (data[0][0], data[1][0]) if data else (tq, tv)
            key = f"{src} {shapes}"
            mask = [_mask(key + "q", 2, lq) if a["masks"] == "both" else None, _mask(key + "v", 2, lv)]
        out.append(SweepCase(src, shapes, data=data, call=dict(a["call"]), mask=mask))
    return out


def cases() -> list[SweepCase]:
    return mha_cases() + dense_attention_cases()
