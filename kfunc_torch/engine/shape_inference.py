"""Shape inference on torch's meta device: a layer without an explicit ``compute_output_shape``
(a ``Lambda``, a user's custom layer) is run on meta tensors, which carry shapes and dtypes but no
data, so no FLOPs are spent. Running twice with two stand-in sizes for each unknown (None)
dimension tells which output dimensions follow an unknown input dimension.

Example::

    >>> Lambda(lambda t: t.mean(1))(Input(shape=(None, 8))).shape     # inferred here
    (None, 8)
"""
from __future__ import annotations

import torch
from torch.utils import _pytree as pytree

from . import call_context
from .keras_tensor import KerasTensor
from .masking import call_params

# Stand-in sizes for unknown (None) dimensions.
_META_FILLS = (5, 7)


class MetaInference:
    """Mixin of Layer: output shapes, dtypes and mask flags inferred on the meta device."""

    def _meta_values(self, args, kwargs, fill):
        def to_meta(v):
            if isinstance(v, KerasTensor):
                return torch.empty([fill if d is None else d for d in v.shape], dtype=v.torch_dtype, device="meta")
            return v
        return pytree.tree_map(to_meta, (args, kwargs))

    def _run_on_meta(self, margs, mkwargs):
        state = {k: _meta_like(v) for k, v in self.state_dict(keep_vars=True).items()}
        with torch.no_grad(), torch.device("meta"):  # factory calls in call() (K.random_normal) follow
            return torch.func.functional_call(self, state, tuple(margs), mkwargs, strict=False, tie_weights=True)

    def _run_on_zeros(self, args, kwargs, fill):
        """Run call() on real zeros on the layer's device: for a call that meta tensors cannot run (it
        reads values: ``.numpy()``, ``float(x)``, data-dependent shapes, tensors it creates on a device).
        Weights and buffers it writes (a running sum's ``assign_add``) are put back afterwards."""
        device = self._device()

        def to_zeros(v):
            if isinstance(v, KerasTensor):
                return torch.zeros([fill if d is None else d for d in v.shape], dtype=v.torch_dtype, device=device)
            return v
        rargs, rkwargs = pytree.tree_map(to_zeros, (args, kwargs))
        saved = [(t, t.detach().clone()) for t in self.state_dict(keep_vars=True).values()]
        try:
            with torch.no_grad():
                return self.forward(*rargs, **rkwargs)
        finally:
            with torch.no_grad():
                for t, value in saved:
                    t.copy_(value)

    def _meta_infer(self, args, kwargs):
        """Find output shapes and dtypes by running call() on the meta device (no computation), or
        on small zero batches where meta tensors cannot run it."""
        kwargs = _with_mask_stand_ins(self, args, kwargs)
        has_unknown = any(None in x.shape for x in pytree.tree_leaves((args, kwargs)) if isinstance(x, KerasTensor))
        results = []
        for fill in (_META_FILLS if has_unknown else _META_FILLS[:1]):
            try:
                with call_context.inferring():
                    out = self._run_on_meta(*self._meta_values(args, kwargs, fill))
            except Exception:
                try:
                    with call_context.inferring():
                        out = self._run_on_zeros(args, kwargs, fill)
                except Exception as e:  # the user's layer failed on these shapes: say which layer and shapes
                    shapes = [x.shape for x in pytree.tree_leaves((args, kwargs)) if isinstance(x, KerasTensor)]
                    raise type(e)(f'Layer "{self.name}" ({type(self).__name__}) failed when called on inputs of '
                                  f"shape {', '.join(map(str, shapes))}: {e}") from e
            results.append(out)
        if len(results) == 1:
            return pytree.tree_map(lambda t: (tuple(t.shape), t.dtype), results[0])
        return pytree.tree_map(
            lambda a, b: (tuple(x if x == y else None for x, y in zip(a.shape, b.shape)), a.dtype),
            results[0], results[1])

    def _outputs_from_spec(self, args, kwargs):
        """New KerasTensors with the shapes and dtypes of the user's ``compute_output_spec(*args)``."""
        spec = self.compute_output_spec(*args, **kwargs)

        def fresh(t):
            if isinstance(t, KerasTensor):
                return KerasTensor(t.shape, t.torch_dtype)
            if hasattr(t, "shape") and hasattr(t, "dtype"):  # a torch tensor or array standing in
                return KerasTensor(tuple(t.shape), t.dtype)
            raise TypeError(f'compute_output_spec of layer "{self.name}" ({type(self).__name__}) returned '
                            f"{t!r}; expected KerasTensor(shape, dtype=...) or a list/dict of them.")
        return pytree.tree_map(fresh, spec, is_leaf=lambda v: isinstance(v, KerasTensor))

    def _infer_masks(self, args, kwargs, in_tensors, outputs) -> None:
        """Mark outputs that carry a Keras mask, by running compute_mask on meta tensors."""
        overrides = _overrides_compute_mask(type(self))
        if not overrides:
            if not self.supports_masking:
                return
            for t in in_tensors:
                if t._has_mask:
                    break
            else:
                return
        margs, _ = self._meta_values(args, kwargs, _META_FILLS[0])
        first = margs[0] if margs else None
        masks = _input_masks_meta(args[0] if args else None, _META_FILLS[0])
        mask = self.compute_mask(first, masks)
        flat_out = pytree.tree_leaves(outputs)
        flat_mask = mask if isinstance(mask, (list, tuple)) else [mask] * len(flat_out)
        for t, m in zip(flat_out, flat_mask):
            t._has_mask = m is not None


def _with_mask_stand_ins(layer, args, kwargs):
    """A ``call(x, mask=None)`` on a masked input receives a mask while its shapes are inferred, as in
    Keras 3 (the guide's TemporalSoftmax casts it): a boolean stand-in of the timesteps."""
    first = args[0] if args else kwargs.get("inputs")
    if kwargs.get("mask") is not None or "mask" not in call_params(layer):
        return kwargs

    def stand_in(t):
        if isinstance(t, KerasTensor) and t._has_mask:
            return KerasTensor(t.shape[:-1], torch.bool)
        return None
    if isinstance(first, (list, tuple)):
        mask = [stand_in(t) for t in first]
        if all(m is None for m in mask):
            return kwargs
    else:
        mask = stand_in(first)
        if mask is None:
            return kwargs
    return {**kwargs, "mask": mask}


def _meta_like(t):
    """A meta tensor standing in for ``t``; a Variable stays a Variable (``self.total.assign_add(...)``
    in call works on the stand-in)."""
    from .variable import Variable
    if isinstance(t, Variable):
        return Variable(torch.empty_like(t, device="meta"), requires_grad=False, name=t.name, path=t.path)
    return torch.empty_like(t, device="meta")


_OVERRIDES_MASK: dict = {}


def _overrides_compute_mask(cls) -> bool:
    """Whether ``cls`` defines its own compute_mask (the base one only passes masks through)."""
    known = _OVERRIDES_MASK.get(cls)
    if known is None:
        from .layer import Layer
        known = _OVERRIDES_MASK[cls] = cls.compute_mask is not Layer.compute_mask
    return known


def _input_masks_meta(first, fill):
    def m(t):
        if isinstance(t, KerasTensor) and t._has_mask:
            return torch.empty([fill if d is None else d for d in t.shape[:2]], dtype=torch.bool, device="meta")
        return None
    if isinstance(first, (list, tuple)):
        return [m(t) for t in first]
    return m(first)
