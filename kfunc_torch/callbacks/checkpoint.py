"""Checkpointing callbacks: ``ModelCheckpoint`` (per epoch or every N batches) and ``BackupAndRestore``.

Both are re-exported by :mod:`kfunc_torch.callbacks` (so ``keras.callbacks.BackupAndRestore`` works
through the alias). A callback that saves every N batches registers its batch hook on the instance
only, so an epoch-level checkpoint adds no per-batch work to ``fit``.

Example::

    >>> ck = callbacks.ModelCheckpoint("ck/w.e{epoch:02d}-b{batch:03d}.weights.h5", save_weights_only=True,
    ...                                save_freq=100)          # every 100 training batches
    >>> backup = callbacks.BackupAndRestore("backup")          # resume an interrupted fit
    >>> model.fit(x, y, epochs=10, callbacks=[ck, backup])
"""
from __future__ import annotations

import json
import os
import shutil
import warnings

from .base import Callback
from .monitors import _Monitor


def _check_save_freq(owner, save_freq):
    if save_freq == "epoch" or (isinstance(save_freq, int) and not isinstance(save_freq, bool)):
        return save_freq
    raise ValueError(f"{owner}: unrecognized save_freq={save_freq!r}. Expected 'epoch' or an integer (save every "
                     "that many training batches).")


class _BatchCounter:
    """Keras's batch counting for ``save_freq=N``: batches are counted across epochs (a batch index
    that does not grow means a new epoch began), and every N-th batch is due."""

    def __init__(self, every):
        self.every, self.since_save, self.last = every, 0, None

    def due(self, batch) -> bool:
        self.since_save += batch + 1 if self.last is None or batch <= self.last else batch - self.last
        self.last = batch
        if self.since_save >= self.every:
            self.since_save = 0
            return True
        return False


