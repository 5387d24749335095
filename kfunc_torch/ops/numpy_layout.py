"""Keras 3 ``keras.ops.numpy`` layout, product, sorting/searching and creation functions, as numpy
defines them: stacking and splitting, flips and rolls, triangles and diagonals, ``tensordot``,
``outer``, ``kron``, ``pad``, ``argsort``, ``searchsorted``, ``unique``, ``linspace``, windows...

Example::

    >>> from kfunc_torch import ops
    >>> ops.tensordot(torch.ones(2, 3, 4), torch.ones(4, 3, 5), axes=([1, 2], [1, 0])).shape
    torch.Size([2, 5])
"""
from __future__ import annotations

import builtins

import numpy as np
import torch
import torch.nn.functional as F

from ..engine.factory_device import factory_device
from ..engine.keras_tensor import KerasTensor, to_torch_dtype
from .tensor_functions import _dims, _float, _t, symbolic


def _ts(xs):
    return [_t(x) for x in xs]


def _promoted(xs):
    xs = _ts(xs)
    dtype = xs[0].dtype
    for x in xs[1:]:
        dtype = torch.promote_types(dtype, x.dtype)
    return [x.to(dtype) for x in xs]


# ---------------------------------------------------------------- stacking and splitting
@symbolic
def hstack(xs):
    """Join along axis 1 (axis 0 for 1-D). Example: ``ops.hstack([a, b])``."""
    return torch.hstack(_promoted(xs))


@symbolic
def vstack(xs):
    """Join along axis 0 (1-D arrays become rows). Example: ``ops.vstack([a, b])``."""
    return torch.vstack(_promoted(xs))


@symbolic
def dstack(xs):
    """Join along axis 2. Example: ``ops.dstack([a, b])``."""
    return torch.dstack(_promoted(xs))


@symbolic
def append(x1, x2, axis=None):
    """x2 appended to x1 (both flattened when axis is None). Example: ``ops.append(a, b, axis=0)``."""
    a, b = _promoted([x1, x2])
    if axis is None:
        return torch.cat([a.reshape(-1), b.reshape(-1)])
    return torch.cat([a, b], dim=axis)


@symbolic
def array_split(x, indices_or_sections, axis=0):
    """Split into sections of nearly equal size (numpy's array_split). Example: ``ops.array_split(x, 3)``."""
    return list(torch.tensor_split(_t(x), indices_or_sections, dim=axis))


@symbolic
def hsplit(x, indices_or_sections):
    """split along axis 1 (axis 0 for 1-D). Example: ``ops.hsplit(x, 2)``."""
    x = _t(x)
    return list(torch.tensor_split(x, indices_or_sections, dim=1 if x.dim() > 1 else 0))


@symbolic
def vsplit(x, indices_or_sections):
    """split along axis 0. Example: ``ops.vsplit(x, 2)``."""
    return list(torch.tensor_split(_t(x), indices_or_sections, dim=0))


@symbolic
def dsplit(x, indices_or_sections):
    """split along axis 2. Example: ``ops.dsplit(x, 2)``."""
    return list(torch.tensor_split(_t(x), indices_or_sections, dim=2))


# ---------------------------------------------------------------- moving axes and elements
@symbolic
def moveaxis(x, source, destination):
    """Move axes to new positions. Example: ``ops.moveaxis(x, 0, -1)``."""
    return torch.movedim(_t(x), source, destination)


@symbolic
def swapaxes(x, axis1, axis2):
    """Exchange two axes. Example: ``ops.swapaxes(x, 1, 2)``."""
    return torch.swapaxes(_t(x), axis1, axis2)


@symbolic
def ravel(x):
    """Flatten to 1-D. Example: ``ops.ravel(x)``."""
    return _t(x).reshape(-1)


@symbolic
def broadcast_to(x, shape):
    """x broadcast to ``shape``. Example: ``ops.broadcast_to(x, (4, 3))``."""
    return torch.broadcast_to(_t(x), tuple(shape))


