"""compile(jit_compile=...): per-model compiled train/test/predict functions, Keras's "auto" rule, eager fallback."""
import functools
import warnings

import numpy as np
import pytest
import torch

from kfunc_torch import Input, Model, layers
from kfunc_torch.engine import jit as _jit


def _mlp():
    i = Input((12,))
    h = layers.Dense(16, activation="relu")(i)
    return Model(i, layers.Dense(3, activation="softmax")(h))


def _cnn():
    i = Input((8, 8, 1))
    h = layers.Conv2D(4, 3, activation="relu")(i)
    h = layers.MaxPooling2D()(h)
    return Model(i, layers.Dense(3, activation="softmax")(layers.Flatten()(h)))


def _data(shape, n=40, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n,) + shape).astype("float32"), np.eye(3)[rng.integers(0, 3, n)].astype("float32")


def _train(make, shape, jit):
    torch.manual_seed(0)
    m = make()
    m.compile("sgd", "categorical_crossentropy", metrics=["accuracy"], jit_compile=jit)
    x, y = _data(shape)
    hist = m.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0).history  # 40 rows: a partial batch
    return m, hist, m.evaluate(x, y, verbose=0), m.predict(x, verbose=0)


@pytest.mark.parametrize("jit_compile, run_eagerly, expected", [
    (True, None, True), (True, True, False), ("auto", None, False), (None, None, False), (False, None, False)])
def test_keras_rule_for_jit_compile_and_run_eagerly(jit_compile, run_eagerly, expected):
    assert _jit.resolve(jit_compile, run_eagerly) is expected


def test_jit_compile_rejects_other_values():
    with pytest.raises(ValueError, match="jit_compile must be True, False or 'auto'; received 'yes'"):
        _mlp().compile("sgd", "mse", jit_compile="yes")


def test_each_model_gets_its_own_compiled_code():
    a, b = _mlp(), _mlp()
    fa = _jit._own_copy(a._forward_and_loss)
    fb = _jit._own_copy(b._forward_and_loss)
    assert fa.__func__.__code__ is not fb.__func__.__code__
    assert fa.__func__.__code__ is not type(a)._forward_and_loss.__code__


def test_a_model_torch_cannot_compile_warns_once_and_trains_eagerly(monkeypatch):
    def failing_backend(gm, example_inputs):
        raise RuntimeError("no compiler here")
    monkeypatch.setattr(_jit.torch, "compile", functools.partial(torch.compile, backend=failing_backend))
    torch._dynamo.reset()
    _, eager_hist, eager_eval, eager_pred = _train(_mlp, (12,), False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, hist, ev, pred = _train(_mlp, (12,), True)
    messages = [str(w.message) for w in caught if "jit_compile=True" in str(w.message)]
    assert len(messages) == 3, messages  # train step, test step, predict: once each
    assert "could not compile the train step of model" in messages[0] and "running it eagerly" in messages[0]
    np.testing.assert_allclose(hist["loss"], eager_hist["loss"], rtol=1e-6)
    np.testing.assert_allclose(pred, eager_pred, rtol=1e-6)


@pytest.mark.slow
def test_two_compiled_models_in_one_process_train_like_eager():
    """The MLP and the small CNN, compiled one after the other (a second model used to crash Inductor)."""
    torch._dynamo.reset()
    for make, shape in ((_mlp, (12,)), (_cnn, (8, 8, 1))):
        _, eager_hist, eager_eval, eager_pred = _train(make, shape, False)
        _, hist, ev, pred = _train(make, shape, True)
        np.testing.assert_allclose(hist["loss"], eager_hist["loss"], rtol=1e-4)
        np.testing.assert_allclose(ev, eager_eval, rtol=1e-4)
        np.testing.assert_allclose(pred, eager_pred, atol=1e-5)


def _spin(seconds):
    """Busy for ``seconds`` of CPU time (jit's trial compares wall and CPU time; sleeping costs no CPU)."""
    import time
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


class _Stepper:
    """A stand-in model function: ``step`` spins ``eager_s``; the 'compiled' one ``compiled_s``."""
    name = "stepper"

    def __init__(self, eager_s):
        self.eager_s = eager_s
        self.calls = []

    def step(self, x):
        self.calls.append("eager")
        _spin(self.eager_s)
        return x * 2


def _fake_compile(stepper, compiled_s):
    def compile(fn, dynamic=False):
        def compiled(x):
            stepper.calls.append("compiled")
            _spin(compiled_s)
            return x * 2
        return compiled
    return compile


@pytest.mark.parametrize("eager_s, compiled_s, expected", [(0.004, 0.0, "compiled"), (0.0, 0.004, "eager")])
def test_jit_keeps_the_compiled_function_only_where_it_is_faster(monkeypatch, eager_s, compiled_s, expected):
    stepper = _Stepper(eager_s)
    monkeypatch.setattr(_jit.torch, "compile", _fake_compile(stepper, compiled_s))
    monkeypatch.setattr(_jit, "TRIAL_SECONDS", 0.0)  # the minimum number of calls decides
    fn = _jit.CompiledFunction(stepper.step, "train step")
    n_trial = 1 + _jit.WARM_CALLS + 2 * _jit.TRIAL_CALLS
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = [fn(torch.tensor(float(i))) for i in range(n_trial + 4)]
    assert [float(r) for r in results] == [2.0 * i for i in range(n_trial + 4)]  # the same step either way
    assert fn.mode == expected
    # compiling + warm-up calls compiled, then compiled and eager alternate, then the chosen one only
    assert stepper.calls[:1 + _jit.WARM_CALLS] == ["compiled"] * (1 + _jit.WARM_CALLS)
    assert stepper.calls[1 + _jit.WARM_CALLS:n_trial] == ["compiled", "eager"] * _jit.TRIAL_CALLS
    assert stepper.calls[n_trial:] == [expected] * 4
    assert len(fn.times["compiled"]) + len(fn.times["eager"]) == 2 * _jit.TRIAL_CALLS
    slower = [str(w.message) for w in caught if "not faster than eager" in str(w.message)]
    assert len(slower) == (1 if expected == "eager" else 0)
    if slower:
        assert "model 'stepper'" in slower[0] and "running it eagerly" in slower[0]
