"""Array ops at the top of ``tf``: ``concat``, ``stack``, ``reshape``, ``transpose``, ``gather``, ``slice``,
``split``, ``pad``, ``one_hot``, ``where``, ``boolean_mask``, ``sequence_mask``, ``clip_by_value``...

TensorFlow's signatures on torch (``tf.transpose(a, perm)``, ``tf.split(value, num_or_size_splits,
axis)``, ``tf.pad(tensor, paddings, mode="CONSTANT")``, ``tf.gather(params, indices, axis,
batch_dims)``); each records an op layer when given a KerasTensor.

Example::

    >>> tf.concat([tf.ones((2, 1)), tf.zeros((2, 2))], axis=-1).shape
    torch.Size([2, 3])
    >>> tf.gather(tf.constant([10, 20, 30]), [2, 0]).tolist()
    [30, 10]
"""
from __future__ import annotations

import builtins

import torch
import torch.nn.functional as F

from ._convert import as_axis, as_ints, symbolic, to_tensor
from .dtypes import bool as tf_bool, float32, int64, torch_dtype_of
from .math import pair

_py_slice = builtins.slice  # this module's ``slice`` is TensorFlow's

__all__ = ["concat", "stack", "unstack", "reshape", "transpose", "expand_dims", "squeeze", "tile", "gather",
           "gather_nd", "slice", "split", "pad", "one_hot", "where", "boolean_mask", "sequence_mask", "reverse",
           "broadcast_to", "meshgrid", "repeat", "roll", "sort", "argsort", "unique", "clip_by_value",
           "clip_by_norm", "clip_by_global_norm", "global_norm", "scatter_nd", "tensor_scatter_nd_update",
           "tensor_scatter_nd_add", "matmul", "einsum", "tensordot", "norm", "searchsorted", "histogram_fixed_width",
           "broadcast_static_shape", "broadcast_dynamic_shape", "shape_n"]


@symbolic
def concat(values, axis, name="concat"):
    """Join tensors along ``axis``. Example: ``tf.concat([pos, neg], axis=-1)``."""
    return torch.cat([to_tensor(v) for v in values], dim=int(axis))


@symbolic
def stack(values, axis=0, name="stack"):
    return torch.stack([to_tensor(v) for v in values], dim=int(axis))


def unstack(value, num=None, axis=0, name="unstack"):
    """The slices along ``axis``, as a list."""
    from .. import ops
    if not isinstance(value, torch.Tensor):
        return ops.unstack(value, num=num, axis=axis)
    return list(torch.unbind(value, dim=int(axis)))


@symbolic
def reshape(tensor, shape, name=None):
    """``tensor`` with a new shape (one -1 is inferred); ``shape`` may hold 0-d tensors (``tf.shape(x)[0]``)."""
    return to_tensor(tensor).reshape(as_ints(shape))


@symbolic
def transpose(a, perm=None, conjugate=False, name="transpose"):
    """Axes permuted by ``perm`` (default: reversed)."""
    x = to_tensor(a)
    perm = list(range(x.dim()))[::-1] if perm is None else as_ints(perm)
    out = x.permute(perm)
    return out.conj() if conjugate else out


@symbolic
def expand_dims(input, axis, name=None):  # noqa: A002
    return torch.unsqueeze(to_tensor(input), int(axis))


@symbolic
def squeeze(input, axis=None, name=None):  # noqa: A002
    """Size-1 axes removed (only ``axis``, which must be size 1, when given)."""
    x = to_tensor(input)
    axis = as_axis(axis)
    if axis is None:
        return torch.squeeze(x)
    dims = (axis,) if isinstance(axis, int) else axis
    for d in dims:
        if x.shape[d] != 1:
            raise ValueError(f"Can not squeeze dim[{d}], expected a dimension of 1, got {x.shape[d]} "
                             f"(shape {tuple(x.shape)}).")
    return torch.squeeze(x, dims)


