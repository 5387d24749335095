"""The Keras progress bar, in the text of each generation (KERAS_FACTS §4).

keras2 / tf2::

    32/32 [==============================] - 0s 2ms/step - loss: 0.6931 - acc: 0.5020

keras3::

    32/32 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - acc: 0.5020 - loss: 0.6931

verbose=1 redraws one line in place with ``\\r`` on a terminal or in Jupyter (throttled to one redraw
per ``interval`` seconds); when stdout is neither (a log file) only the final line is written.
verbose=2 writes one line at the end (``32/32 - 0s - loss: 0.6931``). The caller asks ``due(current)``
before reading metric values, so the device-to-host copy happens only when the bar redraws.

Example::

    >>> bar = Progbar(target=10)
    >>> for i in range(1, 11):
    ...     if bar.due(i):
    ...         bar.update(i, [("loss", 0.5)])
"""
from __future__ import annotations

import logging
import sys
import time

import numpy as np

from .generations import current
from .settings import backend_settings


def _style_for(style):
    if style is not None:
        return style
    return current().progbar


def _in_notebook(stream) -> bool:
    return "ipykernel" in sys.modules and type(stream).__module__.startswith("ipykernel")


def _fmt_value(v) -> str:
    if isinstance(v, np.ndarray) and v.size:
        v = v.mean()  # a metric with several values (one per threshold): Keras shows their mean
    try:
        v = float(v)
    except (TypeError, ValueError):
        return f" {v}"
    return f" {v:.4f}" if abs(v) > 1e-3 else f" {v:.4e}"


def _fmt_eta(eta: float) -> str:
    eta = int(eta)
    if eta > 3600:
        return f"{eta // 3600}:{(eta % 3600) // 60:02d}:{eta % 60:02d}"
    if eta > 60:
        return f"{eta // 60}:{eta % 60:02d}"
    return f"{eta}s"


def _fmt_per_unit(t: float, unit: str) -> str:
    if t >= 1 or t == 0:
        return f"{t:.0f}s/{unit}"
    if t >= 1e-3:
        return f"{t * 1e3:.0f}ms/{unit}"
    return f"{t * 1e6:.0f}us/{unit}"


def print_msg(text: str, end: str = "\n") -> None:
    """Print as Keras's ``io_utils.print_msg``: to stdout, or to the ``'keras'`` logger (INFO) after
    ``keras.config.disable_interactive_logging()``. Example: ``print_msg("Epoch 1/10")``."""
    if backend_settings.get("interactive_logging", True):
        print(text, end=end, flush=True)
    else:
        logging.getLogger("keras").info(text.rstrip("\n"))


class Progbar:
    """A Keras progress bar for ``target`` steps (None when unknown).

    Example: ``Progbar(100, verbose=1).update(100, [("loss", 0.25)])`` prints the final bar.
    """

    def __init__(self, target, width=None, verbose=1, interval=0.05, stateful_metrics=None, unit_name="step",
                 style=None, file=None):
        self.target = target
        self.style = _style_for(style)
        self.width = width or (20 if self.style == "keras3" else 30)
        self.verbose = verbose
        self.unit_name = unit_name
        self._file = file
        stream = self.file
        self.notebook = _in_notebook(stream)
        self.dynamic = (hasattr(stream, "isatty") and stream.isatty()) or self.notebook
        # keras.config.disable_interactive_logging(): final lines go to logging, nothing redraws.
        self.interactive = backend_settings.get("interactive_logging", True) or file is not None
        self.dynamic = self.dynamic and self.interactive
        # Jupyter redraws are expensive (each one is a message to the front end): throttle harder.
        self.interval = max(interval, 0.1) if self.notebook else interval
        self._values: dict = {}
        self._start = time.time()
        self._last_update = 0.0
        self._prev_width = 0
        self._seen = 0
        self._finished = False

    @property
    def file(self):
        return self._file if self._file is not None else sys.stdout

    def due(self, current) -> bool:
        """Whether an ``update(current, ...)`` would draw now (so the caller fetches values only then)."""
        if self.verbose == 0 or self._finished:
            return False
        if self.target is not None and current >= self.target:
            return True
        return self.verbose == 1 and self.dynamic and time.time() - self._last_update >= self.interval

    def update(self, current, values=None, finalize=None):
        """Record ``values`` (list of (name, value), running averages) at step ``current`` and maybe draw."""
        for k, v in values or []:
            self._values[k] = v
        self._seen = current
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        now = time.time()
        if self.verbose == 0 or self._finished:
            return
        if not finalize and not (self.verbose == 1 and self.dynamic):
            return
        if not finalize and now - self._last_update < self.interval:
            return
        self._last_update = now
        line = self._line(current, now, finalize)
        if not self.interactive:
            logging.getLogger("keras").info(line)
            self._finished = self._finished or finalize
            return
        out = self.file
        if self.verbose == 1 and self.dynamic:
            pad = max(self._prev_width - len(line), 0)
            out.write("\r" + line + " " * pad + ("\n" if finalize else ""))
            self._prev_width = len(line)
        else:
            out.write(line + "\n")
        out.flush()
        if finalize:
            self._finished = True

    def add(self, n, values=None):
        self.update(self._seen + n, values)

    def _bar(self, current) -> str:
        if self.target is None:
            return f"{current:7d}/Unknown"
        digits = len(str(self.target))
        count = f"{current:{digits}d}/{self.target}"
        frac = min(current / self.target, 1.0) if self.target else 1.0
        if self.style == "keras3":
            done = int(self.width * frac)
            return f"{count} " + "━" * done + "━" * (self.width - done) if not self.dynamic else \
                f"{count} \x1b[32m" + "━" * done + "\x1b[0m\x1b[37m" + "━" * (self.width - done) + "\x1b[0m"
        done = int(self.width * frac)
        bar = ""
        if done > 0:
            bar = "=" * (done - 1) + (">" if current < self.target else "=")
        return f"{count} [" + bar + "." * (self.width - done) + "]"

    def _line(self, current, now, finalize) -> str:
        elapsed = now - self._start
        per_unit = elapsed / current if current else 0.0
        values = list(self._values.items())
        if self.style == "keras3":
            values.sort(key=lambda kv: kv[0])
        metrics = "".join(f" - {k}:{_fmt_value(v)}" for k, v in values)
        if self.verbose == 2:
            return f"{current}/{self.target} - {elapsed:.0f}s" + \
                (f" - {_fmt_per_unit(per_unit, self.unit_name)}" if self.style == "keras3" else "") + metrics
        if self.style == "keras3":
            t = f"{elapsed:.0f}s" if finalize else _fmt_eta(per_unit * (self.target - current)) if self.target else "0s"
            return f"{self._bar(current)} {t} {_fmt_per_unit(per_unit, self.unit_name)}{metrics}"
        if finalize:
            info = f" - {elapsed:.0f}s {_fmt_per_unit(per_unit, self.unit_name)}"
        elif self.target is not None:
            info = f" - ETA: {_fmt_eta(per_unit * (self.target - current))}"
        else:
            info = f" - {elapsed:.0f}s"
        return self._bar(current) + info + metrics
