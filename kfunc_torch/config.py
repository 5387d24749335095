"""Keras 3's ``keras.config``: the global settings, in one namespace.

The float type, epsilon and image layout are the same settings ``keras.backend`` (``K.floatx()``...)
reads and writes; the dtype policy is ``keras.mixed_precision``'s global policy; unsafe
deserialization is ``keras.saving``'s switch. So a program may set a value through any of the three
spellings and read it through another.

Example::

    >>> from kfunc_torch import config
    >>> config.set_image_data_format("channels_first")
    >>> from kfunc_torch import backend as K
    >>> K.image_data_format()
    'channels_first'
    >>> config.set_dtype_policy("mixed_bfloat16"); config.dtype_policy().compute_dtype
    'bfloat16'
"""
from __future__ import annotations

from .settings import backend_settings
from .settings import epsilon, floatx, image_data_format, set_epsilon, set_floatx, set_image_data_format  # noqa: F401
from .mixed_precision import global_policy as dtype_policy  # noqa: F401
from .mixed_precision import set_global_policy as set_dtype_policy  # noqa: F401
from .engine.layer_config import enable_unsafe_deserialization  # noqa: F401

__all__ = ["backend", "disable_flash_attention", "disable_interactive_logging", "disable_traceback_filtering",
           "dtype_policy", "enable_flash_attention", "enable_interactive_logging", "enable_traceback_filtering",
           "enable_unsafe_deserialization", "epsilon", "floatx", "image_data_format", "is_flash_attention_enabled",
           "is_interactive_logging_enabled", "is_nnx_enabled", "is_traceback_filtering_enabled", "max_epochs",
           "max_steps_per_epoch", "set_backend", "set_dtype_policy", "set_epsilon", "set_floatx",
           "set_image_data_format", "set_max_epochs", "set_max_steps_per_epoch"]


# Settings that only keras.config has (the shared ones, fit's caps among them, live in settings.py).
_settings = backend_settings
_settings.setdefault("interactive_logging", True)
_settings.setdefault("traceback_filtering", True)
_settings.setdefault("flash_attention", None)


def backend() -> str:
    """The compute backend's name: always ``'torch'``. Example: ``keras.config.backend()``."""
    return "torch"


def set_backend(backend: str) -> None:
    """Keras 3 switches backends by reloading itself; kfunc_torch runs on PyTorch only.

    ``set_backend('torch')`` is accepted (nothing changes); any other name is an error.
    Example: ``keras.config.set_backend("torch")``.
    """
    if backend != "torch":
        raise ValueError(f"keras.config.set_backend({backend!r}): kfunc_torch runs Keras programs on PyTorch only, "
                         "so the backend is always 'torch'. Remove the call, or run the program with real Keras "
                         f"for the {backend!r} backend.")


# ---------------------------------------------------------------- logging (the progress bar reads it)
def enable_interactive_logging() -> None:
    """Progress bars and ``print_fn`` output go to stdout (the default). Example:
    ``keras.config.enable_interactive_logging()``."""
    _settings["interactive_logging"] = True


def disable_interactive_logging() -> None:
    """Send progress output to Python's ``logging`` (logger ``'keras'``, level INFO) instead of stdout,
    one line per epoch and no in-place redraws, as Keras does for jobs on a server.

    Example: ``keras.config.disable_interactive_logging()``.
    """
    _settings["interactive_logging"] = False


def is_interactive_logging_enabled() -> bool:
    """Whether progress output goes to stdout. Example: ``keras.config.is_interactive_logging_enabled()``."""
    return _settings["interactive_logging"]


# ---------------------------------------------------------------- traceback filtering
def enable_traceback_filtering() -> None:
    """Keras hides its own frames from tracebacks; our errors already name the user's call, so this
    records the choice only. Example: ``keras.config.enable_traceback_filtering()``."""
    _settings["traceback_filtering"] = True


def disable_traceback_filtering() -> None:
    """Record that full tracebacks are wanted. Example: ``keras.config.disable_traceback_filtering()``."""
    _settings["traceback_filtering"] = False


def is_traceback_filtering_enabled() -> bool:
    """True unless ``disable_traceback_filtering()`` was called. Example:
    ``keras.config.is_traceback_filtering_enabled()``."""
    return _settings["traceback_filtering"]


# ---------------------------------------------------------------- flash attention, nnx
def enable_flash_attention() -> None:
    """Ask attention to use a fused kernel. torch's ``scaled_dot_product_attention`` already picks the
    flash kernel when the device supports it. Example: ``keras.config.enable_flash_attention()``."""
    _settings["flash_attention"] = True


def disable_flash_attention() -> None:
    """Record that flash attention is not wanted. Example: ``keras.config.disable_flash_attention()``."""
    _settings["flash_attention"] = False


def is_flash_attention_enabled():
    """None (the default: automatic), True or False, as Keras. Example:
    ``keras.config.is_flash_attention_enabled()``."""
    return _settings["flash_attention"]


def is_nnx_enabled() -> bool:
    """Flax NNX is a JAX-backend feature: always False here. Example: ``keras.config.is_nnx_enabled()``."""
    return False


# ---------------------------------------------------------------- debugging caps on fit
def set_max_epochs(max_epochs) -> None:
    """Cap the number of epochs of every ``fit`` (None: no cap), a debugging aid, as Keras.

    Example: ``keras.config.set_max_epochs(1)`` makes ``fit(x, y, epochs=50)`` train one epoch.
    """
    _settings["max_epochs"] = max_epochs


def max_epochs():
    """The cap set by ``set_max_epochs`` or ``KERAS_MAX_EPOCHS`` (None: none). Example:
    ``keras.config.max_epochs()``."""
    return _settings["max_epochs"]


def set_max_steps_per_epoch(max_steps_per_epoch) -> None:
    """Cap the steps of each epoch of ``fit`` (None: no cap), a debugging aid, as Keras.

    Example: ``keras.config.set_max_steps_per_epoch(2)``.
    """
    _settings["max_steps_per_epoch"] = max_steps_per_epoch


def max_steps_per_epoch():
    """The cap set by ``set_max_steps_per_epoch`` or ``KERAS_MAX_STEPS_PER_EPOCH``. Example:
    ``keras.config.max_steps_per_epoch()``."""
    return _settings["max_steps_per_epoch"]
