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
from .generations import current


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
    """Keras's cheap sigmoid: clip(0.2 x + 0.5, 0, 1) in Keras 1/2 and tf.keras; Keras 3 changed it to
    relu6(x + 3) / 6 = clip(x / 6 + 0.5, 0, 1) (the generation's ``hard_sigmoid_slope``).
    Example: ``LSTM(8, recurrent_activation='hard_sigmoid')``."""
    return torch.clamp(current().hard_sigmoid_slope * x + 0.5, 0.0, 1.0)


def hard_silu(x):
    """x * hard_sigmoid(x) with Keras 3's hard_sigmoid (alias hard_swish). Example: ``Activation('hard_silu')``."""
    return F.hardswish(x)


def celu(x, alpha=1.0):
    """max(x, 0) + min(0, alpha * (exp(x / alpha) - 1)). Example: ``Activation('celu')``."""
    return F.celu(x, alpha)


def glu(x, axis=-1):
    """Gated linear unit: the first half of ``axis`` times sigmoid of the second. Example: ``glu(x)``."""
    return F.glu(x, dim=axis)


def tanh_shrink(x):
    """x - tanh(x). Example: ``Activation('tanh_shrink')``."""
    return x - torch.tanh(x)


def hard_tanh(x):
    """clip(x, -1, 1). Example: ``Activation('hard_tanh')``."""
    return torch.clamp(x, -1.0, 1.0)


def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0. Example: ``hard_shrink(x, 0.5)``."""
    return torch.where(torch.abs(x) > threshold, x, torch.zeros_like(x))


def soft_shrink(x, threshold=0.5):
    """x - threshold above it, x + threshold below -threshold, else 0. Example: ``soft_shrink(x)``."""
    return torch.where(x > threshold, x - threshold, torch.where(x < -threshold, x + threshold, torch.zeros_like(x)))


def sparse_plus(x):
    """0 for x <= -1, x for x >= 1, (x + 1)^2 / 4 between. Example: ``Activation('sparse_plus')``."""
    return torch.where(x <= -1, torch.zeros_like(x), torch.where(x >= 1, x, (x + 1) ** 2 / 4))


def sparse_sigmoid(x):
    """0 for x <= -1, 1 for x >= 1, (x + 1) / 2 between. Example: ``Activation('sparse_sigmoid')``."""
    return torch.clamp((x + 1) / 2, 0.0, 1.0)


def squareplus(x, b=4):
    """(x + sqrt(x^2 + b)) / 2. Example: ``squareplus(x, b=4)``."""
    return (x + torch.sqrt(x * x + b)) / 2


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x). Example: ``Activation('log_sigmoid')``."""
    return F.logsigmoid(x)


def sparsemax(x, axis=-1):
    """Sparsemax (Martins & Astudillo 2016): the Euclidean projection of ``x`` onto the simplex along
    ``axis``; like softmax, but exact zeros for small entries. Example: ``Activation('sparsemax')``."""
    z = torch.movedim(x, axis, -1)
    zs, _ = torch.sort(z, dim=-1, descending=True)
    k = torch.arange(1, z.shape[-1] + 1, dtype=z.dtype, device=z.device)
    cums = torch.cumsum(zs, dim=-1)
    support = (1 + k * zs) > cums                      # entries that stay positive
    k_z = support.sum(dim=-1, keepdim=True)            # size of the support (>= 1)
    tau = (torch.gather(cums, -1, k_z - 1) - 1) / k_z.to(z.dtype)
    return torch.movedim(torch.clamp(z - tau, min=0), -1, axis)


def threshold(x, threshold, default_value):
    """x where x > threshold, else default_value (both required, as in Keras). Example: ``threshold(x, 0., -1.)``."""
    return torch.where(x > threshold, x, torch.full_like(x, default_value))


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
    "hard_silu": hard_silu,
    "hard_swish": hard_silu,
    "celu": celu,
    "glu": glu,
    "tanh_shrink": tanh_shrink,
    "hard_tanh": hard_tanh,
    "hard_shrink": hard_shrink,
    "soft_shrink": soft_shrink,
    "sparse_plus": sparse_plus,
    "sparse_sigmoid": sparse_sigmoid,
    "squareplus": squareplus,
    "log_sigmoid": log_sigmoid,
    "sparsemax": sparsemax,
    "threshold": threshold,
}
# Names that get_config writes for the functions whose __name__ differs.
_NAMES = {id(fn): name for name, fn in _ACTIVATIONS.items() if name not in ("silu", "hard_swish")}


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
            from .engine.suggest import did_you_mean
            raise ValueError(
                f"Unknown activation {identifier!r}.{did_you_mean(identifier, _ACTIVATIONS)} Expected one of: "
                f"{', '.join(sorted(_ACTIVATIONS))}, "
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
