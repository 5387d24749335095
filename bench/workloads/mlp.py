"""Seed 000's first functional model (784 -> 64 relu -> 64 relu -> 10 softmax).

``mode='fit'``: one epoch of fit on 60,000 x 784 random data, batch 32, rmsprop,
categorical_crossentropy, accuracy. ``mode='predict'``: predict_on_batch latency on 32 rows.
"""
from __future__ import annotations

import numpy as np

from ..common import Unavailable, fit_keras_style, median_call_us, syncer, train_loop_torch
from ..frameworks import compile_model, keras_api, place

BATCH = 32


def build(k):
    """The tutorial's code, verbatim but for the ``k.`` namespace (kfunc_torch or keras)."""
    inputs = k.Input(shape=(784,))
    x = k.layers.Dense(64, activation='relu')(inputs)
    x = k.layers.Dense(64, activation='relu')(x)
    predictions = k.layers.Dense(10, activation='softmax')(x)
    return k.Model(inputs=inputs, outputs=predictions)


def _data(n):
    rng = np.random.default_rng(0)
    x = rng.random((n, 784), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]
    return x, y


def _sizes(cfg):
    # (samples, warm-up steps). quick: a couple of seconds; full: 600 steps of batch 32 (a fixed
    # step count rather than the tutorial's 1,875-step epoch keeps Keras's process near a minute
    # on a loaded 2-core machine; the rate is per step after warm-up either way).
    return (3_200, 20) if cfg.quick else (19_200, 50)


def run(impl, cfg, mode="fit"):
    if mode == "fit":
        return _fit_torch(cfg) if impl == "torch" else _fit_keras_api(impl, cfg)
    return _predict_torch(cfg) if impl == "torch" else _predict_keras_api(impl, cfg)


def _fit_keras_api(impl, cfg):
    k = keras_api(impl)
    n, warmup = _sizes(cfg)
    x, y = _data(n)
    model = place(build(k), impl, cfg.device)
    if not hasattr(model, "fit"):
        raise Unavailable(f"{k.__name__} Model has no fit() yet")
    compile_model(model, impl, optimizer='rmsprop', loss='categorical_crossentropy', metrics=['accuracy'])
    return fit_keras_style(model, x, y, BATCH, cfg.device, warmup, k.callbacks)


class _MLP:
    """Factory for the hand-written module (a class inside so torch imports only in the worker)."""

    @staticmethod
    def make(softmax: bool):
        import torch
        from torch import nn

        class MLP(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1, self.fc2, self.fc3 = nn.Linear(784, 64), nn.Linear(64, 64), nn.Linear(64, 10)

            def forward(self, x):
                x = torch.relu(self.fc2(torch.relu(self.fc1(x))))
                x = self.fc3(x)
                # Training returns logits (cross_entropy fuses log_softmax): the idiomatic fast path.
                return torch.softmax(x, -1) if softmax else x

        return MLP()


def _fit_torch(cfg):
    import torch
    import torch.nn.functional as F
    n, warmup = _sizes(cfg)
    x, y = _data(n)
    model = _MLP.make(softmax=False).to(cfg.device)
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)

    def loss_fn(logits, ys):
        target = ys[0]
        loss = F.cross_entropy(logits, target)
        with torch.no_grad():
            acc = (logits.argmax(-1) == target.argmax(-1)).float().mean()
        return loss, acc

    xs = [torch.from_numpy(x).to(cfg.device)]
    ys = [torch.from_numpy(y).to(cfg.device)]
    return train_loop_torch(model, loss_fn, opt, xs, ys, BATCH, cfg.device, warmup)


def _calls(cfg):
    return (300, 30) if cfg.quick else (3000, 200)


def _predict_keras_api(impl, cfg):
    k = keras_api(impl)
    model = place(build(k), impl, cfg.device)
    if not hasattr(model, "predict_on_batch"):
        raise Unavailable(f"{k.__name__} Model has no predict_on_batch() yet")
    xb = _data(BATCH)[0]
    calls, warmup = _calls(cfg)
    out = median_call_us(lambda: model.predict_on_batch(xb), calls, warmup, syncer(cfg.device))
    if impl.startswith("kfunc"):
        # The graph forward alone (no numpy in/out): separates plan overhead from API overhead.
        import torch
        xt = torch.from_numpy(xb).to(cfg.device)
        with torch.no_grad():
            out["graph_forward_us"] = median_call_us(lambda: model(xt), calls, warmup, syncer(cfg.device))["median_us"]
    return out


def _predict_torch(cfg):
    import torch
    model = _MLP.make(softmax=True).to(cfg.device).eval()
    xb = _data(BATCH)[0]
    xt = torch.from_numpy(xb).to(cfg.device)
    calls, warmup = _calls(cfg)
    with torch.no_grad():
        out = median_call_us(lambda: model(xt), calls, warmup, syncer(cfg.device))
        # What predict_on_batch promises (numpy in, numpy out), hand-written.
        out["numpy_roundtrip_us"] = median_call_us(
            lambda: model(torch.from_numpy(xb).to(cfg.device)).cpu().numpy(), calls, warmup,
            syncer(cfg.device))["median_us"]
    return out
