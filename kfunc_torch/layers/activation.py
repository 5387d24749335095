"""Activation layers: ReLU, LeakyReLU, PReLU, ELU, Softmax, ThresholdedReLU.

Example::

    >>> x = Input(shape=(26, 26, 32))
    >>> p = PReLU()
    >>> y = p(x)
    >>> p.count_params()          # one alpha per input element (KERAS_FACTS §3)
    21632
    >>> LeakyReLU()(x).shape      # Keras 3 default negative_slope=0.3
    (None, 26, 26, 32)
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .. import activations as _activations
from .. import constraints as _constraints
from .. import initializers as _initializers
from .. import regularizers as _regularizers
from ..engine.layer import Layer

__all__ = ["ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax", "ThresholdedReLU"]


class _Elementwise(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape


class ReLU(_Elementwise):
    """``max(x, 0)`` with optional ``max_value``, ``negative_slope`` below ``threshold``.

    Example::

        >>> ReLU(max_value=6.0)(torch.tensor([-1.0, 3.0, 9.0]))
        tensor([0., 3., 6.])
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0:
            raise ValueError(f"ReLU: max_value must be >= 0 or None; received max_value={max_value!r}.")
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"ReLU: negative_slope must be >= 0; received negative_slope={negative_slope!r}.")
        if threshold is None:
            raise ValueError("ReLU: threshold must be a number; received threshold=None.")
        self.max_value = None if max_value is None else float(max_value)
        self.negative_slope, self.threshold = float(negative_slope), float(threshold)

    def call(self, inputs):
        return _activations.relu(inputs, self.negative_slope, self.max_value, self.threshold)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value, "negative_slope": self.negative_slope,
                "threshold": self.threshold}


class LeakyReLU(_Elementwise):
    """``x`` if ``x > 0`` else ``negative_slope * x`` (default 0.3; Keras 2 called it ``alpha``).

    Example::

        >>> LeakyReLU(negative_slope=0.1)(torch.tensor([-10.0, 2.0]))
        tensor([-1., 2.])
    """

    def __init__(self, negative_slope=None, **kwargs):
        alpha = kwargs.pop("alpha", None)
        if alpha is not None and negative_slope is not None:
            raise TypeError("LeakyReLU got both negative_slope and its Keras 2 name alpha; pass only negative_slope.")
        super().__init__(**kwargs)
        slope = 0.3 if alpha is None and negative_slope is None else (alpha if alpha is not None else negative_slope)
        if slope < 0:
            raise ValueError(f"LeakyReLU: negative_slope must be >= 0; received {slope!r}.")
        self.negative_slope = float(slope)

    @property
    def alpha(self) -> float:
        """Keras 2 name of ``negative_slope``."""
        return self.negative_slope

    def call(self, inputs):
        return F.leaky_relu(inputs, self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


class PReLU(_Elementwise):
    """Leaky ReLU with a learned slope per input element: ``x`` if ``x > 0`` else ``alpha * x``.

    ``shared_axes`` (1-based, non-batch) share one alpha along those axes, e.g. ``shared_axes=[1, 2]``
    for one alpha per channel of (batch, rows, cols, channels) images.

    Example::

        >>> p = PReLU(shared_axes=[1, 2])
        >>> p(Input(shape=(26, 26, 32))).shape, p.count_params()
        ((None, 26, 26, 32), 32)
    """

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = _initializers.get(alpha_initializer)
        self.alpha_regularizer = _regularizers.get(alpha_regularizer)
        self.alpha_constraint = _constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            self.shared_axes = [shared_axes] if isinstance(shared_axes, int) else list(shared_axes)

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for a in self.shared_axes or []:
            if not 1 <= a < len(input_shape):
                raise ValueError(f'PReLU layer "{self.name}": shared_axes {self.shared_axes} must name non-batch axes '
                                 f"1..{len(input_shape) - 1} of input shape {tuple(input_shape)}.")
            shape[a - 1] = 1
        if any(d is None for d in shape):
            raise ValueError(f'PReLU layer "{self.name}" needs known sizes for its alpha of shape {tuple(shape)} '
                             f"(input shape {tuple(input_shape)}); share the unknown axes with shared_axes=[...].")
        self.alpha = self.add_weight("alpha", tuple(shape), self.alpha_initializer, regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        self.built = True

    def call(self, inputs):
        return F.relu(inputs) - self.alpha * F.relu(-inputs)

    def get_config(self):
        return {**super().get_config(), "alpha_initializer": _initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": _regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": _constraints.serialize(self.alpha_constraint), "shared_axes": self.shared_axes}


class ELU(_Elementwise):
    """``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``. Example: ``ELU(alpha=1.0)(x)``."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        return F.elu(inputs, self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class Softmax(_Elementwise):
    """Softmax over ``axis``; a boolean ``mask`` (True = keep) pushes masked entries to ~0 probability.

    Example::

        >>> Softmax()(torch.tensor([[0.0, 0.0]]))
        tensor([[0.5000, 0.5000]])
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis if isinstance(axis, int) else list(axis)

    def call(self, inputs, mask=None):
        if mask is not None:
            # As Keras: add a large negative number where the mask is False.
            inputs = inputs + (1.0 - mask.to(inputs.dtype)) * (-1e9 if inputs.dtype == torch.float32 else -3e4)
        if isinstance(self.axis, int):
            return torch.softmax(inputs, dim=self.axis)
        dims = tuple(self.axis)
        return torch.exp(inputs - torch.logsumexp(inputs, dim=dims, keepdim=True))

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class ThresholdedReLU(_Elementwise):
    """``x`` if ``x > theta`` else 0 (Keras 2). Example: ``ThresholdedReLU(theta=1.0)(x)``."""

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        if theta is None or theta < 0:
            raise ValueError(f"ThresholdedReLU: theta must be >= 0; received theta={theta!r}.")
        self.theta = float(theta)

    def call(self, inputs):
        return torch.where(inputs > self.theta, inputs, torch.zeros((), dtype=inputs.dtype, device=inputs.device))

    def get_config(self):
        return {**super().get_config(), "theta": self.theta}
