"""``tf.GradientTape`` over torch autograd: ``watch``, ``gradient`` (nested sources, ``output_gradients``,
``unconnected_gradients``), ``persistent``, ``watch_accessed_variables``, ``stop_recording``,
``jacobian``, ``batch_jacobian``.

Torch records every operation on tensors that require grad, so the tape itself records nothing: it
enables grad inside its block (even under ``torch.no_grad``), makes watched constants require grad,
and ``gradient`` calls ``torch.autograd.grad``. As in TensorFlow, a source the target does not depend
on gets None (or zeros with ``unconnected_gradients="zero"``), and a non-persistent tape computes one
set of gradients (its graph is freed then).

Example::

    >>> x = tf.constant(3.0)
    >>> with tf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = x * x
    >>> tape.gradient(y, x)
    tensor(6.)
"""
from __future__ import annotations

import contextlib
import enum

import torch

from . import nest

__all__ = ["GradientTape", "UnconnectedGradients"]


class UnconnectedGradients(enum.Enum):
    NONE = "none"
    ZERO = "zero"


def _differentiable(t) -> bool:
    return isinstance(t, torch.Tensor) and (t.is_floating_point() or t.is_complex())


class GradientTape:
    """Records a computation for ``gradient``. Example::

        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = bool(persistent)
        self._watch_accessed = bool(watch_accessed_variables)
        self._watched = {}  # id -> tensor
        self._made_grad = []  # watched constants we switched to requires_grad (switched back when done)
        self._grad_mode = None
        self._used = False

    # ------------------------------------------------------------------ recording
    def __enter__(self):
        self._grad_mode = torch.enable_grad()
        self._grad_mode.__enter__()
        return self

    def __exit__(self, *exc):
        self._grad_mode.__exit__(*exc)
        self._grad_mode = None
        return False

    def watch(self, tensor) -> None:
        """Track ``tensor`` (a constant, or a nested structure of them) so gradients flow to it."""
        for t in nest.flatten(tensor):
            if not _differentiable(t):
                raise ValueError(f"GradientTape.watch: only floating tensors can be watched; received "
                                 f"{type(t).__name__}{'' if not hasattr(t, 'dtype') else ' of ' + str(t.dtype)}.")
            if not t.requires_grad:
                if not t.is_leaf:
                    raise ValueError("GradientTape.watch: this tensor was computed without gradient tracking, "
                                     "so nothing before it can be traced; watch the tensors it is computed from.")
                t.requires_grad_(True)
                self._made_grad.append(t)
            self._watched[id(t)] = t

    @contextlib.contextmanager
    def stop_recording(self):
        """Operations inside this block are not recorded (no gradient flows through them)."""
        with torch.no_grad():
            yield

    def reset(self) -> None:
        """Forget what was watched (a fresh tape for the next computation)."""
        self._release()
        self._watched = {}
        self._used = False

    def watched_variables(self) -> tuple:
        return tuple(self._watched.values())

    def _release(self):
        for t in self._made_grad:
            if t.is_leaf:
                t.requires_grad_(False)
        self._made_grad = []

    def __del__(self):
        try:
            self._release()
        except Exception:  # interpreter shutdown
            pass

    # ------------------------------------------------------------------ gradients
    def _check_use(self, what):
        if self._used and not self._persistent:
            raise RuntimeError(f"A non-persistent GradientTape can only be used to compute one set of gradients "
                               f"(or jacobians); this {what} call is the second. Create the tape with "
                               "tf.GradientTape(persistent=True) to call it several times.")
        self._used = True

    def _watched_or_accessed(self, s) -> bool:
        return self._watch_accessed or id(s) in self._watched

    def gradient(self, target, sources, output_gradients=None, unconnected_gradients=UnconnectedGradients.NONE):
        """d(sum of ``target``)/d``sources``, in the structure of ``sources``."""
        self._check_use("gradient")
        zero = str(getattr(unconnected_gradients, "value", unconnected_gradients)).lower() == "zero"
        targets = nest.flatten(target)
        flat_sources = nest.flatten(sources)
        grads_out = None if output_gradients is None else nest.flatten(output_gradients)
        pairs = [(t, None if grads_out is None else grads_out[i]) for i, t in enumerate(targets)
                 if isinstance(t, torch.Tensor) and t.requires_grad]
        wanted = [i for i, s in enumerate(flat_sources)
                  if _differentiable(s) and s.requires_grad and self._watched_or_accessed(s)]
        for s in flat_sources:
            if not isinstance(s, torch.Tensor):
                raise TypeError(f"GradientTape.gradient: sources must be tensors or variables; received "
                                f"{type(s).__name__}.")
        found = [None] * len(flat_sources)
        if pairs and wanted:
            outs = [t for t, _ in pairs]
            grad_outputs = [torch.ones_like(t) if g is None else torch.as_tensor(g, dtype=t.dtype, device=t.device)
                            for t, g in pairs]
            grads = torch.autograd.grad(outs, [flat_sources[i] for i in wanted], grad_outputs=grad_outputs,
                                        retain_graph=self._persistent, allow_unused=True)
            for i, g in zip(wanted, grads):
                found[i] = g
        if not self._persistent:
            self._release()
        if zero:
            found = [torch.zeros_like(s) if g is None else g for s, g in zip(flat_sources, found)]
        return nest.pack_sequence_as(sources, found)

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE, parallel_iterations=None,
                 experimental_use_pfor=True):
        """d target[i...] / d source[j...] for every element: shape target.shape + source.shape."""
        self._check_use("jacobian")
        flat_sources = nest.flatten(sources)
        rows = [[] for _ in flat_sources]
        flat_t = target.reshape(-1)
        for k in range(flat_t.numel()):
            grads = torch.autograd.grad(flat_t[k], flat_sources, retain_graph=True, allow_unused=True)
            for i, (s, g) in enumerate(zip(flat_sources, grads)):
                rows[i].append(torch.zeros_like(s) if g is None else g)
        out = [torch.stack(r).reshape(tuple(target.shape) + tuple(s.shape)) if r else None
               for r, s in zip(rows, flat_sources)]
        if not self._persistent:
            self._release()
        return nest.pack_sequence_as(sources, out)

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor=True):
        """Per example b: d target[b, ...] / d source[b, ...], shape (batch, *target[1:], *source[1:])."""
        self._check_use("batch_jacobian")
        rows = []
        flat_t = target.reshape(target.shape[0], -1)
        for k in range(flat_t.shape[1]):
            (g,) = torch.autograd.grad(flat_t[:, k].sum(), [source], retain_graph=True, allow_unused=True)
            rows.append(torch.zeros_like(source) if g is None else g)
        out = torch.stack(rows, dim=1).reshape(tuple(target.shape) + tuple(source.shape[1:]))
        if not self._persistent:
            self._release()
        return out
