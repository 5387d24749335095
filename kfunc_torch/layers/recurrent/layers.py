"""SimpleRNN, LSTM, GRU: ``RNN`` over SimpleRNNCell / LSTMCell / GRUCell, with Keras's flat signature.

The math is the cells' (``cells.py``); the time loop and the fused torch kernels are ``RNN``'s
(``rnn.py``, ``fused.py``); these classes only name the arguments (``base.CellLayer``). Weights are
Keras's (``kernel`` (d, G·u), ``recurrent_kernel`` (u, G·u), ``bias``), kept in ``layer.cell`` as
Keras keeps them, and readable as ``layer.kernel``.

Example::

    >>> x = Input(shape=(None, 64))
    >>> LSTM(32)(x).shape                  # 4·(32·(64+32) + 32) = 12,416 weights
    (None, 32)
    >>> out, h, c = LSTM(8, return_sequences=True, return_state=True)(x)
"""
from __future__ import annotations

from .arguments import WEIGHT_ARGS
from .base import GATED_CELL_ARGS, LAYER_CONFIG_TAIL, CellLayer
from .cells import GRUCell, LSTMCell, SimpleRNNCell

__all__ = ["SimpleRNN", "LSTM", "GRU"]

# Keras's positional order after units, and the config order (units first, then these).
_GATED_ORDER = ("activation", "recurrent_activation", "use_bias") + WEIGHT_ARGS + ("dropout", "recurrent_dropout")


class LSTM(CellLayer):
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

    _cell_class, _cell_name = LSTMCell, "lstm_cell"
    _cell_args = GATED_CELL_ARGS + ("unit_forget_bias",)
    _positional = _GATED_ORDER[:6] + ("unit_forget_bias",) + _GATED_ORDER[6:]
    _config_args = _GATED_ORDER + LAYER_CONFIG_TAIL + ("unit_forget_bias",)


class GRU(CellLayer):
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

    _cell_class, _cell_name = GRUCell, "gru_cell"
    _cell_args = GATED_CELL_ARGS + ("reset_after",)
    _positional = _GATED_ORDER
    _config_args = _GATED_ORDER + LAYER_CONFIG_TAIL + ("reset_after",)


class SimpleRNN(CellLayer):
    """Fully connected recurrence ``h = activation(x @ kernel + h @ recurrent_kernel + bias)``.

    Runs fused for ``activation`` tanh or relu. Weights: kernel (d, u), recurrent_kernel (u, u),
    bias (u).

    Example::

        >>> SimpleRNN(8)(Input(shape=(5, 3))).shape      # 8·(3+8) + 8 = 96 weights
        (None, 8)
    """

    _cell_class, _cell_name = SimpleRNNCell, "simple_rnn_cell"
    _cell_args = tuple(n for n in GATED_CELL_ARGS if n not in ("recurrent_activation", "implementation"))
    _positional = ("activation",) + _GATED_ORDER[2:]
    _config_args = tuple(n for n in _GATED_ORDER + LAYER_CONFIG_TAIL if n != "recurrent_activation")

    def __init__(self, units=None, *args, **kwargs):
        if "recurrent_activation" in kwargs:
            raise TypeError("SimpleRNN has no recurrent_activation (it has no gates); pass activation= only.")
        super().__init__(units, *args, **kwargs)
