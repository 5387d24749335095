"""Learning-rate schedules saved with the optimizer: Keras 3's config form, round trips here
(``.keras``, ``optimizers.serialize/deserialize``, ``get_config/from_config``), resumed training that
continues the schedule, custom schedules, and ``.keras`` interop with real Keras 3 both ways."""
from __future__ import annotations

import io
import json
import os
import zipfile

import numpy as np
import pytest

from kfunc_torch import Input, Model, optimizers
from kfunc_torch.layers import Dense
from kfunc_torch.optimizers import schedules
from kfunc_torch.saving import custom_object_scope, load_model, register_keras_serializable
from tests.keras_oracle import requires_keras, run_keras


@register_keras_serializable(package="lrtest")
class Halving(schedules.LearningRateSchedule):
    """A registered custom schedule: lr / (1 + step / every)."""

    def __init__(self, lr, every=2):
        self.lr, self.every = lr, every

    def __call__(self, step):
        return self.lr / (1 + step / self.every)

    def get_config(self):
        return {"lr": self.lr, "every": self.every}


class Stepped(schedules.LearningRateSchedule):
    """An unregistered custom schedule: loads only with custom_objects."""

    def __init__(self, lr, drop_at):
        self.lr, self.drop_at = lr, drop_at

    def __call__(self, step):
        return self.lr if step < self.drop_at else self.lr / 10

    def get_config(self):
        return {"lr": self.lr, "drop_at": self.drop_at}


# Built-in schedules: (class name, kwargs); decays are fast so a lost schedule or iteration shows.
BUILTIN = {
    "exp": ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=2, decay_rate=0.5)),
    "exp_stair": ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=3, decay_rate=0.5, staircase=True)),
    "piecewise": ("PiecewiseConstantDecay", dict(boundaries=[2, 5], values=[0.1, 0.05, 0.01])),
    "poly": ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=6, end_learning_rate=0.01, power=2.0)),
    "poly_cycle": ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=3, cycle=True)),
    "inverse": ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=2, decay_rate=0.5)),
    "cosine": ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=6, alpha=0.1)),
    "cosine_warm": ("CosineDecay", dict(initial_learning_rate=0.0, decay_steps=5, warmup_target=0.2,
                                        warmup_steps=3)),
    "restarts": ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=3, t_mul=2.0, m_mul=0.5,
                                             alpha=0.1)),
    "restarts_t1": ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=3, t_mul=1.0)),
}
CUSTOM = {"halving": lambda: Halving(0.1, every=3), "stepped": lambda: Stepped(0.1, drop_at=5)}
STEPS = [0, 1, 2, 3, 4, 5, 7, 10, 17, 40, 1000]
# Keras 3's default `name` in each schedule's config.
KERAS_NAMES = {"ExponentialDecay": "ExponentialDecay", "PiecewiseConstantDecay": "PiecewiseConstant",
               "PolynomialDecay": "PolynomialDecay", "InverseTimeDecay": "InverseTimeDecay",
               "CosineDecay": "CosineDecay", "CosineDecayRestarts": "SGDRDecay"}

rng = np.random.default_rng(11)
X = rng.normal(size=(32, 4)).astype("float32")
Y = rng.normal(size=(32, 1)).astype("float32")
W = [rng.normal(size=(4, 1)).astype("float32"), np.zeros((1,), "float32")]


def _schedule(key):
    if key in CUSTOM:
        return CUSTOM[key]()
    cls, kw = BUILTIN[key]
    return getattr(schedules, cls)(**kw)


def _model(schedule, opt=optimizers.Adam):
    i = Input((4,), name="x")
    m = Model(i, Dense(1, name="d")(i))
    m.set_weights(W)
    m.compile(optimizer=opt(learning_rate=schedule), loss="mse")
    return m


def _fit(m, epochs=1):
    return m.fit(X, Y, batch_size=8, epochs=epochs, shuffle=False, verbose=0).history["loss"]


def _optimizer_entry(path):
    return json.loads(zipfile.ZipFile(path).read("config.json"))["compile_config"]["optimizer"]


