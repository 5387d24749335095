"""Tensor functions with Keras argument names, shared by ``backend`` (Keras 2 ``K.*``) and ``ops``
(Keras 3 ``keras.ops.*``).

Each public function computes on torch tensors. ``@symbolic`` makes it record an operation layer
when any argument is a KerasTensor (``K.mean(x, axis=1)`` while building a graph), so the same
function serves Lambda bodies (eager, fast path: one isinstance scan) and graph code.

Example::

    >>> from kfunc_torch.ops.tensor_functions import batch_dot
    >>> batch_dot(torch.ones(32, 20), torch.ones(32, 30, 20), axes=(1, 2)).shape
    torch.Size([32, 30])
"""
from __future__ import annotations

import functools

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils import _pytree as pytree

from .tensor_creation import (constant, dtype, eye, int_shape, is_keras_tensor, ndim, ones,  # noqa: F401
                           random_normal, random_uniform, shape, variable, zeros)
from ..engine.factory_device import factory_device
from ..engine.keras_tensor import KerasTensor, to_torch_dtype
from ..generations import current

__all__ = [
    "abs", "all", "any", "argmax", "argmin", "batch_dot", "batch_flatten", "cast", "ceil", "clip", "concatenate",
    "constant", "cos", "cumprod", "cumsum", "dot", "dtype", "elu", "equal", "exp", "expand_dims", "eye", "flatten",
    "floor", "gather", "greater", "greater_equal", "hard_sigmoid", "int_shape", "is_keras_tensor", "l2_normalize",
    "less", "less_equal", "log", "logsumexp", "max", "maximum", "mean", "min", "minimum", "ndim", "not_equal",
    "one_hot", "ones", "ones_like", "permute_dimensions", "pow", "prod", "random_normal", "random_uniform",
    "relu", "repeat", "repeat_elements", "reshape", "reverse", "round", "shape", "sigmoid", "sign", "sin",
    "softmax", "softplus", "softsign", "sqrt", "square", "squeeze", "stack", "std", "sum", "switch", "tanh",
    "tile", "transpose", "var", "variable", "zeros", "zeros_like",
]

_builtin_abs, _builtin_max, _builtin_min, _builtin_round = abs, max, min, round


def _is_kt(v) -> bool:
    return isinstance(v, KerasTensor)


def symbolic(fn):
    """Record ``fn`` as an op layer when any argument (even inside a list) is a KerasTensor.

    Example: ``@symbolic`` above ``def mean(x, axis=None, keepdims=False): ...``
    """
    name = fn.__name__

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        # Fast path (Lambda bodies at run time): flat tensor/number arguments, nothing symbolic.
        for v in (*args, *kwargs.values()):
            if isinstance(v, (KerasTensor, list, tuple, dict)):
                break
        else:
            return fn(*args, **kwargs)
        flat, spec = pytree.tree_flatten((args, kwargs))
        slots = [i for i, v in enumerate(flat) if _is_kt(v)]
        if not slots:
            return fn(*args, **kwargs)
        from ..engine.op_layer import apply_op

        def op(*tensors):
            values = list(flat)
            for i, t in zip(slots, tensors):
                values[i] = t
            a, k = pytree.tree_unflatten(values, spec)
            return fn(*a, **k)
        return apply_op(op, tuple(flat[i] for i in slots), name=name)
    return wrapper


def _t(x, dtype=None):
    """Python numbers, lists and numpy arrays become tensors (floats as float32)."""
    if isinstance(x, torch.Tensor):
        return x if dtype is None else x.to(to_torch_dtype(dtype))
    arr = np.asarray(x)
    t = torch.as_tensor(arr, device=factory_device())
    if dtype is not None:
        return t.to(to_torch_dtype(dtype))
    return t.float() if t.dtype == torch.float64 else t


def _dims(axis, nd):
    if axis is None:
        return tuple(range(nd))
    if isinstance(axis, (list, tuple)):
        return tuple(a % nd for a in axis)
    return (axis % nd,)


def _float(x):
    x = _t(x)
    return x if x.is_floating_point() else x.float()


