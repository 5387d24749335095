"""Optimizers: update steps, clipping and learning-rate schedules against real Keras 3; names,
defaults, Keras 1 ``lr``, learning-rate setter, torch optimizers accepted as is."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from kfunc_torch import Input, Model, optimizers
from kfunc_torch.layers import Dense
from tests.keras_oracle import requires_keras, run_keras

rng = np.random.default_rng(5)
W0 = [rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=(3,)).astype("float32")]
GRADS = [[rng.normal(size=(4, 3)).astype("float32") * s, rng.normal(size=(3,)).astype("float32") * s]
         for s in (1.0, 3.0, 0.2, 5.0, 0.5)]

CASES = {
    "rmsprop_centered": ("RMSprop", dict(learning_rate=0.01, centered=True)),
    "adam_amsgrad": ("Adam", dict(learning_rate=0.01, amsgrad=True)),
    "sgd_clipnorm": ("SGD", dict(learning_rate=0.1, clipnorm=1.0)),
    "sgd_clipvalue": ("SGD", dict(learning_rate=0.1, clipvalue=0.5)),
    "adam_global_clipnorm": ("Adam", dict(learning_rate=0.01, global_clipnorm=1.0)),
    "sgd_weight_decay": ("SGD", dict(learning_rate=0.1, weight_decay=0.1)),
    "adamw": ("AdamW", dict(learning_rate=0.01, weight_decay=0.05)),
    "rmsprop_default": ("RMSprop", dict()),
}
SCHEDULES = {
    "exp": ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=3, decay_rate=0.5)),
    "exp_stair": ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=3, decay_rate=0.5, staircase=True)),
    "piecewise": ("PiecewiseConstantDecay", dict(boundaries=[2, 5], values=[1.0, 0.5, 0.1])),
    "cosine": ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=6, alpha=0.1)),
    "cosine_warm": ("CosineDecay", dict(initial_learning_rate=0.0, decay_steps=5, warmup_target=0.2,
                                        warmup_steps=3)),
    "inverse": ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=2, decay_rate=0.5)),
    "poly": ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=6, end_learning_rate=0.01, power=2.0)),
}
STEPS = list(range(10))

_ORACLE = r'''
import keras
for name, (cls, kw) in inputs["cases"].items():
    opt = getattr(keras.optimizers, cls)(**kw)
    vs = [keras.Variable(w) for w in inputs["w0"]]
    for g in inputs["grads"]:
        opt.apply_gradients(zip([keras.ops.convert_to_tensor(x) for x in g], vs))
    result[name] = [keras.ops.convert_to_numpy(v) for v in vs]
for name, (cls, kw) in inputs["schedules"].items():
    s = getattr(keras.optimizers.schedules, cls)(**kw)
    result["s_" + name] = [float(keras.ops.convert_to_numpy(s(step))) for step in inputs["steps"]]
opt = keras.optimizers.SGD(learning_rate=keras.optimizers.schedules.ExponentialDecay(0.1, 1, 0.5))
vs = [keras.Variable(w) for w in inputs["w0"]]
for g in inputs["grads"]:
    opt.apply_gradients(zip([keras.ops.convert_to_tensor(x) for x in g], vs))
result["sgd_scheduled"] = [keras.ops.convert_to_numpy(v) for v in vs]
'''


@pytest.fixture(scope="module")
def oracle():
    return run_keras(_ORACLE, {"cases": CASES, "schedules": SCHEDULES, "steps": STEPS, "w0": W0, "grads": GRADS})


def _apply(opt):
    vs = [torch.nn.Parameter(torch.tensor(w)) for w in W0]
    for g in GRADS:
        opt.apply_gradients(zip([torch.tensor(x) for x in g], vs))
    return [v.detach().numpy() for v in vs]


@requires_keras
@pytest.mark.parametrize("name", list(CASES))
def test_update_steps_match_keras(oracle, name):
    cls, kw = CASES[name]
    for ours, theirs in zip(_apply(getattr(optimizers, cls)(**kw)), oracle[name]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6, err_msg=name)


@requires_keras
@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedules_match_keras(oracle, name):
    cls, kw = SCHEDULES[name]
    s = getattr(optimizers.schedules, cls)(**kw)
    np.testing.assert_allclose([s(step) for step in STEPS], oracle["s_" + name], rtol=1e-6, atol=1e-8)


@requires_keras
def test_scheduled_optimizer_matches_keras(oracle):
    opt = optimizers.SGD(learning_rate=optimizers.schedules.ExponentialDecay(0.1, 1, 0.5))
    for ours, theirs in zip(_apply(opt), oracle["sgd_scheduled"]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-7)
    assert opt.iterations == len(GRADS) and opt.learning_rate == pytest.approx(0.1 * 0.5 ** len(GRADS))
    with pytest.raises(TypeError, match="schedule"):
        opt.learning_rate = 0.1


def test_names_and_keras_defaults():
    r = optimizers.get("rmsprop")
    assert isinstance(r, optimizers.RMSprop) and (r.learning_rate, r.rho, r.epsilon) == (1e-3, 0.9, 1e-7)
    a = optimizers.get("adam")
    assert (a.learning_rate, a.beta_1, a.beta_2, a.epsilon) == (1e-3, 0.9, 0.999, 1e-7)
    assert optimizers.get("sgd").learning_rate == 0.01
    assert optimizers.get("AdamW").weight_decay == 0.004
    with pytest.raises(ValueError, match="Unknown optimizer 'rmsprob'"):
        optimizers.get("rmsprob")
    with pytest.raises(TypeError, match="unexpected keyword"):
        optimizers.SGD(learning_rat=0.1)


def test_keras1_lr_and_decay():
    with pytest.warns(DeprecationWarning):
        opt = optimizers.SGD(lr=0.5, decay=1.0)
    assert opt.learning_rate == 0.5  # iteration 0
    opt.iterations = 3
    assert opt.learning_rate == pytest.approx(0.5 / 4)  # Keras 2: lr / (1 + decay * iterations)
    opt2 = optimizers.RMSprop(0.1)
    opt2.lr = 0.2
    assert opt2.learning_rate == 0.2


def test_learning_rate_settable_and_used_by_step():
    opt = optimizers.SGD(0.1)
    p = torch.nn.Parameter(torch.zeros(2))
    opt.apply_gradients([(torch.ones(2), p)])
    opt.learning_rate = 0.5
    opt.apply_gradients([(torch.ones(2), p)])
    np.testing.assert_allclose(p.detach().numpy(), [-0.6, -0.6], rtol=1e-6)


def test_torch_optimizer_accepted_as_is():
    i = Input((3,))
    m = Model(i, Dense(1)(i))
    opt = torch.optim.Adam(m.parameters(), lr=0.01)
    m.compile(opt, "mse")
    w = m.get_weights()[0].copy()
    m.fit(np.ones((8, 3)), np.zeros((8, 1)), verbose=0)
    assert m.optimizer is opt and not np.allclose(w, m.get_weights()[0])
    assert optimizers.get_lr(opt) == 0.01


def test_state_dict_roundtrip():
    a = optimizers.Adam(0.01)
    _ = _apply(a)
    b = optimizers.Adam(0.01)
    b.build([torch.nn.Parameter(torch.tensor(w)) for w in W0])
    b.load_state_dict(a.state_dict())
    assert b.iterations == a.iterations
    torch.testing.assert_close(b._states[0]["m"], a._states[0]["m"])
