"""Recurrent layers with Keras's weights and numerics on torch's fused kernels: SimpleRNN, LSTM, GRU.

Weights are Keras's (``kernel`` (d, G·u), ``recurrent_kernel`` (u, G·u), ``bias``), so parameter
counts and get_weights/set_weights match Keras; each call hands torch's kernel a derived view of
them. Arguments, masks, states and dispatch live in ``base.py``.

Example::

    >>> x = Input(shape=(None, 64))
    >>> LSTM(32)(x).shape                  # 4·(32·(64+32) + 32) = 12,416 weights
    (None, 32)
    >>> out, h, c = LSTM(8, return_sequences=True, return_state=True)(x)
"""
from __future__ import annotations

import torch

from ... import activations as _activations
from .base import RNNBase, forget_bias_initializer
from .gates import gru_reset_after, gru_reset_before, lstm_gates

__all__ = ["SimpleRNN", "LSTM", "GRU"]


def _grad_mode() -> bool:
    # torch's `train` flag: cuDNN keeps what backward needs only when it is set.
    return torch.is_grad_enabled()


class LSTM(RNNBase):
    """Long short-term memory (Hochreiter 1997), Keras semantics, fused on torch.

    Keras arguments: ``units``, ``activation='tanh'``, ``recurrent_activation='sigmoid'``,
    ``use_bias``, ``kernel_initializer='glorot_uniform'``, ``recurrent_initializer='orthogonal'``,
    ``bias_initializer='zeros'``, ``unit_forget_bias=True`` (forget-gate bias starts at 1),
    regularizers and constraints, ``dropout``, ``recurrent_dropout``, ``return_sequences``,
    ``return_state`` (then the output is ``[output, h, c]``), ``go_backwards``, ``stateful``,
    ``unroll``. Weights: kernel (d, 4u), recurrent_kernel (u, 4u), bias (4u), gates i, f, c, o.

    Example::

        >>> LSTM(32)(Input(shape=(None, 128))).shape     # 20,608 weights
        (None, 32)
    """

    _gates = 4
    _n_states = 2

    def __init__(self, units=None, unit_forget_bias=True, **kwargs):
        self.unit_forget_bias = bool(kwargs.pop("unit_forget_bias", unit_forget_bias))
        super().__init__(units, **kwargs)

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        return forget_bias_initializer(self.bias_initializer, self.units)

    def _fused_ok(self):
        return self.activation is torch.tanh and self.recurrent_activation is torch.sigmoid

    def _fused(self, x, states, batch_sizes):
        # Keras and torch share the gate order i, f, c, o: torch's weights are plain transposes.
        if self.bias is not None:
            params = [self.kernel.t(), self.recurrent_kernel.t(), self.bias, self._zero_bias]
        else:
            params = [self.kernel.t(), self.recurrent_kernel.t()]
        hx = (states[0].unsqueeze(0), states[1].unsqueeze(0))
        if batch_sizes is None:
            out, h, c = torch._VF.lstm(x, hx, params, self.bias is not None, 1, 0.0, _grad_mode(), False, True)
        else:
            out, h, c = torch._VF.lstm(x, batch_sizes, hx, params, self.bias is not None, 1, 0.0, _grad_mode(),
                                       False)
        return out, [h[0], c[0]]

    def _step(self, xp_t, states, h_in):
        z = torch.addmm(xp_t, h_in, self.recurrent_kernel)
        return list(lstm_gates(z, states[1], self.activation, self.recurrent_activation))

    def get_config(self):
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


