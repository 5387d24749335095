"""Keras's built-in recurrent cells: SimpleRNNCell, LSTMCell, GRUCell: the gate math, once.

A cell computes one time step: ``cell(inputs, states, training=None)`` takes the step's input
(batch, features) and the list of states, and returns ``(output, new_states)``. The cells keep
Keras's weights (``kernel`` (d, G·u), ``recurrent_kernel`` (u, G·u), ``bias``) in Keras's layout and
gate order, so counts and get_weights/set_weights exchange with Keras. A step is two halves, which
``RNN`` also calls separately: ``_sequence_inputs`` (the input transformation, which ``RNN``
applies to all steps at once) and ``_recurrent_step`` (the rest). ``_fused`` is the same cell as
one torch kernel over a whole sequence (``RNN``'s fast path, when ``_fused_ok``).

Example::

    >>> h, [h, c] = LSTMCell(8)(torch.ones(2, 3), [torch.zeros(2, 8), torch.zeros(2, 8)])
"""
from __future__ import annotations

import torch

from ... import activations as _activations
from ...engine.layer import Layer
from . import fused
from .arguments import (GATE_ARGS, WEIGHT_ARGS, add_gate_weights, args_config, check_size, forget_bias_initializer,
                        set_args)
from .dropout import DropoutCellMixin
from .gates import gru_reset_after, gru_reset_before, lstm_gates
from .protocol import is_nested

__all__ = ["SimpleRNNCell", "LSTMCell", "GRUCell"]


# A cell's Keras config, in Keras's order (after units).
_CELL_ARGS = ("activation", "recurrent_activation", "use_bias") + WEIGHT_ARGS + ("dropout", "recurrent_dropout", "seed")


class _KerasCell(DropoutCellMixin, Layer):
    """Arguments, weights, dropout and the step shared by SimpleRNNCell, LSTMCell and GRUCell.

    Subclasses set ``_gates`` (blocks of ``units`` columns in the kernels) and implement
    ``_recurrent_step`` and, where a torch kernel computes them, ``_fused_ok`` / ``_fused``.
    """

    _gates = 1

    def __init__(self, units=None, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, implementation=2,
                 **kwargs):
        name = type(self).__name__
        check_size(name, "units", units, f"{name}(32) (units: the size of the output and state vectors)")
        super().__init__(**kwargs)
        self.units = units
        set_args(self, **{n: v for n, v in locals().items() if n in GATE_ARGS})  # this call's own arguments
        self.seed = seed
        # Keras switches to per-gate dropout masks ("implementation 1") when recurrent_dropout is set.
        self.implementation = 1 if self.recurrent_dropout != 0.0 else implementation
        self._init_dropout()
        self.output_size = units

    # ------------------------------------------------------------------ weights
    def build(self, input_shape):
        d = input_shape[-1]
        if d is None:
            raise ValueError(f'{type(self).__name__} "{self.name}" needs a known number of input features '
                             f"(last axis) to create its kernel, but received input shape {tuple(input_shape)}.")
        g = self._gates * self.units
        add_gate_weights(self, (d, g), (self.units, g), self._bias_shape(), self._bias_init())
        # torch's kernels take two biases; Keras has one: the other is this zero buffer (not a weight).
        self.register_buffer("_zero_bias", torch.zeros(g, dtype=self.kernel.dtype), persistent=False)
        self.built = True

    def _bias_shape(self):
        return (self._gates * self.units,)

    def _bias_init(self):
        return self.bias_initializer

    def _input_bias(self):
        return self.bias

    def get_initial_state(self, batch_size=None):
        """Zero states, one (batch_size, units) tensor per entry of ``state_size``."""
        sizes = self.state_size if is_nested(self.state_size) else [self.state_size]
        device = self.kernel.device if self.built else None
        return [torch.zeros(batch_size, s, device=device) for s in sizes]

    def _mask_count(self) -> int:
        return self._gates if self.implementation == 1 and self._gates > 1 else 1

    # ------------------------------------------------------------------ the step
    def call(self, inputs, states, training=None):
        if training is None:
            training = self.training
        return self._recurrent_step(self._sequence_inputs(inputs, training), states, training)

    def _sequence_inputs(self, x, training):
        """``x @ kernel + bias`` with input dropout, for one step (B, d) or all steps at once (B, T, d)."""
        dp = self.get_dropout_mask(x if x.dim() == 2 else x[:, 0]) if training else None
        xp = _project(x, self.kernel, dp, self._gates)
        bias = self._input_bias()
        return xp if bias is None else xp + bias

    def _recurrent_masks(self, h, training):
        return self.get_recurrent_dropout_mask(h) if training else None

    def _recurrent_step(self, xp, states, training):
        raise NotImplementedError

    # ------------------------------------------------------------------ the fast path (RNN)
    def _fused_ok(self, training) -> bool:
        """Whether ``_fused`` computes this cell now: its own step (not a subclass's ``call``), the
        activations a torch kernel has, and no dropout mask the kernel cannot apply."""
        if type(self).call is not _KerasCell.call or not self._kernel_activations():
            return False
        if training and (0.0 < self.recurrent_dropout < 1.0 or (0.0 < self.dropout < 1.0 and self._mask_count() > 1)):
            return False
        return True

    def _fused_inputs(self, x, training):
        """The sequence with the input dropout mask (one per sequence) applied, for ``_fused``."""
        dp = self.get_dropout_mask(x[:, 0]) if training else None
        return x if dp is None else x * dp[:, None]

    def _kernel_activations(self) -> bool:
        return False

    # ------------------------------------------------------------------ config
    def get_config(self):
        return {**super().get_config(), "units": self.units, **args_config(self, _CELL_ARGS)}


