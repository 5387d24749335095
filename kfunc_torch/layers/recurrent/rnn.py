"""Keras's generic recurrent layer ``RNN(cell)`` and ``StackedRNNCells`` (the cells are in ``cells.py``).

A cell computes one time step: ``cell(inputs, states, training=None)`` takes the step's input
(batch, features) and the list of states, and returns ``(output, new_states)``. It declares
``state_size`` (an int, or a list with one entry per state) and optionally ``output_size``. ``RNN``
runs any such cell over the time axis in a Python loop; the built-in cells keep Keras's weights
(``kernel`` (d, G·u), ``recurrent_kernel`` (u, G·u), ``bias``) in Keras's layout and gate order, so
counts and get_weights/set_weights exchange with Keras. (The layers SimpleRNN/LSTM/GRU in
``layers.py`` compute the same functions on torch's fused kernels; ``RNN(LSTMCell(u))`` always
steps in Python, as Keras 3 itself does, and its results agree with ``LSTM(u)`` to float rounding.)

Keras semantics kept here: the cell sees the states as a sequence (a tuple, as Keras 3 passes them);
a masked step (``Masking``, ``Embedding(mask_zero=True)``, ``mask=``) leaves the states unchanged
and repeats the previous output (zeros before the first valid step), or outputs zeros with
``zero_output_for_mask=True``; ``go_backwards`` returns the sequence in processing (reversed)
order; a list of cells means ``StackedRNNCells``, whose states are nested, one entry per cell;
dropout masks are drawn once per sequence (per ``RNN`` call) and reused at every step.

Example::

    >>> x = Input(shape=(None, 5))
    >>> RNN(LSTMCell(8))(x).shape                 # the same 4·(8·(5+8) + 8) = 448 weights as LSTM(8)
    (None, 8)
    >>> out, [h1, c1], [h2, c2] = RNN([LSTMCell(8), LSTMCell(4)], return_state=True)(x)
"""
from __future__ import annotations

import torch
from torch import nn
from torch.utils import _pytree as pytree

from ...engine.layer import Layer, call_accepts
from .arguments import unpack_call
from .cells import _is_nested
from .states import StatefulMixin

__all__ = ["RNN", "StackedRNNCells"]

def _check_cell(cell, where: str) -> None:
    if not callable(getattr(cell, "call", None)):
        raise ValueError(f"{where}: a cell needs a `call(inputs, states)` method; received {cell!r:.100}.")
    if getattr(cell, "state_size", None) is None:
        raise ValueError(f"{where}: the cell {type(cell).__name__} has no `state_size` attribute (an integer, or a "
                         "list of integers with one entry per state). Set it in the cell's __init__, e.g. "
                         "`self.state_size = units`.")


def _cell_output_size(cell):
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    state_size = cell.state_size
    return state_size[0] if _is_nested(state_size) else state_size


def _call_cell(cell, inputs, states, training):
    """Call a cell the way Keras does: through ``__call__`` (hooks run), ``training`` only where accepted."""
    kwargs = {"training": training} if _accepts_training(cell) else {}
    if isinstance(cell, Layer) and cell.built:
        return nn.Module.__call__(cell, inputs, states, **kwargs)  # the eager path, without its argument walk
    if callable(cell):
        return cell(inputs, states, **kwargs)
    return cell.call(inputs, states, **kwargs)


def _accepts_training(cell) -> bool:
    if isinstance(cell, Layer):
        return call_accepts(cell, "training")
    import inspect
    try:
        return "training" in inspect.signature(cell.call).parameters
    except (TypeError, ValueError):
        return False


def _build_cell(cell, shape) -> None:
    if isinstance(cell, Layer):
        cell._maybe_build(shape)
    elif hasattr(cell, "build") and not getattr(cell, "built", False):
        cell.build(shape)


