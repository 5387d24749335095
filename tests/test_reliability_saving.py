"""Saves that are interrupted, disks that fill, folders that refuse, files others read, and
BackupAndRestore resuming exactly (issue 15).

The kill and resume tests run kfunc_torch in child processes killed with SIGKILL, as a crash would.
"""
from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import h5py
import numpy as np
import pytest

from kfunc_torch import Input, Model, layers
from kfunc_torch.models import load_model
from kfunc_torch.saving import files

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _model():
    x = Input((3,))
    return Model(x, layers.Dense(2, name="out")(layers.Dense(4, name="hidden")(x)))


def _leftovers(folder):
    return sorted(n for n in os.listdir(folder) if n.endswith(".tmp"))


def _python(code, *args, timeout=240):
    env = {**os.environ, "PYTHONPATH": ROOT}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


# ---------------------------------------------------------------------------- temp files
def test_next_save_removes_leftovers_of_interrupted_saves(tmp_path):
    target = tmp_path / "m.keras"
    # What a killed save left: our fixed temp name, and the random names that older versions used.
    for name in (".m.keras.tmp", ".m.keras.ab12_x9z.tmp", ".m.keras.QQQQQQQQ.tmp"):
        (tmp_path / name).write_bytes(b"x" * 100)
    (tmp_path / ".other.keras.tmp").write_bytes(b"x")  # another target's: left alone
    _model().save(target)
    assert _leftovers(tmp_path) == [".other.keras.tmp"]
    load_model(target)


def test_failed_save_leaves_no_temp_and_one_temp_name_per_target(tmp_path):
    target = tmp_path / "w.weights.h5"
    with pytest.raises(RuntimeError):
        with files.atomic_write(target) as tmp:
            assert os.path.basename(tmp) == ".w.weights.h5.tmp"
            raise RuntimeError("boom")
    assert os.listdir(tmp_path) == []


def test_atexit_removes_a_temp_being_written(tmp_path):
    # sys.exit() from inside a save (a callback, a signal handler): the finally runs, and the
    # atexit hook covers exits that bypass it (os._exit does not, SIGKILL cannot be covered).
    proc = _python("""
        import sys, threading
        from kfunc_torch.saving import files
        cm = files.atomic_write(sys.argv[1])
        tmp = cm.__enter__()
        open(tmp, "wb").write(b"partial")
        sys.exit(3)   # the context manager is never exited
    """, str(tmp_path / "m.h5"))
    assert proc.returncode == 3, proc.stderr
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------------------- modes
@pytest.mark.parametrize("name", ["m.keras", "m.h5", "m.weights.h5"])
def test_saved_files_respect_the_umask_like_keras(tmp_path, name):
    old = os.umask(0o022)
    try:
        m = _model()
        (m.save_weights if name.endswith("weights.h5") else m.save)(tmp_path / name)
        assert oct(os.stat(tmp_path / name).st_mode & 0o777) == oct(0o644)  # Keras 3: open(path, "w")
        os.umask(0o077)
        (m.save_weights if name.endswith("weights.h5") else m.save)(tmp_path / ("b" + name))
        assert oct(os.stat(tmp_path / ("b" + name)).st_mode & 0o777) == oct(0o600)
        os.chmod(tmp_path / name, 0o640)  # replacing a file keeps its mode, as open(path, "w") does
        (m.save_weights if name.endswith("weights.h5") else m.save)(tmp_path / name)
        assert oct(os.stat(tmp_path / name).st_mode & 0o777) == oct(0o640)
    finally:
        os.umask(old)


# ---------------------------------------------------------------------------- failures name the target
def test_full_disk_names_the_target_and_the_space(tmp_path, monkeypatch):
    target = tmp_path / "m.weights.h5"
    m = _model()
    m.save_weights(target)
    before = target.read_bytes()
    real = h5py.Group.create_dataset
    calls = {"n": 0}

    def full(self, *a, **k):  # the first array lands, then the disk is full (as h5py reports it)
        calls["n"] += 1
        if calls["n"] > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, *a, **k)

    monkeypatch.setattr(h5py.Group, "create_dataset", full)
    with pytest.raises(OSError) as info:
        m.save_weights(target)
    e = info.value
    assert e.errno == errno.ENOSPC and e.filename == str(target)
    msg = str(e)
    assert str(target) in msg and "disk is full" in msg and "is free" in msg and "needs at least" in msg
    assert ".tmp" not in msg  # the temp file is our business, not the user's
    assert target.read_bytes() == before and _leftovers(tmp_path) == []


