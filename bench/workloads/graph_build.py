"""Graph construction + summary() cost: chains and DAGs of Dense(4) layers.

chain: Input -> Dense(4) x n. dag: n/2 diamonds ``add([Dense(4)(x), Dense(4)(x)])`` (n Dense
layers plus n/2 Add layers; a multi-branch graph, so summary prints "Connected to").
Measured: building the layers and calling them symbolically plus ``Model()`` (build_s), then
``summary()`` into an in-memory sink (summary_s). The time per layer should not grow with n.
"""
from __future__ import annotations

import io
import time

from ..common import Unavailable
from ..frameworks import keras_api, need


def _graph(k, topology, n):
    Dense = k.layers.Dense
    inputs = k.Input(shape=(4,))
    x = inputs
    if topology == "chain":
        for _ in range(n):
            x = Dense(4)(x)
    else:
        add = need(k, "layers.add")
        for _ in range(n // 2):
            x = add([Dense(4)(x), Dense(4)(x)])
    return k.Model(inputs, x)


def run(impl, cfg, topology, n_layers):
    k = keras_api(impl)
    t0 = time.perf_counter()
    model = _graph(k, topology, n_layers)
    t1 = time.perf_counter()
    sink = io.StringIO()

    def print_fn(*args, **kwargs):  # Keras 3 passes line_break=; Keras 2 style passes one line
        sink.write(" ".join(str(a) for a in args) + "\n")

    try:
        model.summary(print_fn=print_fn)
    except NotImplementedError as e:
        raise Unavailable(f"summary() not implemented: {e}") from e
    t2 = time.perf_counter()
    if sink.tell() == 0:
        raise RuntimeError("summary() wrote nothing to print_fn")
    return {"build_s": t1 - t0, "summary_s": t2 - t1, "total_s": t2 - t0, "summary_chars": sink.tell()}