@symbolic
def tile(input, multiples, name=None):  # noqa: A002
    return to_tensor(input).repeat(as_ints(multiples))


@symbolic
def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """``params`` rows (along ``axis``, default ``batch_dims``) at ``indices``; ``batch_dims`` leading axes
    are shared by params and indices. Example: ``tf.gather(embeddings, ids)``."""
    x, idx = to_tensor(params), to_tensor(indices).long()
    batch_dims = int(batch_dims) % (idx.dim() + 1) if batch_dims < 0 else int(batch_dims)
    axis = batch_dims if axis is None else int(axis) % x.dim()
    if batch_dims == 0:
        out = torch.index_select(x, axis, idx.reshape(-1))
        return out.reshape(x.shape[:axis] + idx.shape + x.shape[axis + 1:])
    # batch_dims > 0: for each leading batch index b, gather(x[b], idx[b], axis - batch_dims)
    lead = x.shape[:batch_dims]
    xb = x.reshape((-1,) + x.shape[batch_dims:])
    ib = idx.reshape((-1,) + idx.shape[batch_dims:])
    parts = [gather(xb[b], ib[b], axis=axis - batch_dims) for b in range(xb.shape[0])]
    out = torch.stack(parts)
    return out.reshape(lead + out.shape[1:])


@symbolic
def gather_nd(params, indices, batch_dims=0, name=None):
    """Slices of ``params`` at the index tuples in the last axis of ``indices``."""
    x, idx = to_tensor(params), to_tensor(indices).long()
    if batch_dims:
        parts = [gather_nd(x[b], idx[b], batch_dims - 1) for b in range(x.shape[0])]
        return torch.stack(parts)
    depth = idx.shape[-1]
    flat = idx.reshape(-1, depth)
    out = x[tuple(flat[:, k] for k in range(depth))]
    return out.reshape(idx.shape[:-1] + x.shape[depth:])


