"""Core, activation and embedding layers over their arguments: Dense on inputs of rank 2 to 4,
every Keras 3 activation by name (in Activation and in Dense), the advanced activation layers'
arguments, Softmax with masks, Dropout/noise at inference, Masking, Embedding (mask_zero), Identity.

Example: ``cases()`` -> a list of ``SweepCase``.
"""
from __future__ import annotations

import numpy as np

from .grid import call_src, draws
from .runner import SweepCase

# Keras 3's activation names (keras.activations.get accepts each).
ACTIVATIONS = ["linear", "relu", "relu6", "sigmoid", "tanh", "softmax", "log_softmax", "softplus", "softsign",
               "selu", "elu", "exponential", "leaky_relu", "silu", "swish", "gelu", "hard_sigmoid", "hard_silu",
               "hard_swish", "mish", "celu", "glu", "tanh_shrink", "hard_tanh", "sparse_plus", "soft_shrink",
               "hard_shrink", "squareplus", "log_sigmoid", "sparsemax", "threshold", "sparse_sigmoid"]


def dense_cases(n: int = 120) -> list[SweepCase]:
    out = []
    for a in draws(n, seed=90, units=[1, 3, 4], act=[None] + ACTIVATIONS, use_bias=[True, False],
                   shape=[((5,), None), ((3, 5), None), ((2, 3, 5), None), ((None, 5), (4, 5))]):
        src = call_src("Dense", a["units"], activation=a["act"] if a["act"] else ..., use_bias=a["use_bias"])
        out.append(SweepCase(src, a["shape"][0], data=a["shape"][1]))
    return out


def activation_cases() -> list[SweepCase]:
    out = []
    for name in ACTIVATIONS:
        for shape in [(6,), (3, 4)]:
            out.append(SweepCase(call_src("Activation", name), shape))
    grids = {
        "ReLU": dict(max_value=[None, 6.0, 1.5], negative_slope=[0.0, 0.1], threshold=[0.0, 0.5]),
        "LeakyReLU": dict(negative_slope=[0.3, 0.01, 0.5]),
        "ELU": dict(alpha=[1.0, 0.5]),
        "Softmax": dict(axis=[-1, 1, [1, 2]]),
        "PReLU": dict(shared_axes=[None, [1], [1, 2], [2]]),
    }
    for cls, axes in grids.items():
        for a in draws(40, seed=len(cls), **axes, shape=[(6,), (3, 4), (2, 3, 4)]):
            shape = a.pop("shape")
            if cls == "Softmax" and isinstance(a["axis"], list) and len(shape) < 2:
                continue
            if cls == "PReLU" and a["shared_axes"] and max(a["shared_axes"]) > len(shape):
                continue
            kw = {k: v for k, v in a.items()}
            out.append(SweepCase(call_src(cls, **kw), shape))
    rng = np.random.default_rng(5)
    for axis in (-1,):
        m = rng.random((2, 5)) > 0.3
        m[:, 0] = True
        out.append(SweepCase(call_src("Softmax", axis=axis), (5,), mask=m))
    return out


def misc_cases() -> list[SweepCase]:
    out = []
    for cls, args in [("Dropout", (0.5,)), ("SpatialDropout1D", (0.3,)), ("SpatialDropout2D", (0.3,)),
                      ("GaussianNoise", (0.5,)), ("GaussianDropout", (0.3,)), ("AlphaDropout", (0.3,)),
                      ("Identity", ()), ("ActivityRegularization", ())]:
        shape = {"SpatialDropout1D": (4, 3), "SpatialDropout2D": (4, 4, 3)}.get(cls, (3, 4))
        for call in ({}, {"training": False}):
            out.append(SweepCase(call_src(cls, *args), shape, call=call))
    for value in (0.0, 1.0):
        out.append(SweepCase(call_src("Masking", mask_value=value), (5, 3), input="int:2", dtype="float32"))
    for a in draws(60, seed=95, vocab=[5, 10], dim=[1, 3], mask_zero=[False, True],
                   shape=[((4,), None), ((None,), (6,)), ((2, 3), None)]):
        src = call_src("Embedding", a["vocab"], a["dim"], mask_zero=a["mask_zero"])
        out.append(SweepCase(src, a["shape"][0], data=a["shape"][1], dtype="int32", input=f"int:{a['vocab']}"))
    return out


def cases() -> list[SweepCase]:
    return dense_cases() + activation_cases() + misc_cases()
