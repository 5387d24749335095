"""Keras's DropoutRNNCell: dropout masks drawn once per sequence and reused at every time step.

A cell with ``dropout`` / ``recurrent_dropout`` rates draws its masks at the first step of a call
(``get_dropout_mask(step_input)``, ``get_recurrent_dropout_mask(state)``) and keeps them until
``reset_dropout_mask()`` / ``reset_recurrent_dropout_mask()`` (``RNN`` resets both around each
call). ``_mask_count()`` masks are drawn each time (one per gate where Keras draws per-gate masks);
a mask holds 0 or 1 / (1 - rate). With ``seed`` the draws come from the cell's own generator.

Example::

    >>> cell = LSTMCell(4, dropout=0.5)
    >>> m = cell.get_dropout_mask(torch.ones(2, 3))      # (2, 3), reused until reset
    >>> cell.get_dropout_mask(torch.ones(2, 3)) is m
    True
"""
from __future__ import annotations

import torch


class DropoutCellMixin:
    """Needs ``dropout``, ``recurrent_dropout``, ``seed`` set (``_init_dropout`` after them)."""

    def _init_dropout(self) -> None:
        self._dropout_cache = {}
        self._generator = torch.Generator().manual_seed(int(self.seed)) if self.seed is not None else None

    def _mask_count(self) -> int:
        return 1

    def _draw_dropout_masks(self, like, rate: float) -> list:
        """``_mask_count()`` keep masks shaped like ``like``. Tests replace this method to feed known masks."""
        def draw():
            if self._generator is None:
                keep = torch.empty_like(like).bernoulli_(1.0 - rate)
            else:
                keep = torch.empty(like.shape, dtype=like.dtype).bernoulli_(1.0 - rate, generator=self._generator)
                keep = keep.to(like.device)
            return keep / (1.0 - rate)
        return [draw() for _ in range(self._mask_count())]

    def _cached_mask(self, key, like, rate):
        if not 0.0 < rate < 1.0:
            return None
        masks = self._dropout_cache.get(key)
        if masks is None:
            drawn = self._draw_dropout_masks(like, rate)
            masks = drawn[0] if len(drawn) == 1 else drawn
            self._dropout_cache[key] = masks
        return masks

    def get_dropout_mask(self, step_input):
        """The input dropout mask (a list of one per gate where there are several), drawn once and
        reused until ``reset_dropout_mask()`` (``RNN`` resets it around each call)."""
        return self._cached_mask("dropout", step_input, self.dropout)

    def get_recurrent_dropout_mask(self, step_input):
        return self._cached_mask("recurrent_dropout", step_input, self.recurrent_dropout)

    def reset_dropout_mask(self):
        self._dropout_cache.pop("dropout", None)

    def reset_recurrent_dropout_mask(self):
        self._dropout_cache.pop("recurrent_dropout", None)
