"""Control flow, run eagerly: ``tf.cond``, ``tf.while_loop``, ``tf.map_fn``, ``tf.vectorized_map``,
``tf.switch_case``, ``tf.foldl``/``foldr``, ``tf.scan``.

Example::

    >>> tf.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s + i), [0, 0])
    [3, 3]
    >>> tf.map_fn(lambda row: row * 2, tf.constant([[1, 2], [3, 4]])).tolist()
    [[2, 4], [6, 8]]
"""
from __future__ import annotations

import torch

from . import nest
from ._convert import to_tensor

__all__ = ["cond", "while_loop", "map_fn", "vectorized_map", "switch_case", "foldl", "foldr", "scan"]


def _truth(pred) -> bool:
    return bool(pred.item()) if isinstance(pred, torch.Tensor) else bool(pred)


def cond(pred, true_fn=None, false_fn=None, name=None):
    """``true_fn()`` if ``pred`` else ``false_fn()``."""
    return true_fn() if _truth(pred) else false_fn()


def switch_case(branch_index, branch_fns, default=None, name=None):
    index = int(branch_index.item() if isinstance(branch_index, torch.Tensor) else branch_index)
    fns = dict(branch_fns) if isinstance(branch_fns, dict) else dict(enumerate(branch_fns))
    if index in fns:
        return fns[index]()
    if default is None:
        return fns[max(fns)]()  # TensorFlow runs the last branch for an out-of-range index
    return default()


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10, back_prop=True,
               swap_memory=False, maximum_iterations=None, name=None):
    """Repeat ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)``; returns the final loop_vars."""
    single = not isinstance(loop_vars, (list, tuple))
    values = [loop_vars] if single else list(loop_vars)
    n = 0
    while _truth(cond(*values)) and (maximum_iterations is None or n < int(maximum_iterations)):
        out = body(*values)
        values = [out] if single or not isinstance(out, (list, tuple)) else list(out)
        n += 1
    return values[0] if single else type(loop_vars)(values) if isinstance(loop_vars, tuple) else values


def _unstack(elems):
    flat = [to_tensor(e) for e in nest.flatten(elems)]
    n = flat[0].shape[0]
    return n, [nest.pack_sequence_as(elems, [f[i] for f in flat]) for i in range(n)]


def _stack(results, example):
    flat = [nest.flatten(r) for r in results]
    stacked = [torch.stack([to_tensor(f[k]) for f in flat]) for k in range(len(flat[0]))]
    return nest.pack_sequence_as(example, stacked)


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True, swap_memory=False, infer_shape=True,
           name=None, fn_output_signature=None):
    """``fn`` applied to each slice of ``elems`` along axis 0, the results stacked."""
    n, items = _unstack(elems)
    results = [fn(item) for item in items]
    if not results:
        return to_tensor([])
    return _stack(results, results[0])


def vectorized_map(fn, elems, fallback_to_while_loop=True, warn=True):
    """As ``map_fn`` (torch.func.vmap would need ``fn`` to be vmap-safe; a loop always works)."""
    return map_fn(fn, elems)


def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False, name=None):
    n, items = _unstack(elems)
    acc, start = (items[0], 1) if initializer is None else (initializer, 0)
    for item in items[start:]:
        acc = fn(acc, item)
    return acc


def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False, name=None):
    n, items = _unstack(elems)
    items = items[::-1]
    acc, start = (items[0], 1) if initializer is None else (initializer, 0)
    for item in items[start:]:
        acc = fn(acc, item)
    return acc


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False,
         infer_shape=True, reverse=False, name=None):
    """The running ``acc = fn(acc, elem)`` over axis 0, every acc stacked."""
    n, items = _unstack(elems)
    if reverse:
        items = items[::-1]
    acc, start = (items[0], 1) if initializer is None else (initializer, 0)
    outs = [acc] if initializer is None else []
    for item in items[start:]:
        acc = fn(acc, item)
        outs.append(acc)
    if reverse:
        outs = outs[::-1]
    return _stack(outs, outs[0])