def _project(x, w, masks, gates):
    """``x @ w`` with dropout: no mask, one mask for all gates, or one mask per gate block of ``w``.
    A (B, d) mask applies to every step of a (B, T, d) ``x``."""
    if masks is None:
        return torch.matmul(x, w)
    fit = (lambda m: m) if x.dim() == 2 else (lambda m: m[:, None])
    if not isinstance(masks, list):
        return torch.matmul(x * fit(masks), w)
    return torch.cat([torch.matmul(x * fit(m), wk) for m, wk in zip(masks, w.chunk(gates, 1))], -1)


def _recurrent(h, w, masks, gates, base):
    """``base + h @ w`` with the recurrent dropout masks (as ``_project``)."""
    if masks is None:
        return torch.addmm(base, h, w) if h.dim() == 2 else base + torch.matmul(h, w)
    return base + _project(h, w, masks, gates)


def _part(masks, k):
    """The dropout mask of gate ``k`` (or the shared one, or None)."""
    return masks[k] if isinstance(masks, list) else masks


class SimpleRNNCell(_KerasCell):
    """One step of SimpleRNN: ``h = activation(x @ kernel + bias + h_prev @ recurrent_kernel)``.

    Keras arguments: ``units``, ``activation='tanh'``, ``use_bias``, initializers (kernel
    glorot_uniform, recurrent orthogonal, bias zeros), regularizers, constraints, ``dropout``,
    ``recurrent_dropout``, ``seed``. ``state_size = output_size = units``. Weights: kernel (d, u),
    recurrent_kernel (u, u), bias (u). Fused for tanh and relu.

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

    def _recurrent_step(self, xp, states, training):
        prev = states[0] if is_nested(states) else states
        output = self.activation(_recurrent(prev, self.recurrent_kernel, self._recurrent_masks(prev, training), 1, xp))
        return output, ([output] if is_nested(states) else output)

    def _kernel_activations(self):
        return self.activation is torch.tanh or self.activation is _activations.relu

    def _fused(self, x, states, batch_sizes):
        fn = torch._VF.rnn_tanh if self.activation is torch.tanh else torch._VF.rnn_relu
        params = [self.kernel.t(), self.recurrent_kernel.t()]
        if self.bias is not None:
            params += [self.bias, self._zero_bias]
        out, h = fused.kernel(fn, x, states[0][None], params, batch_sizes, self.bias is not None)
        return out, [h[0]]

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
    recurrent_kernel (u, 4u), bias (4u). Fused for tanh / sigmoid.

    Example::

        >>> h, [h, c] = LSTMCell(8)(torch.ones(2, 3), [torch.zeros(2, 8), torch.zeros(2, 8)])
        >>> layer = RNN(LSTMCell(32))
        >>> layer(Input(shape=(None, 64))).shape       # 12,416 weights, as LSTM(32)
        (None, 32)
    """

    _gates = 4

    def __init__(self, units=None, *args, unit_forget_bias=True, **kwargs):
        super().__init__(units, *args, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [units, units]

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        return forget_bias_initializer(self.bias_initializer, self.units)

    def _recurrent_step(self, xp, states, training):
        h_prev, c_prev = states[0], states[1]
        z = _recurrent(h_prev, self.recurrent_kernel, self._recurrent_masks(h_prev, training), 4, xp)
        h, c = lstm_gates(z, c_prev, self.activation, self.recurrent_activation)
        return h, [h, c]

    def _kernel_activations(self):
        return self.activation is torch.tanh and self.recurrent_activation is torch.sigmoid

    def _fused(self, x, states, batch_sizes):
        # Keras and torch share the gate order i, f, c, o: torch's weights are plain transposes.
        params = [self.kernel.t(), self.recurrent_kernel.t()]
        if self.bias is not None:
            params += [self.bias, self._zero_bias]
        out, h, c = fused.kernel(torch._VF.lstm, x, (states[0][None], states[1][None]), params, batch_sizes,
                                 self.bias is not None)
        return out, [h[0], c[0]]

    def get_config(self):
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias,
                "implementation": self.implementation}


