"""Eager vs compiled training, two models in one process: the tutorial MLP, then a small CNN.

Each process fits the MLP (784-64-64-10, rmsprop, batch 32) and then the Keras ``mnist_convnet``
CNN (Conv2D 32 / pool / Conv2D 64 / pool / Flatten / Dense 10 on 28x28x1, adam, batch 128) one
after the other, so a compiled run compiles two different models in one process (a second compiled
model used to crash Inductor: issue 17). Implementations:

- ``kfunc`` / ``kfunc_jit``: ``compile(...)`` / ``compile(..., jit_compile=True)``, then ``fit``;
- ``keras`` / ``keras_jit``: the same on Keras 3 (torch backend);
- ``torch`` / ``torch_compile``: the hand-written module and loop of ``bench/common.py``, the
  second with ``torch.compile(model)`` (the idiomatic use: forward and backward compiled, the
  optimizer step eager).

Throughput counts the steps after a warm-up that holds the compilation (and ``jit_compile``'s
trial of compiled against eager calls, which keeps the faster); sample counts are whole
batches, so no run compiles a graph for a last, smaller batch inside the timed steps. The first
``fit`` call's wall time (compilation included) is reported as ``*_fit_wall_s``.

Example::

    python -m bench -w jit_fit -i kfunc,kfunc_jit,torch,torch_compile
"""
from __future__ import annotations

import numpy as np

from ..common import Unavailable, fit_keras_style, train_loop_torch
from ..frameworks import keras_api, need, place
from . import mlp as _mlp

JIT_IMPLS = ("kfunc", "kfunc_jit", "torch", "torch_compile", "keras", "keras_jit")
CNN_BATCH = 128


def build_cnn(k):
    """Keras's mnist_convnet example on namespace ``k``."""
    Conv2D, MaxPooling2D, Flatten, Dense = need(k, "layers.Conv2D", "layers.MaxPooling2D", "layers.Flatten",
                                                "layers.Dense")
    inputs = k.Input(shape=(28, 28, 1))
    x = Conv2D(32, kernel_size=(3, 3), activation="relu")(inputs)
    x = MaxPooling2D(pool_size=(2, 2))(x)
    x = Conv2D(64, kernel_size=(3, 3), activation="relu")(x)
    x = MaxPooling2D(pool_size=(2, 2))(x)
    x = Flatten()(x)
    outputs = Dense(10, activation="softmax")(x)
    return k.Model(inputs, outputs)


def _cnn_data(n):
    rng = np.random.default_rng(1)
    x = rng.random((n, 28, 28, 1), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]
    return x, y


def _sizes(cfg):
    """((MLP samples, warm-up steps), (CNN samples, warm-up steps)); whole batches only."""
    # Warm-ups hold the compilation and jit_compile's trial of compiled vs eager calls (engine/jit.py),
    # so the timed steps run what it settled on
    # (up to 103 calls for a 1-ms step, 13 for a long one).
    if cfg.quick:
        return (6_400, 110), (20 * CNN_BATCH, 14)
    return (19_200, 120), (80 * CNN_BATCH, 16)


def run(impl, cfg):
    if impl not in JIT_IMPLS:
        raise Unavailable(f"no {impl} implementation of jit_fit")
    (n_mlp, w_mlp), (n_cnn, w_cnn) = _sizes(cfg)
    data = {"mlp": (_mlp._data(n_mlp), _mlp.BATCH, w_mlp), "cnn": (_cnn_data(n_cnn), CNN_BATCH, w_cnn)}
    out = {}
    for name in ("mlp", "cnn"):  # the same order in every process: the CNN is the second model
        (x, y), batch, warmup = data[name]
        res = _fit_torch(impl, name, cfg, x, y, batch, warmup) if impl.startswith("torch") else \
            _fit_keras_api(impl, name, cfg, x, y, batch, warmup)
        for key, value in res.items():
            out[f"{name}_{key}"] = value
    return out


def _fit_keras_api(impl, name, cfg, x, y, batch, warmup):
    jit = impl.endswith("_jit")
    k = keras_api(impl[:-4] if jit else impl)
    model = place(_mlp.build(k) if name == "mlp" else build_cnn(k), impl, cfg.device)
    opt = "rmsprop" if name == "mlp" else "adam"
    model.compile(optimizer=opt, loss="categorical_crossentropy", metrics=["accuracy"], jit_compile=jit)
    out = fit_keras_style(model, x, y, batch, cfg.device, warmup, k.callbacks)
    fns = model.__dict__.get("_jit_fns") if impl == "kfunc_jit" else None
    if fns and "train step" in fns:  # what kfunc's jit_compile settled on after its trial
        out["jit_mode"] = fns["train step"].mode
    return out


def _torch_cnn():
    import torch
    from torch import nn

    class ConvNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1, self.c2 = nn.Conv2d(1, 32, 3), nn.Conv2d(32, 64, 3)
            self.fc = nn.Linear(64 * 5 * 5, 10)

        def forward(self, x):  # NCHW, as a torch user writes it; logits out (fused cross_entropy)
            x = torch.max_pool2d(torch.relu(self.c1(x)), 2)
            x = torch.max_pool2d(torch.relu(self.c2(x)), 2)
            return self.fc(x.flatten(1))

    return ConvNet()


def _fit_torch(impl, name, cfg, x, y, batch, warmup):
    import torch
    import torch.nn.functional as F

    dev = cfg.device
    if name == "mlp":
        model = _mlp._MLP.make(softmax=False).to(dev)
        opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
        xs = [torch.from_numpy(x).to(dev)]
    else:
        model = _torch_cnn().to(dev)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
        xs = [torch.from_numpy(x).permute(0, 3, 1, 2).contiguous().to(dev)]
    if impl == "torch_compile":
        model = torch.compile(model)

    def loss_fn(logits, ys):
        loss = F.cross_entropy(logits, ys[0])
        with torch.no_grad():
            acc = (logits.argmax(-1) == ys[0].argmax(-1)).float().mean()
        return loss, acc

    return train_loop_torch(model, loss_fn, opt, xs, [torch.from_numpy(y).to(dev)], batch, dev, warmup)
