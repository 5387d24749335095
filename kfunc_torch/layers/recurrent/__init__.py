"""The recurrent family: cells (one time step), the ``RNN`` time loop, and the layers built on them.

Modules: ``cells.py`` (SimpleRNNCell, LSTMCell, GRUCell: the gate math, with ``gates.py``),
``rnn.py`` (RNN: the one time loop), ``fused.py`` (its fast path on torch's fused kernels),
``stacked.py`` (StackedRNNCells), ``layers.py`` (SimpleRNN, LSTM, GRU) and ``conv_lstm.py``
(ConvLSTM1D/2D/3D): thin layers over a cell (``base.py``); shared: ``protocol.py`` (how RNN talks
to any cell), ``arguments.py`` (Keras arguments and weights), ``dropout.py`` (per-sequence dropout
masks), ``states.py`` (stateful layers' ``states``).

Example::

    >>> from kfunc_torch.layers import LSTM, RNN, LSTMCell
"""
from .cells import *      # noqa: F401,F403  SimpleRNNCell, LSTMCell, GRUCell
from .rnn import *        # noqa: F401,F403  RNN, StackedRNNCells
from .layers import *     # noqa: F401,F403  SimpleRNN, LSTM, GRU
from .conv_lstm import *  # noqa: F401,F403  ConvLSTM1D, ConvLSTM2D, ConvLSTM3D

__all__ = ["SimpleRNNCell", "LSTMCell", "GRUCell", "RNN", "StackedRNNCells", "SimpleRNN", "LSTM", "GRU",
           "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]
