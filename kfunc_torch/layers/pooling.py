"""Pooling layers: Max/AveragePooling1D/2D/3D and GlobalMax/GlobalAveragePooling1D/2D/3D.

Keras semantics: ``strides`` default to ``pool_size``; 'same' pads so that the output has
ceil(size / stride) positions, one more at the end than at the start when the total is odd; max
pooling never picks a padded value and average pooling averages only real inputs. Inputs reach
torch's pooling kernels as channels_last views (see ``_spatial``).

Example::

    >>> x = Input(shape=(32, 32, 16))
    >>> MaxPooling2D()(x).shape
    (None, 16, 16, 16)
    >>> GlobalAveragePooling2D()(x).shape
    (None, 16)
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..engine.input_spec import InputSpec
from ..engine.layer import Layer
from . import _spatial as sp

__all__ = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
           "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
           "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
           "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
           "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalAvgPool1D", "GlobalAvgPool2D",
           "GlobalAvgPool3D"]

_MAX_OPS = {2: F.max_pool2d, 3: F.max_pool3d}
_AVG_OPS = {2: F.avg_pool2d, 3: F.avg_pool3d}


class _Pooling(Layer):
    """Rank-generic windowed pooling; subclasses set ``rank`` and ``_kind`` ('max' or 'avg')."""

    rank = 2
    _kind = "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        owner, r = type(self).__name__, self.rank
        self.pool_size = sp.normalize_tuple(pool_size, r, "pool_size", owner)
        self.strides = self.pool_size if strides is None else sp.normalize_tuple(strides, r, "strides", owner)
        self.padding = sp.normalize_padding(padding, owner)
        self.data_format = sp.data_format(data_format)
        self.input_spec = InputSpec(ndim=r + 2)
        self._t_pool = sp.torch_tuple(self.pool_size, 1)
        self._t_strides = sp.torch_tuple(self.strides, 1)
        self._ones = (1,) * len(self._t_pool)
        self._plans: dict = {}

    def _plan(self, key):
        plan = self._plans.get(key)
        if plan is None:
            padding, fpad = sp.pad_plan(key, self._t_pool, self._t_strides, self._ones, self.padding)
            scale = None
            if fpad is not None and self._kind == "avg":
                # Average over real inputs only: the window sum (avg * window size) over the count
                # of real inputs in each window, computed once per input size.
                ones = F.pad(torch.ones((1, 1) + key), fpad)
                counts = _AVG_OPS[len(key)](ones, self._t_pool, self._t_strides) * math.prod(self._t_pool)
                scale = math.prod(self._t_pool) / counts
            plan = self._plans[key] = (padding, fpad, scale)
        return plan

    def call(self, inputs):
        x = sp.to_torch(inputs, self.rank, self.data_format)
        tr = x.dim() - 2
        if self.padding == "valid":
            y = (_MAX_OPS if self._kind == "max" else _AVG_OPS)[tr](x, self._t_pool, self._t_strides)
        else:
            padding, fpad, scale = self._plan(tuple(x.shape[2:]))
            if self._kind == "max":
                if fpad is not None:
                    x = F.pad(x, fpad, value=float("-inf"))
                y = _MAX_OPS[tr](x, self._t_pool, self._t_strides, padding)
            elif fpad is None:
                y = _AVG_OPS[tr](x, self._t_pool, self._t_strides, padding, count_include_pad=False)
            else:
                y = _AVG_OPS[tr](F.pad(x, fpad), self._t_pool, self._t_strides)
                y = y * scale.to(device=y.device, dtype=y.dtype)
        return sp.from_torch(y, self.rank, self.data_format)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(f'{type(self).__name__} layer "{self.name}" expects inputs of rank {self.rank + 2}; '
                             f"received input shape {tuple(input_shape)}.")
        sizes = sp.spatial_dims(input_shape, self.rank, self.data_format)
        out = tuple(sp.conv_out_len(n, k, s, 1, self.padding) for n, k, s in zip(sizes, self.pool_size, self.strides))
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(f'{type(self).__name__} layer "{self.name}": pool_size {self.pool_size} does not fit '
                             f"the spatial size {sizes} of input shape {tuple(input_shape)} with padding='valid'. "
                             "Use padding='same' or a smaller pool_size.")
        return sp.with_channels(input_shape[0], out, sp.channel_dim(input_shape, self.data_format), self.data_format)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format}


class MaxPooling1D(_Pooling):
    """Max over windows of ``pool_size`` steps. Example: ``MaxPooling1D(5)`` on (None, 96, 8) gives (None, 19, 8)."""
    rank, _kind = 1, "max"


class MaxPooling2D(_Pooling):
    """Max over (rows, cols) windows.

    Example::

        >>> MaxPooling2D((2, 2))(Input(shape=(28, 28, 8))).shape
        (None, 14, 14, 8)
    """
    rank, _kind = 2, "max"


class MaxPooling3D(_Pooling):
    """Max over 3-D windows. Example: ``MaxPooling3D()`` on (None, 4, 4, 4, 2) gives (None, 2, 2, 2, 2)."""
    rank, _kind = 3, "max"


class AveragePooling1D(_Pooling):
    """Average over windows of steps. Example: ``AveragePooling1D(2)`` on (None, 10, 3) gives (None, 5, 3)."""
    rank, _kind = 1, "avg"


class AveragePooling2D(_Pooling):
    """Average over (rows, cols) windows; 'same' padding averages real inputs only.

    Example::

        >>> AveragePooling2D(3, strides=2)(Input(shape=(32, 32, 8))).shape
        (None, 15, 15, 8)
    """
    rank, _kind = 2, "avg"


class AveragePooling3D(_Pooling):
    """Average over 3-D windows. Example: ``AveragePooling3D(2)`` on (None, 4, 4, 4, 2) gives (None, 2, 2, 2, 2)."""
    rank, _kind = 3, "avg"


class _GlobalPooling(Layer):
    """Reduce all spatial dimensions with max or mean; ``keepdims`` keeps them as size 1."""

    rank = 2
    _kind = "max"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = sp.data_format(data_format)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)
        first = 1 if self.data_format == "channels_last" else 2
        self._dims = tuple(range(first, first + self.rank))

    def call(self, inputs):
        if self._kind == "max":
            return torch.amax(inputs, dim=self._dims, keepdim=self.keepdims)
        return torch.mean(inputs, dim=self._dims, keepdim=self.keepdims)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(f'{type(self).__name__} layer "{self.name}" expects inputs of rank {self.rank + 2}; '
                             f"received input shape {tuple(input_shape)}.")
        c = sp.channel_dim(input_shape, self.data_format)
        if self.keepdims:
            return sp.with_channels(input_shape[0], (1,) * self.rank, c, self.data_format)
        return (input_shape[0], c)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalMaxPooling1D(_GlobalPooling):
    """Max over steps. Example: ``GlobalMaxPooling1D()`` on (None, None, 256) gives (None, 256)."""
    rank, _kind = 1, "max"


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over steps; with a mask (Embedding(mask_zero=True)) the mean of the unmasked steps.

    Example::

        >>> GlobalAveragePooling1D()(Input(shape=(10, 8))).shape
        (None, 8)
    """
    rank, _kind = 1, "avg"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return torch.mean(inputs, dim=self._dims, keepdim=self.keepdims)
        step_dim = self._dims[0]
        m = mask.to(inputs.dtype).unsqueeze(-1 if step_dim == 1 else 1)
        total = (inputs * m).sum(dim=step_dim, keepdim=self.keepdims)
        return total / m.sum(dim=step_dim, keepdim=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalMaxPooling2D(_GlobalPooling):
    """Max over rows and cols. Example: ``GlobalMaxPooling2D()`` on (None, 7, 7, 512) gives (None, 512)."""
    rank, _kind = 2, "max"


class GlobalAveragePooling2D(_GlobalPooling):
    """Mean over rows and cols. Example: ``GlobalAveragePooling2D(keepdims=True)`` gives (None, 1, 1, C)."""
    rank, _kind = 2, "avg"


class GlobalMaxPooling3D(_GlobalPooling):
    """Max over the three spatial dimensions. Example: (None, 4, 4, 4, 2) -> (None, 2)."""
    rank, _kind = 3, "max"


class GlobalAveragePooling3D(_GlobalPooling):
    """Mean over the three spatial dimensions. Example: (None, 4, 4, 4, 2) -> (None, 2)."""
    rank, _kind = 3, "avg"


MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (GlobalAveragePooling1D, GlobalAveragePooling2D,
                                                     GlobalAveragePooling3D)
