"""Losses and metrics that layers add while they run: ``add_loss``, ``losses``, ``add_metric``.

Keras semantics: a tensor passed to ``add_loss`` inside ``call`` belongs to that call; it is dropped
when the layer (or a layer or model around it) is called again, so ``layer.losses`` holds the losses
of the last forward pass plus the regularization losses of the current weights, and ``fit`` adds the
step's ones to its loss. A zero-argument callable (Keras 2) is kept and re-evaluated each time. On a
functional model, ``model.add_loss(symbolic_tensor)`` (the Keras 2 VAE pattern) makes the tensor an
extra output of the model's graph, computed on every forward pass (engine/functional.py).

The layers holding call losses are listed in ``call_context.loss_owners``; while that list is empty
(no layer uses add_loss in call) a layer call pays one truthiness test for all this.

Example::

    >>> class ActivityReg(Layer):
    ...     def call(self, x):
    ...         self.add_loss(1e-2 * ops.mean(x))
    ...         return x
    >>> layer = ActivityReg(); _ = layer(ops.zeros((1, 1))); _ = layer(ops.zeros((1, 1)))
    >>> len(layer.losses)
    1
"""
from __future__ import annotations

import torch

from . import call_context
from .keras_tensor import KerasTensor


class LossAPI:
    """Mixin of Layer."""

    def add_loss(self, loss) -> None:
        """Add a loss: a tensor computed in ``call`` (this pass only), a zero-argument callable (kept),
        or, on a functional model, a symbolic tensor of its inputs (computed on every pass)."""
        if isinstance(loss, (list, tuple)):
            for x in loss:
                self.add_loss(x)
            return
        if isinstance(loss, KerasTensor):
            add_symbolic = getattr(self, "_add_symbolic_loss", None)
            if add_symbolic is None:
                raise ValueError(f'Layer "{self.name}": add_loss() received a symbolic tensor. Only a functional '
                                 "model takes one (model.add_loss(tensor_of_its_inputs)); inside a layer's call(), "
                                 "add the loss computed from the call's inputs.")
            add_symbolic(loss)
            return
        if callable(loss) and not isinstance(loss, torch.Tensor):
            self._layer_losses.append(loss)
            return
        if call_context.STATE.inferring:  # shape inference runs call() on stand-ins: not a real pass
            return
        if not isinstance(loss, torch.Tensor):
            loss = torch.as_tensor(loss, dtype=torch.float32)
        losses = self.__dict__.get("_call_losses")
        if losses is None:
            losses = self.__dict__["_call_losses"] = []
        if not losses:
            call_context.add_loss_owner(self)
        losses.append(loss)

    def add_metric(self, value, name=None, aggregation="mean") -> None:
        """Keras 2: track the mean of ``value`` over the epoch as the metric ``name`` (in fit's logs)."""
        if isinstance(value, KerasTensor):
            add_symbolic = getattr(self, "_add_symbolic_metric", None)
            if add_symbolic is None:
                raise ValueError(f'Layer "{self.name}": add_metric() received a symbolic tensor; only a functional '
                                 "model takes one.")
            add_symbolic(value, name)
            return
        if call_context.STATE.inferring:
            return
        if name is None:
            raise ValueError("add_metric() needs a name= for the metric it adds, e.g. add_metric(x, name='mean_x').")
        if aggregation not in (None, "mean"):
            raise ValueError(f"add_metric(aggregation={aggregation!r}): only 'mean' is supported, as in Keras 2.")
        from ..metrics import Mean
        added = self.__dict__.get("_added_metrics")
        if added is None:
            added = self.__dict__["_added_metrics"] = {}
        if name not in added:
            added[name] = Mean(name=name)
        value = value if isinstance(value, torch.Tensor) else torch.as_tensor(value, dtype=torch.float32)
        added[name].update_state(value.detach())

    @property
    def losses(self) -> list[torch.Tensor]:
        """This layer's and its sublayers' losses: regularization of the current weights, the losses
        added during the last call, and callables added with add_loss (evaluated now)."""
        out = []
        for layer in self._flatten_layers():
            for attr, reg in layer._regularizers:
                out.append(reg(getattr(layer, attr)))
            for loss in layer._layer_losses:
                out.append(loss() if callable(loss) else loss)
            out.extend(layer.__dict__.get("_call_losses") or ())
            out.extend(layer._activity_losses)
        return out

    def _clear_call_losses(self) -> None:
        """Drop the call losses of this layer and its sublayers (a new pass over them starts)."""
        if not self._modules:
            if self.__dict__.get("_call_losses"):
                self.__dict__["_call_losses"] = []
                call_context.discard_loss_owner(self)
            return
        inside = {id(l) for l in self._flatten_layers()}
        for owner in call_context.live_loss_owners():
            if id(owner) in inside:
                owner.__dict__["_call_losses"] = []
                call_context.discard_loss_owner(owner)

    @property
    def _activity_layers(self) -> list:
        """This layer and its sublayers that have an activity regularizer (cached; usually empty)."""
        if not self._modules:  # a leaf layer: no walk, nothing to cache
            return (self,) if self.activity_regularizer is not None else ()
        cached = self.__dict__.get("_activity_layers_cache")
        if cached is None or cached[0] != len(self._modules):
            found = [l for l in self._flatten_layers() if l.activity_regularizer is not None]
            cached = (len(self._modules), found)
            object.__setattr__(self, "_activity_layers_cache", cached)
        return cached[1]

    def _has_losses(self) -> bool:
        return any(layer._regularizers or layer._layer_losses or layer.activity_regularizer is not None
                   or layer.__dict__.get("_call_losses") for layer in self._flatten_layers())


def call_losses_in(layer_ids: set) -> list:
    """The call losses of this pass held by the layers whose ids are in ``layer_ids``."""
    out = []
    for owner in call_context.live_loss_owners():
        if id(owner) in layer_ids:
            out.extend(owner.__dict__["_call_losses"])
    return out


def added_metrics_of(layers) -> list:
    """The add_metric() metrics of ``layers`` (Keras 2 logs them after the compiled metrics)."""
    out = []
    for layer in layers:
        added = layer.__dict__.get("_added_metrics")
        if added:
            out.extend(added.values())
    return out
