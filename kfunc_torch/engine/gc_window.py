"""Keeping Python's cyclic garbage collector out of graph building.

Building a graph allocates a few dozen long-lived, garbage-collector-tracked objects per layer (the
layer's module dicts, its weights, nodes, KerasTensors). CPython runs a full collection whenever the
long-lived heap has grown by a quarter, and each one walks the whole heap, torch's import-time objects
included: a 10,000-layer chain spent more time in the collector than in building (bench/RESULTS.md).

So the first symbolic layer call *holds* the collector (``gc.disable()``) and the first real
computation *releases* it (``gc.enable()``): an eager layer call or a model's forward pass (which
``fit``, ``evaluate`` and ``predict`` make). Building, ``Model()`` and ``summary()`` run in between.
A collector the program had disabled itself is left alone (and not re-enabled). A model run only
through the user's own ``torch.compile(model)`` releases it on its first eager call (the traced code
cannot). While held, a
build that allocates more than ``YOUNG_LIMIT`` objects collects the youngest generation
(``gc.collect(0)``: linear in what was allocated since), so cyclic garbage made during a very
long build stays bounded. ``gc.collect()`` works while held; ``backend.clear_session()`` releases.

Example::

    >>> import gc
    >>> x = Dense(4)(Input(shape=(4,)))     # graph building: the collector is held
    >>> gc.isenabled()
    False
    >>> _ = Dense(4)(torch.ones(1, 4))      # a real computation releases it
    >>> gc.isenabled()
    True
"""
from __future__ import annotations

import gc

import torch

from . import call_context

# [held]: a list cell, so the hot paths test it with one load (`if HELD[0]:`).
HELD = [False]
# Objects allocated while held before the youngest generation is collected (a 10,000-layer chain
# allocates about 500,000).
YOUNG_LIMIT = 2_000_000


def hold() -> None:
    """Called by each symbolic layer call: disable the collector, unless the program disabled it."""
    if HELD[0]:
        if gc.get_count()[0] > YOUNG_LIMIT:
            gc.collect(0)
        return
    if gc.isenabled():
        gc.disable()
        HELD[0] = True


def release() -> None:
    """Re-enable the collector if ``hold`` disabled it."""
    if HELD[0]:
        HELD[0] = False
        gc.enable()


def release_for_run() -> None:
    """A real computation starts (not shape inference's stand-in run, which is part of building, and not
    code that torch.compile is tracing: TorchDynamo cannot trace gc.enable; jit_compile releases the
    collector before its compiled step instead)."""
    if not call_context.STATE.inferring and not torch.compiler.is_compiling():
        release()
