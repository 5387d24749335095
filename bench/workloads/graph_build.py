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
    t0, c0 = time.perf_counter(), time.process_time()
    model = _graph(k, topology, n_layers)
    t1, c1 = time.perf_counter(), time.process_time()
    sink = io.StringIO()

    def print_fn(*args, **kwargs):  # Keras 3 passes line_break=; Keras 2 style passes one line
        sink.write(" ".join(str(a) for a in args) + "\n")

    try:
        model.summary(print_fn=print_fn)
    except NotImplementedError as e:
        raise Unavailable(f"summary() not implemented: {e}") from e
    t2, c2 = time.perf_counter(), time.process_time()
    if sink.tell() == 0:
        raise RuntimeError("summary() wrote nothing to print_fn")
    # CPU seconds beside wall seconds: on a shared machine the wall clock includes others' slices.
    return {"build_s": t1 - t0, "summary_s": t2 - t1, "total_s": t2 - t0, "summary_chars": sink.tell(),
            "cpu_build_s": c1 - c0, "cpu_summary_s": c2 - c1, "cpu_total_s": c2 - c0}
