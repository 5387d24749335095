"""Mixed precision: a global policy that makes fit/evaluate/predict run under ``torch.autocast``.

Weights stay float32; computation runs in float16 or bfloat16. With float16 on CUDA, fit scales the
loss with ``torch.amp.GradScaler`` so that small gradients do not underflow.

Example::

    >>> from kfunc_torch import mixed_precision
    >>> mixed_precision.set_global_policy("mixed_bfloat16")
    >>> mixed_precision.global_policy().compute_dtype
    'bfloat16'
"""
from __future__ import annotations

import contextlib

import torch

_POLICIES = {"float32": ("float32", "float32"), "mixed_float16": ("float16", "float32"),
             "mixed_bfloat16": ("bfloat16", "float32"), "float16": ("float16", "float16"),
             "bfloat16": ("bfloat16", "bfloat16")}


class Policy:
    """A dtype policy: ``Policy("mixed_float16").compute_dtype == "float16"``, ``variable_dtype == "float32"``."""

    def __init__(self, name):
        if name not in _POLICIES:
            raise ValueError(f"Unknown dtype policy {name!r}. Expected one of {sorted(_POLICIES)}, e.g. "
                             "set_global_policy('mixed_float16').")
        self.name = name
        self.compute_dtype, self.variable_dtype = _POLICIES[name]

    @property
    def is_mixed(self) -> bool:
        return self.compute_dtype != self.variable_dtype

    def __repr__(self):
        return f'<Policy "{self.name}">'


_state = {"policy": Policy("float32")}


def set_global_policy(policy) -> None:
    """Set the policy used by training and inference: 'float32', 'mixed_float16' or 'mixed_bfloat16'.

    Example: ``set_global_policy("mixed_float16")``.
    """
    _state["policy"] = policy if isinstance(policy, Policy) else Policy(policy)


def global_policy() -> Policy:
    """The current global policy. Example: ``global_policy().name`` is ``'float32'`` by default."""
    return _state["policy"]


# Keras 2.4-2.8 spellings, and Keras 3's (keras.mixed_precision.set_dtype_policy / DTypePolicy)
set_policy = set_global_policy
set_dtype_policy, dtype_policy, DTypePolicy = set_global_policy, global_policy, Policy
experimental = type("experimental", (), {"__doc__": "Keras 2.4 `mixed_precision.experimental.set_policy('mixed_float16')`.",
                                         "Policy": Policy, "set_policy": staticmethod(set_global_policy),
                                         "global_policy": staticmethod(global_policy)})


def autocast_context(device: torch.device):
    """``torch.autocast`` for the global policy on ``device`` (a no-op context for float32)."""
    policy = global_policy()
    if not policy.is_mixed:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=getattr(torch, policy.compute_dtype))


def make_grad_scaler(device: torch.device):
    """A GradScaler for float16 on CUDA (bfloat16 and CPU need none); None otherwise.

    Example: ``make_grad_scaler(torch.device("cpu")) is None``.
    """
    policy = global_policy()
    if policy.compute_dtype == "float16" and policy.is_mixed and device.type == "cuda":
        return torch.amp.GradScaler("cuda")
    return None