# ---------------------------------------------------------------------------- round trips here
@pytest.mark.parametrize("key", list(BUILTIN) + list(CUSTOM))
def test_keras_file_round_trip_restores_schedule_and_iterations(key, tmp_path):
    m = _model(_schedule(key))
    _fit(m)  # 4 steps
    path = str(tmp_path / "m.keras")
    m.save(path)
    entry = _optimizer_entry(path)["config"]["learning_rate"]
    if key in BUILTIN:
        assert entry["module"] == "keras.optimizers.schedules" and entry["registered_name"] is None
        assert entry["class_name"] == BUILTIN[key][0]
        assert entry["config"]["name"] == KERAS_NAMES[BUILTIN[key][0]]
    elif key == "halving":
        assert entry["registered_name"] == "lrtest>Halving" and entry["module"] == __name__
    custom = {"Stepped": Stepped} if key == "stepped" else None
    back = load_model(path, custom_objects=custom)
    ours, theirs = m.optimizer, back.optimizer
    assert type(theirs._lr) is type(ours._lr)
    assert theirs.get_config() == ours.get_config()
    assert theirs.iterations == ours.iterations == 4
    assert abs(theirs.learning_rate - ours.learning_rate) <= 1e-7
    for step in STEPS:
        assert abs(theirs._lr(step) - ours._lr(step)) <= 1e-7, step


@pytest.mark.parametrize("key", list(BUILTIN) + list(CUSTOM))
def test_serialize_and_get_config_round_trip(key):
    s = _schedule(key)
    custom = {"Stepped": Stepped}
    opt = optimizers.SGD(learning_rate=s, momentum=0.5)
    with custom_object_scope(custom):  # optimizers.get takes no custom_objects
        from_json = optimizers.get(json.loads(json.dumps(optimizers.serialize(opt))))
    for back in (optimizers.deserialize(optimizers.serialize(opt), custom_objects=custom),
                 optimizers.SGD.from_config(opt.get_config(), custom_objects=custom), from_json):
        assert type(back) is optimizers.SGD and back.momentum == 0.5
        assert type(back._lr) is type(s) and back._lr is not s
        assert back.get_config() == opt.get_config()
        for step in STEPS:
            assert abs(back._lr(step) - s(step)) <= 1e-7
    again = schedules.deserialize(schedules.serialize(s), custom_objects=custom)
    assert again.get_config() == s.get_config()


def test_unregistered_custom_schedule_needs_custom_objects(tmp_path):
    m = _model(Stepped(0.1, 5))
    path = str(tmp_path / "m.keras")
    m.save(path)
    with pytest.raises(ValueError, match="Stepped"):
        load_model(path)


def test_schedule_without_get_config_cannot_be_saved():
    class NoConfig(schedules.LearningRateSchedule):
        def __call__(self, step):
            return 0.1

    with pytest.raises(NotImplementedError, match="get_config"):
        optimizers.Adam(learning_rate=NoConfig()).get_config()


def test_plain_float_learning_rate_unchanged():
    cfg = optimizers.serialize(optimizers.Adam(0.01))
    assert cfg["config"]["learning_rate"] == 0.01 and cfg["module"] == "keras.optimizers"
    assert optimizers.deserialize(cfg).learning_rate == 0.01


def _strip_our_state(path):
    """The same archive without our torch state file: loading then reads the Keras 3 layout."""
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buf, "w") as dst:
        for name in src.namelist():
            if not name.endswith(".pt"):
                dst.writestr(name, src.read(name))
    with open(path, "wb") as f:
        f.write(buf.getvalue())


@pytest.mark.parametrize("key,opt,keras_layout", [("exp", optimizers.Adam, False), ("restarts", optimizers.Adam, True),
                                                   ("piecewise", optimizers.RMSprop, True)])
def test_resumed_training_continues_the_schedule(key, opt, keras_layout, tmp_path):
    whole = _model(_schedule(key), opt)
    expected = _fit(whole, epochs=3)
    first = _model(_schedule(key), opt)
    got = _fit(first)
    path = str(tmp_path / "m.keras")
    first.save(path)
    if keras_layout:
        _strip_our_state(path)
    resumed = load_model(path)
    assert resumed.optimizer.iterations == 4
    got += _fit(resumed, epochs=2)
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert abs(resumed.optimizer.learning_rate - whole.optimizer.learning_rate) <= 1e-7


