"""Recurrent workloads: the fused kernels and the Python time loop, each against Keras 3.

- ``irnn``: the Keras example ``mnist_irnn`` (corpus ``k2_mnist_irnn``): pixel-by-pixel MNIST,
  SimpleRNN(100, relu, identity recurrent init) over 784 steps, Dense(10) + softmax, RMSprop,
  batch 32. kfunc runs it on torch's fused ``rnn_relu``; torch is ``nn.RNN(nonlinearity='relu')``.
- ``loop``: LSTM(64) with ``recurrent_dropout=0.2`` over 50 steps of 32 features, batch 64: no
  fused kernel expresses a recurrent dropout mask, so kfunc steps in Python (as Keras 3 always does
  on CPU); torch is a hand-written ``nn.LSTMCell`` loop with the same per-sequence masks.
- ``masked``: Embedding(mask_zero=True) -> GRU(64) on right-padded sequences of length 80, batch
  64: kfunc runs the masked batch fused (packed where states are needed); torch packs the batch
  for ``nn.GRU``.
"""
from __future__ import annotations

import numpy as np

from ..common import Unavailable, fit_keras_style, train_loop_torch
from ..frameworks import compile_model, keras_api, need, place

SPECS = {
    "irnn": dict(batch=32, steps=784, features=1, units=100, classes=10),
    "loop": dict(batch=64, steps=50, features=32, units=64, classes=10),
    "masked": dict(batch=64, steps=80, vocab=1000, emb=32, units=64, classes=10),
}


def build(k, kind):
    s = SPECS[kind]
    Dense, Input, Model = need(k, "layers.Dense"), k.Input, k.Model
    if kind == "irnn":
        SimpleRNN = need(k, "layers.SimpleRNN")
        inp = Input(shape=(s["steps"], s["features"]))
        h = SimpleRNN(s["units"], kernel_initializer=k.initializers.RandomNormal(stddev=0.001),
                      recurrent_initializer=k.initializers.Identity(gain=1.0), activation="relu")(inp)
    elif kind == "loop":
        LSTM = need(k, "layers.LSTM")
        inp = Input(shape=(s["steps"], s["features"]))
        h = LSTM(s["units"], recurrent_dropout=0.2)(inp)
    else:
        Embedding, GRU = need(k, "layers.Embedding", "layers.GRU")
        inp = Input(shape=(s["steps"],), dtype="int32")
        h = GRU(s["units"])(Embedding(s["vocab"], s["emb"], mask_zero=True)(inp))
    return Model(inp, Dense(s["classes"], activation="softmax")(h))


def _data(kind, n):
    s = SPECS[kind]
    rng = np.random.default_rng(0)
    y = np.eye(s["classes"], dtype=np.float32)[rng.integers(0, s["classes"], n)]
    if kind == "masked":
        lengths = rng.integers(s["steps"] // 4, s["steps"] + 1, n)
        ids = rng.integers(1, s["vocab"], (n, s["steps"]))
        ids[np.arange(s["steps"])[None, :] >= lengths[:, None]] = 0  # right padding
        return ids.astype(np.int64), y
    return rng.random((n, s["steps"], s["features"]), dtype=np.float32), y


def _steps(cfg, impl, kind):
    """(steps, warm-up). Keras 3 steps in Python over every time step on CPU: fewer steps for it."""
    if impl == "keras" and not cfg.device.startswith("cuda"):
        return (3, 1) if cfg.quick or kind == "irnn" else (6, 1)
    return (4, 1) if cfg.quick else ((8, 2) if kind == "irnn" else (20, 3))


def run(impl, cfg, kind="irnn"):
    steps, warmup = _steps(cfg, impl, kind)
    s = SPECS[kind]
    x, y = _data(kind, steps * s["batch"])
    if impl == "torch":
        return _fit_torch(cfg, kind, x, y, warmup)
    k = keras_api(impl)
    model = place(build(k, kind), impl, cfg.device)
    if not hasattr(model, "fit"):
        raise Unavailable(f"{k.__name__} Model has no fit() yet")
    opt = k.optimizers.RMSprop(learning_rate=1e-6) if kind == "irnn" else "rmsprop"
    compile_model(model, impl, optimizer=opt, loss="categorical_crossentropy", metrics=["accuracy"])
    return fit_keras_style(model, x, y, s["batch"], cfg.device, warmup, k.callbacks)


def _fit_torch(cfg, kind, x, y, warmup):
    import torch
    import torch.nn.functional as F
    from torch import nn
    from torch.nn.utils.rnn import pack_padded_sequence

    s = SPECS[kind]

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            if kind == "irnn":
                self.rnn = nn.RNN(s["features"], s["units"], nonlinearity="relu", batch_first=True)
                with torch.no_grad():
                    nn.init.normal_(self.rnn.weight_ih_l0, std=0.001)
                    self.rnn.weight_hh_l0.copy_(torch.eye(s["units"]))
                    self.rnn.bias_ih_l0.zero_()
                    self.rnn.bias_hh_l0.zero_()
            elif kind == "loop":
                self.cell = nn.LSTMCell(s["features"], s["units"])
            else:
                self.emb = nn.Embedding(s["vocab"], s["emb"])
                self.rnn = nn.GRU(s["emb"], s["units"], batch_first=True)
            self.fc = nn.Linear(s["units"], s["classes"])

        def forward(self, xb):
            if kind == "irnn":
                return self.fc(self.rnn(xb)[1][0])
            if kind == "loop":
                h = c = xb.new_zeros(xb.shape[0], s["units"])
                keep = torch.empty_like(h).bernoulli_(0.8) / 0.8 if self.training else None
                for t in range(xb.shape[1]):
                    h, c = self.cell(xb[:, t], (h * keep if keep is not None else h, c))
                return self.fc(h)
            lengths = (xb != 0).sum(1).clamp(min=1).cpu()
            packed = pack_padded_sequence(self.emb(xb), lengths, batch_first=True, enforce_sorted=False)
            return self.fc(self.rnn(packed)[1][0])

    model = Net().to(cfg.device)
    lr = 1e-6 if kind == "irnn" else 1e-3
    opt = torch.optim.RMSprop(model.parameters(), lr=lr, alpha=0.9, eps=1e-7)

    def loss_fn(logits, ys):
        loss = F.cross_entropy(logits, ys[0])
        with torch.no_grad():
            acc = (logits.argmax(-1) == ys[0].argmax(-1)).float().mean()
        return loss, acc

    dev = cfg.device
    return train_loop_torch(model, loss_fn, opt, [torch.from_numpy(x).to(dev)], [torch.from_numpy(y).to(dev)],
                            s["batch"], dev, warmup)
