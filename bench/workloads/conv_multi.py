"""Seed 001/004's three-output model: Embedding(50000, 256) -> Conv1D/MaxPooling1D stack ->
GlobalMaxPooling1D -> Dense(128) -> heads age (mse), sex (binary), income (categorical, 10);
rmsprop, loss dict with loss_weights, batch 64, sequences of length 300 (the stack needs >= 269).
"""
from __future__ import annotations

import numpy as np

from ..common import Unavailable, fit_keras_style, train_loop_torch
from ..frameworks import compile_model, keras_api, need, place

BATCH, LENGTH, VOCAB, INCOME = 64, 300, 50_000, 10
WEIGHTS = {'age': 0.25, 'sex': 10., 'income': 1.}


def build(k):
    """The tutorial's code on namespace ``k``."""
    Input, Model = k.Input, k.Model
    Embedding, Conv1D, MaxPooling1D, GlobalMaxPooling1D, Dense = need(
        k, "layers.Embedding", "layers.Conv1D", "layers.MaxPooling1D", "layers.GlobalMaxPooling1D", "layers.Dense")
    posts_input = Input(shape=(None,), dtype='int32', name='posts')
    embedded_posts = Embedding(input_dim=VOCAB, output_dim=256)(posts_input)
    x = Conv1D(filters=128, kernel_size=5, activation='relu')(embedded_posts)
    x = MaxPooling1D(5)(x)
    x = Conv1D(256, 5, activation='relu')(x)
    x = Conv1D(256, 5, activation='relu')(x)
    x = MaxPooling1D(5)(x)
    x = Conv1D(256, 5, activation='relu')(x)
    x = Conv1D(256, 5, activation='relu')(x)
    x = GlobalMaxPooling1D()(x)
    x = Dense(128, activation='relu')(x)
    age_prediction = Dense(1, name='age')(x)
    sex_prediction = Dense(1, activation='sigmoid', name='sex')(x)
    income_prediction = Dense(INCOME, activation='softmax', name='income')(x)
    return Model(posts_input, [age_prediction, sex_prediction, income_prediction])


def _data(n):
    rng = np.random.default_rng(0)
    posts = rng.integers(1, VOCAB, size=(n, LENGTH))
    age = rng.random((n, 1), dtype=np.float32) * 60
    sex = rng.integers(0, 2, size=(n, 1)).astype(np.float32)
    income = np.eye(INCOME, dtype=np.float32)[rng.integers(0, INCOME, n)]
    return posts, age, sex, income


def _steps(cfg):
    return (3, 1) if cfg.quick else (5, 1)


def run(impl, cfg):
    steps, warmup = _steps(cfg)
    posts, age, sex, income = _data(steps * BATCH)
    if impl == "torch":
        return _fit_torch(cfg, posts, [age, sex, income], warmup)
    k = keras_api(impl)
    model = place(build(k), impl, cfg.device)
    if not hasattr(model, "fit"):
        raise Unavailable(f"{k.__name__} Model has no fit() yet")
    compile_model(model, impl, optimizer='rmsprop',
                  loss={'age': 'mse', 'sex': 'binary_crossentropy', 'income': 'categorical_crossentropy'},
                  loss_weights=WEIGHTS)
    return fit_keras_style(model, posts, [age, sex, income], BATCH, cfg.device, warmup, k.callbacks)


def _fit_torch(cfg, posts, targets, warmup):
    import torch
    import torch.nn.functional as F
    from torch import nn

    class ThreeHead(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(VOCAB, 256)
            self.convs = nn.ModuleList([nn.Conv1d(256, 128, 5), nn.Conv1d(128, 256, 5), nn.Conv1d(256, 256, 5),
                                        nn.Conv1d(256, 256, 5), nn.Conv1d(256, 256, 5)])
            self.fc = nn.Linear(256, 128)
            self.age, self.sex, self.income = nn.Linear(128, 1), nn.Linear(128, 1), nn.Linear(128, INCOME)

        def forward(self, posts):
            c = self.convs
            x = self.emb(posts).transpose(1, 2)  # channels-first once, as a torch user writes it
            x = F.max_pool1d(torch.relu(c[0](x)), 5)
            x = F.max_pool1d(torch.relu(c[2](torch.relu(c[1](x)))), 5)
            x = torch.relu(c[4](torch.relu(c[3](x)))).amax(-1)
            x = torch.relu(self.fc(x))
            return self.age(x), self.sex(x), self.income(x)  # sex, income as logits (fused losses)

    model = ThreeHead().to(cfg.device)
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)

    def loss_fn(outs, ys):
        age, sex, income = outs
        loss = (WEIGHTS['age'] * F.mse_loss(age, ys[0])
                + WEIGHTS['sex'] * F.binary_cross_entropy_with_logits(sex, ys[1])
                + WEIGHTS['income'] * F.cross_entropy(income, ys[2]))
        return loss, loss.detach()

    dev = cfg.device
    ys = [torch.from_numpy(t).to(dev) for t in targets]
    return train_loop_torch(model, loss_fn, opt, [torch.from_numpy(posts).to(dev)], ys, BATCH, dev, warmup)
