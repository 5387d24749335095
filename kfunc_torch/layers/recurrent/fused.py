"""The fast path of ``RNN``: torch's fused recurrent kernels (oneDNN on CPU, cuDNN on CUDA).

A built-in cell that a fused kernel computes (LSTMCell and GRUCell with tanh/sigmoid, GRU with
``reset_after``, SimpleRNNCell with tanh or relu) has a ``_fused(x, states, batch_sizes)`` method
that hands its Keras-layout weights to ``torch._VF.lstm/gru/rnn_tanh/rnn_relu``. ``run`` runs it
over a whole sequence, masks included when the valid steps of each sequence form one contiguous run
(right padding, left padding, both, ``go_backwards`` on right padding): each run is shifted to start
at step 0, then packed (when the final states are needed) or run padded with each row's outputs read
up to its length (several times faster on CPU). Masks with holes return None: the Python loop.

Keras semantics kept: at a masked step the state is carried unchanged and the output repeats the
previous step's output (zeros before the first valid step), or is zero with ``zero_output_for_mask``.

Example::

    >>> outputs, states = run(cell, x, [h0, c0], mask=None, need_states=True, zero_output_for_mask=False)
"""
from __future__ import annotations

import torch
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence


def kernel(fn, x, hx, params, batch_sizes, has_bias: bool):
    """One call of a ``torch._VF`` recurrent kernel: batch-first padded ``x``, or packed data with
    ``batch_sizes``. ``train`` is torch's grad mode (cuDNN keeps what backward needs only then)."""
    if batch_sizes is None:
        return fn(x, hx, params, has_bias, 1, 0.0, torch.is_grad_enabled(), False, True)
    return fn(x, batch_sizes, hx, params, has_bias, 1, 0.0, torch.is_grad_enabled(), False)


def contiguous_runs(mask):
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


def run(cell, x, states, mask, need_states: bool, zero_output_for_mask: bool):
    """``(outputs (B, T, u), final states)`` of ``cell`` over ``x`` (processing order), or None when
    the mask has holes. Without ``need_states`` the states are not computed exactly (the padded run
    gives only the last cell's h, and rows without a valid step are not reset): read only outputs."""
    if mask is None or mask.dim() != 2:
        if mask is not None:
            return None
        return cell._fused(x, states, None)
    runs = contiguous_runs(mask)
    if runs is None:
        return None
    if runs[0] is None:
        return cell._fused(x, states, None)
    start, length = runs  # (B,) tensors on x's device
    steps = x.shape[1]
    t = torch.arange(steps, device=x.device)
    empty = length == 0
    packed_len = length.clamp(min=1)
    # Shift each sequence so its valid run starts at step 0.
    shift_idx = (t[None, :] + start[:, None]) % steps
    shifted = x.gather(1, shift_idx[:, :, None].expand(-1, -1, x.shape[2]))
    if need_states:
        # Every final state is needed: packed sequences stop each row's recurrence at its length.
        packed = pack_padded_sequence(shifted, packed_len.cpu(), batch_first=True, enforce_sorted=False)
        sorted_states = [s.index_select(0, packed.sorted_indices) for s in states]
        out_data, new_states = cell._fused(packed.data, sorted_states, packed.batch_sizes)
        new_states = [s.index_select(0, packed.unsorted_indices) for s in new_states]
        out, _ = pad_packed_sequence(PackedSequence(out_data, packed.batch_sizes, packed.sorted_indices,
                                                    packed.unsorted_indices), batch_first=True, total_length=steps)
    else:
        # Only outputs are needed: run the padded batch unpacked and read each row's outputs up to its
        # length; later steps are never read, so they get no gradient. The last valid output is h.
        out, _ = cell._fused(shifted, states, None)
        last = (packed_len - 1)[:, None, None].expand(-1, 1, out.shape[2])
        new_states = [out.gather(1, last)[:, 0]]
    # Place outputs back: position s reads run step clamp(s - start, 0, len - 1).
    rel = t[None, :] - start[:, None]
    src = rel.clamp(min=0).minimum(packed_len[:, None] - 1)
    out = out.gather(1, src[:, :, None].expand(-1, -1, out.shape[2]))
    valid = (rel >= 0) & ~empty[:, None]
    if zero_output_for_mask:
        valid = valid & (rel < length[:, None])
    out = out * valid[:, :, None].to(out.dtype)
    if need_states and bool(empty.any()):
        new_states = [torch.where(empty[:, None], s0, s) for s0, s in zip(states, new_states)]
    return out, new_states
