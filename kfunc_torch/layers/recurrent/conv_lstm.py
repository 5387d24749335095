"""Convolutional LSTM: ConvLSTM1D, ConvLSTM2D, ConvLSTM3D (Shi et al. 2015) as ``RNN`` over a ConvLSTMCell.

An LSTM whose input and recurrent transformations are convolutions. Inputs are sequences of images,
(batch, time, *spatial, channels) (channels_last, the default) or (batch, time, channels, *spatial);
the states h and c are images of ``filters`` channels whose spatial size is that of the input
convolution's output (``strides``, ``padding``, ``dilation_rate`` apply to it). The recurrent
convolution always runs with stride 1, no dilation and 'same' padding, as in Keras.

Weights, in Keras's layout and gate order i, f, c, o (so get_weights/set_weights exchange with
Keras and counts agree): ``kernel`` (*kernel_size, in, 4·filters), ``recurrent_kernel``
(*kernel_size, filters, 4·filters), ``bias`` (4·filters, forget block starting at 1 with
``unit_forget_bias``). They are stored in torch's conv layout (4·filters, in, *k) and converted only
by get_weights/set_weights (``WeightLayout``), in channels_last memory format when the data is
channels_last.

How it runs: ``RNN``'s loop (``rnn.py``). The input convolution of all time steps is ONE batched
conv (time folded into the batch, ``ConvLSTMCell._sequence_inputs``); only the recurrent convolution
runs per step. Activations reach torch as channels_last views (``_spatial.to_torch``), so steps make
no NHWC<->NCHW copies. Rank 1 runs as rank 2 with a unit height, as the Conv layers do.

Keras semantics kept: masks (a (batch, time) mask, or a per-position (batch, time, *spatial) one,
as ``Masking`` gives on image sequences), ``go_backwards``, ``stateful`` as ``RNN``; ``dropout`` and
``recurrent_dropout`` draw one element-wise mask per gate (Keras's ``dropout_mask_count = 4``) per
call, shared by all time steps (computed as a grouped conv of the 4 masked copies, so it is still
one conv). Unlike Keras, unknown (None) spatial sizes are accepted; the output's spatial sizes are
then None.

Example::

    >>> x = Input(shape=(None, 40, 40, 1))          # (time, rows, cols, channels)
    >>> y = ConvLSTM2D(16, 3, padding="same", return_sequences=True)(x)
    >>> y.shape
    (None, None, 40, 40, 16)
    >>> out, h, c = ConvLSTM1D(8, 3, return_state=True)(Input(shape=(10, 32, 4)))
    >>> out.shape, c.shape
    ((None, 30, 8), (None, 30, 8))
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ...engine.layer import Layer
from .. import _spatial as sp
from ..conv import _BaseConv
from .arguments import GATE_ARGS, add_gate_weights, args_config, check_size, forget_bias_initializer, set_args
from .base import CellLayer
from .dropout import DropoutCellMixin
from .gates import lstm_gates

__all__ = ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]

_CONV_OPS = {2: F.conv2d, 3: F.conv3d}
# The cell's arguments after filters, in Keras's order.
_CONV_ARGS = ("kernel_size", "strides", "padding", "data_format", "dilation_rate")


class ConvLSTMCell(DropoutCellMixin, Layer):
    """One step of a rank-``rank`` ConvLSTM: ``call(inputs, [h, c])`` with a step's image (batch,
    *spatial, channels) and states in Keras layout; returns ``(h, [h, c])``."""

    def __init__(self, rank=2, filters=None, kernel_size=None, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 owner="ConvLSTMCell", **kwargs):
        r = self.rank = rank
        if filters is None or kernel_size is None:
            raise TypeError(f"{owner}() needs filters and kernel_size. Example: {owner}(16, 3, padding='same').")
        check_size(owner, "filters", filters, f"{owner}(16, 3, padding='same')")
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_size = sp.normalize_tuple(kernel_size, r, "kernel_size", owner)
        self.strides = sp.normalize_tuple(strides, r, "strides", owner)
        self.dilation_rate = sp.normalize_tuple(dilation_rate, r, "dilation_rate", owner)
        self.padding = sp.normalize_padding(padding, owner)
        self.data_format = sp.data_format(data_format)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{owner}: strides > 1 together with dilation_rate > 1 is not supported (as in Keras); "
                             f"received strides={self.strides} and dilation_rate={self.dilation_rate}.")
        set_args(self, **{n: v for n, v in locals().items() if n in GATE_ARGS})  # this call's own arguments
        self.unit_forget_bias = bool(unit_forget_bias)
        self.seed = seed
        self._init_dropout()
        self.state_size = [filters, filters]
        # torch-side arguments (rank 1 gains a unit leading dimension)
        self._op = _CONV_OPS[max(r, 2)]
        self._t_kernel = sp.torch_tuple(self.kernel_size, 1)
        self._t_strides = sp.torch_tuple(self.strides, 1)
        self._t_dilation = sp.torch_tuple(self.dilation_rate, 1)
        ones = (1,) * len(self._t_kernel)
        static = self.padding != "same" or all(s == 1 for s in self.strides)
        self._static_plan = (sp.pad_plan(ones, self._t_kernel, self._t_strides, self._t_dilation, self.padding)
                             if static else None)
        self._plans: dict = {}
        # The recurrent conv: stride 1, no dilation, 'same' (its padding does not depend on the size).
        self._rec_plan = sp.pad_plan(ones, self._t_kernel, ones, ones, "same")

    # ------------------------------------------------------------------ weights and shapes
    def _memory_format(self, dim: int):
        if self.data_format != "channels_last":
            return torch.contiguous_format
        return torch.channels_last_3d if dim == 5 else torch.channels_last

    def build(self, input_shape):
        """``input_shape``: one step's, (batch, *spatial, channels) in the data format."""
        cin = input_shape[-1] if self.data_format == "channels_last" else input_shape[1]
        g = 4 * self.filters
        add_gate_weights(self, self.kernel_size + (cin, g), self.kernel_size + (self.filters, g), (g,),
                         self._bias_init(), layout=sp.kernel_layout(self.rank))
        for p in (self.kernel, self.recurrent_kernel):
            # torch's conv would copy a contiguous kernel to the data's memory format on every call
            with torch.no_grad():
                p.data = p.data.contiguous(memory_format=self._memory_format(p.dim()))
        self.built = True

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        return forget_bias_initializer(self.bias_initializer, self.filters)

    def state_shape(self, step_shape, where: str):
        """Keras-layout shape of h and c for one step's input shape (batch, *spatial, channels)."""
        sizes = sp.spatial_dims(tuple(step_shape), self.rank, self.data_format)
        out = tuple(sp.conv_out_len(n, k, s, d, self.padding)
                    for n, k, s, d in zip(sizes, self.kernel_size, self.strides, self.dilation_rate))
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(f"{where}: the kernel {self.kernel_size} (dilation {self.dilation_rate}) does not fit the "
                             f"input's spatial size {tuple(sizes)} with padding='valid' (output size {out}). Use "
                             "padding='same' or a larger input.")
        return sp.with_channels(step_shape[0], out, self.filters, self.data_format)

    def _mask_count(self) -> int:
        return 4  # Keras's dropout_mask_count: one mask per gate

    # ------------------------------------------------------------------ the step
    def _steps_natively(self) -> bool:
        return type(self).call is ConvLSTMCell.call

    def call(self, inputs, states, training=None):
        if training is None:
            training = self.training
        return self._recurrent_step(self._sequence_inputs(inputs[:, None], training)[:, 0], states, training)

    def _sequence_inputs(self, x, training):
        """The input convolution of every step at once (time folded into the batch), gate
        pre-activations in torch layout (B, T, 4F, [1,] *out): a view of one conv's output."""
        batch, steps, fmt = x.shape[0], x.shape[1], self.data_format
        groups = 1
        masks = self.get_dropout_mask(x[:, 0]) if training else None
        if masks is not None:
            # One conv over the 4 gate-masked copies of the input (stacked on the channel axis, groups=4):
            # gate g's output channels read only copy g, as Keras's 4 separate convs do.
            x = torch.cat([x * m.unsqueeze(1) for m in masks], -1 if fmt == "channels_last" else 2)
            groups = 4
        xf = sp.to_torch(x.reshape((batch * steps,) + tuple(x.shape[2:])), self.rank, fmt)
        padding, fpad = self._plan(xf)
        if fpad is not None:
            xf = F.pad(xf, fpad)
        zx = self._op(xf, self.kernel, self.bias, self._t_strides, padding, self._t_dilation, groups)
        return zx.reshape((batch, steps) + tuple(zx.shape[1:]))

    def _recurrent_step(self, zx, states, training):
        h, c = (self._to_torch(s) for s in states[:2])
        rec_masks = self.get_recurrent_dropout_mask(states[0]) if training else None
        if rec_masks is None:
            h_in, groups = h, 1
        else:
            h_in, groups = torch.cat([h * self._to_torch(m) for m in rec_masks], 1), 4
        rpad, rfpad = self._rec_plan
        if rfpad is not None:
            h_in = F.pad(h_in, rfpad)
        z = zx + self._op(h_in, self.recurrent_kernel, None, 1, rpad, 1, groups)
        h, c = (sp.from_torch(s, self.rank, self.data_format)
                for s in lstm_gates(z, c, self.activation, self.recurrent_activation))
        return h, [h, c]

    def _to_torch(self, s):
        """A Keras-layout state as torch's conv sees it: a view (channels_last strides for NHWC data)."""
        t = sp.to_torch(s, self.rank, self.data_format)
        return t.contiguous(memory_format=self._memory_format(t.dim()))

    _plan = _BaseConv._plan  # the input conv's padding plan, as the Conv layers make it

    def get_config(self):
        return {**super().get_config(), "rank": self.rank, "filters": self.filters,
                **args_config(self, _CONV_ARGS + _GATED_CONFIG)}


