"""kfunc_torch's stand-in for TensorFlow: what ``import tensorflow as tf`` gives when TensorFlow is not
installed and ``kfunc_torch.alias_keras()`` is on, so programs that call ``tf.*`` ops next to Keras run.

Tensors are torch tensors; the ops follow TensorFlow's documented signatures and dtype rules
(``tf.reduce_mean``, ``tf.concat``, ``tf.nn.conv2d`` in NHWC/HWIO, ``tf.GradientTape`` over torch
autograd, ``tf.data.Dataset`` feeding ``fit``...) and record op layers on symbolic Keras tensors.
The files, one idea each: ``dtypes``, ``tensor_shape``, ``nest``, ``tensors`` (creation and
inspection), ``math``, ``array_ops``, ``linalg``, ``nn``, ``random``, ``gradient_tape``,
``control_flow``, ``runtime`` (tf.function, tf.device, tf.print), ``config``, ``data/``.

It is not TensorFlow, and says so to packages that probe for it: it has no distribution metadata
(``importlib.metadata.version("tensorflow")`` fails, which is what transformers and datasets check),
no ``tf.io``/``tf.summary``/``tf.compat`` (TensorBoard is also steered to its own stub by the alias),
and any other name raises an AttributeError that says what is provided.

Example::

    >>> import kfunc_torch; kfunc_torch.alias_keras()
    >>> import tensorflow as tf
    >>> tf.reduce_mean(tf.constant([[1., 3.]]), axis=-1)
    tensor([2.])
"""
from __future__ import annotations

from . import config, data, dtypes, linalg, math, nest, nn, random  # noqa: F401  tf's namespaces
from .array_ops import *  # noqa: F401,F403
from .control_flow import *  # noqa: F401,F403
from .dtypes import (DType, as_dtype, bfloat16, bool, complex64, complex128, double, float16,  # noqa: F401,A004
                     float32, float64, half, int8, int16, int32, int64, string, uint8, uint16, uint32, uint64)
from .gradient_tape import GradientTape, UnconnectedGradients  # noqa: F401
from .runtime import *  # noqa: F401,F403
from .tensor_shape import TensorShape, Dimension  # noqa: F401
from .tensors import *  # noqa: F401,F403

__version__ = "2.13.1"  # the TensorFlow whose tf.keras the 'tf2' compat mirrors

# TensorFlow's top-level aliases of tf.math ops (the rest stay under tf.math).
_MATH_AT_TOP = ("abs", "acos", "acosh", "add", "add_n", "argmax", "argmin", "asin", "asinh", "atan", "atan2",
                "atanh", "cos", "cosh", "cumsum", "divide", "equal", "exp", "floor", "floordiv", "greater",
                "greater_equal", "less", "less_equal", "logical_and", "logical_not", "logical_or", "maximum",
                "minimum", "multiply", "negative", "not_equal", "pow", "reduce_all", "reduce_any",
                "reduce_logsumexp", "reduce_max", "reduce_mean", "reduce_min", "reduce_prod", "reduce_sum",
                "round", "sigmoid", "sign", "sin", "sinh", "sqrt", "square", "subtract", "tan", "tanh", "truediv",
                "truncatediv", "truncatemod", "realdiv", "floormod", "rsqrt", "log", "ceil", "squared_difference",
                "reduce_variance", "reduce_std")
math.realdiv = math.divide
globals().update({n: getattr(math, n) for n in _MATH_AT_TOP})

_PROVIDED = ("keras, dtypes (tf.float32...), constant/convert_to_tensor/Variable/cast/shape, math and array ops, "
             "tf.math, tf.nn, tf.linalg, tf.random, tf.nest, tf.data, tf.GradientTape, tf.function, tf.device, "
             "tf.TensorShape, tf.config")


def __getattr__(name):
    if name == "keras":  # set by alias_keras(); without the alias, kfunc_torch itself
        import sys
        return sys.modules.get("keras") or __import__("kfunc_torch")
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(
        f"tensorflow.{name}: TensorFlow is not installed; kfunc_torch.alias_keras() provides a stand-in with "
        f"`tensorflow.keras` (on PyTorch) and the common TensorFlow ops ({_PROVIDED}), not tf.{name}. "
        "Use keras / keras.ops for it, or install TensorFlow.")
