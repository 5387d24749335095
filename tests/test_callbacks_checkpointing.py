"""ModelCheckpoint(save_freq=N) and BackupAndRestore: the files written every N batches against real
Keras 3 (one oracle process), resuming an interrupted fit to the same final weights as an
uninterrupted one, atomic backups, double_checkpoint fallback, cleanup, and no batch hooks for
epoch-level checkpoints."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from kfunc_torch import Input, Model, callbacks, optimizers
from kfunc_torch.layers import Dense
from tests.keras_oracle import requires_keras, run_keras

RNG = np.random.default_rng(0)
X = RNG.random((20, 2)).astype("float32")
Y = RNG.random((20, 1)).astype("float32")
W0 = [RNG.normal(size=(2, 1)).astype("float32"), np.array([0.1], "float32")]

# 20 samples, batch_size 4: 5 batches per epoch, 2 epochs.
CK_CASES = [dict(save_freq=3), dict(save_freq=5), dict(save_freq=7), dict(save_freq=1),
            dict(save_freq=3, save_best_only=True, monitor="loss"),
            dict(save_freq=3, save_best_only=True, monitor="loss", mode="max")]  # the loss falls: saves once
CK_PATTERN = "w.e{epoch:02d}-b{batch}.weights.h5"

_ORACLE = r'''
import os, tempfile, keras
x, y, w0 = inputs["x"], inputs["y"], inputs["w0"]
def model():
    i = keras.Input((2,)); m = keras.Model(i, keras.layers.Dense(1)(i))
    m.compile(keras.optimizers.SGD(0.1), "mse"); m.set_weights(w0)
    return m
for k, case in enumerate(inputs["cases"]):
    d = tempfile.mkdtemp()
    cb = keras.callbacks.ModelCheckpoint(os.path.join(d, inputs["pattern"]), save_weights_only=True, **case)
    model().fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0, callbacks=[cb])
    result[f"ck{k}"] = sorted(os.listdir(d))

class Crash(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if self.epoch == 2 and batch == 1: raise RuntimeError("crash")
    def on_epoch_begin(self, epoch, logs=None): self.epoch = epoch
d = os.path.join(tempfile.mkdtemp(), "backup")
m = model()
try:
    m.fit(x, y, batch_size=4, epochs=5, shuffle=False, verbose=0,
          callbacks=[keras.callbacks.BackupAndRestore(d), Crash()])
except RuntimeError:
    pass
result["meta"] = open(os.path.join(d, "training_metadata.json")).read()
h = model().fit(x, y, batch_size=4, epochs=5, shuffle=False, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(d)])
result["resumed_epochs"] = len(h.history["loss"])
result["backup_left"] = os.path.exists(d)
'''


@pytest.fixture(scope="module")
def oracle():
    return run_keras(_ORACLE, {"x": X, "y": Y, "w0": W0, "cases": CK_CASES, "pattern": CK_PATTERN})


def _model(opt=None, seed_weights=True):
    i = Input((2,))
    m = Model(i, Dense(1)(i))
    m.compile(opt or optimizers.SGD(0.1), "mse")
    if seed_weights:
        m.set_weights(W0)
    return m


def _checkpoint_files(tmp_path, **case):
    d = tmp_path / "ck"
    d.mkdir()
    cb = callbacks.ModelCheckpoint(str(d / CK_PATTERN), save_weights_only=True, **case)
    _model().fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0, callbacks=[cb])
    return sorted(os.listdir(d))


# ---------------------------------------------------------------------------- ModelCheckpoint
def test_save_freq_counts_batches_across_epochs(tmp_path):
    # Keras 3 (observed): batches counted across epochs, {batch} is 1-based within the epoch,
    # nothing saved at epoch ends.
    assert _checkpoint_files(tmp_path, save_freq=3) == ["w.e01-b3.weights.h5", "w.e02-b1.weights.h5",
                                                        "w.e02-b4.weights.h5"]


@requires_keras
@pytest.mark.parametrize("k", range(len(CK_CASES)))
def test_save_freq_files_match_keras(oracle, tmp_path, k):
    assert _checkpoint_files(tmp_path, **CK_CASES[k]) == oracle[f"ck{k}"]


def test_save_freq_best_only_uses_batch_logs(tmp_path):
    saved, seen = [], []
    m = _model()
    m.save_weights = lambda path: saved.append((os.path.basename(path), seen[-1]))

    class Spy(callbacks.Callback):  # runs before the checkpoint: the batch loss it will compare
        def on_train_batch_end(self, batch, logs=None):
            seen.append(logs["loss"])

    ck = callbacks.ModelCheckpoint(str(tmp_path / "b{batch}.weights.h5"), monitor="loss", save_best_only=True,
                                   save_weights_only=True, save_freq=1)
    m.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0, callbacks=[Spy(), ck])
    best, expected = np.inf, []
    for b, v in enumerate(seen):
        if v < best:
            best = v
            expected.append((f"b{b + 1}.weights.h5", v))
    assert saved == expected and len(saved) >= 1 and ck.best == pytest.approx(best)


def test_epoch_level_unchanged_and_no_batch_hooks(tmp_path):
    ck = callbacks.ModelCheckpoint(str(tmp_path / "w{epoch:02d}.weights.h5"), save_weights_only=True, monitor="loss",
                                   period=2)
    assert not callbacks.CallbackList([ck]).wants_batches("train")  # no per-batch work for epoch saving
    assert callbacks.CallbackList([callbacks.ModelCheckpoint("x.keras", save_freq=2)]).wants_batches("train")
    _model().fit(X, Y, batch_size=4, epochs=4, verbose=0, callbacks=[ck])
    assert sorted(os.listdir(tmp_path)) == ["w02.weights.h5", "w04.weights.h5"]
    with pytest.raises(KeyError, match="batch"):
        _model().fit(X, Y, epochs=1, verbose=0,
                     callbacks=[callbacks.ModelCheckpoint(str(tmp_path / "{batch}.weights.h5"), monitor="loss")])
    with pytest.raises(ValueError, match="save_freq"):
        callbacks.ModelCheckpoint("x.keras", save_freq="batch")


# ---------------------------------------------------------------------------- BackupAndRestore
class Crash(callbacks.Callback):
    """Raises in the middle of epoch `epoch` (0-based), after `batch` batches of it ran."""

    def __init__(self, epoch=2, batch=1):
        super().__init__()
        self.at, self.epoch = (epoch, batch), None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            raise RuntimeError("interrupted")


def _adam_model():
    # Adam: resuming right needs its moments and iteration count, not only the weights.
    i = Input((2,))
    m = Model(i, Dense(1)(Dense(4, activation="tanh")(i)))
    m.compile(optimizers.Adam(0.05), "mse")
    return m


def _fit(m, cbs, epochs=5):
    return m.fit(X, Y, batch_size=4, epochs=epochs, shuffle=False, verbose=0, callbacks=cbs)


def _interrupted(m, backup, crash=None):
    with pytest.raises(RuntimeError, match="interrupted"):
        _fit(m, [backup, crash or Crash()])


def test_resume_after_interruption_matches_uninterrupted_fit(tmp_path):
    torch.manual_seed(0)
    ref = _adam_model()
    init = ref.get_weights()
    h_ref = _fit(ref, [])

    d = tmp_path / "backup"
    backup = callbacks.BackupAndRestore(str(d))
    crashed = _adam_model()
    crashed.set_weights(init)
    _interrupted(crashed, backup)
    meta = json.loads((d / "training_metadata.json").read_text())
    assert meta == {"epoch": 2, "batch": 0}  # last completed epoch end: resume at epoch index 2

    fresh = _adam_model()  # a new process: other initial weights, an unbuilt optimizer
    h = _fit(fresh, [callbacks.BackupAndRestore(str(d))])
    assert h.epoch == [2, 3, 4] and len(h.history["loss"]) == 3
    np.testing.assert_allclose(h.history["loss"], h_ref.history["loss"][2:], rtol=1e-5)
    for a, b in zip(fresh.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)
    assert fresh.optimizer.iterations == ref.optimizer.iterations == 25
    assert not d.exists()  # deleted on completion
    assert _fit(fresh, [], epochs=2).epoch == [0, 1]  # the resume epoch does not leak into later fits


def test_resume_with_same_callback_and_torch_optimizer(tmp_path):
    torch.manual_seed(1)
    ref = _adam_model()
    init = ref.get_weights()
    ref.compile(torch.optim.Adam(ref.parameters(), lr=0.05), "mse")
    _fit(ref, [])
    m = _adam_model()
    m.set_weights(init)
    m.compile(torch.optim.Adam(m.parameters(), lr=0.05), "mse")
    backup = callbacks.BackupAndRestore(tmp_path / "b")
    _interrupted(m, backup)
    m2 = _adam_model()
    m2.compile(torch.optim.Adam(m2.parameters(), lr=0.05), "mse")
    assert _fit(m2, [backup]).epoch == [2, 3, 4]
    for a, b in zip(m2.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_batch_level_backup_resumes_in_the_epoch_in_progress(tmp_path):
    d = tmp_path / "b"
    snap = {}

    class Snap(callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            snap[(self.epoch, batch)] = self.model.get_weights()

    # 5 batches per epoch, save_freq=3: saves after global batches 3, 6, 9, 12 -> (epoch 2, batch 1) last
    # before the crash at (2, 3).
    _interrupted(_model(), callbacks.BackupAndRestore(d, save_freq=3), Crash(epoch=2, batch=3))
    # (Snap is not in the interrupted run: record the same trajectory in an uninterrupted one.)
    _fit(_model(), [Snap()])
    assert json.loads((d / "training_metadata.json").read_text()) == {"epoch": 2, "batch": 1}

    restored = {}

    class AtStart(callbacks.Callback):
        def on_train_begin(self, logs=None):
            restored["w"] = self.model.get_weights()

    m = _model(seed_weights=False)
    h = _fit(m, [callbacks.BackupAndRestore(d, save_freq=3), AtStart()])
    assert h.epoch == [2, 3, 4]  # the epoch in progress runs again from its first batch (Keras 3)
    for a, b in zip(restored["w"], snap[(2, 1)]):
        np.testing.assert_allclose(a, b, atol=1e-7)
    assert not d.exists()


def test_failed_save_leaves_previous_backup(tmp_path, monkeypatch):
    from kfunc_torch.saving import weights_h5
    d = tmp_path / "b"
    backup = callbacks.BackupAndRestore(d, delete_checkpoint=False)
    m = _model()
    _fit(m, [backup], epochs=1)
    before = (d / "latest.weights.h5").read_bytes()
    real = weights_h5.write_keras3

    def broken(f, model):
        real(f, model)
        raise OSError("disk full")

    monkeypatch.setattr(weights_h5, "write_keras3", broken)
    with pytest.raises(OSError, match="disk full"):
        m.fit(X, Y, batch_size=4, epochs=3, initial_epoch=1, shuffle=False, verbose=0, callbacks=[backup])
    monkeypatch.undo()
    assert (d / "latest.weights.h5").read_bytes() == before
    assert sorted(os.listdir(d)) == ["latest.weights.h5", "training_metadata.json"]  # no temporary files left
    assert _fit(_model(seed_weights=False), [backup], epochs=3).epoch == [1, 2]


def test_double_checkpoint_falls_back_to_previous_backup(tmp_path):
    d = tmp_path / "b"
    _interrupted(_model(), callbacks.BackupAndRestore(d, double_checkpoint=True))
    assert sorted(os.listdir(d)) == ["latest.weights.h5", "latest.weights.h5.bkp", "training_metadata.json",
                                     "training_metadata.json.bkp"]
    (d / "latest.weights.h5").write_bytes(b"garbage, as after a torn write by another tool")
    with pytest.warns(UserWarning, match="previous backup"):
        h = _fit(_model(seed_weights=False), [callbacks.BackupAndRestore(d, double_checkpoint=True)])
    assert h.epoch == [1, 2, 3, 4] and not d.exists()
    with pytest.raises(ValueError, match="save_freq"):
        callbacks.BackupAndRestore(d, save_freq="batch")


def test_backup_kept_with_delete_checkpoint_false_and_fit_done(tmp_path):
    d = tmp_path / "b"
    m = _model()
    _fit(m, [callbacks.BackupAndRestore(d, delete_checkpoint=False)], epochs=2)
    assert json.loads((d / "training_metadata.json").read_text())["epoch"] == 2
    m2 = _model(seed_weights=False)
    assert _fit(m2, [callbacks.BackupAndRestore(d)], epochs=2).epoch == []  # nothing left to train
    np.testing.assert_array_equal(m2.get_weights()[0], m.get_weights()[0])
    assert not d.exists()


@requires_keras
def test_backup_and_restore_matches_keras(oracle, tmp_path):
    d = tmp_path / "b"
    _interrupted(_model(), callbacks.BackupAndRestore(d))
    assert json.loads((d / "training_metadata.json").read_text()) == json.loads(oracle["meta"])
    h = _fit(_model(), [callbacks.BackupAndRestore(d)])
    assert len(h.history["loss"]) == oracle["resumed_epochs"] and d.exists() == oracle["backup_left"]


def test_keras_alias_exports():
    code = ("import kfunc_torch; kfunc_torch.alias_keras(); import keras; "
            "print(keras.callbacks.BackupAndRestore is kfunc_torch.callbacks.BackupAndRestore, "
            "keras.callbacks.ModelCheckpoint is kfunc_torch.callbacks.ModelCheckpoint)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["True", "True"], out.stderr[-2000:]
