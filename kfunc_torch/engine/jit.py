"""``compile(jit_compile=True)``: the train, test and predict functions of one model through ``torch.compile``.

Each model gets its own compiled functions. Why not ``torch.compile(self._forward_and_loss)`` directly:
TorchDynamo keeps its cache on the function's *code object*, which every model shares, so a second model
in the same process was traced as a new shape of the first (automatic dynamic shapes, then an
``InductorError`` on channels_last strides) and after eight such entries compiling stopped altogether.
A per-model copy of the code object gives each model its own cache. Shapes are static
(``dynamic=False``): the last, smaller batch of an epoch compiles one more graph, once.

When torch cannot compile a model, the first call warns once (naming the model and the reason) and the
model runs eagerly from then on; user errors (bad shapes, wrong dtypes) are not caught here.

Example::

    >>> model.compile("adam", "mse", jit_compile=True)   # fit/evaluate/predict run compiled graphs
"""
from __future__ import annotations

import functools
import types
import warnings

import torch


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


class CompiledFunction:
    """One model function run through ``torch.compile``, with a one-time eager fallback."""

    def __init__(self, method, what: str):
        self._eager = method
        self._what = what
        self._fn = torch.compile(_own_copy(method), dynamic=False)

    def __call__(self, *args):
        try:
            return self._fn(*args)
        except Exception as e:  # the compiler's own errors only (imported here: torch._dynamo costs 0.8 s)
            if self._fn is self._eager or not isinstance(e, _compiler_errors()):
                raise
            model = self._eager.__self__
            first_line = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            warnings.warn(f"jit_compile=True: torch.compile could not compile the {self._what} of model "
                          f"{model.name!r} ({type(e).__name__}: {first_line[:300]}); running it eagerly.",
                          RuntimeWarning, stacklevel=3)
            self._fn = self._eager
            return self._eager(*args)

