"""``compile(jit_compile=True)``: the train, test and predict functions of one model through ``torch.compile``.

Each model gets its own compiled functions. Why not ``torch.compile(self._forward_and_loss)`` directly:
TorchDynamo keeps its cache on the function's *code object*, which every model shares, so a second model
in the same process was traced as a new shape of the first (automatic dynamic shapes, then an
``InductorError`` on channels_last strides) and after eight such entries compiling stopped altogether.
A per-model copy of the code object gives each model its own cache. Shapes are static
(``dynamic=False``): the last, smaller batch of an epoch compiles one more graph, once.

When torch cannot compile a model, the first call warns once (naming the model and the reason) and the
model runs eagerly from then on; user errors (bad shapes, wrong dtypes) are not caught here.

Compiled is not always faster: on a CPU, Inductor's kernels and AOTAutograd's per-call wrappers made a
small MLP's step 1.8x and a small CNN's 2x slower than eager (bench/RESULTS.md, jit_fit). So each
function measures before it settles: after the compiling call and ``WARM_CALLS`` more, it alternates
compiled and eager calls (at least ``TRIAL_CALLS`` each, more for short calls; the time from one call
to the next, which holds the step's backward and optimizer update too) and keeps the compiled
function only if its medians by the clock and by CPU time are both faster than eager's; otherwise it
warns once and runs eagerly (``mode`` says which). Both compute the
same step, so the trial changes no result.

Example::

    >>> model.compile("adam", "mse", jit_compile=True)   # fit/evaluate/predict run compiled graphs
    >>> model.fit(x, y); model._jit_fns["train step"].mode   # where compiling paid
    'compiled'
"""
from __future__ import annotations

import functools
import statistics
import time
import types
import warnings

import torch

from . import gc_window


def resolve(jit_compile, run_eagerly) -> bool:
    """Keras's rule: ``run_eagerly=True`` wins; ``"auto"`` means eager on the torch backend (as Keras 3 does)."""
    if run_eagerly:
        return False
    if jit_compile == "auto" or jit_compile is None:
        return False
    if not isinstance(jit_compile, bool):
        raise ValueError(f"compile(): jit_compile must be True, False or 'auto'; received {jit_compile!r}.")
    return jit_compile


def _own_copy(method):
    """The bound method rebuilt on a fresh code object, so TorchDynamo caches it apart from other models'."""
    fn = method.__func__
    fresh = types.FunctionType(fn.__code__.replace(), fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
    fresh.__kwdefaults__ = fn.__kwdefaults__
    return types.MethodType(fresh, method.__self__)


@functools.lru_cache(maxsize=None)
def _compiler_errors():
    errors = []
    for path in ("torch._dynamo.exc.BackendCompilerFailed", "torch._dynamo.exc.Unsupported",
                 "torch._dynamo.exc.InternalTorchDynamoError", "torch._inductor.exc.InductorError"):
        module, _, name = path.rpartition(".")
        try:
            errors.append(getattr(__import__(module, fromlist=[name]), name))
        except (ImportError, AttributeError):
            pass
    return tuple(errors)


# Calls after the compiling one before the trial starts (a recompile for a new shape lands here); calls
# per mode in the trial: at least TRIAL_CALLS, more for short calls until each mode has run
# TRIAL_SECONDS in all or TRIAL_MAX_CALLS calls.
WARM_CALLS, TRIAL_CALLS, TRIAL_SECONDS, TRIAL_MAX_CALLS = 2, 5, 0.05, 50
# Compiled must be at least this much faster than eager (median per call, by the wall clock and by this
# process's CPU time, which other processes on a shared machine do not blur) to be kept.
MIN_GAIN = 0.98


class CompiledFunction:
    """One model function run through ``torch.compile``, kept only where it is faster than eager,
    with a one-time eager fallback when torch cannot compile it.

    ``mode``: ``"trial"`` until measured, then ``"compiled"`` or ``"eager"``."""

    def __init__(self, method, what: str):
        self._eager = method
        self._what = what
        self._fn = torch.compile(_own_copy(method), dynamic=False)
        self.mode = "trial"
        self._calls = 0
        self._last = None  # (wall and CPU time at the start of the previous timed call, its mode)
        # (wall s, CPU s) from a timed call's start to the next call's start, per mode
        self.times = {"compiled": [], "eager": []}

    def __call__(self, *args):
        if gc_window.HELD[0]:  # the first step after building: release the collector outside the traced code
            gc_window.release()
        mode = self.mode
        if mode == "compiled":
            return self._run(self._fn, args)
        if mode == "eager":
            return self._eager(*args)
        return self._trial(args)

    def _trial(self, args):
        now = (time.perf_counter(), time.process_time())
        if self._last is not None:
            start, mode = self._last
            self.times[mode].append((now[0] - start[0], now[1] - start[1]))
        n = self._calls
        self._calls += 1
        k = n - WARM_CALLS - 1  # index in the trial; negative while compiling and warming up
        if k >= 2 * TRIAL_CALLS and k % 2 == 0 and self._measured_enough():
            self._decide()
            return self(*args)
        use = "eager" if k >= 0 and k % 2 else "compiled"
        self._last = (now, use) if k >= 0 else None
        return self._run(self._fn, args) if use == "compiled" else self._eager(*args)

    def _measured_enough(self) -> bool:
        t = self.times
        return min(len(t["compiled"]), len(t["eager"])) >= TRIAL_MAX_CALLS or \
            min(sum(w for w, _ in t["compiled"]), sum(w for w, _ in t["eager"])) >= TRIAL_SECONDS

    def _decide(self):
        cw, cc = (statistics.median(x[i] for x in self.times["compiled"]) for i in (0, 1))
        ew, ec = (statistics.median(x[i] for x in self.times["eager"]) for i in (0, 1))
        self._last = None
        if cw <= ew * MIN_GAIN and cc <= ec * MIN_GAIN:
            self.mode = "compiled"
            return
        self.mode = "eager"
        model = self._eager.__self__
        warnings.warn(f"jit_compile: the compiled {self._what} of model {model.name!r} is not faster than eager "
                      f"on this machine ({cw * 1e3:.2f} vs {ew * 1e3:.2f} ms per call by the clock, {cc * 1e3:.2f} "
                      f"vs {ec * 1e3:.2f} ms of CPU; medians of {len(self.times['eager'])} alternating calls "
                      "each); running it eagerly.", RuntimeWarning, stacklevel=4)

    def _run(self, fn, args):
        try:
            return fn(*args)
        except Exception as e:  # the compiler's own errors only (imported here: torch._dynamo costs 0.8 s)
            if fn is self._eager or not isinstance(e, _compiler_errors()):
                raise
            model = self._eager.__self__
            first_line = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            warnings.warn(f"jit_compile=True: torch.compile could not compile the {self._what} of model "
                          f"{model.name!r} ({type(e).__name__}: {first_line[:300]}); running it eagerly.",
                          RuntimeWarning, stacklevel=4)
            self._fn = self._eager
            self.mode = "eager"
            return self._eager(*args)
