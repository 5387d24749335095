"""Which Keras generation we imitate ("compat"), and the per-generation naming rules.

Three generations differ in how they name layers, inputs and models and in the default
summary style (KERAS_FACTS §1)::

    >>> import kfunc_torch
    >>> kfunc_torch.set_compat("tf2")
    >>> kfunc_torch.layers.Dense(3).name
    'dense'

The environment variable ``KFUNC_TORCH_COMPAT`` sets the starting value.
"""
from __future__ import annotations

import functools
import os
import re
from collections import defaultdict

COMPATS = ("keras2", "tf2", "keras3")

_state = {"compat": None}
_name_counters: defaultdict[str, int] = defaultdict(int)

# The session's backend settings (kfunc_torch.backend reads and writes them; see there).
backend_settings = {"image_data_format": "channels_last", "floatx": "float32", "epsilon": 1e-7,
                    "explicit_format": False, "dim_ordering_read": False, "keras1_th": False,
                    "learning_phase": 0}


def _check(compat: str) -> str:
    if compat not in COMPATS:
        raise ValueError(
            f"Unknown compat {compat!r}. Expected one of {', '.join(COMPATS)}: "
            "'keras2' for Keras 2.2/2.3 tutorials, 'tf2' for tf.keras 2.13+, 'keras3' for Keras 3.")
    return compat


def get_compat() -> str:
    """The Keras generation imitated now: 'keras2' (default), 'tf2' or 'keras3'."""
    if _state["compat"] is None:
        _state["compat"] = _check(os.environ.get("KFUNC_TORCH_COMPAT", "keras2"))
    return _state["compat"]


def set_compat(compat: str) -> None:
    """Pick the Keras generation for naming and the default summary style.

    Example::

        kfunc_torch.set_compat("keras3")   # box-table summaries, `dense`, `input_layer`
    """
    _state["compat"] = _check(compat)


def reset_name_counters() -> None:
    """Forget all auto-name counters (``backend.clear_session()`` calls this)."""
    _name_counters.clear()


_CAMEL_1 = re.compile(r"(.)([A-Z][a-z0-9]+)")
_CAMEL_2 = re.compile(r"([a-z])([A-Z])")


@functools.lru_cache(maxsize=None)
def to_snake_case(class_name: str) -> str:
    """Keras's class-name to layer-name rule: ``BatchNormalization`` -> ``batch_normalization``,
    ``Conv2D`` -> ``conv2d``, ``LeakyReLU`` -> ``leaky_re_lu``, ``PReLU`` -> ``p_re_lu``."""
    s = _CAMEL_1.sub(r"\1_\2", class_name)
    s = _CAMEL_2.sub(r"\1_\2", s).lower()
    return s.lstrip("_")


def unique_name(base: str, zero_based: bool | None = None) -> str:
    """Next auto name for ``base``: ``dense_1, dense_2`` (keras2) or ``dense, dense_1`` (tf2, keras3)."""
    if zero_based is None:
        zero_based = get_compat() != "keras2"
    n = _name_counters[base]
    _name_counters[base] += 1
    if zero_based:
        return base if n == 0 else f"{base}_{n}"
    return f"{base}_{n + 1}"


def input_layer_name() -> str:
    """Auto name of an ``Input``: ``input_1`` in keras2 and tf2, ``input_layer`` in keras3."""
    if get_compat() == "keras3":
        return unique_name("input_layer", zero_based=True)
    return unique_name("input", zero_based=False)


def model_name(kind: str) -> str:
    """Auto name of a model; ``kind`` is 'functional' or 'sequential'."""
    compat = get_compat()
    if kind == "functional" and compat != "keras3":
        kind = "model"
    return unique_name(kind)