class ModelCheckpoint(_Monitor):
    """Save the model (or its weights) after each epoch, or every ``save_freq`` training batches.

    ``filepath`` may use ``{epoch:02d}`` (1-based), the log keys (``{val_loss:.2f}``) and, with an
    integer ``save_freq``, ``{batch}`` (1-based index of the batch within its epoch, as in Keras 3).
    With an integer ``save_freq`` the batches are counted across epochs, nothing is saved at epoch
    ends, and ``save_best_only`` compares ``monitor`` in the batch logs (the epoch's running
    averages so far: ``loss`` and the metrics, never ``val_*``).

    Example::

        ModelCheckpoint("w.{epoch:02d}-{val_loss:.2f}.weights.h5", save_weights_only=True, save_best_only=True)
        ModelCheckpoint("ck/e{epoch}-b{batch}.weights.h5", save_weights_only=True, save_freq=500)
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None, period=None):
        super().__init__()
        self._init_monitor(monitor, mode, 0)
        self.filepath, self.verbose = os.fspath(filepath), verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.period = period or 1  # Keras 2: save every `period` epochs (epoch-level saving only)
        self.best = initial_value_threshold
        self.save_freq = _check_save_freq("ModelCheckpoint", save_freq)
        self._current_epoch = 0
        if save_freq != "epoch":
            self._counter = _BatchCounter(save_freq)
            # On the instance: fit sends batch hooks (and builds batch logs) only to callbacks that have them.
            self.on_train_batch_end = self._save_on_batch

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def _save_on_batch(self, batch, logs=None):
        if self._counter.due(batch):
            self._save(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch" and not (epoch + 1) % self.period:
            self._save(epoch, None, logs)

    def _path(self, epoch, batch, logs):
        fields = dict(logs or {})
        if batch is not None:
            fields.setdefault("batch", batch + 1)  # a "batch" key in the logs wins, as in Keras 3
        fields["epoch"] = epoch + 1
        try:
            return self.filepath.format(**fields)
        except KeyError as e:
            raise KeyError(f"ModelCheckpoint filepath {self.filepath!r} uses {e}, which is not in the logs "
                           f"{sorted(logs or {})}" + (" (epoch-level saving has no {batch}; pass an integer "
                                                      "save_freq to save every N batches)"
                                                      if batch is None and str(e) == "'batch'" else "") + ".") from None

    def _save(self, epoch, batch, logs):
        path = self._path(epoch, batch, logs)
        if self.save_best_only:
            current = self._current(logs)
            if current is None or not self._better(current, self.best):
                if self.verbose > 0 and current is not None:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            if self.verbose > 0:
                prev = "inf" if self.best is None else f"{self.best:.5f}"
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {prev} to {current:.5f}, "
                      f"saving model to {path}")
            self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        method = "save_weights" if self.save_weights_only else "save"
        fn = getattr(self.model, method, None)
        if fn is None:
            raise NotImplementedError(f"ModelCheckpoint needs model.{method}(), which this build of kfunc_torch does "
                                      "not provide yet.")
        folder = os.path.dirname(path)
        if batch is not None and folder and not os.path.isdir(folder):
            os.makedirs(folder, exist_ok=True)
        fn(path)


# ---------------------------------------------------------------------------- BackupAndRestore
_META_ATTR = "kfunc_torch_training_metadata"   # epoch/batch inside the weights file: one atomic unit
_TORCH_OPT = "kfunc_torch_optimizer_state"     # optimizer state that Keras's layout cannot express
_RNG = "kfunc_torch_rng_state"                 # torch's generators: shuffling and Dropout resume exactly


def _write_rng(f):
    """torch's CPU generator (and CUDA's, when in use) as uint8 datasets: a resumed run draws the same
    shuffles and Dropout masks as an uninterrupted one."""
    import torch
    g = f.create_group(_RNG)
    g.create_dataset("cpu", data=torch.get_rng_state().numpy())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        for k, state in enumerate(torch.cuda.get_rng_state_all()):
            g.create_dataset(f"cuda_{k}", data=state.numpy())


def _read_rng(f):
    import numpy as np
    import torch
    if _RNG not in f:  # a backup written by Keras or an older kfunc_torch
        return
    g = f[_RNG]
    torch.set_rng_state(torch.from_numpy(np.asarray(g["cpu"])))
    cuda = sorted((k for k in g if k.startswith("cuda_")), key=lambda k: int(k[5:]))
    if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all([torch.from_numpy(np.asarray(g[k])) for k in cuda])


def _exact_learning_rate(model):
    """The optimizer's float learning rate (Keras's layout stores it as float32), or None."""
    lr = getattr(getattr(model, "optimizer", None), "_lr", None)
    return lr if isinstance(lr, float) else None


def _write_optimizer(f, model):
    import io

    import numpy as np
    import torch

    from .. import optimizers
    from ..saving.optimizer_h5 import write_optimizer_vars
    opt = getattr(model, "optimizer", None)
    if opt is None or write_optimizer_vars(f, model):
        return
    if isinstance(opt, optimizers.Optimizer):  # one we cannot map to Keras's layout (a custom subclass)
        state = opt.state_dict()
        if not isinstance(state["learning_rate"], float):
            del state["learning_rate"]  # a schedule follows `iterations`
    else:  # a torch.optim optimizer
        state = opt.state_dict()
    buf = io.BytesIO()
    torch.save(state, buf)
    f.create_dataset(_TORCH_OPT, data=np.frombuffer(buf.getvalue(), dtype=np.uint8))


def _read_optimizer(f, model, source):
    import io

    import numpy as np
    import torch

    from .. import optimizers
    from ..saving.optimizer_h5 import read_optimizer_vars
    opt = getattr(model, "optimizer", None)
    if opt is None:
        return
    if _TORCH_OPT in f:
        state = torch.load(io.BytesIO(np.asarray(f[_TORCH_OPT]).tobytes()), weights_only=True)
        if isinstance(opt, optimizers.Optimizer):
            state.setdefault("learning_rate", opt._lr)
        opt.load_state_dict(state)
        return
    if read_optimizer_vars(f, model, source):
        if isinstance(opt, optimizers.Optimizer) and isinstance(opt._lr, float) and "1" in f["optimizer/vars"]:
            opt._lr = float(np.asarray(f["optimizer/vars/1"]))  # Keras restores its learning-rate variable too
    elif "optimizer" in f:
        warnings.warn(f"BackupAndRestore: the optimizer state in {source} does not fit this model's optimizer; "
                      "it starts fresh.", UserWarning, stacklevel=3)


class BackupAndRestore(Callback):
    """Back up the training state during ``fit`` and resume from it after an interruption (Keras 3).

    At each epoch end (or every ``save_freq`` training batches) the model's weights, the optimizer's
    state and the epoch are written to ``backup_dir`` (``latest.weights.h5`` in Keras 3's layout,
    plus ``training_metadata.json``), each file atomically, so a failed save leaves the previous
    backup intact. When ``fit`` starts and a backup exists, weights and optimizer state are restored
    and training starts at the saved epoch (the epoch in progress when a batch-level backup was
    written, which then runs again from its first batch); an ``initial_epoch`` passed to ``fit`` is
    used only when the backup says epoch 0. When ``fit`` completes (including an early stop) the
    backup is deleted unless ``delete_checkpoint=False``. ``double_checkpoint=True`` keeps the
    previous backup too (``*.bkp``) and falls back to it when the latest cannot be read.

    ``backup_dir`` belongs to this callback: do not share it with another run or callback.

    Example::

        backup = callbacks.BackupAndRestore(backup_dir="/tmp/backup")
        try:
            model.fit(x, y, epochs=10, callbacks=[backup, SomethingThatCrashesInEpoch5()])
        except RuntimeError:
            pass
        history = model.fit(x, y, epochs=10, callbacks=[backup])   # runs epochs 5..10 only
        len(history.history["loss"])                               # 6
    """

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True, double_checkpoint=False):
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: empty backup_dir; pass the folder to keep the backup in.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = _check_save_freq("BackupAndRestore", save_freq)
        self.delete_checkpoint, self.double_checkpoint = delete_checkpoint, double_checkpoint
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._prev_weights_path = self._weights_path + ".bkp"
        self._prev_metadata_path = self._metadata_path + ".bkp"
        self._current_epoch = 0
        self._last_batch = 0
        if save_freq != "epoch":
            self._counter = _BatchCounter(save_freq)
            self.on_train_batch_end = self._save_on_batch  # on the instance: see ModelCheckpoint

    # ------------------------------------------------------------------ restore
    def on_train_begin(self, logs=None):
        try:
            self._restore()
        except (OSError, ValueError, KeyError) as e:  # unreadable latest backup: try the previous one
            if not os.path.exists(self._prev_weights_path):
                raise
            warnings.warn(f"BackupAndRestore: cannot read {self._weights_path} ({e}); restoring the previous backup.",
                          UserWarning, stacklevel=2)
            self._copy(self._prev_weights_path, self._weights_path)
            if os.path.exists(self._prev_metadata_path):
                self._copy(self._prev_metadata_path, self._metadata_path)
            elif os.path.exists(self._metadata_path):
                os.remove(self._metadata_path)
            self._restore()

    def _restore(self):
        from ..saving.files import open_h5
        from ..saving.weights_h5 import apply_plan, read_keras3
        if not os.path.exists(self._weights_path):
            return
        model = self.model
        opt = getattr(model, "optimizer", None)
        if opt is not None and not getattr(opt, "built", True):
            opt.build([p for p in model.trainable_weights if p.requires_grad])
        with open_h5(self._weights_path) as f:
            plan = read_keras3(f, model, self._weights_path)  # every shape checked before anything changes
            meta = json.loads(f.attrs[_META_ATTR]) if _META_ATTR in f.attrs else None
            apply_plan(plan)
            _read_optimizer(f, model, self._weights_path)
            _read_rng(f)
        if meta is not None and meta.get("learning_rate") is not None and _exact_learning_rate(model) is not None:
            model.optimizer._lr = float(meta["learning_rate"])  # not the float32 copy in Keras's layout
        if meta is None and os.path.exists(self._metadata_path):  # a backup written by Keras 3
            with open(self._metadata_path) as fh:
                meta = json.load(fh)
        epoch = int((meta or {}).get("epoch", 0))
        self._current_epoch = epoch
        model._initial_epoch = epoch  # fit reads it after on_train_begin (0: fit's own initial_epoch)

    # ------------------------------------------------------------------ save
    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch  # a batch-level backup written in this epoch resumes at this epoch

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch, self._last_batch = epoch + 1, 0
        if self.save_freq == "epoch":
            self._save()

    def _save_on_batch(self, batch, logs=None):
        self._last_batch = batch
        if self._counter.due(batch):
            self._save()

    @staticmethod
    def _copy(src, dst):
        from ..saving.files import atomic_write
        with atomic_write(dst) as tmp:
            shutil.copyfile(src, tmp)

    def _save(self):
        from ..saving.files import atomic_write, open_h5
        from ..saving.weights_h5 import write_keras3
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            for src, dst in ((self._weights_path, self._prev_weights_path),
                             (self._metadata_path, self._prev_metadata_path)):
                if os.path.exists(src):
                    self._copy(src, dst)
        meta = {"epoch": self._current_epoch, "batch": self._last_batch}
        with atomic_write(self._weights_path) as tmp:
            with open_h5(tmp, "w") as f:
                write_keras3(f, self.model)
                _write_optimizer(f, self.model)
                _write_rng(f)
                f.attrs[_META_ATTR] = json.dumps(dict(meta, learning_rate=_exact_learning_rate(self.model)))
        with atomic_write(self._metadata_path) as tmp:  # Keras 3's file; ours reads the copy in the weights
            with open(tmp, "w") as fh:
                fh.write(json.dumps(meta))

    # ------------------------------------------------------------------ cleanup
    def on_train_end(self, logs=None):
        if not self.delete_checkpoint or not os.path.isdir(self.backup_dir):
            return
        for path in (self._weights_path, self._metadata_path, self._prev_weights_path, self._prev_metadata_path):
            if os.path.exists(path):
                os.remove(path)
        try:
            os.rmdir(self.backup_dir)  # only when nothing else is in it
        except OSError:
            pass
