"""The machinery shared by SimpleRNN, LSTM and GRU: arguments, weights, masks, states, dispatch.

A recurrent layer keeps Keras's weights (``kernel`` (d, G·u), ``recurrent_kernel`` (u, G·u), ``bias``)
as Parameters in Keras's layout, so counts and get_weights match Keras. Each call derives torch's
weight list from them (transposed views, a gate permutation for GRU) and runs torch's fused kernel
(``torch._VF.lstm/gru/rnn_tanh``: oneDNN on CPU, cuDNN on CUDA). Masks whose valid steps form one
contiguous run per sequence (right padding, left padding, both, ``go_backwards`` on right padding)
also run fused: each run is shifted to start at step 0, then packed (when final states are returned)
or run padded with each row's outputs read up to its length (faster on CPU). Only what no fused kernel expresses runs a Python loop over
time steps: other activations (``hard_sigmoid``), ``recurrent_dropout`` while training, GRU
``reset_after=False``, and masks with holes.

Keras semantics kept here: at a masked step the state is carried unchanged and the output repeats
the previous step's output (zeros before the first valid step), or is zero when
``zero_output_for_mask`` is set (Bidirectional sets it for sequence outputs); ``go_backwards``
returns the sequence in processing (reversed) order; input dropout uses one mask per sequence.

Example::

    >>> lstm = LSTM(32, return_sequences=True)
    >>> lstm(Input(shape=(None, 64))).shape
    (None, None, 32)
"""
from __future__ import annotations

import torch
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from ...engine.input_spec import InputSpec
from ...engine.layer import Layer
from .arguments import GATE_ARGS, WEIGHT_ARGS, add_gate_weights, args_config, check_rates, check_size, set_args, unpack_call
from .states import StatefulMixin

def forget_bias_initializer(base, n: int):
    """An LSTM bias initializer (gates i, f, c, o, ``n`` units each) that starts the forget gate's
    block at 1 (``unit_forget_bias``, Jozefowicz et al. 2015) and the others with ``base``.

    Example: ``forget_bias_initializer(initializers.get("zeros"), 2)((8,))`` gives 0 0 1 1 0 0 0 0.
    """
    def init(shape, dtype=None):
        return torch.cat([base((n,), dtype=dtype), torch.ones(n, dtype=dtype or torch.float32),
                          base((2 * n,), dtype=dtype)])
    return init


