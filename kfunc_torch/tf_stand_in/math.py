"""``tf.math``: element-wise math, comparisons, reductions, ``argmax``, ``cumsum``, ``top_k``, segments.

TensorFlow's argument names and defaults (``reduce_mean(input_tensor, axis=None, keepdims=False)``,
``argmax``'s axis 0 and int64 result, ``top_k``'s int32 indices, ``divide`` of integers giving
float64, integer ``reduce_mean`` truncating) on torch; each op also records an op layer when given a
KerasTensor. Python numbers take the other operand's dtype, as in TensorFlow.

Example::

    >>> tf.reduce_mean(tf.constant([[1., 2.], [3., 4.]]), axis=-1, keepdims=True).tolist()
    [[1.5], [3.5]]
    >>> tf.math.top_k(tf.constant([1., 5., 3.]), k=2).indices.tolist()
    [1, 2]
"""
from __future__ import annotations

import collections
import math as _pymath

import torch

from ._convert import as_axis, is_number, symbolic, to_tensor
from .dtypes import int32, int64, torch_dtype_of

_UNARY = {
    "abs": torch.abs, "negative": torch.neg, "sign": torch.sign, "square": torch.square, "sqrt": torch.sqrt,
    "rsqrt": torch.rsqrt, "exp": torch.exp, "expm1": torch.expm1, "log": torch.log, "log1p": torch.log1p,
    "sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "asin": torch.asin, "acos": torch.acos,
    "atan": torch.atan, "sinh": torch.sinh, "cosh": torch.cosh, "tanh": torch.tanh, "asinh": torch.asinh,
    "acosh": torch.acosh, "atanh": torch.atanh, "sigmoid": torch.sigmoid, "erf": torch.erf, "erfc": torch.erfc,
    "erfinv": torch.erfinv, "floor": torch.floor, "ceil": torch.ceil, "round": torch.round, "rint": torch.round,
    "reciprocal": torch.reciprocal, "is_nan": torch.isnan, "is_inf": torch.isinf, "is_finite": torch.isfinite,
    "logical_not": torch.logical_not, "lgamma": torch.lgamma, "digamma": torch.digamma, "real": torch.real,
    "imag": torch.imag, "conj": torch.conj, "angle": torch.angle,
    "softplus": torch.nn.functional.softplus, "softsign": torch.nn.functional.softsign,
    "log_sigmoid": torch.nn.functional.logsigmoid,
}
_BINARY = {
    "add": torch.add, "subtract": torch.sub, "multiply": torch.mul, "floordiv": torch.floor_divide,
    "floormod": torch.remainder, "mod": torch.remainder, "pow": torch.pow, "maximum": torch.maximum,
    "minimum": torch.minimum, "equal": torch.eq, "not_equal": torch.ne, "less": torch.lt, "less_equal": torch.le,
    "greater": torch.gt, "greater_equal": torch.ge, "logical_and": torch.logical_and,
    "logical_or": torch.logical_or, "logical_xor": torch.logical_xor, "atan2": torch.atan2,
    "squared_difference": lambda a, b: torch.square(a - b), "xlogy": torch.xlogy,
}

__all__ = sorted(set(_UNARY) | set(_BINARY) | {
    "divide", "truediv", "divide_no_nan", "multiply_no_nan", "xdivy", "scalar_mul", "add_n", "accumulate_n",
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_std", "reduce_variance",
    "reduce_all", "reduce_any", "reduce_logsumexp", "reduce_euclidean_norm", "count_nonzero", "argmax", "argmin",
    "cumsum", "cumprod", "cumulative_logsumexp", "top_k", "in_top_k", "l2_normalize", "segment_sum",
    "segment_mean", "segment_max", "segment_min", "segment_prod", "unsorted_segment_sum", "unsorted_segment_mean",
    "unsorted_segment_max", "unsorted_segment_min", "confusion_matrix", "log_softmax", "softmax", "polyval",
    "bincount", "truncatediv", "truncatemod", "floor_div"})


def pair(x, y):
    """Both operands as tensors; a Python number takes the other one's dtype (TensorFlow's rule)."""
    if is_number(x) and isinstance(y, torch.Tensor):
        return torch.as_tensor(x, dtype=y.dtype, device=y.device), y
    if is_number(y) and isinstance(x, torch.Tensor):
        return x, torch.as_tensor(y, dtype=x.dtype, device=x.device)
    return to_tensor(x), to_tensor(y)