# Keras's config order for ConvLSTM after the conv arguments (activity_regularizer among the weights').
_GATED_CONFIG = ("activation", "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer",
                 "bias_initializer", "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer",
                 "bias_regularizer", "activity_regularizer", "kernel_constraint", "recurrent_constraint",
                 "bias_constraint", "dropout", "recurrent_dropout", "seed")


class _ConvLSTM(CellLayer):
    """Rank-generic ConvLSTM layer (subclasses set ``rank``)."""

    rank = 2
    _cell_class, _cell_name, _size_arg = ConvLSTMCell, "conv_lstm_cell", "filters"
    _cell_args = _CONV_ARGS + tuple(n for n in _GATED_CONFIG if n != "activity_regularizer")
    _positional = _CONV_ARGS + _GATED_CONFIG
    _config_args = _CONV_ARGS + _GATED_CONFIG + ("return_sequences", "return_state", "go_backwards", "stateful",
                                                 "unroll", "zero_output_for_mask")

    def __init__(self, filters=None, *args, **kwargs):
        super().__init__(filters, *args, **kwargs)

    @property
    def _ndim(self):
        return self.rank + 3

    def _make_cell(self, size, **cell_kwargs):
        return ConvLSTMCell(self.rank, size, owner=type(self).__name__, **cell_kwargs)

    def _check_arguments(self, size, kwargs) -> None:
        if size is None or kwargs.get("kernel_size") is None:
            owner = type(self).__name__
            raise TypeError(f"{owner}() needs filters and kernel_size. Example: {owner}(16, 3, padding='same').")
        super()._check_arguments(size, kwargs)

    def _input_axes(self, input_shape) -> dict:
        axis = -1 if self.data_format == "channels_last" else 2
        return {axis: input_shape[axis]}

    # ------------------------------------------------------------------ shapes
    def _check_rank(self, shape) -> None:
        if len(shape) != self.rank + 3:
            raise ValueError(f'{type(self).__name__} layer "{self.name}" expects inputs of rank {self.rank + 3} '
                             f"(batch, time, {'spatial, ' * self.rank}channels in {self.data_format}); received "
                             f"input shape {tuple(shape)}.")

    def _state_shape(self, input_shape):
        self._check_rank(input_shape)
        return self.cell.state_shape((input_shape[0],) + tuple(input_shape[2:]),
                                     f'{type(self).__name__} layer "{self.name}"')

    def build(self, input_shape):
        seqs, _ = self._split(input_shape)
        self._check_rank(seqs)
        cin = seqs[-1] if self.data_format == "channels_last" else seqs[2]
        if cin is None:
            raise ValueError(f'{type(self).__name__} layer "{self.name}" needs a known channel dimension '
                             f"({self.data_format}); received input shape {tuple(seqs)}.")
        super().build(input_shape)

    def _zero_states(self, input_shape):
        shape = self._state_shape(input_shape)
        return None if None in shape else [torch.zeros(shape) for _ in range(2)]

    def compute_output_shape(self, input_shape):
        seqs, _ = self._split(input_shape)
        state = self._state_shape(tuple(seqs))
        out = (state[0], seqs[1]) + state[1:] if self.return_sequences else state
        return [out, state, state] if self.return_state else out

    # ------------------------------------------------------------------ call
    def call(self, inputs, mask=None, training=None, initial_state=None):
        x = self._split(inputs)[0]
        if x.dim() != self.rank + 3:
            raise ValueError(f'{type(self).__name__} "{self.name}" expects input of rank {self.rank + 3} (batch, time, '
                             f"{'spatial, ' * self.rank}channels); received shape {tuple(x.shape)}.")
        if isinstance(mask, torch.Tensor) and mask.dim() > 2:
            self._check_position_mask(mask, x)
        return super().call(inputs, mask=mask, training=training, initial_state=initial_state)

    def _check_position_mask(self, mask, x) -> None:
        """A per-position mask (``Masking`` on image sequences, which Keras 3 applies position by
        position) must match the states' spatial size, in channels_last data."""
        state = self._state_shape(tuple(x.shape))
        if mask.dim() == self.rank + 2 and self.data_format == "channels_last":
            if tuple(mask.shape[2:]) != tuple(state[1:-1]):
                raise ValueError(f'{type(self).__name__} "{self.name}": a per-position mask needs the spatial size '
                                 f"of the states {tuple(state[1:-1])}, but has {tuple(mask.shape[2:])} (the input "
                                 "conv changes the size: use padding='same' and strides=1, or a (batch, time) mask).")
            return
        raise ValueError(f'{type(self).__name__} "{self.name}": the mask must have shape (batch, time) (or '
                         f"(batch, time, *spatial) with channels_last data); received {tuple(mask.shape)}.")

    def _initial_leaves(self, x, initial_state):
        shape = self._state_shape(tuple(x.shape))
        where = f'{type(self).__name__} "{self.name}"'
        if initial_state is not None:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            if len(states) != 2:
                raise ValueError(f"{where} has 2 states (h, c), but initial_state has {len(states)}.")
            states = [torch.as_tensor(s).to(device=x.device, dtype=x.dtype) for s in states]
            if any(tuple(s.shape) != shape for s in states):
                raise ValueError(f"{where}: initial_state entries must have shape {shape} (batch, spatial output, "
                                 f"filters in {self.data_format}); received {[tuple(s.shape) for s in states]}.")
            return states
        carried = self._carried_states(x.shape[0], x.device, x.dtype)
        if carried is not None:
            if tuple(carried[0].shape) != shape:
                raise ValueError(f"{where} is stateful, and its states have shape {tuple(carried[0].shape)}, which "
                                 f"does not fit this input (its states would have shape {shape}). Feed inputs of one "
                                 "spatial size, or reset_states(states).")
            return carried
        return [x.new_zeros(shape) for _ in range(2)]


