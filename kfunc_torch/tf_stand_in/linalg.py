"""``tf.linalg``: matrix products and decompositions on torch.linalg, TensorFlow's names and arguments.

Example::

    >>> tf.linalg.matmul(a, b, transpose_b=True)
    >>> tf.linalg.band_part(tf.ones((4, 4)), -1, 0)      # lower triangle
"""
from __future__ import annotations

import collections

import torch

from ._convert import symbolic, to_tensor
from .array_ops import einsum, matmul, norm, tensordot  # noqa: F401  tf.linalg exports them too
from .math import l2_normalize  # noqa: F401
from .tensors import eye  # noqa: F401

__all__ = ["matmul", "matvec", "einsum", "tensordot", "norm", "l2_normalize", "eye", "inv", "det", "slogdet",
           "logdet", "diag", "diag_part", "set_diag", "trace", "matrix_transpose", "adjoint", "band_part",
           "cholesky", "qr", "svd", "eigh", "solve", "triangular_solve", "pinv", "cross", "lstsq", "expm",
           "global_norm"]


@symbolic
def matvec(a, b, transpose_a=False, adjoint_a=False, name=None):
    m = to_tensor(a)
    if transpose_a or adjoint_a:
        m = m.transpose(-1, -2)
        m = m.conj() if adjoint_a else m
    return torch.matmul(m, to_tensor(b).unsqueeze(-1)).squeeze(-1)


@symbolic
def inv(input, adjoint=False, name=None):  # noqa: A002
    out = torch.linalg.inv(to_tensor(input))
    return out.transpose(-1, -2).conj() if adjoint else out


@symbolic
def det(input, name=None):  # noqa: A002
    return torch.linalg.det(to_tensor(input))


def slogdet(input, name=None):  # noqa: A002
    sign, logabs = torch.linalg.slogdet(to_tensor(input))
    return sign, logabs


@symbolic
def logdet(matrix, name=None):
    """log(det) of a Hermitian positive definite matrix, through its Cholesky factor."""
    chol = torch.linalg.cholesky(to_tensor(matrix))
    return 2 * torch.log(torch.diagonal(chol, dim1=-2, dim2=-1)).sum(-1)


@symbolic
def diag(diagonal, name="diag", k=0, num_rows=-1, num_cols=-1, padding_value=0, align="RIGHT_LEFT"):
    """A (batch of) square matrix with ``diagonal`` on its k-th diagonal."""
    return torch.diag_embed(to_tensor(diagonal), offset=int(k))


@symbolic
def diag_part(input, name="diag_part", k=0, padding_value=0, align="RIGHT_LEFT"):  # noqa: A002
    return torch.diagonal(to_tensor(input), offset=int(k), dim1=-2, dim2=-1)


@symbolic
def set_diag(input, diagonal, name="set_diag", k=0, align="RIGHT_LEFT"):  # noqa: A002
    x = to_tensor(input).clone()
    torch.diagonal(x, offset=int(k), dim1=-2, dim2=-1).copy_(to_tensor(diagonal))
    return x


@symbolic
def trace(x, name=None):
    return torch.diagonal(to_tensor(x), dim1=-2, dim2=-1).sum(-1)


@symbolic
def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    out = to_tensor(a).transpose(-1, -2)
    return out.conj() if conjugate else out


@symbolic
def adjoint(matrix, name=None):
    return to_tensor(matrix).transpose(-1, -2).conj()


@symbolic
def band_part(input, num_lower, num_upper, name=None):  # noqa: A002
    """Keep ``num_lower`` sub-diagonals and ``num_upper`` super-diagonals (-1: all of them)."""
    x = to_tensor(input)
    m, n = x.shape[-2], x.shape[-1]
    i = torch.arange(m, device=x.device).reshape(-1, 1)
    j = torch.arange(n, device=x.device).reshape(1, -1)
    keep = torch.ones(m, n, dtype=torch.bool, device=x.device)
    if int(num_lower) >= 0:
        keep &= (i - j) <= int(num_lower)
    if int(num_upper) >= 0:
        keep &= (j - i) <= int(num_upper)
    return torch.where(keep, x, torch.zeros((), dtype=x.dtype, device=x.device))


@symbolic
def cholesky(input, name=None):  # noqa: A002
    return torch.linalg.cholesky(to_tensor(input))


def qr(input, full_matrices=False, name=None):  # noqa: A002
    q, r = torch.linalg.qr(to_tensor(input), mode="complete" if full_matrices else "reduced")
    return collections.namedtuple("Qr", ["q", "r"])(q, r)


def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    """``(s, u, v)`` as TensorFlow orders them (v, not v^H); only ``s`` without ``compute_uv``."""
    x = to_tensor(tensor)
    if not compute_uv:
        return torch.linalg.svdvals(x)
    u, s, vh = torch.linalg.svd(x, full_matrices=full_matrices)
    return s, u, vh.transpose(-1, -2).conj()


def eigh(tensor, name=None):
    return torch.linalg.eigh(to_tensor(tensor))


@symbolic
def solve(matrix, rhs, adjoint=False, name=None):
    m = to_tensor(matrix)
    return torch.linalg.solve(m.transpose(-1, -2).conj() if adjoint else m, to_tensor(rhs))


@symbolic
def triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None):
    m = to_tensor(matrix)
    if adjoint:
        m, lower = m.transpose(-1, -2).conj(), not lower
    return torch.linalg.solve_triangular(m, to_tensor(rhs), upper=not lower)


@symbolic
def pinv(a, rcond=None, validate_args=False, name=None):
    return torch.linalg.pinv(to_tensor(a), rtol=rcond)


@symbolic
def cross(a, b, name=None):
    return torch.linalg.cross(to_tensor(a), to_tensor(b))


@symbolic
def lstsq(matrix, rhs, l2_regularizer=0.0, fast=True, name=None):
    m, r = to_tensor(matrix), to_tensor(rhs)
    if l2_regularizer:
        n = m.shape[-1]
        gram = m.transpose(-1, -2) @ m + l2_regularizer * torch.eye(n, dtype=m.dtype, device=m.device)
        return torch.linalg.solve(gram, m.transpose(-1, -2) @ r)
    return torch.linalg.lstsq(m, r).solution


@symbolic
def expm(input, name=None):  # noqa: A002
    return torch.linalg.matrix_exp(to_tensor(input))


def global_norm(t_list, name=None):
    from .array_ops import global_norm as _global_norm
    return _global_norm(t_list)
