"""The rest of Keras 3's ``keras.ops.numpy``: elementwise math, logic and bits, reductions (with their
``nan*`` forms), layout (stacking, splitting, flipping, padding), products, sorting and searching,
creation and window functions, as numpy defines them.

Each computes on torch tensors and records an op layer on KerasTensors (``@symbolic``), like the
rest of ``ops``. Python numbers and numpy arrays are accepted wherever a tensor is.

Example::

    >>> from kfunc_torch import ops
    >>> ops.tensordot(torch.ones(2, 3), torch.ones(3, 4), axes=1).shape
    torch.Size([2, 4])
    >>> ops.hstack([Input((3,)), Input((5,))]).shape       # symbolic
    (None, 8)
"""
from __future__ import annotations

import math

import torch

from ..engine.factory_device import factory_device
from .tensor_functions import _dims, _float, _t, symbolic


def _fn(name, body, doc):
    body.__name__ = body.__qualname__ = name
    body.__doc__ = doc
    return symbolic(body)


def _pair(a, b):
    """Two operands as tensors of one dtype (numpy-style promotion, Python floats stay float32)."""
    a, b = _t(a), _t(b)
    if a.dtype != b.dtype:
        dtype = torch.promote_types(a.dtype, b.dtype)
        a, b = a.to(dtype), b.to(dtype)
    return a, b


# ---------------------------------------------------------------- elementwise, one operand
def _unary(name, fn, float_only=True):
    return _fn(name, lambda x: fn(_float(x) if float_only else _t(x)), f"Elementwise {name}, as numpy. "
               f"Example: ``ops.{name}(x)``.")


arccos, arccosh, arcsin = _unary("arccos", torch.acos), _unary("arccosh", torch.acosh), _unary("arcsin", torch.asin)
arcsinh, arctan, arctanh = _unary("arcsinh", torch.asinh), _unary("arctan", torch.atan), _unary("arctanh", torch.atanh)
cosh, sinh, tan = _unary("cosh", torch.cosh), _unary("sinh", torch.sinh), _unary("tan", torch.tan)
exp2, expm1, log1p = _unary("exp2", torch.exp2), _unary("expm1", torch.expm1), _unary("log1p", torch.log1p)
log2, log10 = _unary("log2", torch.log2), _unary("log10", torch.log10)
deg2rad, rad2deg = _unary("deg2rad", torch.deg2rad), _unary("rad2deg", torch.rad2deg)
reciprocal, fabs = _unary("reciprocal", torch.reciprocal), _unary("fabs", torch.abs)
trunc = _unary("trunc", torch.trunc, False)
sinc, i0 = _unary("sinc", torch.sinc), _unary("i0", torch.special.i0)
cbrt = _unary("cbrt", lambda x: torch.sign(x) * torch.abs(x).pow(1.0 / 3.0))
signbit = _unary("signbit", torch.signbit, False)
isfinite, isinf, isnan = _unary("isfinite", torch.isfinite, False), _unary("isinf", torch.isinf, False), \
    _unary("isnan", torch.isnan, False)
isneginf, isposinf = _unary("isneginf", torch.isneginf, False), _unary("isposinf", torch.isposinf, False)
isreal = _unary("isreal", torch.isreal, False)
logical_not = _unary("logical_not", torch.logical_not, False)
bitwise_not = bitwise_invert = _unary("bitwise_not", torch.bitwise_not, False)
conj = conjugate = _unary("conj", lambda x: torch.conj(x).resolve_conj(), False)
real = _unary("real", lambda x: torch.real(x) if x.is_complex() else x, False)
imag = _unary("imag", lambda x: torch.imag(x) if x.is_complex() else torch.zeros_like(x), False)
angle = _unary("angle", torch.angle)
copy = _unary("copy", torch.clone, False)


@symbolic
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """NaN to ``nan``, infinities to the largest finite values (or those given). Example: ``ops.nan_to_num(x)``."""
    return torch.nan_to_num(_t(x), nan=nan, posinf=posinf, neginf=neginf)


