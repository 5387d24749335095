"""Graph construction + summary() cost: chains and DAGs of Dense(4) layers.

chain: Input -> Dense(4) x n. dag: n/2 diamonds ``add([Dense(4)(x), Dense(4)(x)])`` (n Dense
layers plus n/2 Add layers; a multi-branch graph, so summary prints "Connected to").
Measured: building the layers and calling them symbolically plus ``Model()`` (build_s), then
``summary()`` into an in-memory sink (summary_s). The time per layer should not grow with n.

torch (the plain-PyTorch reference): chain ``nn.Sequential(*[nn.Linear(4, 4) for _ in range(n)])``;
dag an ``nn.Module`` holding an ``nn.ModuleList`` of n/2 ``[Linear, Linear]`` pairs whose
forward computes ``a(x) + b(x)`` per pair. Building the modules is build_s; the summary is
``torchinfo.summary(model, input_size=(1, 4), verbose=0)`` rendered with ``str()`` (summary_s),
the Keras-like table PyTorch users reach for. It runs a forward pass with hooks on every module.
``depth`` is 1 for the chain and 3 for the dag (ModuleList -> pair -> Linear), so that both
tables list every Linear, as Keras's summary lists every layer.
"""
from __future__ import annotations

import io
import time

from ..common import Unavailable
from ..frameworks import keras_api, need

# torchinfo depth at which the Linear layers appear (see the module docstring).
TORCH_SUMMARY_DEPTH = {"chain": 1, "dag": 3}


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


def _torch_model(topology, n):
    from torch import nn

    if topology == "chain":
        return nn.Sequential(*[nn.Linear(4, 4) for _ in range(n)])

    class Diamonds(nn.Module):
        def __init__(self, n_pairs):
            super().__init__()
            self.pairs = nn.ModuleList(nn.ModuleList([nn.Linear(4, 4), nn.Linear(4, 4)]) for _ in range(n_pairs))

        def forward(self, x):
            for a, b in self.pairs:
                x = a(x) + b(x)
            return x

    return Diamonds(n // 2)


def _run_torch(topology, n_layers):
    try:
        import torchinfo
    except ImportError as e:
        raise Unavailable(f"torchinfo is not installed ({e})") from e
    t0, c0 = time.perf_counter(), time.process_time()
    model = _torch_model(topology, n_layers)
    t1, c1 = time.perf_counter(), time.process_time()
    text = str(torchinfo.summary(model, input_size=(1, 4), depth=TORCH_SUMMARY_DEPTH[topology], verbose=0))
    t2, c2 = time.perf_counter(), time.process_time()
    if not text:
        raise RuntimeError("torchinfo.summary() rendered nothing")
    return {"build_s": t1 - t0, "summary_s": t2 - t1, "total_s": t2 - t0, "summary_chars": len(text),
            "cpu_build_s": c1 - c0, "cpu_summary_s": c2 - c1, "cpu_total_s": c2 - c0}


def run(impl, cfg, topology, n_layers):
    if impl == "torch":
        return _run_torch(topology, n_layers)
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
