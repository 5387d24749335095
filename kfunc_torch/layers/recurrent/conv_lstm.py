"""Convolutional LSTM layers: ConvLSTM1D, ConvLSTM2D, ConvLSTM3D (Shi et al. 2015), Keras 3 semantics.

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

How it runs: the input convolution of all time steps is ONE batched conv (time folded into the
batch); only the recurrent convolution runs per step in a Python loop. Activations reach torch as
channels_last views (``_spatial.to_torch``), so steps make no NHWC<->NCHW copies: the gate
arithmetic keeps the channels_last strides and h goes straight back into the next recurrent conv.
Rank 1 runs as rank 2 with a unit height, as the Conv layers do.

Keras semantics kept: a masked time step carries h and c unchanged and repeats the previous output
(zeros before the first valid step; zeros throughout with ``zero_output_for_mask``);
``go_backwards`` returns the sequence in processing (reversed) order; ``dropout`` and
``recurrent_dropout`` draw one element-wise mask per gate (Keras's ``dropout_mask_count = 4``) per
call, shared by all time steps (computed as a grouped conv of the 4 masked copies, so it is still
one conv); ``stateful=True`` carries the final states to the next call (``reset_states()``).
Unlike Keras, unknown (None) spatial sizes are accepted; the output's spatial sizes are then None.

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

from ...engine.input_spec import InputSpec
from ...engine.layer import Layer
from .. import _spatial as sp
from .arguments import GATE_ARGS, add_gate_weights, args_config, check_rates, check_size, set_args, unpack_call
from .base import forget_bias_initializer
from .gates import lstm_gates
from .states import StatefulMixin

__all__ = ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]

_CONV_OPS = {2: F.conv2d, 3: F.conv3d}


class _ConvLSTM(StatefulMixin, Layer):
    """Rank-generic ConvLSTM (subclasses set ``rank``)."""

    _keras_vars_path = "cell/vars"  # Keras keeps these weights in the layer's cell

    rank = 2

    def __init__(self, filters=None, kernel_size=None, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        owner, r = type(self).__name__, self.rank
        if filters is None or kernel_size is None:
            raise TypeError(f"{owner}() needs filters and kernel_size. Example: {owner}(16, 3, padding='same').")
        check_size(owner, "filters", filters, f"{owner}(16, 3, padding='same')")
        check_rates(owner, dropout=dropout, recurrent_dropout=recurrent_dropout)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
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
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)  # accepted for compatibility: the loop is always a Python loop
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.input_spec = InputSpec(ndim=r + 3)
        self._generator = torch.Generator().manual_seed(int(seed)) if seed is not None else None
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

    # ------------------------------------------------------------------ weights
    def _in_channels(self, input_shape) -> int:
        if len(input_shape) != self.rank + 3:
            raise ValueError(f'{type(self).__name__} layer "{self.name}" expects inputs of rank {self.rank + 3} '
                             f"(batch, time, {'spatial, ' * self.rank}channels in {self.data_format}); received "
                             f"input shape {tuple(input_shape)}.")
        cin = input_shape[-1] if self.data_format == "channels_last" else input_shape[2]
        if cin is None:
            raise ValueError(f'{type(self).__name__} layer "{self.name}" needs a known channel dimension '
                             f"({self.data_format}); received input shape {tuple(input_shape)}.")
        return cin

    def _memory_format(self, dim: int):
        if self.data_format != "channels_last":
            return torch.contiguous_format
        return torch.channels_last_3d if dim == 5 else torch.channels_last

    def build(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        cin = self._in_channels(input_shape)
        g = 4 * self.filters
        layout = sp.kernel_layout(self.rank)
        add_gate_weights(self, self.kernel_size + (cin, g), self.kernel_size + (self.filters, g), (g,),
                         self._bias_init(), layout=layout)
        for p in (self.kernel, self.recurrent_kernel):
            # torch's conv would copy a contiguous kernel to the data's memory format on every call
            with torch.no_grad():
                p.data = p.data.contiguous(memory_format=self._memory_format(p.dim()))
        axis = -1 if self.data_format == "channels_last" else 2
        self.input_spec = InputSpec(ndim=self.rank + 3, axes={axis: cin})
        if self.stateful:
            self._check_static_batch(input_shape[0])
            shape = self._state_shape(tuple(input_shape))
            if None not in shape:  # unknown spatial sizes: created at the first call
                self._create_states([torch.zeros(shape, dtype=self.kernel.dtype) for _ in range(2)])
        self.built = True

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        return forget_bias_initializer(self.bias_initializer, self.filters)

    # ------------------------------------------------------------------ shapes and masks
    def _state_shape(self, input_shape):
        """Keras-layout shape of h and c (with the batch) for a (batch, time, ...) input shape."""
        step = (input_shape[0],) + tuple(input_shape[2:])
        sizes = sp.spatial_dims(step, self.rank, self.data_format)
        out = tuple(sp.conv_out_len(n, k, s, d, self.padding)
                    for n, k, s, d in zip(sizes, self.kernel_size, self.strides, self.dilation_rate))
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(f'{type(self).__name__} layer "{self.name}": the kernel {self.kernel_size} (dilation '
                             f"{self.dilation_rate}) does not fit the input's spatial size {tuple(sizes)} with "
                             f"padding='valid' (output size {out}). Use padding='same' or a larger input.")
        return sp.with_channels(input_shape[0], out, self.filters, self.data_format)

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        input_shape = tuple(input_shape)
        self._in_channels(input_shape)
        state = self._state_shape(input_shape)
        out = (state[0], input_shape[1]) + state[1:] if self.return_sequences else state
        if self.return_state:
            return [out, state, state]
        return out

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out_mask = mask if self.return_sequences else None
        if self.return_state:
            return [out_mask, None, None]
        return out_mask

    @property
    def state_size(self):
        return [self.filters, self.filters]

    # ------------------------------------------------------------------ states
    def _state_to_torch(self, s):
        return sp.to_torch(s, self.rank, self.data_format).contiguous(memory_format=self._memory_format(
            max(self.rank, 2) + 2))

    # ------------------------------------------------------------------ dropout
    def _draw_dropout_masks(self, like: torch.Tensor, rate: float):
        """Four element-wise keep masks (values 0 or 1/(1-rate)) shaped like ``like`` (one step, Keras
        layout), one per gate i, f, c, o. Tests replace this method to feed known masks."""
        def draw():
            if self._generator is None:
                keep = torch.empty_like(like).bernoulli_(1.0 - rate)
            else:
                keep = torch.empty(like.shape, dtype=like.dtype).bernoulli_(1.0 - rate, generator=self._generator)
                keep = keep.to(like.device)
            return keep / (1.0 - rate)
        return [draw() for _ in range(4)]

    # ------------------------------------------------------------------ call
    def call(self, inputs, mask=None, training=None, initial_state=None):
        x, mask, initial_state = unpack_call(inputs, mask, initial_state)
        if training is None:
            training = self.training
        if x.dim() != self.rank + 3:
            raise ValueError(f'{type(self).__name__} "{self.name}" expects input of rank {self.rank + 3} (batch, time, '
                             f"{'spatial, ' * self.rank}channels); received shape {tuple(x.shape)}.")
        batch, steps = x.shape[0], x.shape[1]
        step_shape = x.shape[:1] + x.shape[2:]
        fmt = self.data_format
        groups = 1
        if training and 0.0 < self.dropout < 1.0:
            # One conv over the 4 gate-masked copies of the input (stacked on the channel axis, groups=4):
            # gate g's output channels read only copy g, as Keras's 4 separate convs do.
            masks = self._draw_dropout_masks(x.new_empty(step_shape), self.dropout)
            ch = -1 if fmt == "channels_last" else 2
            x = torch.cat([x * m.unsqueeze(1) for m in masks], ch)
            groups = 4
        # Input conv of every step at once: time folded into the batch.
        xf = sp.to_torch(x.reshape((batch * steps,) + tuple(x.shape[2:])), self.rank, fmt)
        padding, fpad = self._plan(xf)
        if fpad is not None:
            xf = F.pad(xf, fpad)
        zx = self._op(xf, self.kernel, self.bias, self._t_strides, padding, self._t_dilation, groups)
        zx = zx.reshape((batch, steps) + tuple(zx.shape[1:]))  # (B, T, 4F, [1,] *out): a view
        state_torch_shape = (batch, self.filters) + tuple(zx.shape[3:])
        h, c = self._initial_states(zx, state_torch_shape, initial_state)
        rec_masks = None
        if training and 0.0 < self.recurrent_dropout < 1.0:
            like = sp.from_torch(h, self.rank, fmt)
            rec_masks = [sp.to_torch(m, self.rank, fmt) for m in self._draw_dropout_masks(like, self.recurrent_dropout)]
        if mask is not None:
            mask = self._step_mask(mask.to(torch.bool), batch, steps, zx.dim(), tuple(zx.shape[3:]))
        ra, act = self.recurrent_activation, self.activation
        w_rec = self.recurrent_kernel
        (rpad, rfpad) = self._rec_plan
        outputs, prev_out = [], None
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        for t in order:
            if rec_masks is None:
                h_in, rgroups = h, 1
            else:
                h_in, rgroups = torch.cat([h * m for m in rec_masks], 1), 4
            if rfpad is not None:
                h_in = F.pad(h_in, rfpad)
            z = zx[:, t] + self._op(h_in, w_rec, None, 1, rpad, 1, rgroups)
            h_new, c_new = lstm_gates(z, c, act, ra)
            if mask is None:
                h, c = h_new, c_new
                out = h_new
            else:
                m = mask[:, t]
                h, c = torch.where(m, h_new, h), torch.where(m, c_new, c)
                if prev_out is None or self.zero_output_for_mask:
                    prev_out = torch.zeros_like(h_new)
                out = prev_out = torch.where(m, h_new, prev_out)
            if self.return_sequences:
                outputs.append(sp.from_torch(out, self.rank, fmt))
        self._keep_states([sp.from_torch(h, self.rank, fmt), sp.from_torch(c, self.rank, fmt)])
        if self.return_sequences:
            output = torch.stack(outputs, 1) if outputs else zx.new_zeros(
                (batch, 0) + tuple(sp.from_torch(h, self.rank, fmt).shape[1:]))
        elif mask is not None and self.zero_output_for_mask and prev_out is not None:
            output = sp.from_torch(prev_out, self.rank, fmt)
        else:
            output = sp.from_torch(h, self.rank, fmt)
        if self.return_state:
            return [output, sp.from_torch(h, self.rank, fmt), sp.from_torch(c, self.rank, fmt)]
        return output

    def _step_mask(self, mask, batch, steps, zdim, out_spatial):
        """A (B, T) mask, or a per-position (B, T, *spatial) one (``Masking`` on image sequences, which
        Keras 3 applies position by position), shaped to broadcast against h in torch layout."""
        if mask.dim() == 2:
            return mask.reshape((batch, steps) + (1,) * (zdim - 2))
        if mask.dim() == self.rank + 2 and self.data_format == "channels_last":
            if tuple(mask.shape[2:]) != tuple(out_spatial[-self.rank:]):
                raise ValueError(f'{type(self).__name__} "{self.name}": a per-position mask needs the spatial size '
                                 f"of the states {tuple(out_spatial[-self.rank:])}, but has {tuple(mask.shape[2:])} "
                                 "(the input conv changes the size: use padding='same' and strides=1, or a "
                                 "(batch, time) mask).")
            mask = mask.unsqueeze(2)  # (B, T, 1, *spatial)
            return mask.unsqueeze(3) if self.rank == 1 else mask
        raise ValueError(f'{type(self).__name__} "{self.name}": the mask must have shape (batch, time) (or '
                         f"(batch, time, *spatial) with channels_last data); received {tuple(mask.shape)}.")

    def _plan(self, x):
        if self._static_plan is not None:
            return self._static_plan
        key = tuple(x.shape[2:])
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = sp.pad_plan(key, self._t_kernel, self._t_strides, self._t_dilation, "same")
        return plan

    def _initial_states(self, zx, shape, initial_state):
        if initial_state is not None:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            if len(states) != 2:
                raise ValueError(f'{type(self).__name__} "{self.name}" has 2 states (h, c), but initial_state has '
                                 f"{len(states)}.")
            states = [self._state_to_torch(s.to(zx.dtype)) for s in states]
            if tuple(states[0].shape) != shape or tuple(states[1].shape) != shape:
                want = tuple(sp.from_torch(zx.new_empty(shape, device="meta"), self.rank, self.data_format).shape)
                raise ValueError(f'{type(self).__name__} "{self.name}": initial_state entries must have shape {want} '
                                 f"(batch, spatial output, filters in {self.data_format}); received "
                                 f"{[tuple(sp.from_torch(s, self.rank, self.data_format).shape) for s in states]}.")
            return states
        carried = self._carried_states(shape[0], zx.device, zx.dtype)
        if carried is not None:
            states = [self._state_to_torch(s) for s in carried]
            if tuple(states[0].shape) != shape:
                raise ValueError(f'{type(self).__name__} "{self.name}" is stateful, and its states have shape '
                                 f"{tuple(carried[0].shape)}, which does not fit this input (its states would have "
                                 f"torch shape {shape}). Feed inputs of one spatial size, or reset_states(states).")
            return states
        mf = self._memory_format(len(shape))
        return [zx.new_zeros(shape).contiguous(memory_format=mf) for _ in range(2)]

    # ------------------------------------------------------------------ config
    # Keras's config order for ConvLSTM (activity_regularizer among the weights' arguments).
    _config_args = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation",
                    "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer",
                    "bias_initializer", "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer",
                    "bias_regularizer", "activity_regularizer", "kernel_constraint", "recurrent_constraint",
                    "bias_constraint", "dropout", "recurrent_dropout", "seed", "return_sequences", "return_state",
                    "go_backwards", "stateful", "unroll", "zero_output_for_mask")

    def get_config(self):
        return {**super().get_config(), **args_config(self, self._config_args)}


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
