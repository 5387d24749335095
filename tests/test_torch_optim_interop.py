"""Our Keras optimizers are torch.optim.Optimizers: torch schedulers, GradScaler, step hooks, plain loops."""
import copy
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch

from kfunc_torch import Input, Model, callbacks, layers, optimizers


def _linear_model(seed=0):
    torch.manual_seed(seed)
    x = Input((3,))
    return Model(x, layers.Dense(1)(x))


def _data():
    rng = np.random.default_rng(0)
    return rng.random((8, 3), dtype=np.float32), rng.random((8, 1), dtype=np.float32)


@pytest.mark.parametrize("cls", [optimizers.SGD, optimizers.Adam, optimizers.RMSprop, optimizers.Nadam])
def test_is_a_torch_optimizer_without_importing_dynamo(cls):
    code = ("import sys, kfunc_torch.optimizers as o, torch\n"
            f"opt = o.{cls.__name__}(0.01).build([torch.nn.Parameter(torch.ones(2))])\n"
            "assert isinstance(opt, torch.optim.Optimizer)\n"
            "opt.zero_grad(); opt.state_dict()\n"
            "print('torch._dynamo' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"  # torch.optim.Optimizer.__init__ would import it (0.8 s)


def test_torch_lr_scheduler_drives_the_learning_rate_fit_uses():
    x, y = _data()
    # Reference: torch's SGD (same formula as Keras's without momentum), StepLR halving each epoch.
    ref = _linear_model()
    w0 = [p.detach().clone() for p in ref.parameters()]
    topt = torch.optim.SGD(ref.parameters(), lr=0.1)
    tsched = torch.optim.lr_scheduler.StepLR(topt, step_size=1, gamma=0.5)
    for _ in range(3):
        topt.zero_grad()
        torch.nn.functional.mse_loss(ref(torch.from_numpy(x)), torch.from_numpy(y)).backward()
        topt.step()
        tsched.step()

    model = _linear_model()
    assert all(torch.equal(a, b) for a, b in zip(w0, model.parameters()))
    opt = optimizers.SGD(learning_rate=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)  # before the optimizer is built
    model.compile(optimizer=opt, loss="mse")
    seen = []
    cb = callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: seen.append(opt.learning_rate),
                                  on_epoch_end=lambda e, logs: sched.step())
    model.fit(x, y, batch_size=8, epochs=3, verbose=0, shuffle=False, callbacks=[cb])
    assert seen == pytest.approx([0.1, 0.05, 0.025])
    for a, b in zip(model.parameters(), ref.parameters()):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-6)


def test_keras_schedule_in_fit_is_shown_in_param_groups():
    x, y = _data()
    model = _linear_model()
    opt = optimizers.SGD(learning_rate=optimizers.schedules.ExponentialDecay(0.1, 1, 0.5))
    model.compile(optimizer=opt, loss="mse")
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert opt.iterations == 2
    assert opt.param_groups[0]["lr"] == pytest.approx(0.05)  # the lr of the last step taken (step 1)
    assert opt.learning_rate == pytest.approx(0.025)  # the next step's


def test_grad_scaler_and_step_hooks_and_plain_loop():
    x, y = (torch.from_numpy(a) for a in _data())
    model = _linear_model()
    opt = optimizers.Adam(1e-2).build(model.parameters())
    calls = []
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append(o.iterations))
    scaler = torch.amp.GradScaler("cpu", init_scale=4.0)
    model.train()
    first = None
    for _ in range(20):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        first = first if first is not None else loss.item()
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
    assert calls == list(range(1, 21))
    assert loss.item() < first
    assert set(opt.state[next(iter(model.parameters()))]) == {"m", "v"}  # Keras's slot names


def test_step_before_build_says_how_to_fix():
    with pytest.raises(RuntimeError, match=r"optimizer.build\(model.parameters\(\)\)"):
        optimizers.Adam().step()


def test_apply_keras3_spelling():
    p = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    opt = optimizers.SGD(0.5)
    opt.apply([torch.tensor([1.0, 1.0])], [p])
    torch.testing.assert_close(p.detach(), torch.tensor([0.5, 1.5]))
    opt.apply([torch.tensor([1.0, 0.0])])
    torch.testing.assert_close(p.detach(), torch.tensor([0.0, 1.5]))


def test_optimizer_pickles_with_its_state():
    model = _linear_model()
    opt = optimizers.Adam(1e-3).build(model.parameters())
    for p in model.parameters():
        p.grad = torch.ones_like(p)
    opt.step()
    for clone in (pickle.loads(pickle.dumps(opt)), copy.deepcopy(opt)):
        assert clone.iterations == 1 and clone.learning_rate == pytest.approx(1e-3)
        assert [sorted(s) for s in clone._states] == [["m", "v"], ["m", "v"]]
        torch.testing.assert_close(clone._states[0]["m"], opt._states[0]["m"])