def test_unwritable_folder_names_the_target(tmp_path, monkeypatch):
    target = tmp_path / "m.keras"
    real_open = os.open

    def refuse(path, *a, **k):  # what a folder without write permission answers (root bypasses chmod)
        if str(path).endswith(".tmp"):
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real_open(path, *a, **k)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(PermissionError) as info:
        _model().save(target)
    msg = str(info.value)
    assert str(target) in msg and "not writable" in msg and ".tmp" not in msg


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into any folder")
def test_unwritable_folder_for_real(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(PermissionError, match="not writable"):
            _model().save(folder / "m.keras")
    finally:
        folder.chmod(0o700)


def test_folder_as_target_is_named(tmp_path):
    with pytest.raises(IsADirectoryError, match="target is a folder"):
        (tmp_path / "m.weights.h5").mkdir()
        _model().save_weights(tmp_path / "m.weights.h5")


# ---------------------------------------------------------------------------- kill in the middle of a save
_KILL_CHILD = """
import os, sys
import numpy as np, torch
torch.set_num_threads(1)
from kfunc_torch import Input, Model, layers
x = Input((64,)); m = Model(x, layers.Dense(512)(layers.Dense(512)(x)))   # ~1 MB of weights
target = sys.argv[1]
k = 0
sys.stdout.write("ready\\n"); sys.stdout.flush()
while True:   # saves until killed, each with different weights
    k += 1
    for w in m.weights:
        w.data.fill_(float(k))
    m.save(target)
"""


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["m.keras", "m.weights.h5"])
def test_saves_killed_at_random_points(tmp_path, kind):
    """30 saves killed with SIGKILL at random moments: the file is always loadable and whole (all
    weights from one save), at most one temp file is left, and the next save removes it."""
    target = str(tmp_path / kind)
    child = _KILL_CHILD.replace("m.save(target)", "m.save(target)" if kind == "m.keras" else "m.save_weights(target)")
    rng = random.Random(15)
    env = {**os.environ, "PYTHONPATH": ROOT}
    leftovers_seen = 0
    for trial in range(30):
        proc = subprocess.Popen([sys.executable, "-c", child, target], env=env, stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline() == "ready\n"
        time.sleep(rng.uniform(0.0, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        left = _leftovers(tmp_path)
        assert len(left) <= 1, left
        leftovers_seen += len(left)
        if not os.path.exists(target):  # killed before the first save completed
            continue
        m = _model_like_child()
        if kind == "m.keras":
            m = load_model(target)
        else:
            m.load_weights(target)
        values = {float(v) for w in m.get_weights() for v in np.unique(w)}
        assert len(values) == 1, (trial, values)  # every weight from the same save: not torn
    _model_like_child().save_weights(target) if kind != "m.keras" else load_model(target).save(target)
    assert _leftovers(tmp_path) == []
    assert leftovers_seen > 0  # some kills did land inside a save: the test exercised what it claims


def _model_like_child():
    x = Input((64,))
    return Model(x, layers.Dense(512)(layers.Dense(512)(x)))


# ---------------------------------------------------------------------------- exact resume
_RESUME_CHILD = """
import os, sys, signal
import numpy as np, torch
mode, backup, out, shuffle = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
torch.manual_seed(0)
from kfunc_torch import Input, Model, layers, callbacks
x = np.random.RandomState(1).randn(64, 5).astype("float32")
y = np.random.RandomState(2).randn(64, 1).astype("float32")
i = Input((5,)); h = layers.Dropout(0.3)(layers.Dense(8, activation="relu")(i)); o = layers.Dense(1)(h)
m = Model(i, o); m.compile("adam", "mse")

class Kill(callbacks.Callback):   # after BackupAndRestore wrote epoch 3's backup, or mid-epoch 4
    def on_epoch_end(self, epoch, logs=None):
        if mode == "kill" and epoch == 2:
            os.kill(os.getpid(), signal.SIGKILL)
    def on_train_batch_end(self, batch, logs=None):
        if mode == "killbatch" and batch == 5 and self.e == 3:
            os.kill(os.getpid(), signal.SIGKILL)
    def on_epoch_begin(self, epoch, logs=None):
        self.e = epoch

cbs = [] if mode == "plain" else [callbacks.BackupAndRestore(backup), Kill()]
hist = m.fit(x, y, epochs=6, batch_size=8, shuffle=shuffle, verbose=0, callbacks=cbs)
np.save(out, np.concatenate([w.ravel() for w in m.get_weights()]))
print(len(hist.history["loss"]), repr(m.optimizer.learning_rate))
"""


@pytest.mark.parametrize("shuffle", [False, True])
def test_resume_after_kill_equals_uninterrupted_run(tmp_path, shuffle):
    """Killed (SIGKILL) after an epoch's backup and in the middle of the next epoch; the resumed
    weights equal an uninterrupted run's exactly (shuffle order and Dropout masks included)."""
    sh = "1" if shuffle else "0"
    b = str(tmp_path / "backup")
    plain = _python(_RESUME_CHILD, "plain", b, str(tmp_path / "p.npy"), sh)
    assert plain.returncode == 0, plain.stderr
    for kill in ("kill", "killbatch"):
        killed = _python(_RESUME_CHILD, kill, b, str(tmp_path / "k.npy"), sh)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        resumed = _python(_RESUME_CHILD, "resume", b, str(tmp_path / "r.npy"), sh)
        assert resumed.returncode == 0, resumed.stderr
        epochs, lr = resumed.stdout.split()
        assert int(epochs) == 3  # resumed at epoch 3 of 6, both times
        assert lr == "0.001"     # the float learning rate, not its float32 copy 0.0010000000474974513
        diff = np.abs(np.load(tmp_path / "p.npy") - np.load(tmp_path / "r.npy")).max()
        assert diff == 0.0, (kill, diff)
        assert not os.path.exists(b)  # the completed fit deleted its backup