class RNNBase(StatefulMixin, Layer):
    """Base of SimpleRNN, LSTM and GRU. Subclasses set ``_gates`` and ``_n_states`` and implement
    ``_bias_shape``, ``_bias_initializer``, ``_fused`` (or return None) and ``_step``."""

    _keras_vars_path = "cell/vars"  # Keras keeps these weights in the layer's cell

    _gates = 1
    _n_states = 1

    def __init__(self, units=None, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, implementation=2, time_major=False, seed=None, zero_output_for_mask=False,
                 use_cudnn="auto", **kwargs):
        name = type(self).__name__
        check_size(name, "units", units, f"{name}(32) (units: the size of the output and state vectors)")
        check_rates(name, dropout=dropout, recurrent_dropout=recurrent_dropout)
        if time_major:
            raise ValueError(f"{name}: time_major=True is not supported; pass (batch, time, features) inputs "
                             "(transpose a time-major tensor with tf.transpose / permute first).")
        # Keras 1/2 `input_dim=` (with optional `input_length=`) gives a recurrent layer a 3D input.
        if "input_dim" in kwargs and "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            kwargs["input_shape"] = (kwargs.pop("input_length", None), kwargs.pop("input_dim"))
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = units
        set_args(self, **{n: v for n, v in locals().items() if n in GATE_ARGS})  # this call's own arguments
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)  # accepted for compatibility; the fused kernels need no unrolling
        self.implementation = implementation
        self.seed = seed
        self.use_cudnn = use_cudnn  # accepted (Keras 3); torch picks cuDNN itself on CUDA
        # Output at masked steps: zero (True) or the previous output (False, Keras's default).
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.input_spec = InputSpec(ndim=3)

    @property
    def state_size(self):
        return [self.units] * self._n_states

    # ------------------------------------------------------------------ weights
    def build(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        d = input_shape[-1]
        if d is None:
            raise ValueError(f'{type(self).__name__} layer "{self.name}" needs a known number of input features '
                             f"(last axis) to create its kernel, but received input shape {tuple(input_shape)}.")
        g = self._gates * self.units
        add_gate_weights(self, (d, g), (self.units, g), self._bias_shape(), self._bias_initializer())
        # torch's kernels take two biases; Keras has one: the other is this zero buffer (not a weight).
        self.register_buffer("_zero_bias", torch.zeros(g, dtype=self.kernel.dtype), persistent=False)
        self.input_spec = InputSpec(ndim=3, axes={-1: d})
        if self.stateful:
            self._check_static_batch(input_shape[0])
            self._create_states([torch.zeros(input_shape[0], self.units, dtype=self.kernel.dtype)
                                 for _ in range(self._n_states)])
        self.built = True

    def _bias_shape(self):
        return (self._gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    # ------------------------------------------------------------------ shapes and masks
    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        input_shape = tuple(input_shape)
        out = input_shape[:2] + (self.units,) if self.return_sequences else (input_shape[0], self.units)
        if self.return_state:
            return [out] + [(input_shape[0], self.units)] * self._n_states
        return out

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out_mask = mask if self.return_sequences else None
        if self.return_state:
            return [out_mask] + [None] * self._n_states
        return out_mask

    # ------------------------------------------------------------------ states
    def _initial_states(self, x, initial_state):
        batch = x.shape[0]
        if initial_state is not None:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            if len(states) != self._n_states:
                raise ValueError(f'{type(self).__name__} "{self.name}" has {self._n_states} state(s) '
                                 f"({'h, c' if self._n_states == 2 else 'h'}), but initial_state has {len(states)}.")
            return [s.to(x.dtype) for s in states]
        carried = self._carried_states(batch, x.device, x.dtype)
        if carried is not None:
            return carried
        return [x.new_zeros(batch, self.units) for _ in range(self._n_states)]

    # ------------------------------------------------------------------ call
    def call(self, inputs, mask=None, training=None, initial_state=None):
        x, mask, initial_state = unpack_call(inputs, mask, initial_state)
        if training is None:
            training = self.training
        if x.dim() != 3:
            raise ValueError(f'{type(self).__name__} "{self.name}" expects input of shape (batch, time, features); '
                             f"received shape {tuple(x.shape)}.")
        states = self._initial_states(x, initial_state)
        if self.go_backwards:
            x = x.flip(1)
            mask = mask.flip(1) if mask is not None else None
        if training and 0.0 < self.dropout < 1.0:
            # One dropout mask per sequence, shared by all time steps (as Keras's cells do).
            keep = torch.empty(x.shape[0], 1, x.shape[2], device=x.device, dtype=x.dtype).bernoulli_(1 - self.dropout)
            x = x * keep / (1 - self.dropout)
        rec_keep = None
        if training and 0.0 < self.recurrent_dropout < 1.0:
            rec_keep = torch.empty(x.shape[0], self.units, device=x.device, dtype=x.dtype).bernoulli_(
                1 - self.recurrent_dropout) / (1 - self.recurrent_dropout)
        run = None
        if mask is not None:
            run = _contiguous_runs(mask)
        can_fuse = rec_keep is None and self._fused_ok() and (mask is None or run is not None)
        if can_fuse and mask is not None and run[0] is None:
            mask = None  # every step valid
        if can_fuse:
            if mask is None:
                outputs, new_states = self._fused(x, states, None)
            else:
                outputs, new_states = self._fused_masked(x, states, run, mask)
        else:
            outputs, new_states = self._loop(x, states, mask, rec_keep)
        self._keep_states(new_states)
        if self.return_sequences:
            output = outputs
        elif mask is not None and self.zero_output_for_mask:
            output = outputs[:, -1]
        else:
            output = new_states[0]
        if self.return_state:
            return [output] + list(new_states)
        return output

    def _fused_ok(self) -> bool:
        return False

    def _fused(self, x, states, batch_sizes):
        raise NotImplementedError

    def _fused_masked(self, x, states, run, mask):
        """Run the fused kernel on the valid run of each sequence (packed), then lay the outputs out
        in time as Keras does (zeros before the run, carried or zero after it)."""
        start, length = run  # (B,) tensors on x's device
        batch, steps = x.shape[0], x.shape[1]
        t = torch.arange(steps, device=x.device)
        empty = length == 0
        packed_len = length.clamp(min=1)
        # Shift each sequence so its valid run starts at step 0, then pack it.
        shift_idx = (t[None, :] + start[:, None]) % steps
        shifted = x.gather(1, shift_idx[:, :, None].expand(-1, -1, x.shape[2]))
        if self.return_state or self.stateful:
            # Every final state is needed: packed sequences stop each row's recurrence at its length.
            packed = pack_padded_sequence(shifted, packed_len.cpu(), batch_first=True, enforce_sorted=False)
            sorted_states = [s.index_select(0, packed.sorted_indices) for s in states]
            out_data, new_states = self._fused(packed.data, sorted_states, packed.batch_sizes)
            new_states = [s.index_select(0, packed.unsorted_indices) for s in new_states]
            out, _ = pad_packed_sequence(PackedSequence(out_data, packed.batch_sizes, packed.sorted_indices,
                                                        packed.unsorted_indices), batch_first=True,
                                         total_length=steps)
        else:
            # Only outputs are needed: run the padded batch unpacked (several times faster than packed
            # on CPU) and read each row's outputs up to its length; later steps are never read, so
            # they get no gradient. The last valid output is h.
            out, _ = self._fused(shifted, states, None)
            last = (packed_len - 1)[:, None, None].expand(-1, 1, out.shape[2])
            new_states = [out.gather(1, last)[:, 0]]
        # Place outputs back: position s reads run step clamp(s - start, 0, len - 1).
        rel = t[None, :] - start[:, None]
        src = rel.clamp(min=0).minimum(packed_len[:, None] - 1)
        out = out.gather(1, src[:, :, None].expand(-1, -1, out.shape[2]))
        valid = (rel >= 0) & ~empty[:, None]
        if self.zero_output_for_mask:
            valid = valid & (rel < length[:, None])
        out = out * valid[:, :, None].to(out.dtype)
        if bool(empty.any()):
            new_states = [torch.where(empty[:, None], s0, s) for s0, s in zip(states, new_states)]
        return out, new_states

    def _loop(self, x, states, mask, rec_keep):
        """Step through time in Python: for what the fused kernels cannot express."""
        xp = self._input_projection(x)  # (B, T, G*u): input part of every step at once
        outputs = []
        prev_out = None
        for step in range(x.shape[1]):
            h_in = states[0] if rec_keep is None else states[0] * rec_keep
            new_states = self._step(xp[:, step], states, h_in)
            if mask is None:
                states = new_states
                outputs.append(new_states[0])
                continue
            m = mask[:, step, None]
            states = [torch.where(m, n, o) for n, o in zip(new_states, states)]
            if prev_out is None:
                prev_out = torch.zeros_like(new_states[0])
            out = torch.where(m, new_states[0], torch.zeros_like(prev_out) if self.zero_output_for_mask else prev_out)
            prev_out = out
            outputs.append(out)
        return torch.stack(outputs, 1), states

    def _input_projection(self, x):
        xp = torch.matmul(x, self.kernel)
        if self.bias is not None:
            b = self.bias[0] if self.bias.dim() == 2 else self.bias
            xp = xp + b
        return xp

    def _step(self, xp_t, states, h_in):
        raise NotImplementedError

    # ------------------------------------------------------------------ config
    _config_args = ("activation", "recurrent_activation", "use_bias") + WEIGHT_ARGS + (
        "dropout", "recurrent_dropout", "return_sequences", "return_state", "go_backwards", "stateful", "unroll",
        "implementation", "seed", "zero_output_for_mask", "activity_regularizer")

    def get_config(self):
        return {**super().get_config(), "units": self.units, **args_config(self, self._config_args)}


def _contiguous_runs(mask):
    """For a (B, T) mask: (start, length) of each row's single run of valid steps, ``(None, None)``
    when every step is valid, or None when some row has holes (then only the loop is exact)."""
    mask = mask.bool()
    steps = mask.shape[1]
    length = mask.sum(1)
    t = torch.arange(steps, device=mask.device)
    first = torch.where(mask, t, steps).amin(1) if steps else length
    start = torch.where(length > 0, first, torch.zeros_like(first))
    expected = (t[None, :] >= start[:, None]) & (t[None, :] < (start + length)[:, None])
    ok, full = torch.stack([(expected == mask).all(), (length == steps).all()]).tolist()  # one host sync
    if not ok:
        return None
    if full:
        return (None, None)
    return start, length
