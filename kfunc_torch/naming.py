"""Automatic names of layers, inputs, models and variables, one counter per base name, as the
current generation counts them (``generations.py``; KERAS_FACTS §1).

Example::

    >>> kfunc_torch.set_compat("keras2")
    >>> unique_name(to_snake_case("Dense")), unique_name("dense")
    ('dense_1', 'dense_2')
    >>> reset_name_counters()          # backend.clear_session() does this
"""
from __future__ import annotations

import functools
import re
from collections import defaultdict

from .generations import current

_name_counters: defaultdict[str, int] = defaultdict(int)


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
        zero_based = current().zero_based_names
    n = _name_counters[base]
    _name_counters[base] += 1
    if zero_based:
        return base if n == 0 else f"{base}_{n}"
    return f"{base}_{n + 1}"


def input_layer_name() -> str:
    """Auto name of an ``Input``: ``input_1`` in keras2 and tf2, ``input_layer`` in keras3."""
    gen = current()
    return unique_name(gen.input_prefix, zero_based=gen.input_zero_based)


def model_name(kind: str) -> str:
    """Auto name of a model; ``kind`` is 'functional' or 'sequential'."""
    return unique_name(current().functional_prefix if kind == "functional" else kind)
