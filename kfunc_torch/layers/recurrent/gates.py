"""The gate arithmetic of LSTM and GRU, written once for the cells, the layers' Python loop and ConvLSTM.

Each function takes the gates' pre-activations (the input and recurrent transformations already
applied: a matmul for LSTM/GRU, a convolution for ConvLSTM) with the gate blocks along axis 1, in
Keras's order (LSTM i, f, c, o; GRU z, r, h), and returns the new states. Anything after axis 1
(the spatial axes of ConvLSTM) is carried along.

Example::

    >>> z = x @ kernel + h @ recurrent_kernel + bias      # (batch, 4·units)
    >>> h, c = lstm_gates(z, c, torch.tanh, torch.sigmoid)
"""
from __future__ import annotations

import torch


def lstm_gates(z, c_prev, activation, recurrent_activation):
    """``(h, c)`` from the pre-activations ``z`` (gates i, f, c, o) and the previous carry."""
    if activation is torch.tanh and recurrent_activation is torch.sigmoid:
        # Keras's defaults in three pointwise ops instead of five (one sigmoid over all four blocks).
        s = z.sigmoid()
        i, f, _, o = s.chunk(4, 1)
        g = z.chunk(4, 1)[2].tanh()
        c = torch.addcmul(f * c_prev, i, g)
        return o * c.tanh(), c
    i, f, g, o = z.chunk(4, 1)
    c = recurrent_activation(f) * c_prev + recurrent_activation(i) * activation(g)
    return recurrent_activation(o) * activation(c), c


def gru_reset_after(xp, rec, h_prev, activation, recurrent_activation):
    """The new h of a GRU whose reset gate applies after the recurrent matmul (Keras 3's and
    cuDNN's formula): ``xp = x·W + b_in`` and ``rec = h·U + b_rec``, gates z, r, h each."""
    xz, xr, xh = xp.chunk(3, 1)
    rz, rr, rh = rec.chunk(3, 1)
    z = recurrent_activation(xz + rz)
    r = recurrent_activation(xr + rr)
    return _blend(z, h_prev, activation(xh + r * rh))


def gru_reset_before(xp, h_z, h_r, h_h, h_prev, recurrent_kernel, activation, recurrent_activation):
    """The new h of a GRU whose reset gate applies before the matmul (Keras 1 to 2.3): ``xp = x·W + b``;
    ``h_z, h_r, h_h`` are the previous h as each gate sees it (with its recurrent dropout mask)."""
    u = h_prev.shape[1]
    xz, xr, xh = xp.chunk(3, 1)
    if h_z is h_r:  # one matmul for both gates when they see the same h
        rz, rr = torch.matmul(h_z, recurrent_kernel[:, :2 * u]).chunk(2, 1)
    else:
        rz, rr = torch.matmul(h_z, recurrent_kernel[:, :u]), torch.matmul(h_r, recurrent_kernel[:, u:2 * u])
    z = recurrent_activation(xz + rz)
    r = recurrent_activation(xr + rr)
    return _blend(z, h_prev, activation(xh + torch.matmul(r * h_h, recurrent_kernel[:, 2 * u:])))


def _blend(z, h_prev, candidate):
    # h = z·h_prev + (1 - z)·candidate
    return z * h_prev + (1 - z) * candidate