class StackedRNNCells(Layer):
    """A stack of cells that behaves as one cell: each cell's output is the next cell's input.

    ``state_size`` is the list of the cells' state sizes, so the states are nested, one entry per
    cell (``[[h1, c1], [h2, c2]]`` for two LSTMCells); ``output_size`` is the last cell's.
    ``RNN([cell1, cell2])`` builds one for you.

    Example::

        >>> cells = StackedRNNCells([LSTMCell(8), GRUCell(4)])
        >>> cells.state_size
        [[8, 8], 4]
        >>> RNN(cells)(Input(shape=(None, 3))).shape
        (None, 4)
    """

    def __init__(self, cells, **kwargs):
        if not _is_nested(cells) or not cells:
            raise ValueError(f"StackedRNNCells takes a non-empty list of cells; received {cells!r:.100}.")
        for cell in cells:
            _check_cell(cell, "StackedRNNCells")
        super().__init__(**kwargs)
        self.cells = list(cells)
        for i, cell in enumerate(self.cells):
            if isinstance(cell, nn.Module):
                self.add_module(str(i), cell)

    @property
    def state_size(self):
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        return _cell_output_size(self.cells[-1])

    def get_initial_state(self, batch_size=None):
        out = []
        for cell in self.cells:
            fn = getattr(cell, "get_initial_state", None)
            if fn is not None:
                out.append(fn(batch_size=batch_size))
            elif _is_nested(cell.state_size):
                out.append([torch.zeros(batch_size, s) for s in cell.state_size])
            else:
                out.append(torch.zeros(batch_size, cell.state_size))
        return out

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            _build_cell(cell, shape)
            shape = (shape[0], _cell_output_size(cell))
        self.built = True

    def call(self, inputs, states, training=None):
        if training is None:
            training = self.training
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            was_list = _is_nested(cell_states)
            cell_states = list(cell_states) if was_list else [cell_states]
            inputs, cell_states = _call_cell(cell, inputs, cell_states, training)
            if not _is_nested(cell_states):
                cell_states = [cell_states]
            new_states.append(cell_states[0] if len(cell_states) == 1 and not was_list else list(cell_states))
        return inputs, new_states

    def _saveable_children(self):
        return [("cells", list(self.cells))]

    def get_config(self):
        return {**super().get_config(), "cells": [_cell_config(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["cells"] = [_cell_from_config(c, custom_objects) for c in config["cells"]]
        return cls(**config)


def _cell_config(cell) -> dict:
    return {"module": "keras.layers", "class_name": type(cell).__name__, "config": cell.get_config(),
            "registered_name": None}


def _cell_from_config(spec, custom_objects=None):
    if not isinstance(spec, dict):
        return spec  # already a cell
    from ...engine.layer_config import deserialize_layer
    return deserialize_layer(spec, custom_objects)


# ============================================================================ RNN
class RNN(StatefulMixin, Layer):
    """Keras's generic recurrent layer: runs ``cell`` over the time axis of (batch, time, features).

    ``cell``: a cell (any layer with ``state_size`` and ``call(inputs, states)`` returning
    ``(output, new_states)``) or a list of cells (a ``StackedRNNCells``). ``return_sequences``:
    the output at every step (batch, time, output_size) instead of the last one. ``return_state``:
    also return the final states (``[output, *states]``). ``go_backwards``: process the sequence
    in reverse (and return it reversed). ``stateful``: carry the final states of a batch into the
    next call (``reset_states()`` forgets them). ``unroll`` is accepted and ignored (the loop is
    already a Python loop). ``zero_output_for_mask``: zeros instead of the previous output at masked
    steps. Call with ``initial_state=`` (a tensor, or a list matching ``state_size``) and ``mask=``
    (or let a Masking / Embedding(mask_zero=True) layer upstream supply it).

    Example (the custom cell from the Keras guide)::

        >>> class MinimalRNNCell(Layer):
        ...     def __init__(self, units, **kwargs):
        ...         super().__init__(**kwargs)
        ...         self.units = units
        ...         self.state_size = units
        ...     def build(self, input_shape):
        ...         self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        ...         self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
        ...                                                 name="recurrent_kernel")
        ...     def call(self, inputs, states):
        ...         output = inputs @ self.kernel + states[0] @ self.recurrent_kernel
        ...         return output, [output]
        >>> RNN(MinimalRNNCell(32))(Input(shape=(None, 5))).shape
        (None, 32)
        >>> RNN([MinimalRNNCell(32), MinimalRNNCell(64)])(Input(shape=(None, 5))).shape
        (None, 64)
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, zero_output_for_mask=False, time_major=False, **kwargs):
        if _is_nested(cell):
            cell = StackedRNNCells(cell)
        elif isinstance(cell, dict):
            cell = _cell_from_config(cell, kwargs.pop("custom_objects", None))
        _check_cell(cell, "RNN")
        state_size = cell.state_size
        if not isinstance(state_size, (int, list, tuple)) or isinstance(state_size, bool):
            raise ValueError(f"RNN: the cell's state_size must be an integer or a list of integers (one per "
                             f"state); received state_size={state_size!r}.")
        if time_major:
            raise ValueError("RNN: time_major=True is not supported; pass (batch, time, features) inputs.")
        if "input_dim" in kwargs and "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            kwargs["input_shape"] = (kwargs.pop("input_length", None), kwargs.pop("input_dim"))
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)  # accepted for compatibility
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True

    @property
    def state_size(self):
        """The cell's state sizes as a list (one entry per state; nested for stacked cells)."""
        s = self.cell.state_size
        return [s] if isinstance(s, int) else list(s)

    # ------------------------------------------------------------------ build and shapes
    def build(self, input_shape):
        if isinstance(input_shape, list) and input_shape and not isinstance(input_shape[0], (int, type(None))):
            input_shape = input_shape[0]  # Keras 2 form: [x, *initial_states]
        input_shape = tuple(input_shape)
        if len(input_shape) < 3:
            raise ValueError(f'RNN "{self.name}" expects input of shape (batch, time, features); received input '
                             f"shape {input_shape}.")
        _build_cell(self.cell, (input_shape[0],) + input_shape[2:])
        if self.stateful:
            self._check_static_batch(input_shape[0])
            self._create_states([torch.as_tensor(s).detach().clone()
                                 for s in pytree.tree_leaves(self.get_initial_state(input_shape[0]))])
        self.built = True

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list) and input_shape and not isinstance(input_shape[0], (int, type(None))):
            input_shape = input_shape[0]
        input_shape = tuple(input_shape)
        batch, steps = input_shape[0], input_shape[1]
        size = _cell_output_size(self.cell)
        if not isinstance(size, int):
            raise ValueError(f'RNN "{self.name}": the cell\'s output_size must be an integer; received {size!r}.')
        out = (batch, steps, size) if self.return_sequences else (batch, size)
        if not self.return_state:
            return out
        states = [[(batch, d) for d in s] if _is_nested(s) else (batch, s) for s in self.state_size]
        return [out] + states

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out_mask = mask if self.return_sequences else None
        if self.return_state:
            return [out_mask] + [None] * len(pytree.tree_leaves(self.state_size))
        return out_mask

    # ------------------------------------------------------------------ states
    def _state_spec(self):
        return pytree.tree_structure(self.state_size)

    def get_initial_state(self, batch_size):
        """Zero states for ``batch_size`` (or the cell's own ``get_initial_state``), as a list
        matching ``state_size``."""
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is not None:
            states = fn(batch_size=batch_size)
            return list(states) if _is_nested(states) else [states]
        return [[torch.zeros(batch_size, d) for d in s] if _is_nested(s) else torch.zeros(batch_size, s)
                for s in self.state_size]

    def _initial_leaves(self, x, initial_state):
        """The initial states as a flat list of (batch, size) tensors on x's device and dtype."""
        n = len(pytree.tree_leaves(self.state_size))
        if initial_state is not None:
            leaves = pytree.tree_leaves(list(initial_state) if _is_nested(initial_state) else [initial_state])
            if len(leaves) != n:
                raise ValueError(f'RNN "{self.name}": its cell has {n} state tensor(s) (state_size='
                                 f"{self.state_size}), but initial_state has {len(leaves)}.")
        else:
            leaves = self._carried_states(x.shape[0], x.device, x.dtype)
            if leaves is None:
                leaves = pytree.tree_leaves(self.get_initial_state(x.shape[0]))
        return [torch.as_tensor(s).to(device=x.device, dtype=x.dtype) for s in leaves]

    def _reset_cell_dropout(self):
        for layer in ([self.cell] if not isinstance(self.cell, Layer) else self.cell._flatten_layers()):
            for fn in ("reset_dropout_mask", "reset_recurrent_dropout_mask"):
                if callable(getattr(layer, fn, None)):
                    getattr(layer, fn)()

    # ------------------------------------------------------------------ call
    def call(self, inputs, mask=None, training=None, initial_state=None):
        x, mask, initial_state = unpack_call(inputs, mask, initial_state)
        if training is None:
            training = self.training
        if x.dim() < 3:
            raise ValueError(f'RNN "{self.name}" expects input of shape (batch, time, features); received shape '
                             f"{tuple(x.shape)}.")
        steps = x.shape[1]
        if steps == 0:
            raise ValueError(f'RNN "{self.name}" received a sequence with no time steps (shape {tuple(x.shape)}).')
        spec = self._state_spec()
        leaves = self._initial_leaves(x, initial_state)
        xs = x.unbind(1)
        ms = mask.bool().unbind(1) if mask is not None else None
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        outputs, prev_out = [], None
        self._reset_cell_dropout()  # one dropout mask per sequence: drawn at the first step, reused
        try:
            for t in order:
                out, new_states = _call_cell(self.cell, xs[t], tuple(pytree.tree_unflatten(leaves, spec)),
                                             training)
                new_leaves = pytree.tree_leaves(new_states if _is_nested(new_states) else [new_states])
                if len(new_leaves) != len(leaves):
                    raise ValueError(f'RNN "{self.name}": the cell returned {len(new_leaves)} state tensor(s), but '
                                     f"its state_size {self.state_size} declares {len(leaves)}.")
                if ms is None:
                    leaves = new_leaves
                else:
                    m = ms[t]
                    leaves = [torch.where(_expand(m, n), n, o) for n, o in zip(new_leaves, leaves)]
                    keep = _expand(m, out)
                    if self.zero_output_for_mask or prev_out is None:
                        out = torch.where(keep, out, torch.zeros_like(out))
                    else:
                        out = torch.where(keep, out, prev_out)
                prev_out = out
                if self.return_sequences:
                    outputs.append(out)
        finally:
            self._reset_cell_dropout()
        self._keep_states(leaves)
        output = torch.stack(outputs, 1) if self.return_sequences else prev_out
        if self.return_state:
            return [output] + list(pytree.tree_unflatten(leaves, spec))
        return output

    # ------------------------------------------------------------------ config
    _keras_vars_path = "cell/vars"  # a cell that is not a Layer: the weights still go where Keras puts them

    def _saveable_children(self):
        return [("cell", self.cell)] if isinstance(self.cell, Layer) else []

    def get_config(self):
        return {**super().get_config(), "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards, "stateful": self.stateful,
                "unroll": self.unroll, "zero_output_for_mask": self.zero_output_for_mask,
                "cell": _cell_config(self.cell)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["cell"] = _cell_from_config(config["cell"], custom_objects)
        return cls(**config)


def _expand(mask_t, like):
    """A (batch,) step mask shaped to broadcast over ``like`` (batch, ...)."""
    return mask_t.reshape(mask_t.shape + (1,) * (like.dim() - 1))
