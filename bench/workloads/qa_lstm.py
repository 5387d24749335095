"""Seed 004's question-answering model: two int inputs of length 100 (vocab 10,000),
Embedding(64) -> LSTM(32) and Embedding(32) -> LSTM(16), concatenate, Dense(500, softmax);
rmsprop, categorical_crossentropy, accuracy, batch 128.
"""
from __future__ import annotations

import numpy as np

from ..common import Unavailable, fit_keras_style, train_loop_torch
from ..frameworks import compile_model, keras_api, need, place

BATCH, LENGTH, VOCAB, ANSWERS = 128, 100, 10_000, 500


def build(k):
    """The tutorial's code on namespace ``k`` (kfunc_torch or keras)."""
    Input, Model = k.Input, k.Model
    Embedding, LSTM, Dense, concatenate = need(k, "layers.Embedding", "layers.LSTM", "layers.Dense",
                                               "layers.concatenate")
    text_input = Input(shape=(None,), dtype='int32', name='text')
    embedded_text = Embedding(input_dim=VOCAB, output_dim=64)(text_input)
    encoded_text = LSTM(32)(embedded_text)
    question_input = Input(shape=(None,), dtype='int32', name='question')
    embedded_question = Embedding(input_dim=VOCAB, output_dim=32)(question_input)
    encoded_question = LSTM(16)(embedded_question)
    concatenated = concatenate([encoded_text, encoded_question], axis=-1)
    answer = Dense(ANSWERS, activation='softmax')(concatenated)
    return Model([text_input, question_input], answer)


def _data(n):
    rng = np.random.default_rng(0)
    text = rng.integers(1, VOCAB, size=(n, LENGTH))
    question = rng.integers(1, VOCAB, size=(n, LENGTH))
    answer = np.eye(ANSWERS, dtype=np.float32)[rng.integers(0, ANSWERS, n)]
    return text, question, answer


def _steps(cfg, impl):
    """(steps, warm-up steps). Keras 3 runs its LSTM as a Python loop over time steps on CPU
    (seconds per step here), so it gets fewer steps: the rate is per step after warm-up anyway."""
    if impl == "keras" and not cfg.device.startswith("cuda"):
        return (3, 1) if cfg.quick else (4, 1)
    return (6, 2) if cfg.quick else (20, 3)


def run(impl, cfg):
    steps, warmup = _steps(cfg, impl)
    text, question, answer = _data(steps * BATCH)
    if impl == "torch":
        return _fit_torch(cfg, text, question, answer, warmup)
    k = keras_api(impl)
    model = place(build(k), impl, cfg.device)
    if not hasattr(model, "fit"):
        raise Unavailable(f"{k.__name__} Model has no fit() yet")
    compile_model(model, impl, optimizer='rmsprop', loss='categorical_crossentropy', metrics=['acc'])
    return fit_keras_style(model, [text, question], answer, BATCH, cfg.device, warmup, k.callbacks)


def _fit_torch(cfg, text, question, answer, warmup):
    import torch
    import torch.nn.functional as F
    from torch import nn

    class QA(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb_t, self.lstm_t = nn.Embedding(VOCAB, 64), nn.LSTM(64, 32, batch_first=True)
            self.emb_q, self.lstm_q = nn.Embedding(VOCAB, 32), nn.LSTM(32, 16, batch_first=True)
            self.fc = nn.Linear(48, ANSWERS)

        def forward(self, t, q):
            _, (ht, _) = self.lstm_t(self.emb_t(t))
            _, (hq, _) = self.lstm_q(self.emb_q(q))
            return self.fc(torch.cat([ht[-1], hq[-1]], -1))  # logits: cross_entropy fuses the softmax

    model = QA().to(cfg.device)
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)

    def loss_fn(logits, ys):
        loss = F.cross_entropy(logits, ys[0])
        with torch.no_grad():
            acc = (logits.argmax(-1) == ys[0].argmax(-1)).float().mean()
        return loss, acc

    dev = cfg.device
    xs = [torch.from_numpy(text).to(dev), torch.from_numpy(question).to(dev)]
    return train_loop_torch(model, loss_fn, opt, xs, [torch.from_numpy(answer).to(dev)], BATCH, dev, warmup)
