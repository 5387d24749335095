"""Execution helpers that have nothing to do here: ``tf.function`` (a pass-through decorator: code runs
eagerly, as with ``tf.config.run_functions_eagerly(True)``), ``tf.device`` (a context manager that
places nothing: kfunc_torch models run where their weights are), ``tf.name_scope``,
``tf.executing_eagerly``, ``tf.print``, ``tf.py_function``/``numpy_function``.

Example::

    >>> @tf.function(jit_compile=True)
    ... def step(x):
    ...     return x * 2
    >>> with tf.device("CPU:0"):
    ...     step(tf.constant(1.0))
    tensor(2.)
"""
from __future__ import annotations

import builtins
import contextlib
import functools
import sys

import numpy as np
import torch

from . import nest

__all__ = ["function", "device", "name_scope", "executing_eagerly", "print", "py_function", "numpy_function",
           "control_dependencies", "init_scope", "no_op", "group", "custom_gradient", "autograph"]


def function(func=None, input_signature=None, autograph=True, jit_compile=None, reduce_retracing=False,
             experimental_implements=None, experimental_autograph_options=None, experimental_attributes=None,
             experimental_relax_shapes=None, experimental_compile=None, experimental_follow_type_hints=None):
    """``@tf.function`` / ``@tf.function(...)`` / ``tf.function(f)``: returns the function itself, run
    eagerly (torch has no graph to trace into here; ``jit_compile`` is ignored)."""
    def wrap(f):
        try:
            f.python_function = getattr(f, "python_function", f)  # tf.function's handle on the original
        except (AttributeError, TypeError):  # builtins and partials take no attributes
            pass
        return f
    return wrap if func is None else wrap(func)


@contextlib.contextmanager
def device(device_name):
    """A block whose tensors TensorFlow would place on ``device_name``. Here it places nothing: models
    run on the device of their weights (``model.to(...)``) and new tensors follow them."""
    if device_name is not None and not isinstance(device_name, str):
        raise TypeError(f"tf.device expects a device name such as 'CPU:0' or '/GPU:0'; received "
                        f"{type(device_name).__name__}.")
    yield


class name_scope:  # noqa: N801  TensorFlow's name
    """``with tf.name_scope("block"):`` — names nothing here; ``as scope`` gives ``"block/"``."""

    def __init__(self, name, *args, **kwargs):
        self.name = name

    def __enter__(self):
        return f"{self.name}/" if self.name else ""

    def __exit__(self, *exc):
        return False


def executing_eagerly() -> bool:
    """Always True: every op runs eagerly on torch."""
    return True


def _printable(v):
    if isinstance(v, torch.Tensor):
        return np.array2string(v.detach().cpu().numpy(), separator=" ")
    return v


def print(*inputs, output_stream=None, summarize=None, sep=" ", end="\n", name=None):  # noqa: A001
    """Print tensors' values (as TensorFlow does, without dtype / shape decoration)."""
    stream = sys.stderr if output_stream is None else output_stream
    if stream in ("stdout", sys.stdout) or str(stream).endswith("stdout"):
        stream = sys.stdout
    elif not hasattr(stream, "write"):
        stream = sys.stderr
    parts = [nest.map_structure(_printable, v) if nest.is_nested(v) else _printable(v) for v in inputs]
    builtins.print(*parts, sep=sep, end=end, file=stream)


def py_function(func, inp, Tout, name=None):  # noqa: N803
    """Call ``func(*inp)`` eagerly (it already runs in Python here)."""
    return func(*inp)


def numpy_function(func, inp, Tout, stateful=True, name=None):  # noqa: N803
    """Call ``func`` on the inputs as numpy arrays; the results come back as tensors."""
    from ._convert import to_tensor
    args = [v.detach().cpu().numpy() if isinstance(v, torch.Tensor) else v for v in inp]
    out = func(*args)
    if isinstance(out, (list, tuple)):
        return [to_tensor(o) for o in out]
    return to_tensor(out)


@contextlib.contextmanager
def control_dependencies(control_inputs):
    """Eager code runs in order already: nothing to add."""
    yield


@contextlib.contextmanager
def init_scope():
    yield


def no_op(name=None):
    return None


def group(*inputs, **kwargs):
    return None


def custom_gradient(f=None):
    """``@tf.custom_gradient``: ``f(*x)`` returns ``(y, grad_fn)``; backward calls ``grad_fn(dy)``."""
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args):
            class _Fn(torch.autograd.Function):
                @staticmethod
                def forward(ctx, *xs):
                    with torch.enable_grad():
                        y, grad_fn = fn(*[x.detach() for x in xs])
                    ctx.grad_fn = grad_fn
                    return y.detach() if isinstance(y, torch.Tensor) else y

                @staticmethod
                def backward(ctx, *dys):
                    grads = ctx.grad_fn(*dys)
                    return tuple(grads) if isinstance(grads, (list, tuple)) else (grads,)
            return _Fn.apply(*args)
        return wrapper
    return decorate if f is None else decorate(f)


class autograph:  # noqa: N801  ``tf.autograph.experimental.do_not_convert`` and friends
    @staticmethod
    def to_graph(f, **kwargs):
        return f

    class experimental:  # noqa: N801
        @staticmethod
        def do_not_convert(func=None):
            return (lambda f: f) if func is None else func