class ConvLSTM1D(_ConvLSTM):
    """Convolutional LSTM over sequences of 1-D signals: (batch, time, steps, channels).

    Example::

        >>> ConvLSTM1D(8, 3, padding="same", return_sequences=True)(Input(shape=(10, 32, 4))).shape
        (None, 10, 32, 8)
    """
    rank = 1


class ConvLSTM2D(_ConvLSTM):
    """Convolutional LSTM over sequences of images: (batch, time, rows, cols, channels) (or channels_first
    (batch, time, channels, rows, cols)). Weights kernel (kh, kw, in, 4·filters), recurrent_kernel
    (kh, kw, filters, 4·filters), bias (4·filters); gates i, f, c, o.

    Example::

        >>> layer = ConvLSTM2D(16, (3, 3), padding="same")
        >>> layer(Input(shape=(None, 40, 40, 1))).shape       # the last h
        (None, 40, 40, 16)
        >>> layer.count_params()                             # 3·3·(1+16)·64 + 64
        9856
    """
    rank = 2


class ConvLSTM3D(_ConvLSTM):
    """Convolutional LSTM over sequences of volumes: (batch, time, d1, d2, d3, channels).

    Example::

        >>> ConvLSTM3D(4, 3, padding="same")(Input(shape=(5, 8, 8, 8, 1))).shape
        (None, 8, 8, 8, 4)
    """
    rank = 3
