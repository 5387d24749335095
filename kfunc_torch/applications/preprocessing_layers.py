"""The two preprocessing layers EfficientNet starts with, for when ``kfunc_torch.layers`` lacks them:
``Rescaling`` (``x * scale + offset``) and ``Normalization`` (``(x - mean) / sqrt(variance)`` with
stored or adapted statistics).

Example::

    >>> x = Input(shape=(224, 224, 3))
    >>> y = Normalization(axis=-1)(Rescaling(1.0 / 255)(x))
"""
from __future__ import annotations

import numpy as np
import torch

from .. import backend
from ..engine.layer import Layer

__all__ = ["Rescaling", "Normalization"]


class Rescaling(Layer):
    """Multiplies inputs by ``scale`` and adds ``offset`` (both scalars or per-channel lists).

    Example::

        >>> Rescaling(1.0 / 127.5, offset=-1.0)(torch.full((1, 2), 255.0))
        tensor([[1., 1.]])
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset
        self._scale_t = torch.as_tensor(np.asarray(scale, dtype=np.float32))
        self._offset_t = torch.as_tensor(np.asarray(offset, dtype=np.float32))

    def call(self, inputs):
        if not inputs.is_floating_point():
            inputs = inputs.float()
        scale = self._scale_t.to(device=inputs.device, dtype=inputs.dtype)
        offset = self._offset_t.to(device=inputs.device, dtype=inputs.dtype)
        return inputs * scale + offset

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


class Normalization(Layer):
    """Standardizes features along ``axis``: ``(x - mean) / max(sqrt(variance), epsilon)``.

    Without ``mean``/``variance`` the statistics are non-trainable weights (``mean``, ``variance``,
    ``count``; mean 0 and variance 1 until ``adapt(data)`` or ``set_weights``), as in Keras 3.

    Example::

        >>> norm = Normalization(axis=-1)
        >>> norm.adapt(np.array([[0., 10.], [2., 30.]]))
        >>> norm(torch.tensor([[1., 20.]]))
        tensor([[0., 0.]])
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if (mean is None) != (variance is None):
            raise ValueError("Normalization: pass both mean and variance, or neither (then call adapt()). "
                             f"Received mean={mean!r}, variance={variance!r}.")
        self.axis = (axis,) if isinstance(axis, int) else tuple(axis or ())
        self.input_mean, self.input_variance, self.invert = mean, variance, invert

    def build(self, input_shape):
        ndim = len(input_shape)
        self._axes = sorted(a % ndim for a in self.axis)
        for a in self._axes:
            if input_shape[a] is None:
                raise ValueError(f'Normalization layer "{self.name}": axis {a} of the input shape {input_shape} must '
                                 "be known (it holds one statistic per entry).")
        self._bshape = [input_shape[d] if d in self._axes else 1 for d in range(ndim)]
        self._bshape[0] = 1 if 0 not in self._axes else self._bshape[0]
        stat_shape = tuple(input_shape[a] for a in self._axes)
        if self.input_mean is None:
            self.mean = self.add_weight("mean", stat_shape, initializer="zeros", trainable=False)
            self.variance = self.add_weight("variance", stat_shape, initializer="ones", trainable=False)
            self.count = self.add_weight("count", (), initializer="zeros", trainable=False)
        else:
            shape = stat_shape
            self.register_buffer("mean", torch.broadcast_to(torch.as_tensor(
                np.asarray(self.input_mean, dtype=np.float32)), shape).clone())
            self.register_buffer("variance", torch.broadcast_to(torch.as_tensor(
                np.asarray(self.input_variance, dtype=np.float32)), shape).clone())
        self.built = True

    def adapt(self, data) -> None:
        """Set mean and variance from ``data`` (an array or tensor), reducing all but ``axis``."""
        data = torch.as_tensor(np.asarray(data, dtype=np.float32))
        if not self.built:
            self._maybe_build(tuple(data.shape))
        if self.input_mean is not None:
            raise ValueError(f'Normalization layer "{self.name}" was given fixed mean/variance; it cannot adapt().')
        reduce = [d for d in range(data.ndim) if d not in self._axes]
        with torch.no_grad():
            self.mean.copy_(data.mean(dim=reduce).reshape(self.mean.shape))
            self.variance.copy_(data.var(dim=reduce, unbiased=False).reshape(self.variance.shape))
            self.count.fill_(float(np.prod([data.shape[d] for d in reduce])))

    def call(self, inputs):
        mean = self.mean.reshape(self._bshape).to(inputs.dtype)
        std = torch.clamp(torch.sqrt(self.variance.reshape(self._bshape).to(inputs.dtype)), min=backend.epsilon())
        if self.invert:
            return mean + inputs * std
        return (inputs - mean) / std

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": list(self.axis), "mean": self.input_mean,
                "variance": self.input_variance, "invert": self.invert}
