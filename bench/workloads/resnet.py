"""A small ResNet on 32x32x3 images: Conv2D stem, three residual stages (16, 32, 64 filters;
Conv2D/BatchNormalization/add, 1x1 projection shortcuts), GlobalAveragePooling2D, Dense(10,
softmax); adam, categorical_crossentropy, accuracy, batch 64.
"""
from __future__ import annotations

import numpy as np

from ..common import Unavailable, fit_keras_style, train_loop_torch
from ..frameworks import compile_model, keras_api, need, place

BATCH, STAGES = 64, ((16, 1), (32, 2), (64, 2))


def build(k):
    """A Keras user's residual network on namespace ``k``."""
    Conv2D, BatchNormalization, Activation, add, GlobalAveragePooling2D, Dense = need(
        k, "layers.Conv2D", "layers.BatchNormalization", "layers.Activation", "layers.add",
        "layers.GlobalAveragePooling2D", "layers.Dense")

    def block(x, filters, stride):
        shortcut = x
        y = Conv2D(filters, 3, strides=stride, padding='same', use_bias=False)(x)
        y = BatchNormalization()(y)
        y = Activation('relu')(y)
        y = Conv2D(filters, 3, padding='same', use_bias=False)(y)
        y = BatchNormalization()(y)
        if stride != 1 or x.shape[-1] != filters:
            shortcut = Conv2D(filters, 1, strides=stride, use_bias=False)(x)
            shortcut = BatchNormalization()(shortcut)
        return Activation('relu')(add([y, shortcut]))

    inputs = k.Input(shape=(32, 32, 3))
    x = Conv2D(16, 3, padding='same', use_bias=False)(inputs)
    x = Activation('relu')(BatchNormalization()(x))
    for filters, stride in STAGES:
        x = block(x, filters, stride)
    x = GlobalAveragePooling2D()(x)
    outputs = Dense(10, activation='softmax')(x)
    return k.Model(inputs, outputs)


def _data(n):
    rng = np.random.default_rng(0)
    x = rng.random((n, 32, 32, 3), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]
    return x, y


def _steps(cfg):
    return (4, 1) if cfg.quick else (15, 3)


def run(impl, cfg):
    steps, warmup = _steps(cfg)
    x, y = _data(steps * BATCH)
    if impl == "torch":
        return _fit_torch(cfg, x, y, warmup)
    k = keras_api(impl)
    model = place(build(k), impl, cfg.device)
    if not hasattr(model, "fit"):
        raise Unavailable(f"{k.__name__} Model has no fit() yet")
    compile_model(model, impl, optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
    return fit_keras_style(model, x, y, BATCH, cfg.device, warmup, k.callbacks)


def _fit_torch(cfg, x, y, warmup):
    import torch
    import torch.nn.functional as F
    from torch import nn

    def bn(c):  # Keras defaults: momentum 0.99 (torch 0.01), epsilon 1e-3
        return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.c1, self.b1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False), bn(cout)
            self.c2, self.b2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False), bn(cout)
            self.proj = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), bn(cout))
                         if stride != 1 or cin != cout else nn.Identity())

        def forward(self, x):
            y = self.b2(self.c2(torch.relu(self.b1(self.c1(x)))))
            return torch.relu(y + self.proj(x))

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem, self.bn = nn.Conv2d(3, 16, 3, 1, 1, bias=False), bn(16)
            blocks, cin = [], 16
            for cout, stride in STAGES:
                blocks.append(Block(cin, cout, stride))
                cin = cout
            self.blocks = nn.Sequential(*blocks)
            self.fc = nn.Linear(cin, 10)

        def forward(self, x):
            x = self.blocks(torch.relu(self.bn(self.stem(x))))
            return self.fc(x.mean((2, 3)))  # logits

    model = ResNet().to(cfg.device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)

    def loss_fn(logits, ys):
        loss = F.cross_entropy(logits, ys[0])
        with torch.no_grad():
            acc = (logits.argmax(-1) == ys[0].argmax(-1)).float().mean()
        return loss, acc

    dev = cfg.device
    xs = [torch.from_numpy(x).permute(0, 3, 1, 2).contiguous().to(dev)]  # NCHW once, pre-loaded
    return train_loop_torch(model, loss_fn, opt, xs, [torch.from_numpy(y).to(dev)], BATCH, dev, warmup)