# ---------------------------------------------------------------- reductions
@symbolic
def mean(x, axis=None, keepdims=False):
    """Mean over ``axis`` (int, list or None for all). Example: ``K.mean(x, axis=1)``."""
    x = _float(x)
    return x.mean(dim=_dims(axis, x.dim()), keepdim=keepdims)


@symbolic
def sum(x, axis=None, keepdims=False):  # noqa: A001
    """Sum over ``axis``. Example: ``K.sum(x, axis=-1, keepdims=True)``."""
    x = _t(x)
    return x.sum(dim=_dims(axis, x.dim()), keepdim=keepdims)


@symbolic
def max(x, axis=None, keepdims=False):  # noqa: A001
    """Maximum over ``axis``. Example: ``K.max(x, axis=1)``."""
    x = _t(x)
    return torch.amax(x, dim=_dims(axis, x.dim()), keepdim=keepdims)


@symbolic
def min(x, axis=None, keepdims=False):  # noqa: A001
    """Minimum over ``axis``. Example: ``K.min(x, axis=1)``."""
    x = _t(x)
    return torch.amin(x, dim=_dims(axis, x.dim()), keepdim=keepdims)


@symbolic
def prod(x, axis=None, keepdims=False):
    """Product over ``axis``. Example: ``K.prod(x, axis=0)``."""
    x = _t(x)
    for d in sorted(_dims(axis, x.dim()), reverse=True):
        x = x.prod(dim=d, keepdim=keepdims)
    return x


@symbolic
def var(x, axis=None, keepdims=False):
    """Population variance over ``axis`` (divides by N, as Keras). Example: ``K.var(x, axis=-1)``."""
    x = _float(x)
    return x.var(dim=_dims(axis, x.dim()), keepdim=keepdims, unbiased=False)


@symbolic
def std(x, axis=None, keepdims=False):
    """Population standard deviation over ``axis``. Example: ``K.std(x, axis=-1)``."""
    x = _float(x)
    return x.std(dim=_dims(axis, x.dim()), keepdim=keepdims, unbiased=False)


@symbolic
def any(x, axis=None, keepdims=False):  # noqa: A001
    """Logical OR over ``axis``. Example: ``K.any(mask, axis=1)``."""
    x = _t(x).bool()
    return torch.amax(x.to(torch.uint8), dim=_dims(axis, x.dim()), keepdim=keepdims).bool()


@symbolic
def all(x, axis=None, keepdims=False):  # noqa: A001
    """Logical AND over ``axis``. Example: ``K.all(mask, axis=1)``."""
    x = _t(x).bool()
    return torch.amin(x.to(torch.uint8), dim=_dims(axis, x.dim()), keepdim=keepdims).bool()


