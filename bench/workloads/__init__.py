"""Workload registry: name -> (module, entry kwargs, metric, which implementations apply).

A workload module defines ``run(impl, cfg, **kwargs) -> dict`` for each implementation it lists;
the dict holds at least the metric named here. Metrics with ``higher_better`` False are times.
"""
from __future__ import annotations

from dataclasses import dataclass, field

KFUNC, TORCH, KERAS = "kfunc", "torch", "keras"


@dataclass(frozen=True)
class Workload:
    name: str
    module: str                    # bench.workloads.<module>
    metric: str                    # key of the result dict that the table shows
    unit: str
    higher_better: bool
    impls: tuple = (KFUNC, TORCH, KERAS)
    kwargs: dict = field(default_factory=dict)
    group: str = "fit"             # fit | latency | forward | build
    doc: str = ""
    max_repeats: int = 0           # cap on repeats for costly workloads (0: no cap)
    keras_repeats: int = 0         # cap on Keras's repeats (0: as many as the others; -1: skip Keras)
    optin: bool = False            # run only when selected by name or glob (-w), never by default
    timeout_s: int = 0             # the worker's own limit, where it exceeds the suite's --timeout


def _build(topo: str, n: int) -> Workload:
    # Keras 3 fails the 10,000-layer chain with a RecursionError after ~30 s (RESULTS.md): run once to
    # show it; its 10,000-layer DAG and the 100,000-layer graphs are not run.
    keras = (1 if topo == "chain" and n == 10000 else -1) if n >= 10000 else 0
    return Workload(f"build_{topo}_{n}", "graph_build", "total_s", "s", False, (KFUNC, TORCH, KERAS),
                    {"topology": topo, "n_layers": n}, "build",
                    f"{topo} of {n} Dense(4): graph construction + Model() + summary() to a sink "
                    f"(torch: nn.Linear(4, 4) modules + torchinfo.summary)",
                    max_repeats=1 if n >= 100000 and topo == "dag" else 2, keras_repeats=keras)


def _corpus() -> list[Workload]:
    from .corpus import PROGRAM_TIMEOUT_S, program_ids
    return [Workload(f"corpus_{pid}", "corpus", "wall_s", "s", False, (KFUNC, KERAS), {"program_id": pid},
                     "corpus", f"corpus program {pid}: wall time of one run", max_repeats=1, optin=True,
                     timeout_s=PROGRAM_TIMEOUT_S + 60)
            for pid in program_ids()]


WORKLOADS = [
    Workload("mlp_fit", "mlp", "samples_per_s", "samples/s", True, kwargs={"mode": "fit"},
             doc="seed 000 MLP, 784-64-64-10, rmsprop, CCE + accuracy, batch 32, 600 steps"),
    Workload("lstm_qa_fit", "qa_lstm", "samples_per_s", "samples/s", True, max_repeats=2,
             doc="seed 004 QA model: 2x(Embedding+LSTM), concatenate, Dense 500, batch 128, len 100"),
    Workload("conv1d_3head_fit", "conv_multi", "samples_per_s", "samples/s", True, max_repeats=2,
             doc="seed 001/004 three-output Conv1D model, Embedding(50000, 256), len 300, batch 64"),
    Workload("resnet_fit", "resnet", "samples_per_s", "samples/s", True, max_repeats=2,
             doc="small ResNet on 32x32x3 (3 residual stages, Conv2D/BN/add), adam, batch 64"),
    Workload("xception_forward", "xception", "images_per_s", "images/s", True, (KFUNC, KERAS), group="forward", max_repeats=1,
             doc="applications.Xception(weights=None) predict_on_batch, 299x299x3"),
    Workload("mlp_predict_latency", "mlp", "median_us", "us/call", False, kwargs={"mode": "predict"},
             group="latency", doc="seed 000 MLP predict_on_batch(32x784) vs module forward under no_grad"),
    Workload("irnn_fit", "rnn", "samples_per_s", "samples/s", True, kwargs={"kind": "irnn"}, max_repeats=2,
             doc="corpus k2_mnist_irnn: SimpleRNN(100, relu) over 784 steps, fused rnn_relu, rmsprop, batch 32"),
    Workload("lstm_loop_fit", "rnn", "samples_per_s", "samples/s", True, kwargs={"kind": "loop"}, max_repeats=2,
             doc="LSTM(64, recurrent_dropout=0.2), 50 steps: the Python time loop vs Keras 3's, batch 64"),
    Workload("jit_fit", "jit", "mlp_samples_per_s", "samples/s", True,
             ("kfunc", "kfunc_jit", "torch", "torch_compile", "keras", "keras_jit"), group="jit", max_repeats=2,
             doc="eager vs compiled (jit_compile=True / torch.compile): the MLP then the mnist_convnet CNN in one "
                 "process, batch 32 / 128"),
    Workload("gru_masked_fit", "rnn", "samples_per_s", "samples/s", True, kwargs={"kind": "masked"}, max_repeats=2,
             doc="Embedding(mask_zero) + GRU(64), right-padded length 80: fused packed path, batch 64"),
] + [_build(t, n) for t in ("chain", "dag") for n in (100, 1000, 10000, 100000)] + [
    Workload(f"dp_mlp_fit_{p}proc", "data_parallel", "samples_per_s", "samples/s", True, (KFUNC, TORCH),
             {"procs": p}, "data_parallel", f"MLP 784-256-256-10, global batch 512, {p} process(es) "
             "(torchrun, gloo on CPU / NCCL on CUDA); kfunc: fit, torch: DistributedDataParallel", max_repeats=2)
    for p in (1, 2)] + _corpus()

BY_NAME = {w.name: w for w in WORKLOADS}

# The CPU-time twin of each metric (process CPU seconds instead of wall seconds).
CPU_METRIC = {"samples_per_s": "cpu_samples_per_s", "images_per_s": "cpu_images_per_s",
              "median_us": "cpu_median_us", "total_s": "cpu_total_s", "wall_s": "cpu_s",
              "mlp_samples_per_s": "mlp_cpu_samples_per_s"}
