"""Keras's generic recurrent layer ``RNN(cell)``: the one time loop of the recurrent family.

``RNN`` runs any cell (see ``protocol.py``) over the time axis, with Keras's semantics: masks
(``Masking``, ``Embedding(mask_zero=True)``, ``mask=``) leave the states unchanged at a masked step
and repeat the previous output (zeros before the first valid step; zeros throughout with
``zero_output_for_mask=True``); ``go_backwards`` returns the sequence in processing (reversed)
order; ``return_sequences``, ``return_state``, ``stateful`` (states carried between calls, see
``states.py``), ``initial_state=``; dropout masks are drawn once per call. Inputs, states and
outputs may be nested (lists, tuples, dicts of tensors) as the cell declares them.

Two ways through time, chosen per call:

- the fast path (``fused.py``): the cell is a built-in one that a torch kernel computes
  (LSTMCell/GRUCell with tanh/sigmoid, GRU ``reset_after``, SimpleRNNCell tanh/relu), no recurrent
  dropout is being applied, and the mask (if any) is one contiguous run per sequence: one
  ``torch._VF`` call for the whole sequence (LSTM, GRU, SimpleRNN are this path);
- the Python loop (here): anything else. A built-in cell's input transformation still runs once
  for all steps (``cell._sequence_inputs``); only its recurrent half runs per step.

Example::

    >>> x = Input(shape=(None, 5))
    >>> RNN(LSTMCell(8))(x).shape                 # the same 4·(8·(5+8) + 8) = 448 weights as LSTM(8)
    (None, 8)
    >>> out, [h1, c1], [h2, c2] = RNN([LSTMCell(8), LSTMCell(4)], return_state=True)(x)
"""
from __future__ import annotations

import torch
from torch.utils import _pytree as pytree

from ...engine.layer import Layer
from . import fused
from .protocol import (build_cell, call_cell, cell_config, cell_from_config, check_cell, is_nested, output_size,
                       reset_dropout, shapes, size_tree)
from .stacked import StackedRNNCells
from .states import StatefulMixin

