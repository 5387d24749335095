"""What an outer call tells the layers it runs: the ``training`` flag and the name scope.

Keras passes ``training`` down the call stack: ``fit`` calls the model with ``training=True``,
``evaluate``/``predict`` with ``False``, and a layer called inside another layer's ``call`` without an
explicit ``training`` receives its caller's value. A value the user passes explicitly wins.
``Model.forward`` sets the flag here for the duration of its call; ``Layer.__call__`` reads it only
for layers whose ``call`` takes ``training`` (one context-variable read, no stack walk).

Weights created while a layer builds get a Keras 3 path from the scopes of the layers being built
around it (``sequential/dense/kernel``, ``my_model/linear/bias``).

Example::

    >>> with training_scope(True):
    ...     current_training()
    True
"""
from __future__ import annotations

from contextlib import contextmanager
import weakref

class _State:
    inferring = False  # shape inference is running call() on stand-in tensors


STATE = _State()
# Layers holding losses that add_loss() received during their last call: id -> weak reference (a
# layer that is gone takes its losses with it). A plain dict, so that `if loss_owners:` in every
# layer call costs what an empty-dict test costs.
loss_owners: dict = {}


def add_loss_owner(layer) -> None:
    loss_owners[id(layer)] = weakref.ref(layer, lambda _, key=id(layer): loss_owners.pop(key, None))


def discard_loss_owner(layer) -> None:
    loss_owners.pop(id(layer), None)


def live_loss_owners() -> list:
    return [o for o in (r() for r in list(loss_owners.values())) if o is not None]
# A plain module-level cell rather than a ContextVar: torch.compile(fullgraph=True) and torch.export cannot
# trace ContextVar.get, and the flag is set and restored around each call on one thread anyway.
_training: list = [None]
_scopes: list = []  # names of the layers whose first call (build) is running, outermost first


def current_training():
    """The ``training`` value of the innermost enclosing call (None: no caller said)."""
    return _training[0]


def set_training(value):
    """Set the flag; returns the token for ``reset_training`` (a 1-tuple holding the previous value, never None)."""
    token = (_training[0],)
    _training[0] = value
    return token


def reset_training(token) -> None:
    _training[0] = token[0]


@contextmanager
def training_scope(value):
    """Run the block with ``current_training() == value``."""
    token = set_training(value)
    try:
        yield
    finally:
        reset_training(token)


@contextmanager
def name_scope(name: str):
    """Weights created in the block get paths under ``name`` (a layer's first call enters its own)."""
    _scopes.append(name)
    try:
        yield
    finally:
        _scopes.pop()


def weight_path(layer_name: str, name: str) -> str:
    """``outer/.../layer_name/name`` for a weight that layer ``layer_name`` creates now."""
    scopes = _scopes if _scopes and _scopes[-1] == layer_name else _scopes + [layer_name]
    return "/".join(scopes + [name])


@contextmanager
def inferring():
    """Shape inference runs call() on stand-ins inside this block: add_loss/add_metric ignore them."""
    was, STATE.inferring = STATE.inferring, True
    try:
        yield
    finally:
        STATE.inferring = was
