"""Keras masks on tensors: ``tensor._keras_mask``, as Keras 3 attaches it, and ``call(mask=)`` filled
from it.

Keras 3 keeps a layer's output mask on the output tensor itself (``_keras_mask``, a boolean tensor
of the timesteps) and, when a layer is called on such a tensor, passes that mask to its
``call(..., mask=None)`` unless the caller passed one. So inside a subclassed layer or model,
``x = self.embedding(ids); y = self.lstm(x)`` skips the padded steps without naming the mask.
Eager calls go through ``before_call``/``after_call`` (``Layer._eager_call``); a functional model's
plan attaches the masks it tracks (``graph.py``); on a symbolic tensor ``x._keras_mask`` is a
KerasTensor recorded by a ``KerasMask`` layer, so it can be passed on (``LSTM(4)(x, mask=m)``).

Example::

    >>> e = Embedding(10, 3, mask_zero=True)
    >>> e(np.array([[1, 2, 0]]))._keras_mask
    tensor([[ True,  True, False]])
    >>> Input((None,), dtype="int32") ... ._keras_mask        # a KerasTensor, shape (None, None), bool
"""
from __future__ import annotations

import inspect

import torch
from torch.utils import _pytree as pytree

from .keras_tensor import KerasTensor

_OWN_MASK: dict = {}      # class -> 0: base compute_mask, 1: kfunc_torch's own override, 2: a user's
_CALL_PARAMS: dict = {}   # class -> the parameter names of its call()


def makes_masks(layer) -> bool:
    """Whether ``layer`` can produce a mask from unmasked inputs (Embedding(mask_zero=True), Masking, a
    user's layer with its own compute_mask): its eager calls take the masked path. Keras 3 counts a
    layer that defines compute_mask as supporting masks unless it says otherwise; our own layers set
    ``supports_masking`` themselves (Embedding: only with mask_zero). A model's compute_mask is left
    out: its plan attaches the masks it tracks itself."""
    cls = type(layer)
    own = _OWN_MASK.get(cls)
    if own is None:
        from .layer import Layer
        from .registry import builtin
        method = cls.compute_mask
        if method is Layer.compute_mask or method is getattr(builtin("Functional"), "compute_mask", None):
            own = 0
        else:
            defining = next(k for k in cls.__mro__ if "compute_mask" in k.__dict__)
            own = 1 if defining.__module__.startswith("kfunc_torch.") else 2
        _OWN_MASK[cls] = own
    return own == 2 or (own == 1 and layer.supports_masking)


def supports_masks(layer) -> bool:
    """Keras 3's ``supports_masking``: whether the layer's outputs get masks (see makes_masks)."""
    return layer.supports_masking or makes_masks(layer)


def mask_of(x):
    """The ``_keras_mask`` of a tensor (None if it has none), or a list of them for a list of tensors."""
    if isinstance(x, (list, tuple)):
        masks = [getattr(t, "_keras_mask", None) if isinstance(t, torch.Tensor) else None for t in x]
        return masks if any(m is not None for m in masks) else None
    return getattr(x, "_keras_mask", None) if isinstance(x, torch.Tensor) else None


def set_mask(x, mask) -> None:
    """Attach ``mask`` to tensor ``x`` (Keras 3's ``set_keras_mask``)."""
    if isinstance(x, torch.Tensor):
        x._keras_mask = mask


def call_params(layer) -> tuple:
    cls = type(layer)
    params = _CALL_PARAMS.get(cls) if "call" not in layer.__dict__ else None
    if params is None:
        try:
            params = tuple(inspect.signature(layer.call).parameters)
        except (TypeError, ValueError):
            params = ()
        if "call" not in layer.__dict__:
            _CALL_PARAMS[cls] = params
    return params


def _holds_tensor(v) -> bool:
    if isinstance(v, torch.Tensor):
        return True
    return isinstance(v, (list, tuple, dict)) and any(isinstance(t, torch.Tensor) for t in pytree.tree_leaves(v))


def before_call(layer, args, kwargs):
    """Fill ``mask=`` (or ``<arg>_mask=``) from the inputs' ``_keras_mask`` as Keras 3 does; returns
    ``(kwargs, previous_mask)``, or None when no mask is involved (the common case)."""
    first = args[0] if args else kwargs.get("inputs")
    previous = mask_of(first)
    given = kwargs.get("mask")
    if len(args) <= 1 and not any(_holds_tensor(v) for k, v in kwargs.items() if k != "mask"):
        # one tensor argument (the common case): its mask goes to call(mask=) unless one is given
        if given is not None:
            return kwargs, given
        if previous is not None:
            if "mask" in call_params(layer):
                kwargs = {**kwargs, "mask": previous}
            return kwargs, previous
        return (kwargs, None) if makes_masks(layer) else None
    params = call_params(layer)
    named = dict(zip([p for p in params if p != "self"], args))
    named.update(kwargs)
    tensor_args = {k: v for k, v in named.items() if k != "mask" and not k.endswith("_mask") and _holds_tensor(v)}
    if len(tensor_args) > 1:  # MultiHeadAttention(query, value): query_mask, value_mask
        for name, value in tensor_args.items():
            key = f"{name}_mask"
            if key in params and kwargs.get(key) is None:
                mask = mask_of(value)
                if mask is not None:
                    kwargs = {**kwargs, key: mask}
    elif "mask" in params and given is None and previous is not None:
        kwargs = {**kwargs, "mask": previous}
    if given is not None:
        previous = given
    return kwargs, previous


def after_call(layer, args, kwargs, outputs, previous) -> None:
    """Attach the layer's output mask(s) to its outputs (those without one already), as Keras 3's
    ``_set_mask_metadata`` does; only layers that support masking pass masks on."""
    if not supports_masks(layer):
        return
    flat = [t for t in pytree.tree_leaves(outputs) if isinstance(t, torch.Tensor)]
    if not flat or all(getattr(t, "_keras_mask", None) is not None for t in flat):
        return
    first = args[0] if args else kwargs.get("inputs")
    masks = layer.compute_mask(first, previous)
    if masks is None:
        return
    flat_masks = pytree.tree_leaves(masks) if isinstance(masks, (list, tuple, dict)) else [masks] * len(flat)
    for t, m in zip(flat, flat_masks):
        if m is not None and getattr(t, "_keras_mask", None) is None:
            t._keras_mask = m


def symbolic_mask(tensor: KerasTensor) -> KerasTensor:
    """``x._keras_mask`` on a symbolic tensor that carries a mask: a boolean KerasTensor of the
    timesteps (the shape without its last axis), computed in the graph by a ``KerasMask`` layer."""
    cached = tensor._mask_tensor
    if cached is None:
        from ..naming import unique_name
        from .op_layer import KerasMask
        cached = KerasMask(name=unique_name("keras_mask"))(tensor)
        tensor._mask_tensor = cached
    return cached
