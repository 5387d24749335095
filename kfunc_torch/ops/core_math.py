"""Keras 3's core ops (control flow, scatter/slice updates, ``unstack``...), ``keras.ops.math``-style ops
(segment reductions, FFTs, ``rsqrt``, ``erfinv``...) and ``keras.ops.linalg``, on torch.

Control flow runs eagerly in Python (``cond``, ``while_loop``, ``fori_loop``, ``scan`` and ``map``
loop as Keras's torch backend does); the tensor functions record op layers on KerasTensors.

Example::

    >>> from kfunc_torch import ops
    >>> ops.fori_loop(0, 5, lambda i, s: s + i, 0)
    10
    >>> ops.segment_sum(torch.tensor([1., 2., 3.]), torch.tensor([0, 0, 1]), num_segments=2)
    tensor([3., 3.])
"""
from __future__ import annotations

import builtins

import torch
from torch.utils import _pytree as pytree

from ..engine.dtypes import to_torch_dtype
from .tensor_functions import _float, _t, symbolic


# ---------------------------------------------------------------- core: control flow
def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` else ``false_fn()``. Example: ``ops.cond(x.sum() > 0, lambda: x, lambda: -x)``."""
    return true_fn() if bool(pred) else false_fn()


def switch(index, branches, *operands):
    """``branches[index](*operands)`` (index clamped into range, as Keras). Example:
    ``ops.switch(1, [f0, f1], x)``."""
    i = builtins.min(builtins.max(int(index), 0), len(branches) - 1)
    return branches[i](*operands)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Run ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)``. Example:
    ``ops.while_loop(lambda i: i < 10, lambda i: (i + 1,), (0,))``."""
    single = not isinstance(loop_vars, (list, tuple))
    state = (loop_vars,) if single else tuple(loop_vars)
    n = 0
    while bool(cond(*state)) and (maximum_iterations is None or n < maximum_iterations):
        out = body(*state)
        state = (out,) if single or not isinstance(out, (list, tuple)) else tuple(out)
        n += 1
    return state[0] if single else type(loop_vars)(state) if isinstance(loop_vars, list) else state


def fori_loop(lower, upper, body_fun, init_val):
    """``val = body_fun(i, val)`` for i in [lower, upper). Example: ``ops.fori_loop(0, 3, lambda i, v: v * 2, x)``."""
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """``carry, y = f(carry, x)`` over the leading axis of ``xs``; returns (carry, stacked ys).

    Example: ``total, partial = ops.scan(lambda c, x: (c + x, c + x), 0.0, xs)``."""
    if xs is None and length is None:
        raise ValueError("ops.scan() needs xs or length.")
    leaves, spec = pytree.tree_flatten(xs) if xs is not None else ([], None)
    n = int(length) if length is not None else int(leaves[0].shape[0])
    order = range(n - 1, -1, -1) if reverse else range(n)
    carry, ys = init, []
    for i in order:
        x = pytree.tree_unflatten([leaf[i] for leaf in leaves], spec) if xs is not None else None
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys or ys[0] is None:
        return carry, None
    return carry, pytree.tree_map(lambda *v: torch.stack([_t(t) for t in v]), *ys)


def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive scan of an associative ``f`` along ``axis`` (``f=ops.add`` gives cumsum). Example:
    ``ops.associative_scan(ops.add, x)``."""
    leaves, spec = pytree.tree_flatten(elems)
    leaves = [torch.flip(_t(v), (axis,)) if reverse else _t(v) for v in leaves]
    n = leaves[0].shape[axis]
    acc = [v.select(axis, 0) for v in leaves]
    outs = [[a] for a in acc]
    for i in range(1, n):
        cur = pytree.tree_flatten(f(pytree.tree_unflatten(acc, spec),
                                    pytree.tree_unflatten([v.select(axis, i) for v in leaves], spec)))[0]
        acc = cur
        for o, c in zip(outs, cur):
            o.append(c)
    res = [torch.stack(o, dim=axis) for o in outs]
    res = [torch.flip(r, (axis,)) for r in res] if reverse else res
    return pytree.tree_unflatten(res, spec)


def map(f, xs):  # noqa: A001
    """``f`` applied to each slice along the leading axis, results stacked. Example: ``ops.map(fn, xs)``."""
    leaves, spec = pytree.tree_flatten(xs)
    outs = [f(pytree.tree_unflatten([leaf[i] for leaf in leaves], spec)) for i in range(leaves[0].shape[0])]
    return pytree.tree_map(lambda *v: torch.stack([_t(t) for t in v]), *outs)


def vectorized_map(function, elements):
    """``function`` over the leading axis with ``torch.vmap`` (one batched call, not a Python loop).

    Example: ``ops.vectorized_map(lambda row: row * 2, x)``."""
    return torch.vmap(function)(elements)


def custom_gradient(f):
    """Decorator: ``f(*args)`` returns ``(y, grad_fn)``; backward calls ``grad_fn(upstream)`` (Keras's
    torch-backend convention: ``grad_fn(*args, upstream=...)`` also works). Example::

        @ops.custom_gradient
        def clip_grad(x):
            return x, lambda upstream: ops.clip(upstream, -1, 1)
    """
    class _Fn(torch.autograd.Function):
        @staticmethod
        def forward(ctx, *args):
            with torch.enable_grad():
                y, grad_fn = f(*args)
            ctx.grad_fn = grad_fn
            return y.detach() if isinstance(y, torch.Tensor) else y

        @staticmethod
        def backward(ctx, upstream):
            try:
                grads = ctx.grad_fn(upstream)
            except TypeError:
                grads = ctx.grad_fn(upstream=upstream)
            return tuple(grads) if isinstance(grads, (list, tuple)) else (grads,)

    def wrapper(*args):
        return _Fn.apply(*args)
    wrapper.__name__ = getattr(f, "__name__", "custom_gradient")
    return wrapper


def is_tensor(x) -> bool:
    """Whether x is a backend tensor (a torch tensor). Example: ``ops.is_tensor(torch.ones(2))``."""
    return isinstance(x, torch.Tensor)


# ---------------------------------------------------------------- core: tensor updates
@symbolic
def saturate_cast(x, dtype):
    """Cast, clamping into the target dtype's range first. Example: ``ops.saturate_cast(x * 300, "uint8")``."""
    x, target = _t(x), to_torch_dtype(dtype)
    info = torch.iinfo(target) if not target.is_floating_point else torch.finfo(target)
    return torch.clamp(x, info.min, info.max).to(target) if x.is_floating_point() or target != torch.bool \
        else x.to(target)


@symbolic
def scatter(indices, values, shape):
    """A zeros tensor of ``shape`` with ``values`` added at ``indices`` (each row one index tuple).

    Example: ``ops.scatter([[0, 1], [2, 0]], [5., 7.], (3, 2))``."""
    idx, vals = _t(indices).long(), _t(values)
    out = torch.zeros(tuple(shape), dtype=vals.dtype, device=vals.device)
    return out.index_put_(tuple(idx[..., i] for i in range(idx.shape[-1])), vals, accumulate=True)


@symbolic
def scatter_update(inputs, indices, updates):
    """``inputs`` with the entries at ``indices`` replaced by ``updates``. Example:
    ``ops.scatter_update(x, [[0, 0]], [9.])``."""
    x, idx, upd = _t(inputs), _t(indices).long(), _t(updates)
    return x.clone().index_put_(tuple(idx[..., i] for i in range(idx.shape[-1])), upd.to(x.dtype))


@symbolic
def slice(inputs, start_indices, shape):  # noqa: A001
    """The block of ``shape`` starting at ``start_indices``. Example: ``ops.slice(x, (0, 2), (4, 3))``."""
    x = _t(inputs)
    return x[tuple(builtins.slice(int(s), int(s) + int(n)) for s, n in zip(start_indices, shape))]


@symbolic
def slice_update(inputs, start_indices, updates):
    """``inputs`` with the block at ``start_indices`` replaced by ``updates``. Example:
    ``ops.slice_update(x, (0, 0), patch)``."""
    x, upd = _t(inputs).clone(), _t(updates)
    x[tuple(builtins.slice(int(s), int(s) + n) for s, n in zip(start_indices, upd.shape))] = upd.to(x.dtype)
    return x


@symbolic
def unstack(x, num=None, axis=0):
    """The slices along ``axis``, as a list. Example: ``a, b = ops.unstack(pair, axis=1)``."""
    return list(torch.unbind(_t(x), dim=axis))


def rearrange(tensor, pattern, **axes_lengths):
    """einops-style axis rearrangement (``"b h w c -> b (h w) c"``; groups and named lengths).

    Example: ``ops.rearrange(x, "b (h w) c -> b h w c", h=4)``."""
    from ._rearrange import rearrange as _rearrange
    return _rearrange(tensor, pattern, **axes_lengths)


# ---------------------------------------------------------------- math
@symbolic
def rsqrt(x):
    """1 / sqrt(x). Example: ``ops.rsqrt(var + eps)``."""
    return torch.rsqrt(_float(x))


@symbolic
def erfc(x):
    """1 - erf(x). Example: ``ops.erfc(x)``."""
    return torch.erfc(_float(x))


@symbolic
def erfinv(x):
    """Inverse error function. Example: ``ops.erfinv(x)``."""
    return torch.erfinv(_float(x))


@symbolic
def logdet(x):
    """log(det(x)) for a positive-definite matrix. Example: ``ops.logdet(cov)``."""
    return torch.logdet(_float(x))


def _segment(name, reduce, fill):
    def body(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
        data, ids = _t(data), _t(segment_ids).long()
        n = int(num_segments) if num_segments is not None else int(ids.max().item()) + 1
        out = torch.full((n,) + tuple(data.shape[1:]), fill, dtype=data.dtype, device=data.device)
        index = ids.reshape((-1,) + (1,) * (data.dim() - 1)).expand_as(data)
        out = out.scatter_reduce(0, index, data, reduce=reduce, include_self=reduce in ("sum", "prod"))
        if reduce in ("amax", "amin"):  # empty segments: Keras gives the dtype's lowest/highest value
            return out
        return out
    body.__name__ = body.__qualname__ = name
    body.__doc__ = f"Per-segment {reduce.lstrip('a')} of ``data`` rows grouped by ``segment_ids``. Example: " \
                   f"``ops.{name}(x, ids, num_segments=4)``."
    return symbolic(body)


segment_sum = _segment("segment_sum", "sum", 0)
segment_prod = _segment("segment_prod", "prod", 1)
segment_max = _segment("segment_max", "amax", -float("inf"))
segment_min = _segment("segment_min", "amin", float("inf"))


@symbolic
def in_top_k(targets, predictions, k):
    """Whether each target class is among the k highest predictions. Example: ``ops.in_top_k(y, logits, 5)``."""
    preds, tgt = _float(predictions), _t(targets).long()
    target_score = preds.gather(1, tgt.reshape(-1, 1))
    return (preds > target_score).sum(dim=1) < k


@symbolic
def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of ``sequence_length`` every ``sequence_stride`` along the last axis. Example:
    ``ops.extract_sequences(audio, 256, 128)``."""
    return _t(x).unfold(-1, sequence_length, sequence_stride)


def _complex_pair(x):
    real, imag = x
    return torch.complex(_float(real), _float(imag))


def fft(x):
    """1-D FFT of (real, imag) over the last axis; returns (real, imag). Example: ``re, im = ops.fft((re, im))``."""
    out = torch.fft.fft(_complex_pair(x))
    return out.real, out.imag


def fft2(x):
    """2-D FFT of (real, imag) over the last two axes. Example: ``re, im = ops.fft2((re, im))``."""
    out = torch.fft.fft2(_complex_pair(x))
    return out.real, out.imag


def ifft2(x):
    """Inverse 2-D FFT of (real, imag). Example: ``re, im = ops.ifft2((re, im))``."""
    out = torch.fft.ifft2(_complex_pair(x))
    return out.real, out.imag


def rfft(x, fft_length=None):
    """FFT of a real signal over the last axis; (real, imag) of the non-negative frequencies.

    Example: ``re, im = ops.rfft(signal)``."""
    out = torch.fft.rfft(_float(x), n=fft_length)
    return out.real, out.imag


def irfft(x, fft_length=None):
    """Inverse of ``rfft`` from (real, imag). Example: ``signal = ops.irfft((re, im))``."""
    return torch.fft.irfft(_complex_pair(x), n=fft_length)


def _window(window, length, device):
    if window is None:
        return None
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError(f"stft(): window must be 'hann', 'hamming', a tensor or None; received {window!r}.")
        fn = torch.hann_window if window == "hann" else torch.hamming_window
        return fn(length, periodic=True, device=device)
    return _float(window)


def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """Short-time Fourier transform over the last axis; (real, imag) of shape (..., frames, fft_length // 2 + 1).

    Example: ``re, im = ops.stft(audio, 512, 256, 512)``."""
    x = _float(x)
    win = _window(window, sequence_length, x.device)
    if win is not None and sequence_length < fft_length:
        left = (fft_length - sequence_length) // 2
        win = torch.nn.functional.pad(win, (left, fft_length - sequence_length - left))
    lead = x.shape[:-1]
    out = torch.stft(x.reshape(-1, x.shape[-1]), n_fft=fft_length, hop_length=sequence_stride,
                     win_length=fft_length, window=win, center=center, pad_mode="reflect", return_complex=True)
    out = out.transpose(-1, -2).reshape(*lead, -1, fft_length // 2 + 1)
    return out.real, out.imag


def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann", center=True):
    """Inverse of ``stft`` from (real, imag). Example: ``audio = ops.istft((re, im), 512, 256, 512)``."""
    spec = _complex_pair(x)
    win = _window(window, sequence_length, spec.device)
    if win is None:
        win = torch.ones(sequence_length, device=spec.device)
    if sequence_length < fft_length:
        left = (fft_length - sequence_length) // 2
        win = torch.nn.functional.pad(win, (left, fft_length - sequence_length - left))
    lead = spec.shape[:-2]
    flat = spec.reshape(-1, *spec.shape[-2:]).transpose(-1, -2)
    out = torch.istft(flat, n_fft=fft_length, hop_length=sequence_stride, win_length=fft_length, window=win,
                      center=center, length=length)
    return out.reshape(*lead, -1)


@symbolic
def view_as_complex(x):
    """(..., 2) real/imag pairs to a complex tensor. Example: ``ops.view_as_complex(pairs)``."""
    return torch.view_as_complex(_float(x).contiguous())


@symbolic
def view_as_real(x):
    """A complex tensor to (..., 2) real/imag pairs. Example: ``ops.view_as_real(z)``."""
    return torch.view_as_real(_t(x))


@symbolic
def cdist(x1, x2, p=2.0):
    """Pairwise p-norm distances between the rows of x1 and x2. Example: ``ops.cdist(a, b)``."""
    return torch.cdist(_float(x1), _float(x2), p=p)


# ---------------------------------------------------------------- linalg
def _lin(name, fn, doc):
    def body(x):
        return fn(_float(x))
    body.__name__ = body.__qualname__ = name
    body.__doc__ = doc
    return symbolic(body)


det = _lin("det", torch.linalg.det, "Determinant. Example: ``ops.linalg.det(m)``.")
inv = _lin("inv", torch.linalg.inv, "Matrix inverse. Example: ``ops.linalg.inv(m)``.")
pinv = _lin("pinv", torch.linalg.pinv, "Moore-Penrose pseudo-inverse. Example: ``ops.linalg.pinv(m)``.")


@symbolic
def cholesky(x, upper=False):
    """Cholesky factor (lower unless ``upper``). Example: ``ops.linalg.cholesky(spd)``."""
    return torch.linalg.cholesky(_float(x), upper=upper)


@symbolic
def cholesky_inverse(x, upper=False):
    """The inverse of A from its Cholesky factor. Example: ``ops.linalg.cholesky_inverse(L)``."""
    return torch.cholesky_inverse(_float(x), upper=upper)


def eig(x):
    """(eigenvalues, eigenvectors) of a square matrix (complex). Example: ``w, v = ops.linalg.eig(m)``."""
    return tuple(torch.linalg.eig(_float(x)))


def eigh(x):
    """(eigenvalues, eigenvectors) of a symmetric matrix, ascending. Example: ``w, v = ops.linalg.eigh(m)``."""
    return tuple(torch.linalg.eigh(_float(x)))


def lu_factor(x):
    """(LU, pivots) with 0-based pivots, as Keras. Example: ``lu, piv = ops.linalg.lu_factor(m)``."""
    lu, piv = torch.linalg.lu_factor(_float(x))
    return lu, piv - 1


def qr(x, mode="reduced"):
    """(q, r) of a QR decomposition ('reduced' or 'complete'). Example: ``q, r = ops.linalg.qr(m)``."""
    return tuple(torch.linalg.qr(_float(x), mode=mode))


def svd(x, full_matrices=True, compute_uv=True):
    """(u, s, v^T) (only s without ``compute_uv``). Example: ``u, s, vh = ops.linalg.svd(m)``."""
    if not compute_uv:
        return torch.linalg.svdvals(_float(x))
    return tuple(torch.linalg.svd(_float(x), full_matrices=full_matrices))


@symbolic
def solve(a, b):
    """x with a @ x = b. Example: ``ops.linalg.solve(a, b)``."""
    return torch.linalg.solve(_float(a), _float(b))


@symbolic
def solve_triangular(a, b, lower=False):
    """x with a @ x = b for triangular a. Example: ``ops.linalg.solve_triangular(L, b, lower=True)``."""
    return torch.linalg.solve_triangular(_float(a), _float(b), upper=not lower)


def lstsq(a, b, rcond=None):
    """Least-squares solution of a @ x = b. Example: ``x = ops.linalg.lstsq(a, b)``."""
    return torch.linalg.lstsq(_float(a), _float(b), rcond=rcond).solution


def matrix_rank(x, tol=None):
    """Numerical rank. Example: ``ops.linalg.matrix_rank(m)``."""
    x = _float(x)
    return torch.linalg.matrix_rank(x) if tol is None else torch.linalg.matrix_rank(x, atol=tol, rtol=0.0)


def slogdet(x):
    """(sign, log|det|). Example: ``sign, logabs = ops.slogdet(m)``."""
    return tuple(torch.linalg.slogdet(_float(x)))


def jvp(fun, primals, tangents, has_aux=False):
    """(fun(*primals), Jacobian-vector product), by ``torch.func.jvp``. Example:
    ``y, dy = ops.linalg.jvp(f, (x,), (v,))``."""
    return torch.func.jvp(fun, tuple(primals), tuple(tangents), has_aux=has_aux)