class GRU(RNNBase):
    """Gated recurrent unit (Cho 2014), Keras semantics.

    ``reset_after=True`` (Keras 2.4+ and Keras 3 default; torch's and cuDNN's formula) applies the
    reset gate after the recurrent matmul and has two biases, bias (2, 3u); it runs fused.
    ``reset_after=False`` (Keras 1 to 2.3) applies it before and has bias (3u); no fused kernel
    computes it, so it runs step by step. Weights: kernel (d, 3u), recurrent_kernel (u, 3u), gates
    z, r, h (torch orders them r, z, n: the fused call permutes).

    Example::

        >>> GRU(16, return_sequences=True)(Input(shape=(10, 8))).shape
        (None, 10, 16)
    """

    _gates = 3
    _n_states = 1

    def __init__(self, units=None, reset_after=True, **kwargs):
        self.reset_after = bool(reset_after)
        super().__init__(units, **kwargs)

    def build(self, input_shape):
        super().build(input_shape)
        u = self.units
        # Column order turning Keras's (z, r, h) gate blocks into torch's (r, z, n).
        perm = torch.cat([torch.arange(u, 2 * u), torch.arange(0, u), torch.arange(2 * u, 3 * u)])
        self.register_buffer("_gate_perm", perm.to(self.kernel.device), persistent=False)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _fused_ok(self):
        return self.reset_after and self.activation is torch.tanh and self.recurrent_activation is torch.sigmoid

    def _fused(self, x, states, batch_sizes):
        perm = self._gate_perm
        params = [self.kernel.index_select(1, perm).t(), self.recurrent_kernel.index_select(1, perm).t()]
        if self.bias is not None:
            params += [self.bias[0].index_select(0, perm), self.bias[1].index_select(0, perm)]
        hx = states[0].unsqueeze(0)
        if batch_sizes is None:
            out, h = torch._VF.gru(x, hx, params, self.bias is not None, 1, 0.0, _grad_mode(), False, True)
        else:
            out, h = torch._VF.gru(x, batch_sizes, hx, params, self.bias is not None, 1, 0.0, _grad_mode(), False)
        return out, [h[0]]

    def _step(self, xp_t, states, h_in):
        act, ra = self.activation, self.recurrent_activation
        if self.reset_after:
            rec = torch.matmul(h_in, self.recurrent_kernel) if self.bias is None else \
                torch.addmm(self.bias[1], h_in, self.recurrent_kernel)
            return [gru_reset_after(xp_t, rec, states[0], act, ra)]
        return [gru_reset_before(xp_t, h_in, h_in, h_in, states[0], self.recurrent_kernel, act, ra)]

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after}


class SimpleRNN(RNNBase):
    """Fully connected recurrence ``h = activation(x @ kernel + h @ recurrent_kernel + bias)``.

    Runs fused for ``activation`` tanh or relu. Weights: kernel (d, u), recurrent_kernel (u, u),
    bias (u).

    Example::

        >>> SimpleRNN(8)(Input(shape=(5, 3))).shape      # 8·(3+8) + 8 = 96 weights
        (None, 8)
    """

    _gates = 1
    _n_states = 1

    def __init__(self, units=None, activation="tanh", **kwargs):
        if "recurrent_activation" in kwargs:
            raise TypeError("SimpleRNN has no recurrent_activation (it has no gates); pass activation= only.")
        super().__init__(units, activation=activation, **kwargs)

    def _fused_ok(self):
        return self.activation is torch.tanh or self.activation is _activations.relu

    def _fused(self, x, states, batch_sizes):
        fn = torch._VF.rnn_tanh if self.activation is torch.tanh else torch._VF.rnn_relu
        params = [self.kernel.t(), self.recurrent_kernel.t()]
        if self.bias is not None:
            params += [self.bias, self._zero_bias]
        hx = states[0].unsqueeze(0)
        if batch_sizes is None:
            out, h = fn(x, hx, params, self.bias is not None, 1, 0.0, _grad_mode(), False, True)
        else:
            out, h = fn(x, batch_sizes, hx, params, self.bias is not None, 1, 0.0, _grad_mode(), False)
        return out, [h[0]]

    def _step(self, xp_t, states, h_in):
        return [self.activation(torch.addmm(xp_t, h_in, self.recurrent_kernel))]

    def get_config(self):
        config = super().get_config()
        config.pop("recurrent_activation", None)
        return config