@symbolic
def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) computed stably. Example: ``K.logsumexp(x, axis=-1)``."""
    x = _float(x)
    return torch.logsumexp(x, dim=_dims(axis, x.dim()), keepdim=keepdims)


@symbolic
def argmax(x, axis=-1):
    """Index of the maximum along ``axis``. Example: ``K.argmax(probs)``."""
    return torch.argmax(_t(x), dim=axis)


@symbolic
def argmin(x, axis=-1):
    """Index of the minimum along ``axis``. Example: ``K.argmin(d)``."""
    return torch.argmin(_t(x), dim=axis)


@symbolic
def cumsum(x, axis=0):
    """Cumulative sum along ``axis``. Example: ``K.cumsum(x, axis=1)``."""
    return torch.cumsum(_t(x), dim=axis)


@symbolic
def cumprod(x, axis=0):
    """Cumulative product along ``axis``. Example: ``K.cumprod(x, axis=1)``."""
    return torch.cumprod(_t(x), dim=axis)


# ---------------------------------------------------------------- elementwise
def _unary(name, torch_fn, doc, float_only=True):
    def f(x):
        return torch_fn(_float(x) if float_only else _t(x))
    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc
    return symbolic(f)


@symbolic
def square(x):
    """x ** 2. Example: ``K.square(x)``."""
    x = _t(x)
    return x * x


@symbolic
def sqrt(x):
    """Square root, with negative inputs clipped to 0 (as Keras). Example: ``K.sqrt(x)``."""
    return torch.sqrt(torch.clamp(_float(x), min=0.0))


exp = _unary("exp", torch.exp, "e ** x. Example: ``K.exp(x)``.")
log = _unary("log", torch.log, "Natural log. Example: ``K.log(x)``.")
abs = _unary("abs", torch.abs, "|x|. Example: ``K.abs(x)``.", False)  # noqa: A001
sign = _unary("sign", torch.sign, "Sign of x (-1, 0, 1). Example: ``K.sign(x)``.", False)
floor = _unary("floor", torch.floor, "Floor. Example: ``K.floor(x)``.", False)
ceil = _unary("ceil", torch.ceil, "Ceiling. Example: ``K.ceil(x)``.", False)
round = _unary("round", torch.round, "Round half to even (as numpy). Example: ``K.round(x)``.", False)  # noqa: A001
sin = _unary("sin", torch.sin, "Sine. Example: ``K.sin(x)``.")
cos = _unary("cos", torch.cos, "Cosine. Example: ``K.cos(x)``.")
sigmoid = _unary("sigmoid", torch.sigmoid, "Logistic sigmoid. Example: ``K.sigmoid(x)``.")
tanh = _unary("tanh", torch.tanh, "Hyperbolic tangent. Example: ``K.tanh(x)``.")
softplus = _unary("softplus", F.softplus, "log(1 + e ** x). Example: ``K.softplus(x)``.")
softsign = _unary("softsign", F.softsign, "x / (1 + |x|). Example: ``K.softsign(x)``.")


@symbolic
def pow(x, a):  # noqa: A001
    """x ** a. Example: ``K.pow(x, 3)``."""
    return torch.pow(_t(x), a)


@symbolic
def clip(x, min_value, max_value):
    """Clamp into [min_value, max_value]. Example: ``K.clip(p, K.epsilon(), 1 - K.epsilon())``."""
    return torch.clamp(_t(x), min_value, max_value)


@symbolic
def maximum(x, y):
    """Elementwise maximum. Example: ``K.maximum(x, 0.)``."""
    x, y = _t(x), _t(y)
    return torch.maximum(x, y.to(x.dtype) if y.dtype != x.dtype else y)


@symbolic
def minimum(x, y):
    """Elementwise minimum. Example: ``K.minimum(x, 1.)``."""
    x, y = _t(x), _t(y)
    return torch.minimum(x, y.to(x.dtype) if y.dtype != x.dtype else y)


def _compare(torch_fn, name, doc):
    def f(x, y):
        return torch_fn(_t(x), _t(y))
    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc
    return symbolic(f)


equal = _compare(torch.eq, "equal", "Elementwise x == y. Example: ``K.equal(K.argmax(a), K.argmax(b))``.")
not_equal = _compare(torch.ne, "not_equal", "Elementwise x != y. Example: ``K.not_equal(x, 0)``.")
greater = _compare(torch.gt, "greater", "Elementwise x > y. Example: ``K.greater(x, 0.5)``.")
greater_equal = _compare(torch.ge, "greater_equal", "Elementwise x >= y. Example: ``K.greater_equal(x, 0)``.")
less = _compare(torch.lt, "less", "Elementwise x < y. Example: ``K.less(x, 0)``.")
less_equal = _compare(torch.le, "less_equal", "Elementwise x <= y. Example: ``K.less_equal(x, 0)``.")


@symbolic
def switch(condition, then_expression, else_expression):
    """``then`` where condition holds, else ``else`` (callables are called). Example:
    ``K.switch(K.greater(x, 0), x, 0.1 * x)``."""
    a = then_expression() if callable(then_expression) else then_expression
    b = else_expression() if callable(else_expression) else else_expression
    cond = _t(condition).bool()
    a, b = _t(a), _t(b)
    while cond.dim() < _builtin_max(a.dim(), b.dim()):  # Keras: a lower-rank condition broadcasts leftwise
        cond = cond.unsqueeze(-1)
    return torch.where(cond, a, b)


# ---------------------------------------------------------------- activations
@symbolic
def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit with Keras 2 options. Example: ``K.relu(x, max_value=6.)``."""
    x = _float(x)
    y = torch.where(x > threshold, x, alpha * (x - threshold) if alpha else torch.zeros_like(x))
    return torch.clamp(y, max=max_value) if max_value is not None else y


