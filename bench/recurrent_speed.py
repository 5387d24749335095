"""Speed sanity check (not a test): our LSTM/GRU forward+backward against torch.nn.LSTM/GRU.

Run: ``python bench/recurrent_speed.py`` (add ``--cuda`` on a GPU machine). Prints the time
per forward+backward step and the ratio ours / torch (1.0 = as fast as nn.LSTM).
"""
from __future__ import annotations

import argparse
import time

import torch

from kfunc_torch.layers import GRU, LSTM


def _time(fn, steps, device):
    for _ in range(3):
        fn()
    if device == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        fn()
    if device == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - t0) / steps


def bench(kind, batch=32, steps_t=100, features=64, units=32, iters=30, device="cpu", mask=False):
    torch.manual_seed(0)
    x = torch.randn(batch, steps_t, features, device=device)
    ours = (LSTM if kind == "lstm" else GRU)(units, return_sequences=True)
    ours(x[:1].cpu())
    ours.to(device)
    ref = (torch.nn.LSTM if kind == "lstm" else torch.nn.GRU)(features, units, batch_first=True).to(device)
    m = None
    if mask:
        lengths = torch.randint(steps_t // 2, steps_t + 1, (batch,))
        m = (torch.arange(steps_t)[None] < lengths[:, None]).to(device)

    def step_ours():
        y = ours(x, mask=m) if m is not None else ours(x)
        y.sum().backward()

    def step_ref():
        y, _ = ref(x)
        y.sum().backward()

    t_ours, t_ref = _time(step_ours, iters, device), _time(step_ref, iters, device)
    label = f"{kind}{' masked' if mask else ''} ({batch}, {steps_t}, {features})->{units} on {device}"
    print(f"{label}: ours {t_ours * 1e3:.2f} ms, torch {t_ref * 1e3:.2f} ms, ratio {t_ours / t_ref:.2f}")
    return t_ours / t_ref


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cuda", action="store_true")
    args = parser.parse_args()
    dev = "cuda" if args.cuda and torch.cuda.is_available() else "cpu"
    bench("lstm", device=dev)
    bench("gru", device=dev)
    bench("lstm", device=dev, mask=True)
