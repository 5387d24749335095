"""Keras's built-in recurrent cells: SimpleRNNCell, LSTMCell, GRUCell (one time step each).

A cell computes one time step: ``cell(inputs, states, training=None)`` takes the step's input
(batch, features) and the list of states, and returns ``(output, new_states)``. The cells keep
Keras's weights (``kernel`` (d, G·u), ``recurrent_kernel`` (u, G·u), ``bias``) in Keras's layout and
gate order, so counts and get_weights/set_weights exchange with Keras. Dropout masks are drawn once
per sequence (``RNN`` resets them around each call) and reused at every step.

Example::

    >>> h, [h, c] = LSTMCell(8)(torch.ones(2, 3), [torch.zeros(2, 8), torch.zeros(2, 8)])
"""
from __future__ import annotations

import torch

from ...engine.layer import Layer
from .arguments import GATE_ARGS, WEIGHT_ARGS, add_gate_weights, args_config, check_size, set_args
from .base import forget_bias_initializer
from .gates import gru_reset_after, gru_reset_before, lstm_gates

__all__ = ["SimpleRNNCell", "LSTMCell", "GRUCell"]


# A cell's Keras config, in Keras's order (after units).
_CELL_ARGS = ("activation", "recurrent_activation", "use_bias") + WEIGHT_ARGS + ("dropout", "recurrent_dropout", "seed")


def _is_nested(x) -> bool:
    return isinstance(x, (list, tuple))


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
        check_size(name, "units", units, f"{name}(32) (units: the size of the output and state vectors)")
        super().__init__(**kwargs)
        self.units = units
        set_args(self, **{n: v for n, v in locals().items() if n in GATE_ARGS})  # this call's own arguments
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
        add_gate_weights(self, (d, g), (self.units, g), self._bias_shape(), self._bias_init())
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
        return {**super().get_config(), "units": self.units, **args_config(self, _CELL_ARGS)}


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
        h, c = lstm_gates(z, c_prev, self.activation, self.recurrent_activation)
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
        dp, rdp = self._masks(inputs, h_prev, training)
        in_bias = rec_bias = None
        if self.bias is not None:
            in_bias, rec_bias = (self.bias[0], self.bias[1]) if self.reset_after else (self.bias, None)
        xp = _project(inputs, self.kernel, dp, 3)
        if in_bias is not None:
            xp = xp + in_bias
        ra, act = self.recurrent_activation, self.activation
        if self.reset_after:
            rec = _project(h_prev, self.recurrent_kernel, rdp, 3)
            if rec_bias is not None:
                rec = rec + rec_bias
            h = gru_reset_after(xp, rec, h_prev, act, ra)
        else:
            hz, hr, hh_in = (h_prev if _part(rdp, k) is None else h_prev * _part(rdp, k) for k in range(3))
            h = gru_reset_before(xp, hz, hr, hh_in, h_prev, self.recurrent_kernel, act, ra)
        return h, ([h] if _is_nested(states) else h)

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after, "implementation": self.implementation}