# ---------------------------------------------------------------- elementwise, two operands
def _binary(name, fn, float_only=False):
    def body(x1, x2):
        a, b = _pair(x1, x2)
        if float_only and not a.is_floating_point():
            a, b = a.float(), b.float()
        return fn(a, b)
    return _fn(name, body, f"Elementwise {name} of x1 and x2, as numpy. Example: ``ops.{name}(a, b)``.")


arctan2, hypot = _binary("arctan2", torch.atan2, True), _binary("hypot", torch.hypot, True)
logaddexp, logaddexp2 = _binary("logaddexp", torch.logaddexp, True), _binary("logaddexp2", torch.logaddexp2, True)
floor_divide, fmod = _binary("floor_divide", torch.floor_divide), _binary("fmod", torch.fmod)
fmax, fmin = _binary("fmax", torch.fmax), _binary("fmin", torch.fmin)
true_divide = _binary("true_divide", torch.true_divide)
nextafter = _binary("nextafter", torch.nextafter, True)
heaviside = _binary("heaviside", torch.heaviside, True)
logical_and, logical_or = _binary("logical_and", torch.logical_and), _binary("logical_or", torch.logical_or)
logical_xor = _binary("logical_xor", torch.logical_xor)
bitwise_and, bitwise_or = _binary("bitwise_and", torch.bitwise_and), _binary("bitwise_or", torch.bitwise_or)
bitwise_xor = _binary("bitwise_xor", torch.bitwise_xor)
left_shift = bitwise_left_shift = _binary("left_shift", torch.bitwise_left_shift)
right_shift = bitwise_right_shift = _binary("right_shift", torch.bitwise_right_shift)
gcd, lcm = _binary("gcd", torch.gcd), _binary("lcm", torch.lcm)


@symbolic
def ldexp(x1, x2):
    """x1 * 2 ** x2. Example: ``ops.ldexp(m, e)``."""
    return torch.ldexp(_float(x1), _t(x2))


@symbolic
def divide_no_nan(x1, x2):
    """x1 / x2, with 0 where x2 == 0. Example: ``ops.divide_no_nan(a, b)``."""
    a, b = _pair(x1, x2)
    a, b = (a.float(), b.float()) if not a.is_floating_point() else (a, b)
    return torch.where(b == 0, torch.zeros_like(a * b), a / torch.where(b == 0, torch.ones_like(b), b))


@symbolic
def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Elementwise |x1 - x2| <= atol + rtol * |x2|. Example: ``ops.isclose(a, b)``."""
    a, b = _pair(x1, x2)
    return torch.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


@symbolic
def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Whether every element is close (a boolean scalar tensor). Example: ``ops.allclose(a, b)``."""
    a, b = _pair(x1, x2)
    return torch.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan).all()


# ---------------------------------------------------------------- reductions
def _reduce_axis(x, axis, keepdims, fn):
    """Apply a one-axis reduction ``fn(x, dim, keepdim)`` over an int, a tuple or all axes."""
    if axis is None:
        out = fn(x.reshape(-1), 0, False)
        return out.reshape([1] * x.dim()) if keepdims else out
    dims = sorted(_dims(axis, x.dim()), reverse=True)
    if len(dims) == 1:
        return fn(x, dims[0], keepdims)
    moved = x.movedim(dims, list(range(x.dim() - len(dims), x.dim())))
    out = fn(moved.reshape(*moved.shape[:x.dim() - len(dims)], -1), -1, False)
    if keepdims:
        for d in sorted(dims):
            out = out.unsqueeze(d)
    return out


@symbolic
def amax(x, axis=None, keepdims=False):
    """Maximum over ``axis``. Example: ``ops.amax(x, axis=1)``."""
    x = _t(x)
    return torch.amax(x, dim=_dims(axis, x.dim()), keepdim=keepdims)


@symbolic
def amin(x, axis=None, keepdims=False):
    """Minimum over ``axis``. Example: ``ops.amin(x, axis=1)``."""
    x = _t(x)
    return torch.amin(x, dim=_dims(axis, x.dim()), keepdim=keepdims)


@symbolic
def ptp(x, axis=None, keepdims=False):
    """max - min over ``axis``. Example: ``ops.ptp(x, axis=0)``."""
    return amax(x, axis, keepdims) - amin(x, axis, keepdims)