@symbolic
def elu(x, alpha=1.0):
    """Exponential linear unit. Example: ``K.elu(x)``."""
    return F.elu(_float(x), alpha)


@symbolic
def hard_sigmoid(x):
    """clip(slope x + 0.5, 0, 1): slope 0.2 in Keras 2 and tf.keras, 1/6 in Keras 3 (the current
    generation's). Example: ``K.hard_sigmoid(x)``."""
    return torch.clamp(current().hard_sigmoid_slope * _float(x) + 0.5, 0.0, 1.0)


@symbolic
def softmax(x, axis=-1):
    """Softmax along ``axis``. Example: ``K.softmax(scores)``."""
    return torch.softmax(_float(x), dim=axis)


@symbolic
def l2_normalize(x, axis=None):
    """x / sqrt(max(sum(x ** 2, axis), 1e-12)). Example: ``K.l2_normalize(v, axis=-1)``."""
    x = _float(x)
    sq = (x * x).sum(dim=_dims(axis, x.dim()), keepdim=True)
    return x * torch.rsqrt(torch.clamp(sq, min=1e-12))


# ---------------------------------------------------------------- shapes and layout
@symbolic
def concatenate(tensors, axis=-1):
    """Concatenate a list of tensors along ``axis`` (default -1). Example: ``K.concatenate([a, b])``."""
    return torch.cat([_t(t) for t in tensors], dim=axis)


@symbolic
def stack(x, axis=0):
    """Stack a list of tensors along a new ``axis``. Example: ``K.stack([a, b], axis=1)``."""
    return torch.stack([_t(t) for t in x], dim=axis)


@symbolic
def reshape(x, shape):
    """Reshape (``-1`` allowed once). Example: ``K.reshape(x, (-1, 4, 8))``."""
    return _t(x).reshape(tuple(int(d) for d in shape))


@symbolic
def expand_dims(x, axis=-1):
    """Insert a length-1 axis. Example: ``K.expand_dims(x, 1)``."""
    return _t(x).unsqueeze(axis)


@symbolic
def squeeze(x, axis=None):
    """Remove length-1 axes (``axis`` int, tuple or None for all). Example: ``K.squeeze(x, -1)``."""
    x = _t(x)
    return x.squeeze() if axis is None else x.squeeze(axis if isinstance(axis, int) else tuple(axis))


@symbolic
def permute_dimensions(x, pattern):
    """Permute axes by ``pattern`` (batch included). Example: ``K.permute_dimensions(x, (0, 2, 1))``."""
    return _t(x).permute(*pattern)


@symbolic
def transpose(x):
    """Reverse all axes (a matrix transpose for 2D). Example: ``K.transpose(w)``."""
    x = _t(x)
    return x.permute(*reversed(range(x.dim())))


@symbolic
def repeat_elements(x, rep, axis):
    """Repeat each element ``rep`` times along ``axis`` (like np.repeat). Example:
    ``K.repeat_elements(x, 2, axis=1)``."""
    return torch.repeat_interleave(_t(x), rep, dim=axis)


@symbolic
def repeat(x, n):
    """(batch, d) -> (batch, n, d). Example: ``K.repeat(v, 10)``."""
    return _t(x).unsqueeze(1).expand(-1, n, -1)


@symbolic
def tile(x, n):
    """Tile by ``n`` (an int or one count per axis). Example: ``K.tile(x, (1, 3))``."""
    x = _t(x)
    return x.repeat(*((n,) if isinstance(n, int) else tuple(n)))


@symbolic
def flatten(x):
    """Flatten to 1D (batch included). Example: ``K.flatten(x)``."""
    return _t(x).reshape(-1)


