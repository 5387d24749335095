"""The session's global settings: image layout, floatx, epsilon, the learning phase, fit's
debugging caps, and the flags that Keras 1 handling and ``keras.config`` keep. One dict and its
readers and writers, in a module that imports only the Keras 1 spelling table, so that the engine
and ``ops`` read them without importing ``backend``; ``backend`` and ``config`` are their public faces.

Example::

    >>> from kfunc_torch.settings import backend_settings, floatx, normalize_data_format
    >>> backend_settings["floatx"], floatx()
    ('float32', 'float32')
    >>> normalize_data_format("th")                    # Keras 1's name
    'channels_first'
"""
import os

from .legacy.tables import DIM_ORDERING


def _env_int(name):
    value = os.environ.get(name)
    return int(value) if value else None


# "explicit_format": the user chose the image layout; Keras 1 code may switch the default to
# channels_first only when nobody did ("dim_ordering_read": Keras 1 code read it; "keras1_th": it did).
backend_settings = {"image_data_format": "channels_last", "floatx": "float32", "epsilon": 1e-7,
                    "explicit_format": False, "dim_ordering_read": False, "keras1_th": False,
                    "learning_phase": 0,
                    # keras.config.set_max_epochs / set_max_steps_per_epoch; Keras reads the
                    # environment once at import, as we do.
                    "max_epochs": _env_int("KERAS_MAX_EPOCHS"),
                    "max_steps_per_epoch": _env_int("KERAS_MAX_STEPS_PER_EPOCH")}
_settings = backend_settings


def image_data_format() -> str:
    """'channels_last' (default) or 'channels_first'. Example: ``K.image_data_format()``."""
    return _settings["image_data_format"]


def set_image_data_format(data_format: str) -> None:
    """Choose the default layout of image layers. Example: ``K.set_image_data_format('channels_first')``."""
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"Unknown data_format {data_format!r}: expected 'channels_last' or 'channels_first'.")
    _settings["image_data_format"] = data_format
    _settings["explicit_format"] = True


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
