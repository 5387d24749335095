"""Activation functions by Keras name, as torch functions.

Example::

    >>> from kfunc_torch import activations
    >>> activations.get("relu")(torch.tensor([-1., 2.]))
    tensor([0., 2.])
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .engine import registry


def linear(x):
    """The identity. Example: ``Dense(1, activation='linear')``."""
    return x


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """max(x, 0), with Keras's optional negative_slope, max_value and threshold. Example: ``relu(x, max_value=6.)``."""
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return torch.relu(x)
    neg = negative_slope * (x - threshold) if negative_slope else None
    y = torch.where(x > threshold, x, neg if neg is not None else torch.zeros_like(x))
    if max_value is not None:
        y = torch.clamp(y, max=max_value)
    return y


def softmax(x, axis=-1):
    """Softmax over ``axis`` (default -1). Example: ``Dense(10, activation='softmax')``."""
    return torch.softmax(x, dim=axis)


def log_softmax(x, axis=-1):
    """Log of softmax over ``axis``. Example: ``log_softmax(x)``."""
    return torch.log_softmax(x, dim=axis)


def hard_sigmoid(x):
    """clip(0.2 x + 0.5, 0, 1), Keras 1/2's cheap sigmoid. Example: ``LSTM(8, recurrent_activation='hard_sigmoid')``."""
    # Keras 1/2 definition: clip(0.2 x + 0.5, 0, 1) (torch's hardsigmoid uses x/6 + 1/2).
    return torch.clamp(0.2 * x + 0.5, 0.0, 1.0)


def leaky_relu(x, negative_slope=0.2):
    """x for x > 0, else negative_slope * x (Keras 3 default 0.2). Example: ``leaky_relu(x, 0.1)``."""
    return F.leaky_relu(x, negative_slope)


def relu6(x):
    """min(max(x, 0), 6). Example: ``Activation('relu6')``."""
    return F.relu6(x)


def elu(x, alpha=1.0):
    """x for x > 0, else alpha * (exp(x) - 1). Example: ``elu(x, alpha=1.)``."""
    return F.elu(x, alpha)


def gelu(x, approximate=False):
    """Gaussian error linear unit (tanh approximation when ``approximate``). Example: ``Activation('gelu')``."""
    return F.gelu(x, approximate="tanh" if approximate else "none")


def exponential(x):
    """exp(x). Example: ``Activation('exponential')``."""
    return torch.exp(x)


_ACTIVATIONS = {
    "linear": linear,
    "relu": relu,
    "sigmoid": torch.sigmoid,
    "softmax": softmax,
    "tanh": torch.tanh,
    "elu": elu,
    "selu": F.selu,
    "softplus": F.softplus,
    "softsign": F.softsign,
    "swish": F.silu,
    "silu": F.silu,
    "gelu": gelu,
    "hard_sigmoid": hard_sigmoid,
    "exponential": exponential,
    "leaky_relu": leaky_relu,
    "relu6": relu6,
    "log_softmax": log_softmax,
    "mish": F.mish,
}
# Names that get_config writes for the functions whose __name__ differs.
_NAMES = {id(fn): name for name, fn in _ACTIVATIONS.items() if name not in ("silu",)}


def get(identifier):
    """Resolve an activation: None -> linear, a Keras name, or any callable.

    Raises a ValueError listing the valid names for an unknown string.
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        # A Keras name, else a function registered with @register_keras_serializable or given in
        # custom_object_scope (saved as "package>name" or by its bare name).
        fn = _ACTIVATIONS.get(identifier) or registry.find_custom(identifier)
        if fn is None:
            raise ValueError(
                f"Unknown activation {identifier!r}. Expected one of: {', '.join(sorted(_ACTIVATIONS))}, "
                "or a callable.")
        return fn
    if isinstance(identifier, dict) and "class_name" in identifier:
        return get(identifier["config"] if isinstance(identifier["config"], str) else identifier["class_name"])
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret activation {identifier!r}: expected a name or a callable.")


def serialize(fn):
    """The Keras name of a built-in activation; for a user function Keras 3's function entry, which names
    it ``"package>name"`` when it is registered (so that Keras 3 finds it too).

    Example: ``serialize(relu)`` → ``'relu'``; ``serialize(custom_fn)["config"]`` → ``'my_package>custom_fn'``."""
    name = _NAMES.get(id(fn))
    if name is not None:
        return name
    if not hasattr(fn, "__name__"):
        return str(fn)
    return {"module": "builtins", "class_name": "function",
            "config": registry.registered_name_or_none(fn) or fn.__name__, "registered_name": "function"}


def register(name: str, fn) -> None:
    """Make a custom activation available by name (as `get_custom_objects()` does in Keras)."""
    _ACTIVATIONS[name] = fn
    _NAMES[id(fn)] = name
