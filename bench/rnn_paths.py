"""Which recurrent configurations take the fused torch kernels, and the Python loop against Keras 3.

Run: ``python -m bench.rnn_paths`` (``--quick`` for fewer steps). Prints two tables:

1. the path each configuration takes in kfunc_torch (``fused``: one ``torch._VF`` kernel call for
   the sequence; ``loop``: ``RNN``'s Python time loop), found by counting calls of the cell's
   ``_fused``;
2. seconds per ``train_on_batch`` (the fastest of the steps, over two alternating runs of each) of models that need the Python loop (recurrent dropout, a custom
   cell, GRU ``reset_after=False``, a mask with holes) and of fused ones, on kfunc_torch and on real
   Keras 3 (torch backend), the same program text in two processes (one thread each).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import torch

# (label, layer source, call keyword arguments: "mask" = right padding, "holes" = a mask with holes)
CONFIGS = [
    ("LSTM", "LSTM(8)", {}), ("LSTM return_sequences", "LSTM(8, return_sequences=True)", {}),
    ("LSTM return_state", "LSTM(8, return_state=True)", {}), ("LSTM go_backwards", "LSTM(8, go_backwards=True)", {}),
    ("LSTM stateful", "LSTM(8, stateful=True)", {}), ("LSTM right-padded mask", "LSTM(8)", {"mask": "right"}),
    ("LSTM left-padded mask + return_state", "LSTM(8, return_state=True)", {"mask": "left"}),
    ("LSTM go_backwards + mask", "LSTM(8, go_backwards=True, return_sequences=True)", {"mask": "right"}),
    ("LSTM mask with holes", "LSTM(8)", {"mask": "holes"}),
    ("LSTM dropout=0.2, training", "LSTM(8, dropout=0.2)", {"training": True}),
    ("LSTM recurrent_dropout=0.2, training", "LSTM(8, recurrent_dropout=0.2)", {"training": True}),
    ("LSTM recurrent_dropout=0.2, inference", "LSTM(8, recurrent_dropout=0.2)", {}),
    ("LSTM hard_sigmoid", "LSTM(8, recurrent_activation='hard_sigmoid')", {}),
    ("GRU", "GRU(8)", {}), ("GRU mask + stateful", "GRU(8, stateful=True)", {"mask": "right"}),
    ("GRU reset_after=False", "GRU(8, reset_after=False)", {}),
    ("SimpleRNN tanh", "SimpleRNN(8)", {}), ("SimpleRNN relu", "SimpleRNN(8, activation='relu')", {}),
    ("SimpleRNN sigmoid", "SimpleRNN(8, activation='sigmoid')", {}),
    ("RNN(LSTMCell)", "RNN(LSTMCell(8))", {}), ("RNN(GRUCell) masked", "RNN(GRUCell(8))", {"mask": "right"}),
    ("RNN([LSTMCell, GRUCell]) (stacked)", "RNN([LSTMCell(8), GRUCell(4)])", {}),
    ("Bidirectional(LSTM) masked", "Bidirectional(LSTM(8, return_sequences=True))", {"mask": "right"}),
    ("ConvLSTM2D", "ConvLSTM2D(4, 3, padding='same')", {}),
]


def _mask(kind, batch, steps):
    t = torch.arange(steps)[None]
    lengths = torch.arange(batch)[:, None] % (steps - 1) + 2
    if kind == "right":
        return t < lengths
    if kind == "left":
        return t >= steps - lengths
    m = t < lengths
    m[:, 0] = False
    m[:, 1] = True
    m[0, -1] = True  # a hole in row 0
    return m


def paths():
    from kfunc_torch import layers as L
    rows = []
    for label, src, kw in CONFIGS:
        layer = eval(src, vars(L))
        x = torch.randn((4, 6, 5, 5, 2) if "ConvLSTM" in src else (4, 6, 3))
        layer(x)
        calls = []
        for sub in layer._flatten_layers():
            fused = getattr(sub, "_fused", None)
            if fused is not None:
                sub._fused = (lambda f: lambda *a: calls.append(1) or f(*a))(fused)
        kwargs = {}
        if "mask" in kw:
            kwargs["mask"] = _mask(kw["mask"], 4, 6)
        if kw.get("training"):
            kwargs["training"] = True
        layer(x, **kwargs)
        rows.append((label, "fused" if calls else "loop"))
    return rows


# The timed models (Keras 3 programs): each builds `model` from `keras` and gives (x, y).
MODELS = {
    "LSTM(64, recurrent_dropout=0.2) [loop]": "h = keras.layers.LSTM(64, recurrent_dropout=0.2)(inp)",
    "RNN(custom MinimalRNNCell(64)) [loop]": "h = keras.layers.RNN(MinimalRNNCell(64))(inp)",
    "GRU(64, reset_after=False) [loop]": "h = keras.layers.GRU(64, reset_after=False)(inp)",
    "LSTM(64) [fused]": "h = keras.layers.LSTM(64)(inp)",
    "GRU(64) [fused]": "h = keras.layers.GRU(64)(inp)",
}

_PROGRAM = r"""
import json, sys, time
import numpy as np, torch
torch.set_num_threads(1)
if sys.argv[1] == "kfunc":
    import kfunc_torch
    kfunc_torch.alias_keras()
