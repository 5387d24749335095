"""Weight initializers by Keras name. Shapes are in Keras's layout (a Dense kernel is
(in, out), a conv kernel (*kernel_size, in_channels, filters)), so fans match Keras.

Example::

    >>> from kfunc_torch import initializers
    >>> w = initializers.get("glorot_uniform")((784, 64))
    >>> tuple(w.shape)
    (784, 64)
"""
from __future__ import annotations

import math

import torch


def _fans(shape):
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class: ``init(shape, dtype=None) -> torch.Tensor``."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Zeros(Initializer):
    """All zeros. Example: ``Dense(8, bias_initializer='zeros')``."""
    def __call__(self, shape, dtype=None):
        return torch.zeros(shape, dtype=dtype or torch.float32)


class Ones(Initializer):
    """All ones. Example: ``Ones()((2, 3))``."""
    def __call__(self, shape, dtype=None):
        return torch.ones(shape, dtype=dtype or torch.float32)


class Constant(Initializer):
    """Every entry ``value``. Example: ``Constant(0.5)((2,))``."""
    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return torch.full(shape, float(self.value), dtype=dtype or torch.float32)

    def get_config(self):
        return {"value": self.value}


class RandomUniform(Initializer):
    """Uniform in [minval, maxval] (Keras default ±0.05). Example: ``RandomUniform(-0.1, 0.1)((3, 3))``."""
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype=None):
        return torch.empty(shape, dtype=dtype or torch.float32).uniform_(self.minval, self.maxval)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class RandomNormal(Initializer):
    """Normal(mean, stddev) (Keras default stddev 0.05). Example: ``RandomNormal(stddev=0.01)((3, 3))``."""
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        return torch.empty(shape, dtype=dtype or torch.float32).normal_(self.mean, self.stddev)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(RandomNormal):
    """Normal cut at two standard deviations. Example: ``TruncatedNormal(stddev=0.02)((3, 3))``."""
    def __call__(self, shape, dtype=None):
        t = torch.empty(shape, dtype=dtype or torch.float32)
        return torch.nn.init.trunc_normal_(t, self.mean, self.stddev,
                                           self.mean - 2 * self.stddev, self.mean + 2 * self.stddev)


class VarianceScaling(Initializer):
    """Variance ``scale / n`` with n the fan in, out or average (Glorot, He and LeCun are special cases). Example: ``VarianceScaling(2.0, 'fan_in', 'uniform')((784, 64))``."""
    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if distribution == "normal":  # Keras 2 alias
            distribution = "truncated_normal"
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = _fans(tuple(shape))
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        var = self.scale / max(1.0, n)
        t = torch.empty(shape, dtype=dtype or torch.float32)
        if self.distribution == "truncated_normal":
            std = math.sqrt(var) / 0.87962566103423978  # std of a unit normal truncated at 2 sigma
            return torch.nn.init.trunc_normal_(t, 0.0, std, -2 * std, 2 * std)
        if self.distribution == "untruncated_normal":
            return t.normal_(0.0, math.sqrt(var))
        limit = math.sqrt(3.0 * var)
        return t.uniform_(-limit, limit)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


def _variance_scaling_class(name, scale, mode, distribution):
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}

    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config})


GlorotUniform = _variance_scaling_class("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _variance_scaling_class("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeUniform = _variance_scaling_class("HeUniform", 2.0, "fan_in", "uniform")
HeNormal = _variance_scaling_class("HeNormal", 2.0, "fan_in", "truncated_normal")
LecunUniform = _variance_scaling_class("LecunUniform", 1.0, "fan_in", "uniform")
LecunNormal = _variance_scaling_class("LecunNormal", 1.0, "fan_in", "truncated_normal")


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix, Keras's default for recurrent kernels. Example: ``Orthogonal()((32, 128))``."""
    def __init__(self, gain=1.0, seed=None):
        self.gain, self.seed = gain, seed

    def __call__(self, shape, dtype=None):
        t = torch.empty(shape, dtype=torch.float32)
        # Keras flattens all but the last axis; torch.nn.init.orthogonal_ flattens all but the first.
        flat = t.reshape(-1, shape[-1]).t() if len(shape) > 1 else t
        torch.nn.init.orthogonal_(flat, gain=self.gain)
        out = flat.t().reshape(shape) if len(shape) > 1 else flat
        return out.to(dtype or torch.float32)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """``gain`` times the identity matrix. Example: ``Identity()((4, 4))``."""
    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        return self.gain * torch.eye(*shape, dtype=dtype or torch.float32)

    def get_config(self):
        return {"gain": self.gain}


_BY_NAME = {
    "zeros": Zeros, "zero": Zeros, "ones": Ones, "one": Ones, "constant": Constant,
    "random_uniform": RandomUniform, "uniform": RandomUniform,
    "random_normal": RandomNormal, "normal": RandomNormal,
    "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling,
    "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
    "he_uniform": HeUniform, "he_normal": HeNormal,
    "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal,
    "orthogonal": Orthogonal, "identity": Identity,
}
for _cls in set(_BY_NAME.values()):
    _BY_NAME[_cls.__name__] = _cls


def get(identifier):
    """Resolve an initializer: a Keras name (``'glorot_uniform'``), a config dict, an
    Initializer instance, or any callable ``(shape, dtype) -> tensor``."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown initializer {identifier!r}. Expected one of: "
                             f"{', '.join(sorted(k for k in _BY_NAME if k.islower()))}.")
        return cls()
    if isinstance(identifier, dict):
        return _BY_NAME[identifier["class_name"]].from_config(identifier.get("config", {}))
    if isinstance(identifier, type):
        if issubclass(identifier, Initializer):
            return identifier()  # Keras instantiates an initializer class given in place of an instance
        raise TypeError(f"Could not interpret initializer {identifier.__name__!r}: it is a class that is not an "
                        "Initializer (e.g. a layer class). Expected an initializer name ('glorot_uniform'), an "
                        "Initializer instance (initializers.HeNormal()), or a function (shape, dtype) -> tensor. Pass e.g. "
                        "kernel_initializer='he_normal' or initializers.HeNormal().")
    if isinstance(identifier, torch.nn.Module):  # callable, but a layer: it would fail at build with a torch error
        raise TypeError(f"Could not interpret initializer {identifier!r}: it is a layer (a {type(identifier).__name__} "
                        "instance), not an Initializer. Expected an initializer name ('glorot_uniform'), an Initializer "
                        "instance or a function (shape, dtype) -> tensor. Pass e.g. kernel_initializer='he_normal'.")
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret initializer {identifier!r}: expected a name or a callable.")


def serialize(init):
    """Keras config dict of an initializer (its name for a function). Example: ``serialize(GlorotUniform())``."""
    if isinstance(init, Initializer):
        return {"class_name": type(init).__name__, "config": init.get_config()}
    return getattr(init, "__name__", None)
