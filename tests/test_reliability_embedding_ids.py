"""Embedding ids out of range on an accelerator: checked on the device without a host sync per step, reported
a step or two later (or where the trainer waits anyway) naming the layer, its size and the ids (issue 15).

On CPU torch checks the ids itself (tests/test_error_battery.py); here ``data_checks.WATCH_ON_CPU`` runs the
device path on CPU tensors, where the asynchronous copy is a plain one, and the CUDA test runs where CUDA is.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from kfunc_torch import Input, Model, layers
from kfunc_torch.engine import data_checks


@pytest.fixture
def watch_on_cpu(monkeypatch):
    monkeypatch.setattr(data_checks, "WATCH_ON_CPU", True)


def _model(input_dim=10):
    i = Input((3,))
    m = Model(i, layers.Flatten()(layers.Embedding(input_dim, 2, name="words")(i)))
    m.compile("sgd", "mse")
    return m


def test_watch_reports_a_bad_batch_on_a_later_call_and_at_flush():
    watch = data_checks.IdRangeWatch("words", 10)
    good = torch.tensor([[0, 9, 4]])
    assert torch.equal(watch.check(good), good)
    out = watch.check(torch.tensor([[3, 12, -1]]))  # the bad batch runs (clamped), the report comes later
    assert out.tolist() == [[3, 9, 0]]
    with pytest.raises(ValueError, match=r"'words' has input_dim=10 \(ids 0\.\.9\), but received id -1 \(ids from "
                                         r"-1 to 12\)\. Fix: ids must be >= 0"):
        watch.check(good)
    assert torch.equal(watch.check(good), good)  # reported once: the watch starts clean
    watch.flush()
    watch.check(torch.tensor([[10, 1, 1]]))
    with pytest.raises(ValueError, match=r"received id 10 .* at least the largest id \+ 1 \(11\)"):
        watch.flush()


@pytest.mark.parametrize("call", ["fit", "evaluate", "predict"])
def test_a_bad_id_in_the_last_batch_is_reported_before_the_call_returns(watch_on_cpu, call):
    m = _model()
    x = np.tile([[1, 2, 3]], (16, 1))
    x[-1, 1] = 10  # the last batch of 4: no later call would report it
    args = (x,) if call == "predict" else (x, np.zeros((16, 6)))
    with pytest.raises(ValueError, match=r"Embedding layer 'words' has input_dim=10 .* received id 10"):
        getattr(m, call)(*args, batch_size=4, verbose=0)


def test_valid_ids_train_exactly_as_without_the_watch(monkeypatch):
    x = np.random.RandomState(0).randint(0, 10, size=(32, 3))
    y = np.random.RandomState(1).randn(32, 6).astype("float32")
    weights = []
    for on in (False, True):
        monkeypatch.setattr(data_checks, "WATCH_ON_CPU", on)
        torch.manual_seed(0)
        m = _model()
        m.fit(x, y, batch_size=8, epochs=2, verbose=0)
        weights.append(m.get_weights())
    for a, b in zip(*weights):
        assert np.array_equal(a, b)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA (the path this check exists for)")
def test_cuda_ids_are_checked_without_a_host_sync():
    emb = layers.Embedding(1000, 16, name="words")
    emb.build((None, 50))
    emb.to("cuda")
    ids = torch.randint(0, 1000, (64, 50), device="cuda")
    emb(ids)  # warm up (first-use allocations may sync)
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        for _ in range(20):
            emb(ids)
        bad = ids.clone()
        bad[3, 7] = 1000
        emb(bad)  # runs, clamped: torch's own device-side assert never fires
    finally:
        torch.cuda.set_sync_debug_mode(0)
    with pytest.raises(ValueError, match=r"'words' has input_dim=1000 .* received id 1000"):
        data_checks.flush_id_watches()
    assert emb(ids).shape == (64, 50, 16)  # the CUDA context is still usable
