"""How ``RNN`` talks to a cell, any cell: checks, build, call, sizes and configs.

A cell is any object with ``state_size`` and ``call(inputs, states)`` returning ``(output,
new_states)``; it may declare ``output_size`` and ``get_initial_state(batch_size)``. A size
(``state_size``, ``output_size``) is an int, a shape (``tf.TensorShape`` / ``torch.Size``: one
state of that shape), or a list / tuple / dict of sizes (one entry per state; nested for stacked
cells). ``size_tree`` turns a size into a tree whose leaves are ``Dims`` (a state's shape
without the batch), so states, outputs and their shapes can be walked with ``torch.utils._pytree``.

Example::

    >>> size_tree([8, TensorShape([2, 3])])
    [Dims(8,), Dims(2, 3)]
    >>> shapes(size_tree([8, 4]), None)
    [(None, 8), (None, 4)]
"""
from __future__ import annotations

import inspect

import torch
from torch import nn
from torch.utils import _pytree as pytree

from ...engine.layer import Layer, call_accepts


def is_nested(x) -> bool:
    return isinstance(x, (list, tuple))


class Dims:
    """One state's (or output's) shape without the batch: a pytree leaf (tuples would be flattened)."""

    __slots__ = ("dims",)

    def __init__(self, dims):
        self.dims = tuple(dims)

    def __repr__(self):
        return f"Dims{self.dims!r}"


def _shape_like(size) -> bool:
    return isinstance(size, torch.Size) or callable(getattr(size, "as_list", None))


def size_tree(size, where: str = "RNN", what: str = "state_size"):
    """``size`` as a tree of ``Dims`` (see the module docstring); a clear error for anything else."""
    if isinstance(size, int) and not isinstance(size, bool):
        return Dims((size,))
    if _shape_like(size):
        dims = size.as_list() if callable(getattr(size, "as_list", None)) else list(size)
        if any(d is None for d in dims):
            raise ValueError(f"{where}: the cell's {what} must have known dimensions; received {size!r}.")
        return Dims(int(d) for d in dims)
    if isinstance(size, (list, tuple)):
        return [size_tree(s, where, what) for s in size]
    if isinstance(size, dict):
        return {k: size_tree(v, where, what) for k, v in size.items()}
    raise ValueError(f"{where}: the cell's {what} must be an integer, a shape, or a list/tuple/dict of them (one "
                     f"entry per state); received {what}={size!r}.")


def shapes(tree, batch, steps=()):
    """The tree of full shapes ``(batch, *steps, *dims)`` for a ``size_tree``."""
    return pytree.tree_map(lambda d: (batch, *steps, *d.dims), tree)


def check_cell(cell, where: str) -> None:
    if not callable(getattr(cell, "call", None)):
        raise ValueError(f"{where}: a cell needs a `call(inputs, states)` method; received {cell!r:.100}.")
    if getattr(cell, "state_size", None) is None:
        raise ValueError(f"{where}: the cell {type(cell).__name__} has no `state_size` attribute (an integer, or a "
                         "list of integers with one entry per state). Set it in the cell's __init__, e.g. "
                         "`self.state_size = units`.")


def output_size(cell):
    """The cell's ``output_size``, or its first state's size."""
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    state_size = cell.state_size
    return state_size[0] if is_nested(state_size) else state_size


def call_cell(cell, inputs, states, training):
    """Call a cell the way Keras does: through ``__call__`` (hooks run), ``training`` only where accepted."""
    kwargs = {"training": training} if _accepts_training(cell) else {}
    if isinstance(cell, Layer) and cell.built:
        return nn.Module.__call__(cell, inputs, states, **kwargs)  # the eager path, without its argument walk
    if callable(cell):
        return cell(inputs, states, **kwargs)
    return cell.call(inputs, states, **kwargs)


def _accepts_training(cell) -> bool:
    if isinstance(cell, Layer):
        return call_accepts(cell, "training")
    try:
        return "training" in inspect.signature(cell.call).parameters
    except (TypeError, ValueError):
        return False


def build_cell(cell, shape) -> None:
    if isinstance(cell, Layer):
        cell._maybe_build(shape)
    elif hasattr(cell, "build") and not getattr(cell, "built", False):
        cell.build(shape)


def cell_config(cell) -> dict:
    return {"module": "keras.layers", "class_name": type(cell).__name__, "config": cell.get_config(),
            "registered_name": None}


def cell_from_config(spec, custom_objects=None):
    if not isinstance(spec, dict):
        return spec  # already a cell
    from ...engine.layer_config import deserialize_layer
    return deserialize_layer(spec, custom_objects)


def reset_dropout(cell) -> None:
    """Forget the dropout masks of ``cell`` and its sublayers (drawn once per sequence)."""
    for layer in ([cell] if not isinstance(cell, Layer) else cell._flatten_layers()):
        for fn in ("reset_dropout_mask", "reset_recurrent_dropout_mask"):
            if callable(getattr(layer, fn, None)):
                getattr(layer, fn)()
