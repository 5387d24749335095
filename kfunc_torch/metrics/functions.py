"""Metric functions: one value per sample (``binary_accuracy``, ``categorical_accuracy``, top-k, ...).

Example::

    >>> categorical_accuracy(torch.tensor([[0., 1.]]), torch.tensor([[0.3, 0.7]]))
    tensor([1.])
"""
from __future__ import annotations

import torch

from .. import losses as _losses

def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Per-sample mean of ``t == (p > threshold)``. Example: ``binary_accuracy(t, sigmoid_out)``."""
    y_true = _losses._match_rank(y_true, y_pred)
    return torch.mean((y_true == (y_pred > threshold).to(y_true.dtype)).float(), dim=-1)


def categorical_accuracy(y_true, y_pred):
    """``argmax(t) == argmax(p)`` per sample. Example: ``categorical_accuracy(onehot, probs)``."""
    return (torch.argmax(y_true, dim=-1) == torch.argmax(y_pred, dim=-1)).float()


def sparse_categorical_accuracy(y_true, y_pred):
    """``t == argmax(p)`` per sample, t the class id. Example: ``sparse_categorical_accuracy(ids, probs)``."""
    if y_true.dim() == y_pred.dim():
        y_true = y_true.squeeze(-1)
    return (y_true.long() == torch.argmax(y_pred, dim=-1)).float()


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Whether the true class is in the k largest outputs. Example: ``top_k_categorical_accuracy(t, p, k=3)``."""
    return sparse_top_k_categorical_accuracy(torch.argmax(y_true, dim=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Top-k accuracy with class ids as targets. Example: ``sparse_top_k_categorical_accuracy(ids, p)``."""
    if y_true.dim() == y_pred.dim():
        y_true = y_true.squeeze(-1)
    # Ties count as hits (as Keras's in_top_k): the true class's score reaches the k-th largest score.
    kth = torch.topk(y_pred, min(k, y_pred.shape[-1]), dim=-1).values[..., -1]
    target = torch.take_along_dim(y_pred, y_true.long().unsqueeze(-1), dim=-1).squeeze(-1)
    return (target >= kth).float()
