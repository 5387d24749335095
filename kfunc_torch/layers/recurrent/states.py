"""The carried states of a stateful recurrent layer: ``layer.states``, ``reset_states``, batch checks.

A recurrent layer created with ``stateful=True`` keeps its final states after each call and starts
the next call from them (sample ``i`` of a batch continues sample ``i`` of the previous batch). As in
Keras, the states are variables outside ``layer.weights``: ``layer.states`` lists them (nested as the
cell's ``state_size`` for stacked cells), each a ``StateVariable`` (a tensor with Keras's variable
API: ``assign``, ``numpy()``, ``value``), in the layer's Keras layout (channels_last images for
ConvLSTM). They are created, zero, when the layer is built for a known batch size, or at its first
call; the batch size is then fixed, and a call with another batch size is an error (Keras's rule:
pass ``batch_size`` to ``Input`` / ``fit`` / ``predict`` so that every batch has that size).
``reset_states()`` zeroes them in place; ``reset_states(states)`` (Keras 2) sets them to arrays.

Example::

    >>> lstm = LSTM(64, stateful=True)
    >>> out = lstm(np.zeros((20, 10, 50), "float32"))
    >>> [tuple(s.shape) for s in lstm.states]        # h, c
    [(20, 64), (20, 64)]
    >>> lstm.reset_states()                          # zeros again
"""
from __future__ import annotations

import numpy as np
import torch
from torch.utils import _pytree as pytree


class StateVariable(torch.Tensor):
    """A state tensor with Keras's variable API (``assign``, ``numpy()``, ``value``).

    Operations on it return plain tensors (as ``nn.Parameter``'s do), so it costs nothing in a
    forward pass. Example: ``layer.states[0].assign(np.ones((20, 64)))``.
    """

    __torch_function__ = torch._C._disabled_torch_function_impl

    def __new__(cls, data: torch.Tensor):
        return torch.Tensor._make_subclass(cls, data.detach(), False)

    def assign(self, value):
        """Copy ``value`` (array or tensor of this shape) into the state, in place."""
        value = torch.as_tensor(np.asarray(value) if not isinstance(value, torch.Tensor) else value)
        if tuple(value.shape) != tuple(self.shape):
            raise ValueError(f"StateVariable.assign: expected a value of shape {tuple(self.shape)}, received "
                             f"shape {tuple(value.shape)}.")
        with torch.no_grad():
            self.copy_(value)
        return self

    def numpy(self, *, force: bool = False):  # noqa: ARG002  torch's signature
        return self.detach().cpu().numpy()

    @property
    def value(self) -> torch.Tensor:
        return self

    def __repr__(self):
        return f"<StateVariable shape={tuple(self.shape)}, dtype={self.dtype}>"

    def __reduce_ex__(self, proto):
        return (StateVariable, (torch.Tensor(self.detach().cpu()),))


class StatefulMixin:
    """States of a stateful recurrent layer (mixed into RNN, LSTM/GRU/SimpleRNN and ConvLSTM).

    The layer supplies ``_state_spec()`` (the pytree structure of its states, for ``states``) and
    calls ``_carried_states(batch, device, dtype)`` at the start of a call and ``_keep_states(leaves)``
    at its end, with flat lists of Keras-layout tensors.
    """

    _states = None  # flat list of StateVariable (Keras layout), or None before creation

    def _state_spec(self):
        return pytree.tree_structure([0] * len(self.state_size))

    @property
    def states(self):
        """The carried states (a list of ``StateVariable``; nested for stacked cells), or None when
        the layer is not stateful or has not run yet."""
        if self._states is None:
            return None
        return pytree.tree_unflatten(list(self._states), self._state_spec())

    @states.setter
    def states(self, values):
        if values is None:
            self.__dict__["_states"] = None
            return
        self._set_states(values, "states =")

    def reset_states(self, states=None):
        """Zero the carried states of a stateful layer (in place), or set them to ``states`` (a list of
        arrays matching ``layer.states``, as Keras 2's ``reset_states(states)``)."""
        if not self.stateful:
            raise AttributeError(f'Layer "{self.name}" is not stateful, so it has no states to reset; create it with '
                                 "stateful=True to carry states between batches.")
        if states is not None:
            self._set_states(states, "reset_states(states)")
        elif self._states is not None:
            with torch.no_grad():
                for s in self._states:
                    s.zero_()

    reset_state = reset_states

    def _set_states(self, values, where: str) -> None:
        leaves = pytree.tree_leaves(list(values) if isinstance(values, (list, tuple)) else [values])
        n = self._state_spec().num_leaves
        if len(leaves) != n:
            raise ValueError(f'Layer "{self.name}" has {n} state(s), but {where} received {len(leaves)} value(s).')
        leaves = [torch.as_tensor(np.asarray(v) if not isinstance(v, torch.Tensor) else v) for v in leaves]
        if self._states is not None:
            for i, (old, new) in enumerate(zip(self._states, leaves)):
                if tuple(old.shape) != tuple(new.shape):
                    raise ValueError(f'Layer "{self.name}": state {i} has shape {tuple(old.shape)}, but {where} '
                                     f"received shape {tuple(new.shape)}.")
            with torch.no_grad():
                for old, new in zip(self._states, leaves):
                    old.copy_(new)
            return
        self.__dict__["_states"] = [StateVariable(v if v.is_floating_point() else v.float()) for v in leaves]

    def _check_static_batch(self, batch) -> None:
        """At build: a stateful layer needs the batch size (Keras raises the same)."""
        if self.stateful and batch is None:
            raise ValueError(f'{type(self).__name__} layer "{self.name}" is stateful (stateful=True), so it needs a '
                             "static batch size, but its input has batch size None. Give the model its batch size: "
                             "Input(shape=..., batch_size=B) (or batch_input_shape=(B, ...) on the first layer), and "
                             "fit/predict with batch_size=B.")

    def _carried_states(self, batch: int, device, dtype):
        """The states to start this call from (copies, so that writing the new ones back cannot touch
        what backward needs), or None when there are none yet."""
        if not self.stateful or self._states is None:
            return None
        expected = self._states[0].shape[0]
        if batch != expected:
            raise ValueError(f'{type(self).__name__} layer "{self.name}" is stateful, so every batch must have the '
                             f"batch size of its states. Expected batch size: {expected}; received batch size: "
                             f"{batch}. Use batch_size={expected} in fit/predict/evaluate and a number of samples "
                             f"divisible by it, or call reset_states(states) with states of the new batch size.")
        return [s.to(device=device, dtype=dtype, copy=True) for s in self._states]

    def _keep_states(self, leaves) -> None:
        """Write a call's final states (Keras layout) into the carried states."""
        if not self.stateful:
            return
        old = self._states
        if old is not None and all(o.shape == n.shape and o.device == n.device for o, n in zip(old, leaves)):
            with torch.no_grad():
                for o, n in zip(old, leaves):
                    o.copy_(n.detach())
            return
        self.__dict__["_states"] = [StateVariable(n.detach().clone()) for n in leaves]

    def _create_states(self, zeros) -> None:
        """At build, for a known batch size: zero states (a flat list of Keras-layout tensors)."""
        if self.stateful and self._states is None:
            self.__dict__["_states"] = [StateVariable(z) for z in zeros]