# ---------------------------------------------------------------------------- Keras 3 interop
_KERAS = r'''
import keras
S = keras.optimizers.schedules

@keras.saving.register_keras_serializable(package="lrtest")
class Halving(S.LearningRateSchedule):
    def __init__(self, lr, every=2):
        self.lr, self.every = lr, every
    def __call__(self, step):
        return self.lr / (1 + keras.ops.cast(step, "float32") / self.every)
    def get_config(self):
        return {"lr": self.lr, "every": self.every}

x, y, folder = inputs["x"], inputs["y"], inputs["folder"]
def fit(m, epochs=1):
    return m.fit(x, y, batch_size=8, epochs=epochs, shuffle=False, verbose=0).history["loss"]
def state(m):
    o = m.optimizer
    return {"config": S.serialize(o._learning_rate), "iterations": int(o.iterations.numpy()),
            "lr": float(o.learning_rate), "lrs": [float(o._learning_rate(s)) for s in inputs["steps"]]}

for key in inputs["keys"]:
    # Ours -> Keras: the schedule, iteration and learning rate, then training goes on.
    m = keras.saving.load_model(os.path.join(folder, f"ours_{key}.keras"))
    result["ours_" + key] = {**state(m), "losses": fit(m, 2)}
    # Keras -> ours: a file Keras writes after 4 steps, and how Keras goes on from there.
    if key in inputs["builtin"]:
        cls, kw = inputs["builtin"][key]
        sched = getattr(S, cls)(**kw)
    else:
        sched = Halving(0.1, every=3)
    i = keras.Input((4,), name="x")
    k = keras.Model(i, keras.layers.Dense(1, name="d")(i))
    k.set_weights(inputs["w"])
    k.compile(optimizer=keras.optimizers.Adam(learning_rate=sched), loss="mse")
    fit(k)
    k.save(os.path.join(folder, f"keras_{key}.keras"))
    result["keras_" + key] = {**state(k), "losses": fit(k, 2)}
'''


@pytest.fixture(scope="module")
def interop(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("lr_interop"))
    keys = list(BUILTIN) + ["halving"]
    ours = {}
    for key in keys:
        m = _model(_schedule(key))
        _fit(m)
        m.save(os.path.join(folder, f"ours_{key}.keras"))
        ours[key] = {"config": optimizers.serialize(m.optimizer)["config"]["learning_rate"],
                     "lr": m.optimizer.learning_rate, "losses": _fit(m, 2)}
    res = run_keras(_KERAS, {"x": X, "y": Y, "w": W, "folder": folder, "keys": keys, "builtin": BUILTIN,
                             "steps": STEPS})
    return folder, keys, ours, res


def _same_config(a, b):
    assert a["class_name"] == b["class_name"] and a.get("registered_name") == b.get("registered_name")
    assert a["config"].keys() == b["config"].keys()
    for k, v in a["config"].items():
        if isinstance(v, float):
            assert v == pytest.approx(b["config"][k], rel=1e-7), k
        else:
            assert v == b["config"][k], k


@requires_keras
def test_our_files_load_in_keras3_with_the_same_schedule(interop):
    _, keys, ours, res = interop
    for key in keys:
        theirs = res["ours_" + key]
        _same_config(ours[key]["config"], theirs["config"])
        assert theirs["iterations"] == 4, key
        assert theirs["lr"] == pytest.approx(ours[key]["lr"], rel=1e-6), key
        s = _schedule(key)
        # Keras evaluates schedules in float32 (step 1000 of a restart schedule is off by ~2e-5 relative).
        np.testing.assert_allclose(theirs["lrs"], [s(t) for t in STEPS], rtol=1e-4, atol=1e-8, err_msg=key)
        np.testing.assert_allclose(theirs["losses"], ours[key]["losses"], rtol=1e-5, err_msg=key)


@requires_keras
def test_keras3_files_load_here_with_the_same_schedule(interop):
    folder, keys, _, res = interop
    for key in keys:
        theirs = res["keras_" + key]
        m = load_model(os.path.join(folder, f"keras_{key}.keras"))
        _same_config(optimizers.serialize(m.optimizer)["config"]["learning_rate"], theirs["config"])
        assert m.optimizer.iterations == theirs["iterations"] == 4, key
        assert m.optimizer.learning_rate == pytest.approx(theirs["lr"], rel=1e-6), key
        np.testing.assert_allclose([m.optimizer._lr(t) for t in STEPS], theirs["lrs"], rtol=1e-4, atol=1e-8,
                                   err_msg=key)
        np.testing.assert_allclose(_fit(m, 2), theirs["losses"], rtol=1e-5, err_msg=key)