import keras
from keras import ops

class MinimalRNNCell(keras.layers.Layer):  # the Keras guide's custom cell
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units
    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="uniform", name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), initializer="uniform",
                                                name="recurrent_kernel")
    def call(self, inputs, states):
        output = ops.tanh(ops.matmul(inputs, self.kernel) + ops.matmul(states[0], self.recurrent_kernel))
        return output, [output]

out = {}
rng = np.random.default_rng(0)
x = rng.random((64, 50, 32), dtype=np.float32)
y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 64)]
for name, line in json.loads(sys.argv[2]).items():
    inp = keras.Input((50, 32))
    exec(line)
    model = keras.Model(inp, keras.layers.Dense(10, activation="softmax")(h))
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    model.train_on_batch(x, y)
    times = []
    for _ in range(int(sys.argv[3])):
        t0 = time.perf_counter()
        model.train_on_batch(x, y)
        times.append(time.perf_counter() - t0)
    out[name] = float(np.min(times))  # the least disturbed step: robust to a loaded machine
print("RESULT " + json.dumps(out))
"""


def timings(repeats: int, rounds: int = 2):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = {"kfunc": {}, "keras": {}}
    for impl in ("kfunc", "keras") * rounds:  # alternating, so both see the same load over time
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env.update(KERAS_BACKEND="torch", OMP_NUM_THREADS="1")
        if impl == "kfunc":
            env["PYTHONPATH"] = root  # this checkout's kfunc_torch; real Keras runs without it
        argv = [sys.executable, "-c", textwrap.dedent(_PROGRAM), impl, json.dumps(MODELS), str(repeats)]
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=1800, cwd="/")
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
        if proc.returncode != 0 or not lines:
            raise RuntimeError(f"{impl} failed:\n{proc.stderr[-3000:]}")
        for name, t in json.loads(lines[-1][7:]).items():
            out[impl][name] = min(t, out[impl].get(name, t))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-timings", action="store_true")
    args = parser.parse_args(argv)
    print("| configuration | path |\n| --- | --- |")
    for label, path in paths():
        print(f"| {label} | {path} |")
    if args.no_timings:
        return 0
    t = timings(3 if args.quick else 7)
    print("\n| model (batch 64, 50 steps, 32 features) | kfunc s/step | Keras 3 s/step | Keras 3 / kfunc |")
    print("| --- | --- | --- | --- |")
    for name in MODELS:
        ours, theirs = t["kfunc"][name], t["keras"][name]
        print(f"| {name} | {ours:.4f} | {theirs:.4f} | {theirs / ours:.2f}x |")
    return 0


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    raise SystemExit(main())