class GRUCell(_KerasCell):
    """One step of GRU (gates z, r, h in Keras's order).

    ``reset_after=True`` (Keras 3 default; torch's and cuDNN's formula, fused) applies the reset
    gate after the recurrent matmul and has bias (2, 3u) (input bias, recurrent bias);
    ``reset_after=False`` (Keras 1 to 2.3, no fused kernel) applies it before, bias (3u). Other
    arguments as LSTMCell (without unit_forget_bias). ``state_size = output_size = units``.

    Example::

        >>> out, [h] = GRUCell(4)(torch.ones(2, 3), [torch.zeros(2, 4)])
        >>> RNN(GRUCell(4), go_backwards=True)(Input(shape=(7, 3))).shape
        (None, 4)
    """

    _gates = 3

    def __init__(self, units=None, *args, reset_after=True, **kwargs):
        super().__init__(units, *args, **kwargs)
        self.reset_after = bool(reset_after)
        self.state_size = units

    def build(self, input_shape):
        super().build(input_shape)
        u = self.units
        # Column order turning Keras's (z, r, h) gate blocks into torch's (r, z, n).
        perm = torch.cat([torch.arange(u, 2 * u), torch.arange(0, u), torch.arange(2 * u, 3 * u)])
        self.register_buffer("_gate_perm", perm.to(self.kernel.device), persistent=False)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _input_bias(self):
        return self.bias[0] if self.bias is not None and self.reset_after else self.bias

    def _recurrent_step(self, xp, states, training):
        h_prev = states[0] if is_nested(states) else states
        rdp = self._recurrent_masks(h_prev, training)
        ra, act = self.recurrent_activation, self.activation
        if self.reset_after:
            if self.bias is not None:
                rec = _recurrent(h_prev, self.recurrent_kernel, rdp, 3, self.bias[1])
            else:
                rec = _project(h_prev, self.recurrent_kernel, rdp, 3)
            h = gru_reset_after(xp, rec, h_prev, act, ra)
        else:
            hz, hr, hh_in = (h_prev if _part(rdp, k) is None else h_prev * _part(rdp, k) for k in range(3))
            h = gru_reset_before(xp, hz, hr, hh_in, h_prev, self.recurrent_kernel, act, ra)
        return h, ([h] if is_nested(states) else h)

    def _kernel_activations(self):
        return self.reset_after and self.activation is torch.tanh and self.recurrent_activation is torch.sigmoid

    def _fused(self, x, states, batch_sizes):
        perm = self._gate_perm
        params = [self.kernel.index_select(1, perm).t(), self.recurrent_kernel.index_select(1, perm).t()]
        if self.bias is not None:
            params += [self.bias[0].index_select(0, perm), self.bias[1].index_select(0, perm)]
        out, h = fused.kernel(torch._VF.gru, x, states[0][None], params, batch_sizes, self.bias is not None)
        return out, [h[0]]

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after, "implementation": self.implementation}
