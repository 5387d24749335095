"""Keras's ``backend`` module (``from keras import backend as K``): global settings and the
tensor functions tutorials call inside Lambda layers.

The tensor functions take Keras argument names (``axis``, ``keepdims``) and work on torch tensors.
Called on symbolic KerasTensors they record an operation layer instead, so ``K.mean(x, axis=1)``
also works directly while building a graph.

Example::

    >>> from kfunc_torch import backend as K
    >>> K.image_data_format()
    'channels_last'
    >>> K.clear_session()        # resets auto names: the next Dense is dense_1 again
    >>> Lambda(lambda t: K.sum(K.square(t), axis=-1, keepdims=True))(Input(shape=(4,))).shape
    (None, 1)
"""
from __future__ import annotations

import numpy as np
import torch

from . import dtype_policies
from .engine import registry
from .naming import reset_name_counters
from .settings import backend_settings
# The settings' readers and writers live in settings.py, where ops and the engine read them too.
from .settings import (epsilon, floatx, image_data_format, normalize_data_format, set_epsilon,  # noqa: F401
                       set_floatx, set_image_data_format)
from .ops.tensor_functions import *  # noqa: F401,F403  the tensor functions (shared with kfunc_torch.ops)
from .ops.tensor_functions import is_keras_tensor  # noqa: F401

_settings = backend_settings  # the session's settings dict (settings.py): what K.* read and set


def clear_session() -> None:
    """Reset the name counters (the next Dense is ``dense_1`` / ``dense`` again) and the dtype policy.

    Example: ``K.clear_session()``
    """
    reset_name_counters()
    from .engine import gc_window
    gc_window.release()  # a new session: graph building no longer holds the garbage collector
    dtype_policies.reset()  # Keras 3's clear_session drops the global dtype policy with its other state


def image_dim_ordering() -> str:
    """Keras 1 spelling of image_data_format: 'th' (channels_first) or 'tf' (channels_last).

    Example: ``K.image_dim_ordering()`` -> ``'tf'``
    """
    # Keras 1 code that reads the ordering builds its shapes from the answer: keep it fixed
    # (layers/legacy/arguments.py would otherwise switch Keras 1 code to 'th').
    _settings["dim_ordering_read"] = True
    return "th" if image_data_format() == "channels_first" else "tf"


def set_image_dim_ordering(dim_ordering: str) -> None:
    """Keras 1 spelling of set_image_data_format. Example: ``K.set_image_dim_ordering('th')``."""
    if dim_ordering not in ("th", "tf"):
        raise ValueError(f"Unknown dim_ordering {dim_ordering!r}: expected 'th' (channels_first, Theano) "
                         "or 'tf' (channels_last, TensorFlow).")
    set_image_data_format("channels_first" if dim_ordering == "th" else "channels_last")


def learning_phase() -> int:
    """0 (test) or 1 (train): the global phase ``in_train_phase`` uses when not told.

    Example: ``K.learning_phase()`` -> ``0``
    """
    return _settings["learning_phase"]


def set_learning_phase(value: int) -> None:
    """Set the global learning phase. Example: ``K.set_learning_phase(1)``."""
    if value not in (0, 1, True, False):
        raise ValueError(f"Expected learning phase 0 or 1, received {value!r}.")
    _settings["learning_phase"] = int(value)


def in_train_phase(x, alt, training=None):
    """``x`` when training, else ``alt`` (either may be a zero-argument callable).

    Example: ``K.in_train_phase(noisy, clean, training=True)``
    """
    if training is None:
        training = learning_phase()
    chosen = x if training else alt
    return chosen() if callable(chosen) else chosen


def in_test_phase(x, alt, training=None):
    """``x`` at test time, else ``alt``. Example: ``K.in_test_phase(clean, noisy)``."""
    return in_train_phase(alt, x, training=training)


def backend() -> str:
    """The name of the compute backend: 'torch'. Example: ``K.backend()``."""
    return "torch"


def get_value(x):
    """A tensor's value as numpy. Example: ``K.get_value(layer.kernel)``."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def batch_get_value(xs):
    """``get_value`` for a list. Example: ``K.batch_get_value(model.weights)``."""
    return [get_value(x) for x in xs]


def set_value(x, value) -> None:
    """Assign a numpy value to a variable in place. Example: ``K.set_value(opt.lr, 0.01)``."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"set_value needs a torch tensor or Parameter to assign into; received {type(x).__name__}. "
                        "For an optimizer's learning rate, assign the attribute directly.")
    with torch.no_grad():
        x.copy_(torch.as_tensor(np.asarray(value), dtype=x.dtype))


eval = get_value  # noqa: A001  Keras's K.eval(x)


def count_params(x) -> int:
    """Number of elements of a tensor. Example: ``K.count_params(layer.kernel)``."""
    return int(np.prod(tuple(x.shape)))


from .backend_graph import function, gradients  # noqa: E402,F401  Keras 2 graph functions, eager
