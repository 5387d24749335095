"""Keras's ``backend`` module (``from keras import backend as K``): global settings and the
tensor functions tutorials call inside Lambda layers.

Example::

    >>> from kfunc_torch import backend as K
    >>> K.image_data_format()
    'channels_last'
    >>> K.clear_session()        # resets auto names: the next Dense is dense_1 again
"""
from __future__ import annotations

from . import _compat

_settings = {"image_data_format": "channels_last", "floatx": "float32", "epsilon": 1e-7}


def clear_session() -> None:
    """Reset the name counters (the next Dense is ``dense_1`` / ``dense`` again)."""
    _compat.reset_name_counters()


def image_data_format() -> str:
    return _settings["image_data_format"]


def set_image_data_format(data_format: str) -> None:
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"Unknown data_format {data_format!r}: expected 'channels_last' or 'channels_first'.")
    _settings["image_data_format"] = data_format


def normalize_data_format(data_format) -> str:
    if data_format is None:
        return image_data_format()
    data_format = {"tf": "channels_last", "th": "channels_first"}.get(data_format, data_format)
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"Unknown data_format {data_format!r}: expected 'channels_last' or 'channels_first'.")
    return data_format


def floatx() -> str:
    return _settings["floatx"]


def set_floatx(value: str) -> None:
    if value not in ("float16", "bfloat16", "float32", "float64"):
        raise ValueError(f"Unknown floatx {value!r}: expected float16, bfloat16, float32 or float64.")
    _settings["floatx"] = value


def epsilon() -> float:
    return _settings["epsilon"]


def set_epsilon(value: float) -> None:
    _settings["epsilon"] = float(value)


def int_shape(x):
    """The shape of a KerasTensor or tensor as a tuple (None for unknown dimensions)."""
    return tuple(x.shape)


def backend() -> str:
    return "torch"