def _unary(name, fn):
    def op(x, name=None):
        return fn(to_tensor(x))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``tf.math.{name}(x)``, element-wise."
    return symbolic(op)


def _binary(name, fn):
    def op(x, y, name=None):
        return fn(*pair(x, y))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``tf.math.{name}(x, y)``, element-wise with broadcasting."
    return symbolic(op)


globals().update({n: _unary(n, f) for n, f in _UNARY.items()})
globals().update({n: _binary(n, f) for n, f in _BINARY.items()})
floor_div = globals()["floordiv"]


def _true_divide(a, b):
    if not (a.is_floating_point() or a.is_complex()):  # TF: int8/int16 -> float32, int32/int64 -> float64
        out = torch.float32 if a.dtype in (torch.int8, torch.int16, torch.uint8) else torch.float64
        a, b = a.to(out), b.to(out)
    return a / b


@symbolic
def divide(x, y, name=None):
    """``x / y``; integers divide as floats (int32 / int32 gives float64, as in TensorFlow)."""
    return _true_divide(*pair(x, y))


truediv = divide


@symbolic
def truncatediv(x, y, name=None):
    a, b = pair(x, y)
    return torch.div(a, b, rounding_mode="trunc")


@symbolic
def truncatemod(x, y, name=None):
    return torch.fmod(*pair(x, y))


@symbolic
def divide_no_nan(x, y, name=None):
    """``x / y``, 0 where ``y`` is 0."""
    a, b = pair(x, y)
    return torch.where(b == 0, torch.zeros((), dtype=a.dtype, device=a.device), a / torch.where(b == 0, 1, b))


@symbolic
def multiply_no_nan(x, y, name=None):
    """``x * y``, 0 where ``y`` is 0 (even if ``x`` is inf or nan)."""
    a, b = pair(x, y)
    return torch.where(b == 0, torch.zeros((), dtype=a.dtype, device=a.device), a * b)


@symbolic
def xdivy(x, y, name=None):
    a, b = pair(x, y)
    return torch.where(a == 0, torch.zeros((), dtype=a.dtype, device=a.device), a / b)


@symbolic
def scalar_mul(scalar, x, name=None):
    return to_tensor(x) * scalar


@symbolic
def add_n(inputs, name=None):
    """The element-wise sum of a list of same-shape tensors."""
    tensors = [to_tensor(t) for t in inputs]
    out = tensors[0]
    for t in tensors[1:]:
        out = out + t
    return out


accumulate_n = add_n


# ---------------------------------------------------------------- reductions
def _dims(x, axis):
    axis = as_axis(axis)
    if axis is None:
        return tuple(range(x.dim()))
    return (axis,) if isinstance(axis, int) else axis


def _reduce(fn, x, axis, keepdims):
    """Reduce over ``axis`` (None: all; an empty list: none) with ``fn(x, dims, keepdim)``."""
    dims = _dims(x, axis)
    if not dims:
        return x
    return fn(x, dims, bool(keepdims))


@symbolic
def reduce_sum(input_tensor, axis=None, keepdims=False, name=None):
    x = to_tensor(input_tensor)
    if x.dtype == torch.bool:
        raise TypeError("reduce_sum of a bool tensor: TensorFlow refuses it; cast it first "
                        "(tf.reduce_sum(tf.cast(mask, tf.int32))).")
    return _reduce(lambda t, d, k: torch.sum(t, d, keepdim=k, dtype=t.dtype), x, axis, keepdims)


@symbolic
def reduce_mean(input_tensor, axis=None, keepdims=False, name=None):
    """The mean; of integers, the truncated integer mean (TensorFlow's rule)."""
    x = to_tensor(input_tensor)
    if x.is_floating_point() or x.is_complex():
        return _reduce(lambda t, d, k: torch.mean(t, d, keepdim=k), x, axis, keepdims)
    count = _pymath.prod(x.shape[d] for d in _dims(x, axis))
    total = _reduce(lambda t, d, k: torch.sum(t, d, keepdim=k, dtype=t.dtype), x, axis, keepdims)
    return torch.div(total, max(count, 1), rounding_mode="trunc")