@symbolic
def average(x, axis=None, weights=None):
    """Weighted mean over ``axis`` (plain mean without weights). Example: ``ops.average(x, axis=1, weights=w)``."""
    x = _float(x)
    if weights is None:
        return x.mean(dim=_dims(axis, x.dim()))
    w = _t(weights).to(x.dtype)
    if axis is not None and w.dim() == 1 and x.dim() > 1:
        shape = [1] * x.dim()
        shape[axis % x.dim()] = -1
        w = w.reshape(shape)
    dims = _dims(axis, x.dim())
    return (x * w).sum(dim=dims) / (w * torch.ones_like(x)).sum(dim=dims)


@symbolic
def count_nonzero(x, axis=None):
    """Number of non-zero elements over ``axis``. Example: ``ops.count_nonzero(mask, axis=-1)``."""
    x = _t(x)
    return torch.count_nonzero(x, dim=None if axis is None else _dims(axis, x.dim()))


@symbolic
def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The q-th quantile(s) (q in [0, 1]) over ``axis``, numpy's methods. Example: ``ops.quantile(x, 0.5)``."""
    x, qt = _float(x), _t(q).to(_float(x).dtype)
    return _quantile(x, qt, axis, method, keepdims, torch.quantile)


def _quantile(x, qt, axis, method, keepdims, fn):
    if axis is None or isinstance(axis, int):
        return fn(x if axis is not None else x.reshape(-1), qt, dim=0 if axis is None else axis,
                  keepdim=keepdims and axis is not None, interpolation=method) if not (keepdims and axis is None) \
            else fn(x.reshape(-1), qt, dim=0, interpolation=method).reshape(qt.shape + (1,) * x.dim())
    dims = sorted(_dims(axis, x.dim()))
    rest = [d for d in range(x.dim()) if d not in dims]
    flat = x.permute(*rest, *dims).reshape(*[x.shape[d] for d in rest], -1)
    out = fn(flat, qt, dim=-1, interpolation=method)
    if keepdims:
        for d in dims:
            out = out.unsqueeze(d + (1 if qt.dim() else 0))
    return out


@symbolic
def percentile(x, q, axis=None, method="linear", keepdims=False):
    """The q-th percentile(s) (q in [0, 100]). Example: ``ops.percentile(x, 90, axis=0)``."""
    return quantile(x, _t(q) / 100.0, axis=axis, method=method, keepdims=keepdims)


@symbolic
def median(x, axis=None, keepdims=False):
    """Median over ``axis`` (the mean of the two middle values for even counts, as numpy).

    Example: ``ops.median(x, axis=-1)``."""
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


@symbolic
def trace(x, offset=0, axis1=0, axis2=1):
    """Sum of a diagonal. Example: ``ops.trace(m)``."""
    return torch.diagonal(_t(x), offset=offset, dim1=axis1, dim2=axis2).sum(-1)


# The nan* reductions: NaNs ignored (numpy's rules: an all-NaN slice gives NaN, sums give 0).
def _nan_reduce(name, fn, fill):
    def body(x, axis=None, keepdims=False):
        x = _float(x)
        if fill is None:
            return fn(x, axis, keepdims)
        return fn(torch.where(torch.isnan(x), torch.full_like(x, fill), x), axis, keepdims)
    return _fn(name, body, f"numpy's {name}: the reduction with NaNs ignored. Example: ``ops.{name}(x, axis=0)``.")


def _sum(x, axis, keepdims):
    return x.sum(dim=_dims(axis, x.dim()), keepdim=keepdims)


def _prod(x, axis, keepdims):
    for d in sorted(_dims(axis, x.dim()), reverse=True):
        x = x.prod(dim=d, keepdim=keepdims)
    return x


def _nanmean(x, axis, keepdims):
    valid = ~torch.isnan(x)
    return _sum(torch.where(valid, x, 0.0), axis, keepdims) / _sum(valid.to(x.dtype), axis, keepdims)