__all__ = ["RNN", "StackedRNNCells"]


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
        owner = type(self).__name__
        if is_nested(cell):
            cell = StackedRNNCells(cell)
        elif isinstance(cell, dict):
            cell = cell_from_config(cell, kwargs.pop("custom_objects", None))
        check_cell(cell, owner)
        size_tree(cell.state_size, owner)  # a clear error now for a state_size RNN cannot use
        if time_major:
            raise ValueError(f"{owner}: time_major=True is not supported; pass (batch, time, features) inputs "
                             "(transpose a time-major tensor with tf.transpose / permute first).")
        # Keras 1/2 `input_dim=` (with optional `input_length=`) gives a recurrent layer a 3D input.
        if "input_dim" in kwargs and "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            kwargs["input_shape"] = (kwargs.pop("input_length", None), kwargs.pop("input_dim"))
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)  # accepted for compatibility: the loop is a Python loop either way
        # Output at masked steps: zero (True) or the previous output (False, Keras's default).
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True

    @property
    def state_size(self):
        """The cell's state sizes as a list (one entry per state; nested for stacked cells)."""
        s = self.cell.state_size
        return list(s) if isinstance(s, (list, tuple)) else [s]

    def _sizes(self):
        """``state_size`` as a list of ``Dims`` trees (see ``protocol.size_tree``)."""
        return size_tree(self.state_size, type(self).__name__)

    def _state_spec(self):
        return pytree.tree_structure(self._sizes())

    # ------------------------------------------------------------------ inputs
    def _split(self, inputs):
        """``(sequences, initial states or None)``: one tensor (shape), nested sequences, or Keras 2's
        ``[x, *initial_states]`` (the rest match the states' ranks, one per state)."""
        if _is_shape(inputs) or isinstance(inputs, torch.Tensor) or not isinstance(inputs, (list, tuple)):
            return inputs, None
        if len(inputs) == 1:
            return inputs[0], None
        sizes = pytree.tree_leaves(self._sizes())
        rest = list(inputs[1:])
        if len(rest) == len(sizes) and all(_rank(r) == 1 + len(d.dims) for r, d in zip(rest, sizes)):
            return inputs[0], rest
        return inputs, None

    # ------------------------------------------------------------------ build and shapes
    def build(self, input_shape):
        seqs, _ = self._split(input_shape)
        first = pytree.tree_leaves(seqs, is_leaf=_is_shape)[0]
        if len(first) < 3:
            raise ValueError(f'{type(self).__name__} "{self.name}" expects input of shape (batch, time, features); '
                             f"received input shape {tuple(first)}.")
        step = pytree.tree_map(lambda s: (s[0],) + tuple(s[2:]), seqs, is_leaf=_is_shape)
        build_cell(self.cell, step)
        if self.stateful:
            self._check_static_batch(first[0])
            zeros = self._zero_states(tuple(first))
            if zeros is not None:  # else (unknown sizes): created at the first call
                self._create_states([torch.as_tensor(s).detach().clone() for s in zeros])
        self.built = True

    def _zero_states(self, input_shape):
        """Zero states (a flat list) for a stateful layer built for ``input_shape``, or None."""
        return pytree.tree_leaves(self.get_initial_state(input_shape[0]))

    def compute_output_shape(self, input_shape):
        seqs, _ = self._split(input_shape)
        first = tuple(pytree.tree_leaves(seqs, is_leaf=_is_shape)[0])
        batch, steps = first[0], first[1]
        out_sizes = size_tree(output_size(self.cell), type(self).__name__, "output_size")
        out = shapes(out_sizes, batch, (steps,) if self.return_sequences else ())
        if not self.return_state:
            return out
        return [out] + shapes(self._sizes(), batch)

    def compute_mask(self, inputs, mask=None):
        mask = _first_mask(mask)
        out_mask = mask if self.return_sequences else None
        if self.return_state:
            return [out_mask] + [None] * len(pytree.tree_leaves(self._sizes()))
        return out_mask

    # ------------------------------------------------------------------ states
    def get_initial_state(self, batch_size):
        """Zero states for ``batch_size`` (or the cell's own ``get_initial_state``), as a list
        matching ``state_size``."""
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is not None:
            states = fn(batch_size=batch_size)
            return list(states) if is_nested(states) else [states]
        return pytree.tree_map(lambda d: torch.zeros((batch_size,) + d.dims), self._sizes())

    def _initial_leaves(self, x, initial_state):
        """The initial states as a flat list of tensors on x's device and dtype."""
        n = len(pytree.tree_leaves(self._sizes()))
        if initial_state is not None:
            leaves = pytree.tree_leaves(list(initial_state) if is_nested(initial_state) else [initial_state])
            if len(leaves) != n:
                raise ValueError(f'{type(self).__name__} "{self.name}": its cell has {n} state tensor(s) (state_size='
                                 f"{self.state_size}), but initial_state has {len(leaves)}.")
        else:
            leaves = self._carried_states(x.shape[0], x.device, x.dtype)
            if leaves is None:
                leaves = pytree.tree_leaves(self.get_initial_state(x.shape[0]))
        return [torch.as_tensor(s).to(device=x.device, dtype=x.dtype) for s in leaves]

    # ------------------------------------------------------------------ call
    def call(self, inputs, mask=None, training=None, initial_state=None):
        seqs, rest = self._split(inputs)
        if initial_state is None:
            initial_state = rest
        mask = _first_mask(mask)
        if training is None:
            training = self.training
        x = pytree.tree_leaves(seqs)[0]
        if x.dim() < 3:
            raise ValueError(f'{type(self).__name__} "{self.name}" expects input of shape (batch, time, features); '
                             f"received shape {tuple(x.shape)}.")
        if x.shape[1] == 0:
            raise ValueError(f'{type(self).__name__} "{self.name}" received a sequence with no time steps (shape '
                             f"{tuple(x.shape)}).")
        if mask is not None:
            mask = mask.bool()
        spec = self._state_spec()
        leaves = self._initial_leaves(x, initial_state)
        reset_dropout(self.cell)  # one dropout mask per sequence: drawn at the first step, reused
        try:
            result = self._fast(seqs, leaves, mask, training) if isinstance(seqs, torch.Tensor) else None
            if result is None:
                result = self._loop(seqs, leaves, mask, training, spec)
        finally:
            reset_dropout(self.cell)
        outputs, last, leaves = result
        self._keep_states(leaves)
        output = outputs if self.return_sequences else last
        if self.return_state:
            return [output] + list(pytree.tree_unflatten(leaves, spec))
        return output

    def _fast(self, x, leaves, mask, training):
        """The whole sequence in one torch kernel (``fused.py``), or None where no kernel computes it."""
        cell = self.cell
        fused_ok = getattr(cell, "_fused_ok", None)
        if fused_ok is None or not fused_ok(training) or (mask is not None and mask.dim() != 2):
            return None
        if self.go_backwards:
            x = x.flip(1)
            mask = mask.flip(1) if mask is not None else None
        result = fused.run(cell, cell._fused_inputs(x, training), leaves, mask,
                           need_states=self.return_state or self.stateful,
                           zero_output_for_mask=self.zero_output_for_mask)
        if result is None:
            return None
        outputs, states = result
        return outputs, outputs[:, -1], states

    def _loop(self, seqs, leaves, mask, training, spec):
        """Step through time in Python: any cell, nested structures, masks with holes."""
        cell = self.cell
        native = isinstance(seqs, torch.Tensor) and callable(getattr(cell, "_steps_natively", None)) \
            and cell._steps_natively()
        if native:  # the input half of every step at once, then only the recurrent half per step
            seqs = cell._sequence_inputs(seqs, training)

            def step(x_t, states):
                return cell._recurrent_step(x_t, states, training)
        else:
            def step(x_t, states):
                return call_cell(cell, x_t, states, training)
        flat = spec == pytree.tree_structure([0] * spec.num_leaves)
        single = isinstance(seqs, torch.Tensor)
        steps = pytree.tree_leaves(seqs)[0].shape[1]
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        outputs, prev = [], None
        for t in order:
            x_t = seqs[:, t] if single else pytree.tree_map(lambda a: a[:, t], seqs)
            states = tuple(leaves) if flat else tuple(pytree.tree_unflatten(leaves, spec))
            out, new_states = step(x_t, states)
            if isinstance(new_states, torch.Tensor):
                new_leaves = [new_states]
            else:
                new_leaves = list(new_states) if flat else pytree.tree_leaves(new_states)
            if len(new_leaves) != len(leaves):
                raise ValueError(f'{type(self).__name__} "{self.name}": the cell returned {len(new_leaves)} state '
                                 f"tensor(s), but its state_size {self.state_size} declares {len(leaves)}.")
            if mask is None:
                leaves = new_leaves
            else:
                m = mask[:, t]
                leaves = [torch.where(_expand(m, n), n, o) for n, o in zip(new_leaves, leaves)]
                out = _masked_output(out, prev, m, self.zero_output_for_mask)
            prev = out
            if self.return_sequences:
                outputs.append(out)
        sequence = _stack(outputs) if self.return_sequences else None
        return sequence, prev, leaves

    # ------------------------------------------------------------------ config
    _keras_vars_path = "cell/vars"  # a cell that is not a Layer: the weights still go where Keras puts them

    def _saveable_children(self):
        return [("cell", self.cell)] if isinstance(self.cell, Layer) else []

    def get_config(self):
        return {**super().get_config(), "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards, "stateful": self.stateful,
                "unroll": self.unroll, "zero_output_for_mask": self.zero_output_for_mask,
                "cell": cell_config(self.cell)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["cell"] = cell_from_config(config["cell"], custom_objects)
        return cls(**config)


def _is_shape(s) -> bool:
    return isinstance(s, (tuple, torch.Size)) and all(d is None or isinstance(d, int) for d in s)


def _rank(v) -> int:
    return v.dim() if isinstance(v, torch.Tensor) else len(getattr(v, "shape", v))


def _first_mask(mask):
    """The sequences' mask: the first mask given (one per input where several inputs came)."""
    if isinstance(mask, (list, tuple, dict)):
        given = [m for m in pytree.tree_leaves(mask) if m is not None]
        return given[0] if given else None
    return mask


def _expand(mask_t, like):
    """A (batch, ...) step mask shaped to broadcast over ``like`` (batch, ..., features)."""
    return mask_t.reshape(mask_t.shape + (1,) * (like.dim() - mask_t.dim()))


def _masked_output(out, prev, m, zero: bool):
    """The output at a step with mask ``m``: ``out`` where valid; else zeros or the previous output."""
    if not isinstance(out, torch.Tensor):
        prevs = pytree.tree_leaves(prev) if prev is not None else [None] * len(pytree.tree_leaves(out))
        leaves, spec = pytree.tree_flatten(out)
        return pytree.tree_unflatten([_masked_output(o, p, m, zero) for o, p in zip(leaves, prevs)], spec)
    keep = _expand(m, out)
    if zero or prev is None:
        return torch.where(keep, out, torch.zeros((), dtype=out.dtype, device=out.device))
    return torch.where(keep, out, prev)


def _stack(outputs):
    if isinstance(outputs[0], torch.Tensor):
        return torch.stack(outputs, 1)
    return pytree.tree_map(lambda *steps: torch.stack(steps, 1), outputs[0], *outputs[1:])