@symbolic
def batch_flatten(x):
    """Flatten all but the first axis: (batch, ...) -> (batch, n). Example: ``K.batch_flatten(x)``."""
    x = _t(x)
    return x.reshape(x.shape[0], -1)


@symbolic
def reverse(x, axes):
    """Reverse along ``axes``. Example: ``K.reverse(seq, 1)``."""
    return torch.flip(_t(x), dims=_dims(axes, _t(x).dim()))


@symbolic
def gather(reference, indices):
    """Rows of ``reference`` at ``indices`` (along axis 0). Example: ``K.gather(table, ids)``."""
    return _t(reference)[_t(indices).long()]


@symbolic
def one_hot(indices, num_classes):
    """Integer ids (..., ) -> float one-hot (..., num_classes). Example: ``K.one_hot(ids, 10)``."""
    return F.one_hot(_t(indices).long(), num_classes).float()


@symbolic
def cast(x, dtype):
    """Cast to a Keras dtype name. Example: ``K.cast(K.greater(x, 0), 'float32')``."""
    return _t(x).to(to_torch_dtype(dtype))


# ---------------------------------------------------------------- products
@symbolic
def dot(x, y):
    """Keras K.dot: x's last axis against y's second-to-last (matmul for 2D and x of any rank).

    Example: ``K.dot(x, w)`` with x (batch, 3, 4) and w (4, 5) gives (batch, 3, 5).
    """
    x, y = _t(x), _t(y)
    if y.dim() <= 2:
        return torch.matmul(x, y)
    return torch.tensordot(x, y.movedim(-2, 0), dims=([x.dim() - 1], [0]))


@symbolic
def batch_dot(x, y, axes=None):
    """Keras batch_dot: per sample, contract ``x``'s axis ``axes[0]`` with ``y``'s ``axes[1]``.

    Output: x's other axes then y's other non-batch axes; a result of rank 1 gets a length-1 axis
    (batch,) -> (batch, 1). Default axes: x's last and y's second-to-last (last when y is 2D).
    Example: ``K.batch_dot(x, y, axes=(1, 2))`` with x (32, 20), y (32, 30, 20) -> (32, 30).
    """
    x, y = _t(x), _t(y)
    if axes is None:
        axes = (x.dim() - 1, y.dim() - 2 if y.dim() > 2 else 1)
    elif isinstance(axes, int):
        axes = (axes, axes)
    ax, ay = (a[0] if isinstance(a, (list, tuple)) else a for a in axes)
    ax, ay = ax % x.dim(), ay % y.dim()
    if 0 in (ax, ay):
        raise ValueError(f"batch_dot cannot contract the batch axis 0; received axes={axes!r} for shapes "
                         f"{tuple(x.shape)} and {tuple(y.shape)}.")
    if x.shape[ax] != y.shape[ay]:
        raise ValueError(f"batch_dot needs equal sizes on the contracted axes; received shapes {tuple(x.shape)} "
                         f"and {tuple(y.shape)} with axes ({ax}, {ay}): {x.shape[ax]} != {y.shape[ay]}.")
    xm, ym = x.movedim(ax, -1), y.movedim(ay, 1)
    x_rest, y_rest = tuple(xm.shape[1:-1]), tuple(ym.shape[2:])
    b, n = x.shape[0], x.shape[ax]
    out = torch.bmm(xm.reshape(b, -1, n), ym.reshape(b, n, -1)).reshape((b,) + x_rest + y_rest)
    return out.unsqueeze(1) if out.dim() == 1 else out


# ---------------------------------------------------------------- creation (see tensor_creation)
@symbolic
def zeros_like(x, dtype=None, name=None):
    """Zeros with x's shape. Example: ``K.zeros_like(x)``."""
    x = _t(x)
    return torch.zeros_like(x, dtype=to_torch_dtype(dtype) if dtype else None)


@symbolic
def ones_like(x, dtype=None, name=None):
    """Ones with x's shape. Example: ``K.ones_like(x)``."""
    x = _t(x)
    return torch.ones_like(x, dtype=to_torch_dtype(dtype) if dtype else None)
