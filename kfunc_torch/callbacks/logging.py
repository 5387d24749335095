"""Callbacks that record or show training: ``History``, ``ProgbarLogger``, ``CSVLogger``, ``TensorBoard``.

Example::

    >>> history = model.fit(x, y, epochs=3, callbacks=[CSVLogger("log.csv")])
    >>> history.history["loss"]
"""
from __future__ import annotations

import csv
import os

from ..progbar import Progbar, print_msg
from .base import Callback

class History(Callback):
    """Records epoch logs: ``history.history["loss"]``, ``history.epoch``, ``history.params``.

    Example: ``h = model.fit(x, y, epochs=3); h.history["loss"]`` (3 values).
    """

    def __init__(self):
        super().__init__()
        self.history, self.epoch = {}, []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        self.model.history = self


class ProgbarLogger(Callback):
    """Prints the Keras progress bar (added by fit/evaluate/predict when verbose is 1 or 2).

    Example: ``model.fit(x, y, verbose=2)`` prints one line per epoch.
    """

    def __init__(self, count_mode="steps", verbose=1):
        super().__init__()
        self.verbose = verbose
        self._bar = None

    def _new_bar(self, target):
        self._bar = Progbar(target, verbose=self.verbose)

    def on_epoch_begin(self, epoch, logs=None):
        from ..generations import current
        epochs = self.params.get("epochs", 1)
        if self.verbose and (current().epoch_line_for_one_epoch or epochs > 1):
            print_msg(f"Epoch {epoch + 1}/{epochs}")
        self._new_bar(self.params.get("steps"))

    def _batch_end(self, batch, logs):
        bar = self._bar
        if bar is not None and bar.due(batch + 1):
            final = bar.target is not None and batch + 1 >= bar.target
            if final and self._defer_final:
                bar._seen = batch + 1  # the epoch end draws the final line, with validation values
                return
            bar.update(batch + 1, list((logs or {}).items()))

    _defer_final = True

    def on_train_batch_end(self, batch, logs=None):
        self._batch_end(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self._bar is not None:
            self._bar.update(self._bar._seen or self.params.get("steps") or 0, list((logs or {}).items()),
                             finalize=True)

    def on_test_begin(self, logs=None):
        if not self.params.get("_in_fit"):
            self._new_bar(self.params.get("steps"))

    def on_test_batch_end(self, batch, logs=None):
        if not self.params.get("_in_fit"):
            self._batch_end(batch, logs)

    def on_test_end(self, logs=None):
        if not self.params.get("_in_fit") and self._bar is not None:
            self._bar.update(self._bar._seen, list((logs or {}).items()), finalize=True)

    def on_predict_begin(self, logs=None):
        self._new_bar(self.params.get("steps"))

    def on_predict_batch_end(self, batch, logs=None):
        self._batch_end(batch, None)

    def on_predict_end(self, logs=None):
        if self._bar is not None:
            self._bar.update(self._bar._seen, None, finalize=True)

class CSVLogger(Callback):
    """Write each epoch's logs as a CSV row (header: epoch, then the log keys).

    Example: ``CSVLogger("training.log", separator=",", append=False)``.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self._file = self._writer = self.keys = None

    def on_train_begin(self, logs=None):
        has_header = self.append and os.path.exists(self.filename) and os.path.getsize(self.filename) > 0
        self._file = open(self.filename, "a" if self.append else "w", newline="")
        self._writer, self.keys = None, None
        self._header_written = has_header

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if self.keys is None:
            self.keys = sorted(logs)
        if self._writer is None:
            self._writer = csv.DictWriter(self._file, fieldnames=["epoch"] + self.keys, delimiter=self.sep)
            if not self._header_written:
                self._writer.writeheader()
        self._writer.writerow({"epoch": epoch, **{k: logs.get(k, "NA") for k in self.keys}})
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
            self._file = None

class TensorBoard(Callback):
    """Keras's TensorBoard callback, written with ``torch.utils.tensorboard`` (works with or without
    ``alias_keras()``; needs ``pip install tensorboard``).

    Under ``log_dir/train`` and ``log_dir/validation``, as Keras 3 names them: ``epoch_<metric>`` scalars
    (``val_`` logs go to ``validation``), ``epoch_learning_rate``, ``batch_<metric>`` every
    ``update_freq`` batches (``"batch"`` = 1, an int N = every N; ``"epoch"``: none), weight histograms
    ``<layer>/<weight>/histogram`` every ``histogram_freq`` epochs, and the model graph (``write_graph``).

    Example: ``model.fit(x, y, callbacks=[TensorBoard("logs", histogram_freq=1, update_freq="batch")])``.
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None, **kwargs):
        super().__init__()
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as e:
            raise ImportError("The TensorBoard callback writes through torch.utils.tensorboard, which needs the "
                              "tensorboard package: pip install tensorboard (or kfunc_torch[tensorboard]).") from e
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and not (isinstance(update_freq, int) and update_freq > 0):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a positive int; received "
                             f"{update_freq!r}.")
        self._writer_cls, self.log_dir, self.update_freq = SummaryWriter, os.fspath(log_dir), update_freq
        self.histogram_freq, self.write_graph = int(histogram_freq or 0), bool(write_graph)
        self._writers = {}
        self._train_batches = 0  # global batch counter: the step of batch scalars

    def _writer(self, which):
        if which not in self._writers:
            self._writers[which] = self._writer_cls(os.path.join(self.log_dir, which))
        return self._writers[which]

    def on_train_begin(self, logs=None):
        self._train_batches = 0
        if self.write_graph:
            self._write_graph()

    def _write_graph(self):
        model = self.model
        if not getattr(model, "_is_graph_network", False):
            return  # a subclassed model: no input shapes to trace with
        import torch
        device = model._device()
        sample = tuple(torch.zeros([1 if d is None else d for d in t.shape], dtype=t.torch_dtype, device=device)
                       for t in model.inputs)
        was_training = model.training
        try:
            model.eval()
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # tracer warnings about constants and list outputs
                self._writer("train").add_graph(model, sample[0] if len(sample) == 1 else sample)
        finally:
            model.train(was_training)

    def on_train_batch_end(self, batch, logs=None):
        self._train_batches += 1
        if self.update_freq == "epoch" or self._train_batches % self.update_freq:
            return  # LazyLogs not read: no device-to-host copy
        writer = self._writer("train")
        for k, v in (logs or {}).items():
            writer.add_scalar(f"batch_{k}", float(v), self._train_batches)

    def on_epoch_end(self, epoch, logs=None):
        for k, v in (logs or {}).items():
            which, name = ("validation", k[4:]) if k.startswith("val_") else ("train", k)
            self._writer(which).add_scalar(f"epoch_{name}", float(v), epoch)
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and "learning_rate" not in (logs or {}):
            from ..optimizers import get_lr
            self._writer("train").add_scalar("epoch_learning_rate", float(get_lr(optimizer)), epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        for w in self._writers.values():
            w.flush()

    def _log_weights(self, epoch):
        writer = self._writer("train")
        for layer in self.model.layers:
            for name, tensor in layer.named_parameters():  # Keras names: kernel, bias, moving_mean, ...
                writer.add_histogram(f"{layer.name}/{name.replace('.', '/')}/histogram",
                                     tensor.detach().float().cpu(), epoch)

    def on_train_end(self, logs=None):
        for w in self._writers.values():
            w.close()
        self._writers = {}
