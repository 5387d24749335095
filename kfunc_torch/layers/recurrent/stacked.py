"""``StackedRNNCells``: a list of cells that behaves as one cell (``RNN([cell1, cell2])`` makes one).

Example::

    >>> RNN(StackedRNNCells([LSTMCell(8), GRUCell(4)]))(Input(shape=(None, 3))).shape
    (None, 4)
"""
from __future__ import annotations

import torch
from torch import nn

from ...engine.layer import Layer
from .protocol import build_cell, call_cell, cell_config, cell_from_config, check_cell, is_nested, output_size

__all__ = ["StackedRNNCells"]


class StackedRNNCells(Layer):
    """A stack of cells that behaves as one cell: each cell's output is the next cell's input.

    ``state_size`` is the list of the cells' state sizes, so the states are nested, one entry per
    cell (``[[h1, c1], [h2, c2]]`` for two LSTMCells); ``output_size`` is the last cell's.
    ``RNN([cell1, cell2])`` builds one for you.

    Example::

        >>> cells = StackedRNNCells([LSTMCell(8), GRUCell(4)])
        >>> cells.state_size
        [[8, 8], 4]
        >>> RNN(cells)(Input(shape=(None, 3))).shape
        (None, 4)
    """

    def __init__(self, cells, **kwargs):
        if not is_nested(cells) or not cells:
            raise ValueError(f"StackedRNNCells takes a non-empty list of cells; received {cells!r:.100}.")
        for cell in cells:
            check_cell(cell, "StackedRNNCells")
        super().__init__(**kwargs)
        self.cells = list(cells)
        for i, cell in enumerate(self.cells):
            if isinstance(cell, nn.Module):
                self.add_module(str(i), cell)

    @property
    def state_size(self):
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        return output_size(self.cells[-1])

    def get_initial_state(self, batch_size=None):
        out = []
        for cell in self.cells:
            fn = getattr(cell, "get_initial_state", None)
            if fn is not None:
                out.append(fn(batch_size=batch_size))
            elif is_nested(cell.state_size):
                out.append([torch.zeros(batch_size, s) for s in cell.state_size])
            else:
                out.append(torch.zeros(batch_size, cell.state_size))
        return out

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            build_cell(cell, shape)
            shape = (shape[0], output_size(cell))
        self.built = True

    def call(self, inputs, states, training=None):
        if training is None:
            training = self.training
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            was_list = is_nested(cell_states)
            cell_states = list(cell_states) if was_list else [cell_states]
            inputs, cell_states = call_cell(cell, inputs, cell_states, training)
            if not is_nested(cell_states):
                cell_states = [cell_states]
            new_states.append(cell_states[0] if len(cell_states) == 1 and not was_list else list(cell_states))
        return inputs, new_states

    # ------------------------------------------------------------------ RNN's fast path
    def _fused_ok(self, training) -> bool:
        """Fused layer by layer when every cell is (and, in training, none drops its inputs: the next
        cell's inputs are the previous one's outputs, which a packed sequence cannot mask per row)."""
        if type(self).call is not StackedRNNCells.call:
            return False
        for cell in self.cells:
            if not callable(getattr(cell, "_fused_ok", None)) or not cell._fused_ok(training):
                return False
            if training and 0.0 < getattr(cell, "dropout", 0.0) < 1.0:
                return False
        return True

    def _fused_inputs(self, x, training):
        return x

    def _fused(self, x, states, batch_sizes):
        """Each cell's kernel over the whole sequence (padded or packed), feeding the next; ``states``
        and the result's states are the flat leaves, cell after cell."""
        new, i = [], 0
        for cell in self.cells:
            n = len(cell.state_size) if is_nested(cell.state_size) else 1
            x, cell_states = cell._fused(x, states[i:i + n], batch_sizes)
            new += cell_states
            i += n
        return x, new

    def _saveable_children(self):
        return [("cells", list(self.cells))]

    def get_config(self):
        return {**super().get_config(), "cells": [cell_config(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["cells"] = [cell_from_config(c, custom_objects) for c in config["cells"]]
        return cls(**config)