@symbolic
def reduce_max(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce(lambda t, d, k: torch.amax(t, d, keepdim=k), to_tensor(input_tensor), axis, keepdims)


@symbolic
def reduce_min(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce(lambda t, d, k: torch.amin(t, d, keepdim=k), to_tensor(input_tensor), axis, keepdims)


def _prod(t, dims, keepdim):
    for d in sorted((d % t.dim() for d in dims), reverse=True):
        t = torch.prod(t, d, keepdim=keepdim)
    return t


@symbolic
def reduce_prod(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce(_prod, to_tensor(input_tensor), axis, keepdims)


@symbolic
def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """The population variance (divides by N)."""
    return _reduce(lambda t, d, k: torch.var(t, d, correction=0, keepdim=k), to_tensor(input_tensor), axis,
                   keepdims)


@symbolic
def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """The population standard deviation (divides by N)."""
    return _reduce(lambda t, d, k: torch.std(t, d, correction=0, keepdim=k), to_tensor(input_tensor), axis,
                   keepdims)


@symbolic
def reduce_all(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce(lambda t, d, k: torch.all(t.bool(), d, keepdim=k), to_tensor(input_tensor), axis, keepdims)


@symbolic
def reduce_any(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce(lambda t, d, k: torch.any(t.bool(), d, keepdim=k), to_tensor(input_tensor), axis, keepdims)


@symbolic
def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce(lambda t, d, k: torch.logsumexp(t, d, keepdim=k), to_tensor(input_tensor), axis, keepdims)


@symbolic
def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None):
    return _reduce(lambda t, d, k: torch.sqrt(torch.sum(t * t, d, keepdim=k)), to_tensor(input_tensor), axis,
                   keepdims)


@symbolic
def count_nonzero(input, axis=None, keepdims=None, dtype=int64, name=None):  # noqa: A002
    x = to_tensor(input) != 0
    out = _reduce(lambda t, d, k: torch.sum(t, d, keepdim=k), x, axis, bool(keepdims))
    return out.to(torch_dtype_of(dtype))


# ---------------------------------------------------------------- index reductions, scans
@symbolic
def argmax(input, axis=None, output_type=int64, name=None):  # noqa: A002
    """The index of the largest value along ``axis`` (default 0, as in TensorFlow), as int64."""
    return torch.argmax(to_tensor(input), dim=0 if axis is None else int(axis)).to(torch_dtype_of(output_type))


@symbolic
def argmin(input, axis=None, output_type=int64, name=None):  # noqa: A002
    return torch.argmin(to_tensor(input), dim=0 if axis is None else int(axis)).to(torch_dtype_of(output_type))


def _scan(fn, identity, x, axis, exclusive, reverse):
    x = to_tensor(x)
    axis = int(axis)
    if reverse:
        x = torch.flip(x, (axis,))
    out = fn(x, axis)
    if exclusive:  # shift by one along axis, the identity first
        first = torch.full_like(x.narrow(axis, 0, 1), identity)
        out = torch.cat([first, out.narrow(axis, 0, x.shape[axis] - 1)], dim=axis)
    return torch.flip(out, (axis,)) if reverse else out


@symbolic
def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """The running sum along ``axis``; ``exclusive`` leaves out the current element."""
    return _scan(lambda t, a: torch.cumsum(t, a), 0, x, axis, exclusive, reverse)


@symbolic
def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    return _scan(lambda t, a: torch.cumprod(t, a), 1, x, axis, exclusive, reverse)


@symbolic
def cumulative_logsumexp(x, axis=0, exclusive=False, reverse=False, name=None):
    return _scan(lambda t, a: torch.logcumsumexp(t, a), float("-inf"), x, axis, exclusive, reverse)


TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])


def top_k(input, k=1, sorted=True, index_type=int32, name=None):  # noqa: A002
    """The ``k`` largest values of the last axis and their indices (int32). Example: ``top_k(x, 3).indices``."""
    x = to_tensor(input)
    values, indices = torch.topk(x, int(k), dim=-1, largest=True, sorted=True)
    return TopKV2(values, indices.to(torch_dtype_of(index_type)))


@symbolic
def in_top_k(targets, predictions, k, name=None):
    """Whether each target class is among the ``k`` highest predictions of its row (ties count as in)."""
    preds, targets = to_tensor(predictions), to_tensor(targets).long()
    target_scores = preds.gather(1, targets.reshape(-1, 1))
    return (preds > target_scores).sum(dim=1) < int(k)


@symbolic
def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """``x / sqrt(max(sum(x**2, axis), epsilon))``."""
    x = to_tensor(x)
    axis = dim if axis is None else axis
    dims = _dims(x, axis)
    return x * torch.rsqrt(torch.clamp(torch.sum(x * x, dims, keepdim=True), min=epsilon))


@symbolic
def log_softmax(logits, axis=None, name=None):
    return torch.log_softmax(to_tensor(logits), dim=-1 if axis is None else int(axis))


@symbolic
def softmax(logits, axis=None, name=None):
    return torch.softmax(to_tensor(logits), dim=-1 if axis is None else int(axis))


@symbolic
def polyval(coeffs, x, name=None):
    """``coeffs[0] * x**(n-1) + ... + coeffs[n-1]`` (Horner's rule)."""
    x = to_tensor(x)
    out = torch.zeros_like(x)
    for c in coeffs:
        out = out * x + to_tensor(c)
    return out


@symbolic
def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=int32, name=None, axis=None):
    x = to_tensor(arr).reshape(-1).long()
    w = None if weights is None else to_tensor(weights).reshape(-1)
    out = torch.bincount(x, weights=w, minlength=int(minlength or 0))
    if maxlength is not None:
        out = out[:int(maxlength)]
    return out if w is not None else out.to(torch_dtype_of(dtype))


# ---------------------------------------------------------------- segments
def _segment(data, segment_ids, num_segments, reduce, include_self_value):
    data, ids = to_tensor(data), to_tensor(segment_ids).long()
    n = int(num_segments) if num_segments is not None else (int(ids.max()) + 1 if ids.numel() else 0)
    shape = (n,) + tuple(data.shape[ids.dim():])
    flat_ids = ids.reshape(-1)
    values = data.reshape((-1,) + shape[1:])
    index = flat_ids.reshape((-1,) + (1,) * (values.dim() - 1)).expand_as(values)
    out = torch.zeros(shape, dtype=data.dtype, device=data.device)
    out = out.scatter_reduce(0, index, values, reduce=reduce, include_self=include_self_value)
    if reduce in ("amax", "amin"):  # empty segments: TensorFlow's lowest/highest value, here 0 like sum
        counts = torch.bincount(flat_ids, minlength=n)[:n]
        out = torch.where((counts == 0).reshape((-1,) + (1,) * (out.dim() - 1)), torch.zeros_like(out), out)
    return out


@symbolic
def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """Sums of ``data`` rows by segment id, ``num_segments`` rows out."""
    return _segment(data, segment_ids, num_segments, "sum", True)


@symbolic
def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    return _segment(data, segment_ids, num_segments, "mean", False)


@symbolic
def unsorted_segment_max(data, segment_ids, num_segments, name=None):
    return _segment(data, segment_ids, num_segments, "amax", False)


@symbolic
def unsorted_segment_min(data, segment_ids, num_segments, name=None):
    return _segment(data, segment_ids, num_segments, "amin", False)


@symbolic
def segment_sum(data, segment_ids, name=None):
    return _segment(data, segment_ids, None, "sum", True)


@symbolic
def segment_mean(data, segment_ids, name=None):
    return _segment(data, segment_ids, None, "mean", False)


@symbolic
def segment_max(data, segment_ids, name=None):
    return _segment(data, segment_ids, None, "amax", False)


@symbolic
def segment_min(data, segment_ids, name=None):
    return _segment(data, segment_ids, None, "amin", False)


@symbolic
def segment_prod(data, segment_ids, name=None):
    data = to_tensor(data)
    ids = to_tensor(segment_ids).long()
    n = int(ids.max()) + 1 if ids.numel() else 0
    out = torch.ones((n,) + tuple(data.shape[1:]), dtype=data.dtype, device=data.device)
    index = ids.reshape((-1,) + (1,) * (data.dim() - 1)).expand_as(data)
    return out.scatter_reduce(0, index, data, reduce="prod", include_self=True)


@symbolic
def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=int32, name=None):
    """``num_classes x num_classes`` counts, rows the labels and columns the predictions."""
    labels, preds = to_tensor(labels).reshape(-1).long(), to_tensor(predictions).reshape(-1).long()
    n = int(num_classes) if num_classes is not None else int(max(labels.max(), preds.max())) + 1
    w = torch.ones_like(labels) if weights is None else to_tensor(weights).reshape(-1)
    out = torch.zeros(n * n, dtype=w.dtype, device=labels.device).index_add_(0, labels * n + preds, w)
    return out.reshape(n, n).to(torch_dtype_of(dtype))