@symbolic
def slice(input_, begin, size, name=None):  # noqa: A001  TensorFlow's name
    """The block starting at ``begin`` of ``size`` (-1: to the end of that axis)."""
    x = to_tensor(input_)
    begin, size = as_ints(begin), as_ints(size)
    return x[tuple(_py_slice(b, None if s == -1 else b + s) for b, s in zip(begin, size))]


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """A list of pieces: ``num_or_size_splits`` equal ones, or pieces of the given sizes (one may be -1)."""
    from .. import ops
    if not isinstance(value, torch.Tensor) and not hasattr(value, "__array__"):
        return ops.split(value, num_or_size_splits, axis=axis)
    x = to_tensor(value)
    axis = int(axis)
    if isinstance(num_or_size_splits, int) or (isinstance(num_or_size_splits, torch.Tensor)
                                               and num_or_size_splits.dim() == 0):
        n = int(num_or_size_splits)
        if x.shape[axis] % n:
            raise ValueError(f"Dimension {axis} of size {x.shape[axis]} cannot be split into {n} equal pieces.")
        return list(torch.split(x, x.shape[axis] // n, dim=axis))
    sizes = as_ints(num_or_size_splits)
    if -1 in sizes:
        sizes[sizes.index(-1)] = x.shape[axis] - (sum(sizes) + 1)
    if sum(sizes) != x.shape[axis]:
        raise ValueError(f"The sizes {sizes} do not add up to dimension {axis}'s size {x.shape[axis]}.")
    return list(torch.split(x, sizes, dim=axis))


@symbolic
def pad(tensor, paddings, mode="CONSTANT", constant_values=0, name=None):
    """``paddings`` = [[before, after]] per axis; mode CONSTANT, REFLECT or SYMMETRIC."""
    x = to_tensor(tensor)
    pads = [as_ints(p) for p in (paddings.tolist() if isinstance(paddings, torch.Tensor) else paddings)]
    mode = mode.upper()
    if mode == "CONSTANT":
        flat = [v for before, after in reversed(pads) for v in (before, after)]
        value = constant_values.item() if isinstance(constant_values, torch.Tensor) else constant_values
        return F.pad(x, flat, value=value)
    if mode not in ("REFLECT", "SYMMETRIC"):
        raise ValueError(f"tf.pad: mode must be 'CONSTANT', 'REFLECT' or 'SYMMETRIC'; received {mode!r}.")
    for axis, (before, after) in enumerate(pads):  # one axis at a time: torch's reflect pads trailing dims only
        if before == after == 0:
            continue
        n = x.shape[axis]
        if mode == "REFLECT":
            left = [before - i for i in range(before)]
            right = [n - 2 - i for i in range(after)]
        else:
            left = [before - 1 - i for i in range(before)]
            right = [n - 1 - i for i in range(after)]
        index = torch.tensor(left + list(range(n)) + right, device=x.device)
        x = torch.index_select(x, axis, index)
    return x


@symbolic
def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """One-hot vectors of ``depth`` along ``axis`` (default last); indices out of range give all off."""
    idx = to_tensor(indices).long()
    on = 1 if on_value is None else on_value
    off = 0 if off_value is None else off_value
    if dtype is None:
        dtype = to_tensor(on).dtype if on_value is not None else torch_dtype_of(float32)
    else:
        dtype = torch_dtype_of(dtype)
    depth = int(depth)
    valid = (idx >= 0) & (idx < depth)
    hot = F.one_hot(torch.where(valid, idx, 0), depth).bool() & valid.unsqueeze(-1)
    out = torch.where(hot, torch.as_tensor(on, dtype=dtype, device=idx.device),
                      torch.as_tensor(off, dtype=dtype, device=idx.device))
    return out if axis is None or axis == -1 else torch.movedim(out, -1, int(axis))


@symbolic
def where(condition, x=None, y=None, name=None):
    """With ``x`` and ``y``: elements of x where condition holds, else of y. Alone: the coordinates of
    the true elements, an int64 tensor of shape (n, rank)."""
    cond = to_tensor(condition).bool()
    if x is None and y is None:
        return torch.nonzero(cond).to(torch_dtype_of(int64))
    if x is None or y is None:
        raise ValueError("tf.where: give both x and y, or neither.")
    a, b = pair(x, y)
    return torch.where(cond, a, b)


@symbolic
def boolean_mask(tensor, mask, axis=None, name="boolean_mask"):
    """The elements (or slices from ``axis``) where ``mask`` is True, flattened over the mask's axes."""
    x, m = to_tensor(tensor), to_tensor(mask).bool()
    axis = 0 if axis is None else int(axis)
    lead = x.shape[:axis]
    flat = x.reshape(lead + (-1,) + x.shape[axis + m.dim():])
    return torch.index_select(flat, axis, torch.nonzero(m.reshape(-1)).reshape(-1))


@symbolic
def sequence_mask(lengths, maxlen=None, dtype=tf_bool, name=None):
    """``mask[..., j] = j < lengths[...]``. Example: ``tf.sequence_mask([1, 3], 4)``."""
    lens = to_tensor(lengths)
    n = int(lens.max()) if maxlen is None else int(maxlen)
    mask = torch.arange(n, device=lens.device) < lens.unsqueeze(-1)
    return mask.to(torch_dtype_of(dtype))


@symbolic
def reverse(tensor, axis, name=None):
    return torch.flip(to_tensor(tensor), as_ints(axis))


@symbolic
def broadcast_to(input, shape, name=None):  # noqa: A002
    return to_tensor(input).expand(as_ints(shape))


def broadcast_static_shape(shape_x, shape_y):
    from .tensor_shape import TensorShape
    return TensorShape(torch.broadcast_shapes(tuple(shape_x), tuple(shape_y)))


def broadcast_dynamic_shape(shape_x, shape_y):
    return torch.tensor(torch.broadcast_shapes(tuple(as_ints(shape_x)), tuple(as_ints(shape_y))), dtype=torch.int32)


def shape_n(input, out_type=None, name=None):  # noqa: A002
    from .tensors import shape
    return [shape(t) for t in input]


def meshgrid(*args, indexing="xy", **kwargs):
    return list(torch.meshgrid(*[to_tensor(a) for a in args], indexing=indexing))


@symbolic
def repeat(input, repeats, axis=None, name=None):  # noqa: A002
    x = to_tensor(input)
    reps = repeats if isinstance(repeats, int) else to_tensor(repeats).long()
    if axis is None:
        return torch.repeat_interleave(x.reshape(-1), reps)
    return torch.repeat_interleave(x, reps, dim=int(axis))


@symbolic
def roll(input, shift, axis, name=None):  # noqa: A002
    return torch.roll(to_tensor(input), as_ints(shift), as_ints(axis))


@symbolic
def sort(values, axis=-1, direction="ASCENDING", name=None):
    return torch.sort(to_tensor(values), dim=int(axis), descending=direction.upper() == "DESCENDING",
                      stable=True).values


@symbolic
def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    out = torch.sort(to_tensor(values), dim=int(axis), descending=direction.upper() == "DESCENDING", stable=True)
    return out.indices.to(torch.int32)


def unique(x, out_idx=None, name=None):
    """``(y, idx)``: the unique values in order of first appearance, and each element's index in y."""
    import collections
    t = to_tensor(x)
    values, inverse = torch.unique(t, sorted=True, return_inverse=True)
    first = torch.full((values.numel(),), t.numel(), dtype=torch.long, device=t.device)
    first = first.scatter_reduce(0, inverse, torch.arange(t.numel(), device=t.device), reduce="amin")
    order = torch.argsort(first)
    rank = torch.empty_like(order).scatter_(0, order, torch.arange(order.numel(), device=t.device))
    Unique = collections.namedtuple("Unique", ["y", "idx"])
    return Unique(values[order], rank[inverse].to(torch.int32 if out_idx is None else torch_dtype_of(out_idx)))


@symbolic
def searchsorted(sorted_sequence, values, side="left", out_type=torch.int32, name=None):
    return torch.searchsorted(to_tensor(sorted_sequence), to_tensor(values), right=side == "right").to(
        torch_dtype_of(out_type))


@symbolic
def histogram_fixed_width(values, value_range, nbins=100, dtype=torch.int32, name=None):
    v = to_tensor(values).reshape(-1).double()
    lo, hi = (float(b) for b in (value_range.tolist() if isinstance(value_range, torch.Tensor) else value_range))
    idx = torch.clamp(((v - lo) / (hi - lo) * nbins).floor().long(), 0, nbins - 1)
    return torch.bincount(idx, minlength=nbins).to(torch_dtype_of(dtype))


# ---------------------------------------------------------------- clipping
@symbolic
def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    x = to_tensor(t)
    lo, _ = pair(clip_value_min, x)
    hi, _ = pair(clip_value_max, x)
    return torch.minimum(torch.maximum(x, lo), hi)


@symbolic
def clip_by_norm(t, clip_norm, axes=None, name=None):
    """``t * clip_norm / max(norm(t), clip_norm)`` (the L2 norm over ``axes``, default all)."""
    x = to_tensor(t)
    dims = tuple(range(x.dim())) if axes is None else as_ints(axes)
    norm2 = torch.sum(x * x, dims, keepdim=True) if dims else x * x
    norm_ = torch.sqrt(norm2)
    clip = torch.as_tensor(clip_norm, dtype=x.dtype, device=x.device)
    return x * clip / torch.maximum(norm_, clip)


def global_norm(t_list, name=None):
    """The L2 norm of all the tensors together (None entries skipped)."""
    tensors = [to_tensor(t) for t in t_list if t is not None]
    return torch.sqrt(sum(torch.sum(t.float() * t.float()) for t in tensors))


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """``(clipped list, global norm)``: every tensor scaled by ``clip_norm / max(global_norm, clip_norm)``."""
    norm_ = global_norm(t_list) if use_norm is None else to_tensor(use_norm)
    scale = clip_norm / torch.maximum(norm_, torch.as_tensor(float(clip_norm), device=norm_.device))
    return [None if t is None else to_tensor(t) * scale.to(to_tensor(t).dtype) for t in t_list], norm_


# ---------------------------------------------------------------- scatter
@symbolic
def scatter_nd(indices, updates, shape, name=None):
    """A zero tensor of ``shape`` with ``updates`` added at ``indices`` (duplicates add up)."""
    upd = to_tensor(updates)
    out = torch.zeros(as_ints(shape), dtype=upd.dtype, device=upd.device)
    return tensor_scatter_nd_add(out, indices, upd)


def _nd_index(tensor, indices, updates):
    """(index tuple, updates as one row per index) for the scatter ops."""
    idx = to_tensor(indices).long()
    depth = idx.shape[-1]
    flat = idx.reshape(-1, depth)
    rows = to_tensor(updates).to(tensor.dtype).reshape((-1,) + tuple(tensor.shape[depth:]))
    return tuple(flat[:, k] for k in range(depth)), rows


@symbolic
def tensor_scatter_nd_update(tensor, indices, updates, name=None):
    """A copy of ``tensor`` with the slices at ``indices`` replaced by ``updates``."""
    x = to_tensor(tensor).clone()
    index, rows = _nd_index(x, indices, updates)
    return x.index_put_(index, rows)


@symbolic
def tensor_scatter_nd_add(tensor, indices, updates, name=None):
    """A copy of ``tensor`` with ``updates`` added at ``indices`` (duplicates add up)."""
    x = to_tensor(tensor).clone()
    index, rows = _nd_index(x, indices, updates)
    return x.index_put_(index, rows, accumulate=True)


# ---------------------------------------------------------------- products
@symbolic
def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False, a_is_sparse=False,
           b_is_sparse=False, output_type=None, grad_a=False, grad_b=False, name=None):
    """``a @ b`` over the last two axes (batched), optionally transposing / adjoining either side."""
    x, y = to_tensor(a), to_tensor(b)
    if transpose_a or adjoint_a:
        x = x.transpose(-1, -2)
        x = x.conj() if adjoint_a else x
    if transpose_b or adjoint_b:
        y = y.transpose(-1, -2)
        y = y.conj() if adjoint_b else y
    if x.dtype != y.dtype:
        raise TypeError(f"tf.matmul: both operands must have the same dtype; received {x.dtype} and {y.dtype}. "
                        "Cast one with tf.cast.")
    return torch.matmul(x, y)


@symbolic
def einsum(equation, *inputs, **kwargs):
    """Einstein summation. Example: ``tf.einsum("bij,ijkl->bkl", x, kernel)``."""
    return torch.einsum(equation, *[to_tensor(t) for t in inputs])


@symbolic
def tensordot(a, b, axes, name=None):
    x, y = to_tensor(a), to_tensor(b)
    if isinstance(axes, (list, tuple)):
        axes = [as_ints(ax) for ax in axes]
    return torch.tensordot(x, y, dims=axes)


@symbolic
def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None):  # noqa: A002
    """Vector norms (``ord`` 'euclidean', 1, 2, inf, any p) over ``axis``; matrix norms for a pair of axes
    ('fro', 1, inf)."""
    x = to_tensor(tensor)
    axis = as_axis(axis)
    keep = bool(keepdims)
    if isinstance(axis, tuple) and len(axis) == 2:
        o = "fro" if ord in ("euclidean", "fro") else ord
        return torch.linalg.matrix_norm(x, ord=o, dim=axis, keepdim=keep)
    o = 2 if ord in ("euclidean", "fro") else ord
    if axis is None:
        return torch.linalg.vector_norm(x.reshape(-1), ord=o, dim=0, keepdim=False).reshape(
            (1,) * x.dim() if keep else ())
    return torch.linalg.vector_norm(x, ord=o, dim=axis, keepdim=keep)
