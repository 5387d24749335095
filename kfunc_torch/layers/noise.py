"""Noise and regularization layers: SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout,
AlphaDropout, ActivityRegularization. The noise layers act only when training (``training=True``
or fit()); in inference they return their input unchanged.

Example::

    >>> y = SpatialDropout2D(0.2)(Input(shape=(32, 32, 16)))   # drops whole channels
    >>> y = GaussianNoise(0.1)(Input(shape=(10,)))
"""
from __future__ import annotations

import math

import torch

from .. import regularizers as _regularizers
from ..engine.input_spec import InputSpec
from ..engine.layer import Layer
from . import _spatial as sp

__all__ = ["SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout",
           "AlphaDropout", "ActivityRegularization"]


def _check_rate(rate, owner):
    if not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        raise ValueError(f"{owner}: rate must be a number in [0, 1); received rate={rate!r}.")
    return float(rate)


class _Noise(Layer):
    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.supports_masking = True

    def _active(self, training) -> bool:
        return bool(self.training if training is None else training)

    def compute_output_shape(self, input_shape):
        return input_shape


class _SpatialDropout(_Noise):
    rank = 1

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(seed, **kwargs)
        self.rate = _check_rate(rate, type(self).__name__)
        self.data_format = "channels_last" if self.rank == 1 else sp.data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs, training=None):
        if not self._active(training) or self.rate == 0:
            return inputs
        # One keep/drop draw per (sample, channel), broadcast over the spatial axes.
        shape = [1] * inputs.dim()
        shape[0] = inputs.shape[0]
        c_axis = -1 if self.data_format == "channels_last" else 1
        shape[c_axis] = inputs.shape[c_axis]
        keep = torch.empty(shape, dtype=inputs.dtype, device=inputs.device).bernoulli_(1 - self.rate)
        return inputs * keep * (1.0 / (1 - self.rate))

    def get_config(self):
        config = {**super().get_config(), "rate": self.rate, "seed": self.seed}
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Drops whole feature maps of (batch, steps, channels). Example: ``SpatialDropout1D(0.5)(x)``."""
    rank = 1

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, None, seed, **kwargs)


class SpatialDropout2D(_SpatialDropout):
    """Drops whole channels of images. Example: ``SpatialDropout2D(0.2)(Input(shape=(32, 32, 16)))``."""
    rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Drops whole channels of volumes. Example: ``SpatialDropout3D(0.2)(Input(shape=(8, 8, 8, 4)))``."""
    rank = 3


class GaussianNoise(_Noise):
    """Adds N(0, stddev) noise when training. Example: ``GaussianNoise(0.1)(x)``."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed, **kwargs)
        if stddev is None or stddev < 0:
            raise ValueError(f"GaussianNoise: stddev must be >= 0; received stddev={stddev!r}.")
        self.stddev = float(stddev)

    def call(self, inputs, training=None):
        if not self._active(training) or self.stddev == 0:
            return inputs
        return inputs + torch.randn_like(inputs) * self.stddev

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(_Noise):
    """Multiplies by N(1, rate / (1 - rate)) noise when training. Example: ``GaussianDropout(0.2)(x)``."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed, **kwargs)
        self.rate = _check_rate(rate, "GaussianDropout")

    def call(self, inputs, training=None):
        if not self._active(training) or self.rate == 0:
            return inputs
        std = math.sqrt(self.rate / (1.0 - self.rate))
        return inputs * (1.0 + torch.randn_like(inputs) * std)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class AlphaDropout(_Noise):
    """Dropout for SELU networks: keeps mean and variance by setting dropped units to SELU's negative
    saturation and applying an affine correction. Example: ``AlphaDropout(0.1)(x)``."""

    _ALPHA = 1.6732632423543772848170429916717
    _SCALE = 1.0507009873554804934193349852946

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed, **kwargs)
        self.rate = _check_rate(rate, "AlphaDropout")
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def call(self, inputs, training=None):
        if not self._active(training) or self.rate == 0:
            return inputs
        shape = inputs.shape if self.noise_shape is None else [
            inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape)]
        keep = torch.empty(shape, dtype=inputs.dtype, device=inputs.device).bernoulli_(1 - self.rate)
        alpha_p = -self._ALPHA * self._SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        return a * (inputs * keep + alpha_p * (1 - keep)) + b

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed}


class ActivityRegularization(Layer):
    """Identity that adds ``(l1 * sum(|x|) + l2 * sum(x**2)) / batch_size`` to the model's losses
    (Keras divides activity regularization by the batch size).

    The loss of the latest call is reported in ``layer.losses`` (and so in ``model.losses``).

    Example::

        >>> layer = ActivityRegularization(l1=0.01)
        >>> _ = layer(torch.ones(2, 3))
        >>> float(layer.losses[0])
        0.03
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(**kwargs)
        self.l1, self.l2 = float(l1), float(l2)
        self._reg = _regularizers.L1L2(l1=self.l1, l2=self.l2)
        self._last_loss = torch.zeros(())
        self.supports_masking = True
        self.add_loss(lambda: self._last_loss)

    def call(self, inputs):
        self._last_loss = self._reg(inputs) / inputs.shape[0]
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "l1": self.l1, "l2": self.l2}
