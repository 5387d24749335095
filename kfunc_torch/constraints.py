"""Weight constraints applied after each optimizer step: ``max_norm``, ``non_neg``, ``unit_norm``,
``min_max_norm``. Axes follow Keras's layout of the weight.

Example::

    >>> Dense(64, kernel_constraint=constraints.max_norm(2.0))
"""
from __future__ import annotations

import torch


class Constraint:
    """Base class: ``constraint(w) -> w'``, applied to a weight after each optimizer step."""
    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class MaxNorm(Constraint):
    """Rescale so that the norm along ``axis`` is at most ``max_value``. Example: ``Dense(8, kernel_constraint=MaxNorm(2.))``."""
    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        norms = torch.sqrt(torch.sum(w * w, dim=self.axis, keepdim=True))
        desired = torch.clamp(norms, 0, self.max_value)
        return w * (desired / (1e-7 + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Zero the negative entries. Example: ``Dense(8, kernel_constraint=NonNeg())``."""
    def __call__(self, w):
        return w * (w >= 0).to(w.dtype)


class UnitNorm(Constraint):
    """Rescale to unit norm along ``axis``. Example: ``Dense(8, kernel_constraint=UnitNorm())``."""
    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (1e-7 + torch.sqrt(torch.sum(w * w, dim=self.axis, keepdim=True)))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Keep the norm along ``axis`` in [min_value, max_value] (moved there at ``rate``). Example: ``MinMaxNorm(0.5, 1.0)``."""
    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        norms = torch.sqrt(torch.sum(w * w, dim=self.axis, keepdim=True))
        desired = self.rate * torch.clamp(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (1e-7 + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm
_BY_NAME = {"max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm, "min_max_norm": MinMaxNorm,
            "MaxNorm": MaxNorm, "NonNeg": NonNeg, "UnitNorm": UnitNorm, "MinMaxNorm": MinMaxNorm}


def get(identifier):
    """Resolve a constraint by name, config dict or object. Example: ``get('max_norm')``."""
    if identifier is None or isinstance(identifier, Constraint) or (callable(identifier) and not isinstance(identifier, str)):
        return identifier
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise ValueError(f"Unknown constraint {identifier!r}. Expected one of: max_norm, non_neg, unit_norm, min_max_norm.")
        return _BY_NAME[identifier]()
    if isinstance(identifier, dict):
        return _BY_NAME[identifier["class_name"]].from_config(identifier.get("config", {}))
    raise TypeError(f"Could not interpret constraint {identifier!r}.")


def serialize(c):
    """Keras config dict of a constraint (None for None). Example: ``serialize(MaxNorm(2))``."""
    if c is None:
        return None
    return {"class_name": type(c).__name__, "config": c.get_config()}
