"""``keras.mixed_precision``: the global dtype policy (kept in dtype_policies.py) and fit's loss scaling.

Layers constructed under ``mixed_float16`` / ``mixed_bfloat16`` keep float32 weights and compute in
float16 / bfloat16 everywhere (``model(x)``, predict, evaluate, fit; see dtype_policies.py). With float16
on CUDA, fit scales the loss with ``torch.amp.GradScaler`` so that small gradients do not underflow
(Keras wraps the optimizer in a ``LossScaleOptimizer`` for the same reason).

Example::

    >>> from kfunc_torch import mixed_precision
    >>> mixed_precision.set_global_policy("mixed_bfloat16")
    >>> mixed_precision.global_policy().compute_dtype
    'bfloat16'
"""
from __future__ import annotations

import torch

from .dtype_policies import DTypePolicy, global_policy, set_global_policy

Policy = DTypePolicy  # Keras 2.4+'s name

# Keras 2.4-2.8 spellings, and Keras 3's (keras.mixed_precision.set_dtype_policy / dtype_policy)
set_policy = set_global_policy
set_dtype_policy, dtype_policy = set_global_policy, global_policy
experimental = type("experimental", (), {"__doc__": "Keras 2.4 `mixed_precision.experimental.set_policy('mixed_float16')`.",
                                         "Policy": Policy, "set_policy": staticmethod(set_global_policy),
                                         "global_policy": staticmethod(global_policy)})

__all__ = ["DTypePolicy", "Policy", "dtype_policy", "experimental", "global_policy", "make_grad_scaler",
           "set_dtype_policy", "set_global_policy", "set_policy"]


def make_grad_scaler(device: torch.device, policy: DTypePolicy | None = None):
    """A GradScaler for a ``mixed_float16`` model on CUDA (bfloat16 and CPU need none); None otherwise.

    Example: ``make_grad_scaler(torch.device("cpu")) is None``.
    """
    policy = policy if policy is not None else global_policy()
    if policy.name == "mixed_float16" and device.type == "cuda":
        return torch.amp.GradScaler("cuda")
    return None