@symbolic
def flip(x, axis=None):
    """Reverse along ``axis`` (all axes when None). Example: ``ops.flip(x, axis=1)``."""
    x = _t(x)
    return torch.flip(x, dims=_dims(axis, x.dim()))


@symbolic
def fliplr(x):
    """Reverse axis 1. Example: ``ops.fliplr(m)``."""
    return torch.flip(_t(x), dims=(1,))


@symbolic
def flipud(x):
    """Reverse axis 0. Example: ``ops.flipud(m)``."""
    return torch.flip(_t(x), dims=(0,))


@symbolic
def roll(x, shift, axis=None):
    """Roll elements along ``axis`` (flattened when None). Example: ``ops.roll(x, 2, axis=-1)``."""
    return torch.roll(_t(x), shifts=shift, dims=axis)


@symbolic
def rot90(array, k=1, axes=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``axes``. Example: ``ops.rot90(img, axes=(1, 2))``."""
    return torch.rot90(_t(array), k, dims=list(axes))


@symbolic
def take_along_axis(x, indices, axis=None):
    """Values at ``indices`` along ``axis`` (numpy's take_along_axis). Example:
    ``ops.take_along_axis(x, ops.argsort(x), axis=-1)``."""
    x, idx = _t(x), _t(indices).long()
    if axis is None:
        return x.reshape(-1)[idx.reshape(-1)]
    shape = list(torch.broadcast_shapes(tuple(x.shape[:axis % x.dim()]) + (1,) + tuple(x.shape[axis % x.dim() + 1:]),
                                        tuple(idx.shape[:axis % idx.dim()]) + (1,) + tuple(idx.shape[axis % idx.dim() + 1:])))
    xs, ids = list(shape), list(shape)
    xs[axis % x.dim()], ids[axis % x.dim()] = x.shape[axis], idx.shape[axis]
    return torch.gather(x.expand(xs), axis, idx.expand(ids))


# ---------------------------------------------------------------- triangles and diagonals
@symbolic
def tril(x, k=0):
    """Lower triangle (zeros above diagonal k). Example: ``ops.tril(m)``."""
    return torch.tril(_t(x), diagonal=k)


@symbolic
def triu(x, k=0):
    """Upper triangle (zeros below diagonal k). Example: ``ops.triu(m, k=1)``."""
    return torch.triu(_t(x), diagonal=k)


def tri(N, M=None, k=0, dtype=None):  # noqa: N803
    """Ones at and below diagonal k. Example: ``ops.tri(3)``."""
    M = N if M is None else M  # noqa: N806
    return torch.tril(torch.ones(N, M, dtype=to_torch_dtype(dtype), device=factory_device()), diagonal=k)


@symbolic
def diag(x, k=0):
    """The k-th diagonal of a matrix, or a matrix with a vector on its diagonal. Example: ``ops.diag(v)``."""
    return torch.diag(_t(x), diagonal=k)


@symbolic
def diagflat(x, k=0):
    """A matrix with the flattened input on diagonal k. Example: ``ops.diagflat(m)``."""
    return torch.diagflat(_t(x), offset=k)


@symbolic
def diagonal(x, offset=0, axis1=0, axis2=1):
    """Diagonal of the (axis1, axis2) planes, as numpy (the diagonal comes last). Example:
    ``ops.diagonal(x, axis1=1, axis2=2)``."""
    return torch.diagonal(_t(x), offset=offset, dim1=axis1, dim2=axis2)


# ---------------------------------------------------------------- products
@symbolic
def tensordot(x1, x2, axes=2):
    """Sum of products over ``axes`` (an int: the last n of x1 with the first n of x2; or two lists).

    Example: ``ops.tensordot(a, b, axes=([1], [0]))``."""
    a, b = _promoted([x1, x2])
    if isinstance(axes, (list, tuple)):
        axes = [[axes[0]] if isinstance(axes[0], int) else list(axes[0]),
                [axes[1]] if isinstance(axes[1], int) else list(axes[1])]
    return torch.tensordot(a, b, dims=axes)


@symbolic
def dot(x1, x2):
    """numpy's dot: matmul for 2-D, the last axis of x1 with the second-to-last of x2 beyond.

    Example: ``ops.dot(a, b)``."""
    a, b = _promoted([x1, x2])
    if a.dim() == 0 or b.dim() == 0:
        return a * b
    if b.dim() == 1:
        return torch.tensordot(a, b, dims=([a.dim() - 1], [0]))
    return torch.tensordot(a, b, dims=([a.dim() - 1], [b.dim() - 2]))


@symbolic
def inner(x1, x2):
    """Sum of products over the last axes. Example: ``ops.inner(a, b)``."""
    a, b = _promoted([x1, x2])
    if a.dim() == 0 or b.dim() == 0:
        return a * b
    return torch.inner(a, b)


@symbolic
def outer(x1, x2):
    """Outer product of the flattened inputs. Example: ``ops.outer(u, v)``."""
    a, b = _promoted([x1, x2])
    return torch.outer(a.reshape(-1), b.reshape(-1))


@symbolic
def vdot(x1, x2):
    """Dot product of the flattened inputs (x1 conjugated). Example: ``ops.vdot(a, b)``."""
    a, b = _promoted([x1, x2])
    return torch.vdot(a.reshape(-1), b.reshape(-1))


@symbolic
def kron(x1, x2):
    """Kronecker product. Example: ``ops.kron(a, b)``."""
    a, b = _promoted([x1, x2])
    return torch.kron(a, b)


@symbolic
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 3-vectors (2-vectors padded with 0, as numpy). Example: ``ops.cross(a, b)``."""
    a, b = _promoted([x1, x2])
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = a.movedim(axisa, -1), b.movedim(axisb, -1)
    if a.shape[-1] == 2:
        a = F.pad(a, (0, 1))
    if b.shape[-1] == 2:
        b = F.pad(b, (0, 1))
    a, b = torch.broadcast_tensors(a, b)
    out = torch.linalg.cross(a, b, dim=-1)
    if x1.shape[-1] == 2 and x2.shape[-1] == 2:
        return out[..., 2]
    return out.movedim(-1, axisc)


@symbolic
def correlate(x1, x2, mode="valid"):
    """Cross-correlation of two 1-D sequences (numpy's modes valid/same/full). Example:
    ``ops.correlate(a, v, mode="full")``."""
    a, v = _promoted([x1, x2])
    if not a.is_floating_point():
        a, v = a.float(), v.float()
    n, m = a.shape[0], v.shape[0]
    if mode == "valid":
        pad = 0
    elif mode == "same":
        pad = (m - 1) // 2 if n >= m else None
    elif mode == "full":
        pad = m - 1
    else:
        raise ValueError(f"correlate(): mode must be 'valid', 'same' or 'full'; received {mode!r}.")
    if n < m:  # numpy swaps the operands and reverses the result
        return torch.flip(correlate(v, a, mode), dims=(0,))
    if mode == "same":
        left, right = (m - 1) // 2, m - 1 - (m - 1) // 2
        a = F.pad(a, (left, right))
        pad = 0
    out = F.conv1d(a.reshape(1, 1, -1), v.reshape(1, 1, -1), padding=pad)
    return out.reshape(-1)


@symbolic
def corrcoef(x):
    """Pearson correlation coefficients of the rows. Example: ``ops.corrcoef(m)``."""
    return torch.corrcoef(_float(x))


@symbolic
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral by the trapezoidal rule along ``axis``. Example: ``ops.trapezoid(y, dx=0.1)``."""
    y = _float(y)
    if x is None:
        return torch.trapezoid(y, dx=dx, dim=axis)
    return torch.trapezoid(y, _float(x), dim=axis)


# ---------------------------------------------------------------- padding, selection
@symbolic
def pad(x, pad_width, mode="constant", constant_values=None):
    """Pad each axis by (before, after) amounts, as numpy ('constant', 'reflect', 'symmetric', 'edge'...).

    Example: ``ops.pad(x, ((0, 0), (1, 1)))``."""
    x = _t(x)
    width = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.dim(), 2))
    flat = [int(v) for pair in reversed(width.tolist()) for v in pair]
    if mode == "constant":
        return F.pad(x, flat, value=0 if constant_values is None else constant_values)
    if constant_values is not None:
        raise ValueError(f"pad(): constant_values is only used with mode='constant'; received mode={mode!r}.")
    torch_mode = {"reflect": "reflect", "edge": "replicate", "symmetric": "symmetric", "wrap": "circular"}.get(mode)
    if torch_mode is None:
        raise ValueError(f"pad(): mode must be one of 'constant', 'edge', 'reflect', 'symmetric', 'wrap'; "
                         f"received {mode!r}.")
    # torch pads the trailing dims of a (batch, channel, ...) layout: pad one axis at a time through it.
    out = x if x.is_floating_point() else x.float()
    for axis in range(x.dim()):
        before, after = (int(v) for v in width[axis])
        if before == after == 0:
            continue
        moved = out.movedim(axis, -1)
        shape = moved.shape
        flat2 = moved.reshape(1, -1, shape[-1])
        if torch_mode == "symmetric":
            left = torch.flip(flat2[..., :before], dims=(-1,))
            right = torch.flip(flat2[..., shape[-1] - after:], dims=(-1,))
            padded = torch.cat([left, flat2, right], dim=-1)
        else:
            padded = F.pad(flat2, (before, after), mode=torch_mode)
        out = padded.reshape(*shape[:-1], -1).movedim(-1, axis)
    return out.to(x.dtype)


@symbolic
def select(condlist, choicelist, default=0):
    """Elementwise: the choice of the first true condition, else ``default``. Example:
    ``ops.select([x < 0, x > 0], [-x, x])``."""
    conds, choices = _ts(condlist), _promoted(choicelist)
    out = torch.full_like(choices[0], default) if not isinstance(default, torch.Tensor) else default.to(choices[0])
    for cond, choice in reversed(list(zip(conds, choices))):
        out = torch.where(cond.bool(), choice, out)
    return out


# ---------------------------------------------------------------- sorting and searching
@symbolic
def argsort(x, axis=-1):
    """Indices that sort along ``axis`` (stable; flattened when None). Example: ``ops.argsort(x)``."""
    x = _t(x)
    if axis is None:
        return torch.argsort(x.reshape(-1), stable=True)
    return torch.argsort(x, dim=axis, stable=True)


@symbolic
def argpartition(x, kth, axis=-1):
    """Indices that put the kth element in its sorted place (a full stable argsort satisfies numpy's
    contract). Example: ``ops.argpartition(x, 2)``."""
    return argsort(x, axis=axis)


@symbolic
def searchsorted(sorted_sequence, values, side="left"):
    """Insertion indices of ``values`` into a sorted 1-D sequence. Example: ``ops.searchsorted(edges, x)``."""
    seq, v = _promoted([sorted_sequence, values])
    return torch.searchsorted(seq, v, right=(side == "right"))


@symbolic
def digitize(x, bins):
    """The bin index of each value (numpy's digitize with increasing bins). Example: ``ops.digitize(x, edges)``."""
    v, b = _promoted([x, bins])
    return torch.bucketize(v, b, right=True).to(torch.int32)


def nonzero(x):
    """The indices of the non-zero elements, one tensor per axis (data-dependent: eager only).

    Example: ``rows, cols = ops.nonzero(m)``."""
    _eager_only("nonzero", x)
    return tuple(torch.nonzero(_t(x), as_tuple=True))


def unique(x, sorted=True, return_inverse=False, return_counts=False, axis=None, size=None,  # noqa: A002
           fill_value=None):
    """The sorted unique values (optionally inverse indices and counts; eager only unless ``size`` is
    given, as in Keras). Example: ``values = ops.unique(labels)``."""
    _eager_only("unique", x)
    res = torch.unique(_t(x), sorted=True, return_inverse=return_inverse, return_counts=return_counts, dim=axis)
    if size is not None:
        res = list(res) if isinstance(res, tuple) else [res]
        vals = res[0]
        fill = vals.min() if fill_value is None and vals.numel() else (fill_value or 0)
        res[0] = torch.cat([vals[:size], torch.full((builtins.max(size - vals.shape[0], 0),) + tuple(vals.shape[1:]),
                                                    fill, dtype=vals.dtype, device=vals.device)])
        if return_counts:
            c = res[-1]
            res[-1] = torch.cat([c[:size], torch.zeros(builtins.max(size - c.shape[0], 0), dtype=c.dtype)])
        res = tuple(res) if len(res) > 1 else res[0]
    return res


def _eager_only(name, x):
    if isinstance(x, KerasTensor):
        raise ValueError(f"ops.{name}() has an output size that depends on the values, so it cannot run on a "
                         f"symbolic tensor ({x.name}, shape {x.shape}). Call it inside a layer's call() or a Lambda "
                         "on real tensors.")


@symbolic
def bincount(x, weights=None, minlength=0, sparse=False):
    """Counts of each non-negative integer (weighted sums with ``weights``); a batch of 2-D rows
    counts row by row, as Keras. Example: ``ops.bincount(ids, minlength=10)``."""
    x = _t(x).long()
    w = None if weights is None else _t(weights)
    if x.dim() == 1:
        return torch.bincount(x, weights=w, minlength=minlength)
    length = builtins.max(int(x.max().item()) + 1 if x.numel() else 0, minlength)
    out = torch.zeros(x.shape[0], length, dtype=w.dtype if w is not None else torch.int64, device=x.device)
    return out.scatter_add_(1, x, w if w is not None else torch.ones_like(x))


def histogram(x, bins=10, range=None):  # noqa: A002
    """(counts, bin_edges) of a 1-D tensor, as numpy. Example: ``counts, edges = ops.histogram(x, bins=5)``."""
    _eager_only("histogram", x)
    x = _float(x)
    lo, hi = (x.min().item(), x.max().item()) if range is None else range
    counts, edges = torch.histogram(x.cpu().reshape(-1), bins=bins, range=(float(lo), float(hi)))
    return counts.to(torch.int32).to(x.device), edges.to(x.device)


def unravel_index(indices, shape):
    """Flat indices to one index tensor per axis of ``shape``. Example: ``r, c = ops.unravel_index(i, (3, 4))``."""
    return tuple(torch.unravel_index(_t(indices).long(), tuple(shape)))


# ---------------------------------------------------------------- creation
def _creation_dtype(dtype):
    return to_torch_dtype(dtype) if dtype is not None else None


def empty(shape, dtype=None):
    """An uninitialised tensor (zeros here, so results never depend on garbage). Example: ``ops.empty((2, 3))``."""
    return torch.zeros((shape,) if isinstance(shape, int) else tuple(shape), dtype=to_torch_dtype(dtype),
                       device=factory_device())


@symbolic
def empty_like(x, dtype=None):
    """A tensor of x's shape (zeros). Example: ``ops.empty_like(x)``."""
    return torch.zeros_like(_t(x), dtype=_creation_dtype(dtype))


@symbolic
def full_like(x, fill_value, dtype=None):
    """x's shape filled with ``fill_value``. Example: ``ops.full_like(x, 7)``."""
    return torch.full_like(_t(x), fill_value, dtype=_creation_dtype(dtype))


def identity(n, dtype=None):
    """The n x n identity matrix. Example: ``ops.identity(3)``."""
    return torch.eye(n, dtype=to_torch_dtype(dtype), device=factory_device())


def array(x, dtype=None):
    """A tensor from nested lists or an array. Example: ``ops.array([[1, 2], [3, 4]])``."""
    return _t(x, dtype)


def size(x) -> int:
    """Number of elements. Example: ``ops.size(x)``."""
    return int(np.prod(tuple(x.shape))) if None not in tuple(x.shape) else None


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced values from start to stop. Example: ``ops.linspace(0, 1, 5)``."""
    start, stop = _float(start), _float(stop)
    steps = torch.linspace(0, 1, num + (0 if endpoint else 1), dtype=torch.float64, device=factory_device())
    if not endpoint:
        steps = steps[:-1]
    shape = (-1,) + (1,) * builtins.max(start.dim(), stop.dim())
    out = (start.double() + steps.reshape(shape) * (stop.double() - start.double()))
    out = out.movedim(0, axis).to(to_torch_dtype(dtype))
    step = (stop - start) / builtins.max(num - 1 if endpoint else num, 1)
    return (out, step) if retstep else out


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """base ** linspace(start, stop). Example: ``ops.logspace(0, 3, 4)`` gives 1, 10, 100, 1000."""
    return torch.pow(_float(base).double(), linspace(start, stop, num, endpoint, dtype="float64", axis=axis)).to(
        to_torch_dtype(dtype))


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """A geometric progression from start to stop. Example: ``ops.geomspace(1, 1000, 4)``."""
    a, b = _float(start).double(), _float(stop).double()
    return (torch.sign(a) * torch.pow(10.0, linspace(torch.log10(a.abs()), torch.log10(b.abs()), num, endpoint,
                                                      dtype="float64", axis=axis))).to(to_torch_dtype(dtype))


@symbolic
def vander(x, N=None, increasing=False):  # noqa: N803
    """Vandermonde matrix (powers decreasing unless ``increasing``). Example: ``ops.vander(x, 3)``."""
    return torch.linalg.vander(_t(x), N=N) if increasing else torch.flip(torch.linalg.vander(_t(x), N=N), dims=(-1,))


def meshgrid(*x, indexing="xy"):
    """Coordinate grids (numpy's 'xy' or 'ij' indexing). Example: ``xx, yy = ops.meshgrid(xs, ys)``."""
    return list(torch.meshgrid(*_ts(x), indexing=indexing))


def _window(name, fn):
    def body(x):
        return fn(int(x), periodic=False, dtype=torch.float32, device=factory_device())
    body.__name__ = body.__qualname__ = name
    body.__doc__ = f"numpy's {name} window of length x. Example: ``ops.{name}(8)``."
    return body


bartlett = _window("bartlett", torch.bartlett_window)
blackman = _window("blackman", torch.blackman_window)
hamming = _window("hamming", torch.hamming_window)
hanning = _window("hanning", torch.hann_window)


def kaiser(x, beta):
    """numpy's Kaiser window of length x. Example: ``ops.kaiser(8, 5.0)``."""
    return torch.kaiser_window(int(x), periodic=False, beta=float(beta), dtype=torch.float32, device=factory_device())


# ---------------------------------------------------------------- indexing, views
@symbolic
def get_item(x, key):
    """``x[key]``. Example: ``ops.get_item(x, 0)``."""
    return _t(x)[key]


@symbolic
def view(x, dtype=None):
    """The same bytes read as another dtype (x itself without one). Example: ``ops.view(x, "int32")``."""
    x = _t(x)
    return x if dtype is None else x.view(to_torch_dtype(dtype))


def vectorize(pyfunc, *, excluded=None, signature=None):
    """A function applied one element (or, with ``signature``, one core slice) at a time, by
    ``torch.vmap`` over every axis. Example: ``ops.vectorize(lambda a, b: a + b)(x, y)``."""
    if excluded or signature:
        raise ValueError("ops.vectorize(): excluded= and signature= are not supported here; apply ops.vectorized_map "
                         "over the leading axis instead.")

    def run(*args):
        tensors = torch.broadcast_tensors(*_ts(args))
        fn = pyfunc
        for _ in range(tensors[0].dim()):
            fn = torch.vmap(fn)
        return fn(*tensors)
    return run