def _nanvar(x, axis, keepdims):
    mean = _nanmean(x, axis, True)
    valid = ~torch.isnan(x)
    sq = torch.where(valid, (x - mean) ** 2, 0.0)
    return _sum(sq, axis, keepdims) / _sum(valid.to(x.dtype), axis, keepdims)


def _nanextreme(op):
    def fn(x, axis, keepdims):
        fill = -math.inf if op == "max" else math.inf
        valid = ~torch.isnan(x)
        out = (torch.amax if op == "max" else torch.amin)(torch.where(valid, x, fill), dim=_dims(axis, x.dim()),
                                                           keepdim=keepdims)
        all_nan = ~valid.any(dim=_dims(axis, x.dim()), keepdim=keepdims) if axis is not None or keepdims \
            else ~valid.any()
        return torch.where(all_nan, torch.full_like(out, math.nan), out)
    return fn


nansum = _nan_reduce("nansum", _sum, 0.0)
nanprod = _nan_reduce("nanprod", _prod, 1.0)
nanmean = _nan_reduce("nanmean", _nanmean, None)
nanvar = _nan_reduce("nanvar", _nanvar, None)
nanstd = _nan_reduce("nanstd", lambda x, a, k: torch.sqrt(_nanvar(x, a, k)), None)
nanmax = _nan_reduce("nanmax", _nanextreme("max"), None)
nanmin = _nan_reduce("nanmin", _nanextreme("min"), None)


@symbolic
def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """quantile with NaNs ignored. Example: ``ops.nanquantile(x, 0.5, axis=0)``."""
    x, qt = _float(x), _t(q).to(_float(x).dtype)
    return _quantile(x, qt, axis, method, keepdims, torch.nanquantile)


@symbolic
def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """percentile with NaNs ignored. Example: ``ops.nanpercentile(x, 90)``."""
    return nanquantile(x, _t(q) / 100.0, axis=axis, method=method, keepdims=keepdims)


@symbolic
def nanmedian(x, axis=None, keepdims=False):
    """median with NaNs ignored. Example: ``ops.nanmedian(x, axis=0)``."""
    return nanquantile(x, 0.5, axis=axis, keepdims=keepdims)


@symbolic
def nanargmax(x, axis=None, keepdims=False):
    """argmax with NaNs ignored. Example: ``ops.nanargmax(x, axis=-1)``."""
    x = _float(x)
    x = torch.where(torch.isnan(x), -math.inf, x)
    return torch.argmax(x, dim=axis, keepdim=keepdims) if axis is not None else torch.argmax(x)


@symbolic
def nanargmin(x, axis=None, keepdims=False):
    """argmin with NaNs ignored. Example: ``ops.nanargmin(x, axis=-1)``."""
    x = _float(x)
    x = torch.where(torch.isnan(x), math.inf, x)
    return torch.argmin(x, dim=axis, keepdim=keepdims) if axis is not None else torch.argmin(x)


@symbolic
def nancumsum(x, axis=None, dtype=None):
    """cumsum with NaNs as 0 (flattened when axis is None). Example: ``ops.nancumsum(x, axis=1)``."""
    x = _float(x)
    x = torch.nan_to_num(x, nan=0.0)  # infinities become the largest finite values, as Keras
    return torch.cumsum(x.reshape(-1) if axis is None else x, dim=0 if axis is None else axis)


@symbolic
def nancumprod(x, axis=None, dtype=None):
    """cumprod with NaNs as 1 (flattened when axis is None). Example: ``ops.nancumprod(x, axis=1)``."""
    x = _float(x)
    x = torch.nan_to_num(x, nan=1.0)
    return torch.cumprod(x.reshape(-1) if axis is None else x, dim=0 if axis is None else axis)


@symbolic
def diff(a, n=1, axis=-1):
    """The n-th discrete difference along ``axis``. Example: ``ops.diff(x, axis=1)``."""
    return torch.diff(_t(a), n=n, dim=axis)


@symbolic
def isin(x1, x2, assume_unique=False, invert=False):
    """Whether each element of x1 is in x2. Example: ``ops.isin(ids, allowed)``."""
    return torch.isin(_t(x1), _t(x2), assume_unique=assume_unique, invert=invert)
