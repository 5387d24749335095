"""Weight regularizers: ``l1``, ``l2``, ``l1_l2`` by name or object. A layer's regularization
losses are collected in ``model.losses`` and added to the training loss.

Example::

    >>> Dense(64, kernel_regularizer=regularizers.l2(0.01))
"""
from __future__ import annotations

import torch


class Regularizer:
    """Base class: ``regularizer(w) -> scalar loss`` added to the training loss."""
    def __call__(self, x):
        return torch.zeros((), device=x.device)

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """``l1 * sum|w| + l2 * sum w^2``. Example: ``Dense(8, kernel_regularizer=L1L2(l1=0.01, l2=0.01))``."""
    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, x):
        loss = 0.0
        if self.l1:
            loss = loss + self.l1 * x.abs().sum()
        if self.l2:
            loss = loss + self.l2 * x.square().sum()
        return loss if isinstance(loss, torch.Tensor) else torch.zeros((), device=x.device)

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """``l1 * sum|w|`` (default 0.01). Example: ``L1(0.001)``."""
    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """``l2 * sum w^2`` (default 0.01). Example: ``L2(0.001)``."""
    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


def l1(l1=0.01):
    """Keras 2 spelling of L1. Example: ``Dense(8, kernel_regularizer=l1(0.01))``."""
    return L1(l1)


def l2(l2=0.01):
    """Keras 2 spelling of L2. Example: ``Dense(8, kernel_regularizer=l2(0.01))``."""
    return L2(l2)


def l1_l2(l1=0.01, l2=0.01):
    """Keras 2 spelling of L1L2. Example: ``l1_l2(l1=0.01, l2=0.01)``."""
    return L1L2(l1, l2)


_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2}


def get(identifier):
    """Resolve a regularizer by name, config dict or object. Example: ``get('l2')``."""
    if identifier is None or isinstance(identifier, Regularizer) or (callable(identifier) and not isinstance(identifier, str)):
        return identifier
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise ValueError(f"Unknown regularizer {identifier!r}. Expected one of: l1, l2, l1_l2.")
        return _BY_NAME[identifier]()
    if isinstance(identifier, dict):
        return _BY_NAME[identifier["class_name"]].from_config(identifier.get("config", {}))
    raise TypeError(f"Could not interpret regularizer {identifier!r}.")


def serialize(reg):
    """Keras config dict of a regularizer (None for None). Example: ``serialize(L2(0.01))``."""
    if reg is None:
        return None
    return {"class_name": type(reg).__name__, "config": reg.get_config()}
