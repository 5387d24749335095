"""Keras's generic recurrent layer ``RNN(cell)`` and its cells: SimpleRNNCell, LSTMCell, GRUCell,
StackedRNNCells.

A cell computes one time step: ``cell(inputs, states, training=None)`` takes the step's input
(batch, features) and the list of states, and returns ``(output, new_states)``. It declares
``state_size`` (an int, or a list with one entry per state) and optionally ``output_size``. ``RNN``
runs any such cell over the time axis in a Python loop; the built-in cells keep Keras's weights
(``kernel`` (d, G·u), ``recurrent_kernel`` (u, G·u), ``bias``) in Keras's layout and gate order, so
counts and get_weights/set_weights exchange with Keras. (The layers SimpleRNN/LSTM/GRU in
``recurrent.py`` compute the same functions on torch's fused kernels; ``RNN(LSTMCell(u))`` always
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

from .. import activations as _activations
from .. import constraints as _constraints
from .. import initializers as _initializers
from .. import regularizers as _regularizers
from ..engine.layer import Layer, call_accepts
from .recurrent_base import forget_bias_initializer

__all__ = ["RNN", "SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells"]


def _is_nested(x) -> bool:
    return isinstance(x, (list, tuple))


# ============================================================================ cells
class _KerasCell(Layer):
    """Arguments, weights and dropout masks shared by SimpleRNNCell, LSTMCell and GRUCell.

    Subclasses set ``_gates`` (blocks of ``units`` columns in the kernels) and implement ``call``.
    """

    _gates = 1

    def __init__(self, units=None, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, implementation=2,
                 **kwargs):
        name = type(self).__name__
        if units is None:
            raise TypeError(f"{name}() is missing its required argument units (the size of the output and "
                            f"state vectors). Example: {name}(32).")
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"{name}: units must be a positive integer; received units={units!r}.")
        super().__init__(**kwargs)
        self.units = units
        self.activation = _activations.get(activation)
        self.recurrent_activation = _activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = _initializers.get(kernel_initializer)
        self.recurrent_initializer = _initializers.get(recurrent_initializer)
        self.bias_initializer = _initializers.get(bias_initializer)
        self.kernel_regularizer = _regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = _regularizers.get(recurrent_regularizer)
        self.bias_regularizer = _regularizers.get(bias_regularizer)
        self.kernel_constraint = _constraints.get(kernel_constraint)
        self.recurrent_constraint = _constraints.get(recurrent_constraint)
        self.bias_constraint = _constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        # Keras switches to per-gate dropout masks ("implementation 1") when recurrent_dropout is set.
        self.implementation = 1 if self.recurrent_dropout != 0.0 else implementation
        self._dropout_cache = {}
        self._generator = torch.Generator().manual_seed(int(seed)) if seed is not None else None
        self.output_size = units

    # ------------------------------------------------------------------ weights
    def build(self, input_shape):
        d = input_shape[-1]
        if d is None:
            raise ValueError(f'{type(self).__name__} "{self.name}" needs a known number of input features '
                             f"(last axis) to create its kernel, but received input shape {tuple(input_shape)}.")
        g = self._gates * self.units
        self.kernel = self.add_weight("kernel", (d, g), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, g), self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        if self.use_bias:
            self.bias = self.add_weight("bias", self._bias_shape(), self._bias_init(),
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def _bias_shape(self):
        return (self._gates * self.units,)

    def _bias_init(self):
        return self.bias_initializer

    def get_initial_state(self, batch_size=None):
        """Zero states, one (batch_size, units) tensor per entry of ``state_size``."""
        sizes = self.state_size if _is_nested(self.state_size) else [self.state_size]
        device = self.kernel.device if self.built else None
        return [torch.zeros(batch_size, s, device=device) for s in sizes]

    # ------------------------------------------------------------------ dropout (Keras's DropoutRNNCell)
    def _mask_count(self) -> int:
        return self._gates if self.implementation == 1 and self._gates > 1 else 1

    def _cached_mask(self, key, like, rate):
        if not 0.0 < rate < 1.0:
            return None
        masks = self._dropout_cache.get(key)
        if masks is None:
            def draw():
                if self._generator is None:
                    keep = torch.empty_like(like).bernoulli_(1.0 - rate)
                else:
                    keep = torch.empty(like.shape, dtype=like.dtype).bernoulli_(1.0 - rate, generator=self._generator)
                    keep = keep.to(like.device)
                return keep / (1.0 - rate)
            count = self._mask_count()
            masks = draw() if count == 1 else [draw() for _ in range(count)]
            self._dropout_cache[key] = masks
        return masks

    def get_dropout_mask(self, step_input):
        """The input dropout mask (a list of one per gate under implementation 1), drawn once and
        reused until ``reset_dropout_mask()`` (``RNN`` resets it around each call)."""
        return self._cached_mask("dropout", step_input, self.dropout)

    def get_recurrent_dropout_mask(self, step_input):
        return self._cached_mask("recurrent_dropout", step_input, self.recurrent_dropout)

    def reset_dropout_mask(self):
        self._dropout_cache.pop("dropout", None)

    def reset_recurrent_dropout_mask(self):
        self._dropout_cache.pop("recurrent_dropout", None)

    def _masks(self, inputs, h, training):
        if training is None:
            training = self.training
        if not training:
            return None, None
        return self.get_dropout_mask(inputs), self.get_recurrent_dropout_mask(h)

    # ------------------------------------------------------------------ config
    def get_config(self):
        config = {**super().get_config(), "units": self.units,
                  "activation": _activations.serialize(self.activation),
                  "recurrent_activation": _activations.serialize(self.recurrent_activation),
                  "use_bias": self.use_bias,
                  "kernel_initializer": _initializers.serialize(self.kernel_initializer),
                  "recurrent_initializer": _initializers.serialize(self.recurrent_initializer),
                  "bias_initializer": _initializers.serialize(self.bias_initializer),
                  "kernel_regularizer": _regularizers.serialize(self.kernel_regularizer),
                  "recurrent_regularizer": _regularizers.serialize(self.recurrent_regularizer),
                  "bias_regularizer": _regularizers.serialize(self.bias_regularizer),
                  "kernel_constraint": _constraints.serialize(self.kernel_constraint),
                  "recurrent_constraint": _constraints.serialize(self.recurrent_constraint),
                  "bias_constraint": _constraints.serialize(self.bias_constraint),
                  "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout, "seed": self.seed}
        return config


def _project(x, w, masks, gates):
    """``x @ w`` with dropout: no mask, one mask for all gates, or one mask per gate block of ``w``."""
    if masks is None:
        return torch.matmul(x, w)
    if not isinstance(masks, list):
        return torch.matmul(x * masks, w)
    return torch.cat([torch.matmul(x * m, wk) for m, wk in zip(masks, w.chunk(gates, 1))], 1)


def _part(masks, k):
    """The dropout mask of gate ``k`` (or the shared one, or None)."""
    return masks[k] if isinstance(masks, list) else masks


class SimpleRNNCell(_KerasCell):
    """One step of SimpleRNN: ``h = activation(x @ kernel + bias + h_prev @ recurrent_kernel)``.

    Keras arguments: ``units``, ``activation='tanh'``, ``use_bias``, initializers (kernel
    glorot_uniform, recurrent orthogonal, bias zeros), regularizers, constraints, ``dropout``,
    ``recurrent_dropout``, ``seed``. ``state_size = output_size = units``. Weights: kernel (d, u),
    recurrent_kernel (u, u), bias (u).

    Example::

        >>> cell = SimpleRNNCell(4)
        >>> out, [h] = cell(torch.ones(2, 3), [torch.zeros(2, 4)])
        >>> RNN(SimpleRNNCell(4), return_sequences=True)(Input(shape=(10, 3))).shape
        (None, 10, 4)
    """

    def __init__(self, units=None, activation="tanh", use_bias=True, **kwargs):
        if "recurrent_activation" in kwargs:
            raise TypeError("SimpleRNNCell has no recurrent_activation (it has no gates); pass activation= only.")
        kwargs.pop("implementation", None)
        super().__init__(units, activation=activation, recurrent_activation=None, use_bias=use_bias, **kwargs)
        self.state_size = units

    def call(self, inputs, states, training=None):
        prev = states[0] if _is_nested(states) else states
        dp, rdp = self._masks(inputs, prev, training)
        h = _project(inputs, self.kernel, dp, 1)
        if self.bias is not None:
            h = h + self.bias
        if rdp is not None:
            prev = prev * rdp
        output = self.activation(h + torch.matmul(prev, self.recurrent_kernel))
        return output, ([output] if _is_nested(states) else output)

    def get_config(self):
        config = super().get_config()
        config.pop("recurrent_activation")
        return config


class LSTMCell(_KerasCell):
    """One step of LSTM (gates i, f, c, o, as Keras and torch order them).

    Keras arguments: ``units``, ``activation='tanh'``, ``recurrent_activation='sigmoid'``,
    ``use_bias``, initializers, ``unit_forget_bias=True`` (the forget gate's bias starts at 1),
    regularizers, constraints, ``dropout``, ``recurrent_dropout``, ``seed``. ``state_size =
    [units, units]`` (h, c); ``call`` returns ``(h, [h, c])``. Weights: kernel (d, 4u),
    recurrent_kernel (u, 4u), bias (4u).

    Example::

        >>> h, [h, c] = LSTMCell(8)(torch.ones(2, 3), [torch.zeros(2, 8), torch.zeros(2, 8)])
        >>> layer = RNN(LSTMCell(32))
        >>> layer(Input(shape=(None, 64))).shape       # 12,416 weights, as LSTM(32)
        (None, 32)
    """

    _gates = 4

    def __init__(self, units=None, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 unit_forget_bias=True, **kwargs):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation,
                         use_bias=use_bias, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [units, units]

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        return forget_bias_initializer(self.bias_initializer, self.units)

    def call(self, inputs, states, training=None):
        h_prev, c_prev = states[0], states[1]
        dp, rdp = self._masks(inputs, h_prev, training)
        z = _project(inputs, self.kernel, dp, 4) + _project(h_prev, self.recurrent_kernel, rdp, 4)
        if self.bias is not None:
            z = z + self.bias
        i, f, g, o = z.chunk(4, 1)
        ra, act = self.recurrent_activation, self.activation
        c = ra(f) * c_prev + ra(i) * act(g)
        h = ra(o) * act(c)
        return h, [h, c]

    def get_config(self):
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias,
                "implementation": self.implementation}


class GRUCell(_KerasCell):
    """One step of GRU (gates z, r, h in Keras's order).

    ``reset_after=True`` (Keras 3 default) applies the reset gate after the recurrent matmul and has
    bias (2, 3u) (input bias, recurrent bias); ``reset_after=False`` applies it before, bias (3u).
    Other arguments as LSTMCell (without unit_forget_bias). ``state_size = output_size = units``.

    Example::

        >>> out, [h] = GRUCell(4)(torch.ones(2, 3), [torch.zeros(2, 4)])
        >>> RNN(GRUCell(4), go_backwards=True)(Input(shape=(7, 3))).shape
        (None, 4)
    """

    _gates = 3

    def __init__(self, units=None, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 reset_after=True, **kwargs):
        super().__init__(units, activation=activation, recurrent_activation=recurrent_activation,
                         use_bias=use_bias, **kwargs)
        self.reset_after = bool(reset_after)
        self.state_size = units

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def call(self, inputs, states, training=None):
        h_prev = states[0] if _is_nested(states) else states
        u = self.units
        dp, rdp = self._masks(inputs, h_prev, training)
        in_bias = rec_bias = None
        if self.bias is not None:
            in_bias, rec_bias = (self.bias[0], self.bias[1]) if self.reset_after else (self.bias, None)
        xp = _project(inputs, self.kernel, dp, 3)
        if in_bias is not None:
            xp = xp + in_bias
        xz, xr, xh = xp.split(u, 1)
        ra, act = self.recurrent_activation, self.activation
        if self.reset_after:
            rec = _project(h_prev, self.recurrent_kernel, rdp, 3)
            if rec_bias is not None:
                rec = rec + rec_bias
            rz, rr, rh = rec.split(u, 1)
            z, r = ra(xz + rz), ra(xr + rr)
            hh = act(xh + r * rh)
        else:
            rk = self.recurrent_kernel
            hz, hr, hh_in = (h_prev if _part(rdp, k) is None else h_prev * _part(rdp, k) for k in range(3))
            z = ra(xz + torch.matmul(hz, rk[:, :u]))
            r = ra(xr + torch.matmul(hr, rk[:, u:2 * u]))
            hh = act(xh + torch.matmul(r * hh_in, rk[:, 2 * u:]))
        h = z * h_prev + (1 - z) * hh
        return h, ([h] if _is_nested(states) else h)

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after, "implementation": self.implementation}


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
    from ..saving.layer_config import deserialize_layer
    return deserialize_layer(spec, custom_objects)


# ============================================================================ RNN
class RNN(Layer):
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
        self._states = None  # stateful: the last call's final states (detached leaves)

    @property
    def state_size(self):
        """The cell's state sizes as a list (one entry per state; nested for stacked cells)."""
        s = self.cell.state_size
        return [s] if isinstance(s, int) else list(s)

    @property
    def states(self):
        """A stateful layer's carried states (None before the first call or after reset_states())."""
        if self._states is None:
            return None
        return pytree.tree_unflatten(list(self._states), self._state_spec())

    # ------------------------------------------------------------------ build and shapes
    def build(self, input_shape):
        if isinstance(input_shape, list) and input_shape and not isinstance(input_shape[0], (int, type(None))):
            input_shape = input_shape[0]  # Keras 2 form: [x, *initial_states]
        input_shape = tuple(input_shape)
        if len(input_shape) < 3:
            raise ValueError(f'RNN "{self.name}" expects input of shape (batch, time, features); received input '
                             f"shape {input_shape}.")
        _build_cell(self.cell, (input_shape[0],) + input_shape[2:])
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

    def reset_states(self, states=None):
        """Forget (or set to ``states``, arrays matching ``state_size``) a stateful layer's states."""
        if not self.stateful:
            raise AttributeError(f'Layer "{self.name}" is not stateful; create it with stateful=True to carry '
                                 "states between batches.")
        if states is None:
            self._states = None
        else:
            leaves = pytree.tree_leaves(states if _is_nested(states) else [states])
            self._states = [torch.as_tensor(s, dtype=torch.float32) for s in leaves]

    reset_state = reset_states

    def _initial_leaves(self, x, initial_state):
        """The initial states as a flat list of (batch, size) tensors on x's device and dtype."""
        n = len(pytree.tree_leaves(self.state_size))
        if initial_state is not None:
            leaves = pytree.tree_leaves(list(initial_state) if _is_nested(initial_state) else [initial_state])
            if len(leaves) != n:
                raise ValueError(f'RNN "{self.name}": its cell has {n} state tensor(s) (state_size='
                                 f"{self.state_size}), but initial_state has {len(leaves)}.")
        elif self.stateful and self._states is not None and self._states[0].shape[0] == x.shape[0]:
            leaves = self._states
        else:
            leaves = pytree.tree_leaves(self.get_initial_state(x.shape[0]))
        return [torch.as_tensor(s).to(device=x.device, dtype=x.dtype) for s in leaves]

    def _reset_cell_dropout(self):
        for layer in ([self.cell] if not isinstance(self.cell, Layer) else self.cell._flatten_layers()):
            for fn in ("reset_dropout_mask", "reset_recurrent_dropout_mask"):
                if callable(getattr(layer, fn, None)):
                    getattr(layer, fn)()

    # ------------------------------------------------------------------ call
    def call(self, inputs, mask=None, training=None, initial_state=None):
        if isinstance(inputs, (list, tuple)):  # Keras 2 form: layer([x, *initial_states])
            inputs, rest = inputs[0], list(inputs[1:])
            if rest and initial_state is None:
                initial_state = rest
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if training is None:
            training = self.training
        x = inputs
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
        if self.stateful:
            self._states = [s.detach() for s in leaves]
        output = torch.stack(outputs, 1) if self.return_sequences else prev_out
        if self.return_state:
            return [output] + list(pytree.tree_unflatten(leaves, spec))
        return output

    # ------------------------------------------------------------------ config
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
