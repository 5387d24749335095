"""The Keras arguments that every recurrent layer and cell shares, resolved and serialized once.

A recurrent layer or cell takes activations, three initializers / regularizers / constraints
(kernel, recurrent, bias), ``use_bias`` and two dropout rates. ``set_args`` resolves each by its
name's kind (``*activation`` → activations.get, ``*_initializer`` → initializers.get, ...) and
``args_config`` serializes a list of names back, in the order the class lists them (its Keras
config's order).

Example::

    >>> set_args(layer, activation="tanh", kernel_initializer="glorot_uniform", dropout=0.2)
    >>> args_config(layer, ("activation", "dropout"))
    {'activation': 'tanh', 'dropout': 0.2}
"""
from __future__ import annotations

import torch

from ... import activations as _activations
from ... import constraints as _constraints
from ... import initializers as _initializers
from ... import regularizers as _regularizers

# The weight-related arguments of every gated recurrent transformation, in Keras's config order.
WEIGHT_ARGS = ("kernel_initializer", "recurrent_initializer", "bias_initializer", "kernel_regularizer",
               "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
               "bias_constraint")
# Every argument that ``set_args`` resolves for a recurrent transformation.
GATE_ARGS = ("activation", "recurrent_activation", "use_bias") + WEIGHT_ARGS + ("dropout", "recurrent_dropout")


def _module_for(name: str):
    if name.endswith("activation"):
        return _activations
    for suffix, module in (("_initializer", _initializers), ("_regularizer", _regularizers),
                           ("_constraint", _constraints)):
        if name.endswith(suffix):
            return module
    return None


def set_args(layer, **values) -> None:
    """Set each argument on ``layer``, resolved by its kind; rates are clipped to [0, 1]."""
    for name, value in values.items():
        module = _module_for(name)
        if module is not None:
            value = module.get(value)
        elif name in ("dropout", "recurrent_dropout"):
            value = min(1.0, max(0.0, float(value)))
        elif name == "use_bias":
            value = bool(value)
        setattr(layer, name, value)


def args_config(layer, names) -> dict:
    """``{name: serialized value}`` for ``names``, in that order."""
    out = {}
    for name in names:
        module, value = _module_for(name), getattr(layer, name)
        out[name] = module.serialize(value) if module is not None else value
    return out


def check_size(owner: str, arg: str, value, example: str) -> None:
    """``units`` / ``filters``: a required positive integer (TypeError when missing)."""
    if value is None:
        raise TypeError(f"{owner}() is missing its required argument {arg}. Example: {example}.")
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{owner}: {arg} must be a positive integer; received {arg}={value!r}.")


def check_rates(owner: str, **rates) -> None:
    for arg, rate in rates.items():
        if not 0.0 <= float(rate) <= 1.0:
            raise ValueError(f"{owner}: {arg} must be a float in [0, 1]; received {arg}={rate!r}.")


def add_gate_weights(layer, kernel_shape, recurrent_shape, bias_shape, bias_initializer, layout=None) -> None:
    """``kernel``, ``recurrent_kernel`` and (with ``use_bias``) ``bias``, in this order (Keras's
    weight order, so get_weights and saved files line up), with the layer's initializers,
    regularizers and constraints."""
    extra = {} if layout is None else {"layout": layout}
    layer.kernel = layer.add_weight("kernel", kernel_shape, layer.kernel_initializer,
                                    regularizer=layer.kernel_regularizer, constraint=layer.kernel_constraint, **extra)
    layer.recurrent_kernel = layer.add_weight("recurrent_kernel", recurrent_shape, layer.recurrent_initializer,
                                              regularizer=layer.recurrent_regularizer,
                                              constraint=layer.recurrent_constraint, **extra)
    if layer.use_bias:
        layer.bias = layer.add_weight("bias", bias_shape, bias_initializer, regularizer=layer.bias_regularizer,
                                      constraint=layer.bias_constraint)
    else:
        layer.bias = None


def forget_bias_initializer(base, n: int):
    """An LSTM bias initializer (gates i, f, c, o, ``n`` units each) that starts the forget gate's
    block at 1 (``unit_forget_bias``, Jozefowicz et al. 2015) and the others with ``base``.

    Example: ``forget_bias_initializer(initializers.get("zeros"), 2)((8,))`` gives 0 0 1 1 0 0 0 0.
    """
    def init(shape, dtype=None):
        return torch.cat([base((n,), dtype=dtype), torch.ones(n, dtype=dtype or torch.float32),
                          base((2 * n,), dtype=dtype)])
    return init
