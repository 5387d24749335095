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

from .engine import registry
from .legacy.tables import DIM_ORDERING
from .naming import reset_name_counters
from .settings import backend_settings
from .ops.tensor_functions import *  # noqa: F401,F403  the tensor functions (shared with kfunc_torch.ops)
from .ops.tensor_functions import is_keras_tensor  # noqa: F401

# "explicit" records whether the user chose the image format; Keras 1 code may switch the
# default to channels_first only when nobody did (see legacy/layer_args.py).
# The dict lives in settings.py (a leaf module) so the engine reads floatx without importing us.
_settings = backend_settings


def clear_session() -> None:
    """Reset the name counters (the next Dense is ``dense_1`` / ``dense`` again).

    Example: ``K.clear_session()``
    """
    reset_name_counters()


def image_data_format() -> str:
    """'channels_last' (default) or 'channels_first'. Example: ``K.image_data_format()``."""
    return _settings["image_data_format"]


def set_image_data_format(data_format: str) -> None:
    """Choose the default layout of image layers. Example: ``K.set_image_data_format('channels_first')``."""
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"Unknown data_format {data_format!r}: expected 'channels_last' or 'channels_first'.")
    _settings["image_data_format"] = data_format
    _settings["explicit_format"] = True


def image_dim_ordering() -> str:
    """Keras 1 spelling of image_data_format: 'th' (channels_first) or 'tf' (channels_last).

    Example: ``K.image_dim_ordering()`` -> ``'tf'``
    """
    # Keras 1 code that reads the ordering builds its shapes from the answer: keep it fixed
    # (legacy/layer_args.py would otherwise switch Keras 1 code to 'th').
    _settings["dim_ordering_read"] = True
    return "th" if image_data_format() == "channels_first" else "tf"


def set_image_dim_ordering(dim_ordering: str) -> None:
    """Keras 1 spelling of set_image_data_format. Example: ``K.set_image_dim_ordering('th')``."""
    if dim_ordering not in ("th", "tf"):
        raise ValueError(f"Unknown dim_ordering {dim_ordering!r}: expected 'th' (channels_first, Theano) "
                         "or 'tf' (channels_last, TensorFlow).")
    set_image_data_format("channels_first" if dim_ordering == "th" else "channels_last")


def normalize_data_format(data_format) -> str:
    """``None`` -> the global default; Keras 1 'th'/'tf' -> channels_first/channels_last.

    Example: ``normalize_data_format('th')`` -> ``'channels_first'``
    """
    if data_format is None or data_format == "default":
        return image_data_format()
    data_format = DIM_ORDERING.get(data_format, data_format)  # Keras 1's 'th' / 'tf'
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"Unknown data_format {data_format!r}: expected 'channels_last' or 'channels_first'.")
    return data_format


def floatx() -> str:
    """The default float type name, 'float32'. Example: ``K.floatx()``."""
    return _settings["floatx"]


def set_floatx(value: str) -> None:
    """Set the default float type. Example: ``K.set_floatx('float64')``."""
    if value not in ("float16", "bfloat16", "float32", "float64"):
        raise ValueError(f"Unknown floatx {value!r}: expected float16, bfloat16, float32 or float64.")
    _settings["floatx"] = value


def epsilon() -> float:
    """The fuzz factor used in numeric expressions (1e-7). Example: ``K.epsilon()``."""
    return _settings["epsilon"]


def set_epsilon(value: float) -> None:
    """Set the fuzz factor. Example: ``K.set_epsilon(1e-6)``."""
    _settings["epsilon"] = float(value)


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
