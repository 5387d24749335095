"""predict_on_batch: the fast path (one C-contiguous float32 array, CPU, eval mode) and the general
path give the same numbers, the model's mode and cached device stay right, bad shapes fail clearly."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from kfunc_torch import Input, Model
from kfunc_torch.layers import Dense, Dropout


def _model():
    torch.manual_seed(0)
    i = Input((6,))
    return Model(i, Dense(3, activation="softmax")(Dropout(0.5)(Dense(8, activation="relu")(i))))


def _reference(m, x):
    with torch.no_grad():
        return m(torch.as_tensor(np.asarray(x, dtype=np.float32))).numpy()


def test_fast_and_general_paths_agree():
    m = _model()
    x = np.random.default_rng(0).random((5, 6), dtype=np.float32)
    expected = _reference(m, x)
    fast = m.predict_on_batch(x)
    assert isinstance(fast, np.ndarray) and fast.dtype == np.float32
    np.testing.assert_allclose(fast, expected, rtol=1e-6)
    # Fortran order, float64 and a Python list take the general path: same values.
    for other in (np.asfortranarray(x), x.astype(np.float64), x.tolist(), x[::-1].copy()[::-1]):
        np.testing.assert_allclose(m.predict_on_batch(other), expected, rtol=1e-6)


def test_training_mode_model_predicts_in_inference_mode_and_stays_in_training_mode():
    m = _model()
    x = np.ones((4, 6), np.float32)
    expected = m.predict_on_batch(x)
    m.train()
    np.testing.assert_allclose(m.predict_on_batch(x), expected, rtol=1e-6)  # no dropout applied
    assert m.training and all(layer.training for layer in m.layers)


def test_wrong_shape_is_a_clear_error():
    m = _model()
    with pytest.raises(ValueError, match=r"expects data of shape \(None, 6\).*\(4, 7\)"):
        m.predict_on_batch(np.ones((4, 7), np.float32))


def test_device_cache_follows_to():
    m = _model()
    assert m._device().type == "cpu"
    m.to("meta")  # any move goes through Module._apply, which forgets the cached device
    assert m._device().type == "meta"
    m.to_empty(device="cpu")
    assert m._device().type == "cpu"


def test_forward_hooks_on_the_model_still_run():
    m = _model()
    x = np.ones((2, 6), np.float32)
    seen = []
    handle = m.register_forward_hook(lambda module, inputs, output: seen.append(output.shape))
    m.predict_on_batch(x)
    assert seen == [torch.Size([2, 3])]
    handle.remove()
    m.predict_on_batch(x)
    assert len(seen) == 1


def test_global_forward_hooks_still_run():
    from torch.nn.modules.module import register_module_forward_hook
    m = _model()
    seen = []
    handle = register_module_forward_hook(lambda module, inputs, output: seen.append(type(module).__name__))
    try:
        m.predict_on_batch(np.ones((2, 6), np.float32))
    finally:
        handle.remove()
    assert "Model" in seen and seen.count("Dense") == 2


def test_grad_mode_is_restored_and_no_graph_is_recorded():
    m = _model()
    x = np.ones((2, 6), np.float32)
    assert torch.is_grad_enabled()
    out = m.predict_on_batch(x)
    assert torch.is_grad_enabled() and isinstance(out, np.ndarray)   # .numpy() would fail on a graph
    with torch.no_grad():
        m.predict_on_batch(x)
        assert not torch.is_grad_enabled()
    m.layers[1].kernel.data = torch.ones(7, 8)  # a wrong weight shape: the forward raises
    with pytest.raises(RuntimeError):
        m.predict_on_batch(x)
    assert torch.is_grad_enabled()  # restored after the error too
