"""Reshaping layers: Permute, RepeatVector, Cropping1D/2D/3D, ZeroPadding1D/2D/3D, UpSampling1D/2D/3D.

All are views or single torch ops that keep channels_last data dense (cropping is a view).

Example::

    >>> Permute((2, 1))(Input(shape=(10, 64))).shape
    (None, 64, 10)
    >>> ZeroPadding2D(1)(Input(shape=(28, 28, 3))).shape
    (None, 30, 30, 3)
    >>> UpSampling2D(2)(Input(shape=(8, 8, 4))).shape
    (None, 16, 16, 4)
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..engine.input_spec import InputSpec
from ..engine.layer import Layer
from . import _spatial as sp

__all__ = ["Permute", "RepeatVector", "Cropping1D", "Cropping2D", "Cropping3D", "ZeroPadding1D", "ZeroPadding2D",
           "ZeroPadding3D", "UpSampling1D", "UpSampling2D", "UpSampling3D"]


class Permute(Layer):
    """Permutes the non-batch axes; ``dims`` is 1-based, as in Keras.

    Example::

        >>> Permute((2, 1))(Input(shape=(10, 64))).shape
        (None, 64, 10)
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Permute: dims must be a permutation of 1..{len(self.dims)} (axis 0 is the batch and "
                             f"is not permuted); received dims={dims!r}.")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)
        self._perm = (0,) + self.dims

    def call(self, inputs):
        return inputs.permute(self._perm)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[i] for i in self._perm)

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}


class RepeatVector(Layer):
    """Repeats a (batch, features) input ``n`` times: (batch, n, features).

    Example::

        >>> RepeatVector(3)(Input(shape=(32,))).shape
        (None, 3, 32)
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int) or n <= 0:
            raise ValueError(f"RepeatVector: n must be a positive integer; received n={n!r}.")
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return inputs.unsqueeze(1).expand(-1, self.n, -1)  # a view; consumers that need density copy once

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}


def _pairs(value, rank: int, arg: str, owner: str) -> tuple:
    """int -> ((v, v),) * rank; (a, b, ...) -> ((a, a), (b, b), ...); or ((a1, a2), ...) as given.

    Rank 1 also accepts a pair (left, right), as Keras's Cropping1D/ZeroPadding1D do."""
    if isinstance(value, int):
        out = ((value, value),) * rank
    elif rank == 1 and len(value) == 2 and all(isinstance(v, int) for v in value):
        out = (tuple(value),)
    elif len(value) == rank and all(isinstance(v, int) for v in value):
        out = tuple((v, v) for v in value)
    elif len(value) == rank and all(len(v) == 2 for v in value):
        out = tuple(tuple(int(a) for a in v) for v in value)
    else:
        raise ValueError(f"{owner}: {arg} must be an int, a tuple of {rank} ints, or a tuple of {rank} pairs "
                         f"(before, after); received {arg}={value!r}.")
    if any(a < 0 for pair in out for a in pair):
        raise ValueError(f"{owner}: {arg} values must be >= 0; received {arg}={value!r}.")
    return out


class _Spatial(Layer):
    rank = 2
    _has_format = True  # Keras 3's Cropping1D/UpSampling1D have no data_format: (batch, steps, features)

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = sp.data_format(data_format) if self._has_format else "channels_last"
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self._first = 1 if self.data_format == "channels_last" else 2  # first spatial axis

    def _check_rank(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(f'{type(self).__name__} layer "{self.name}" expects inputs of rank {self.rank + 2}; '
                             f"received input shape {tuple(input_shape)}.")

    def _with_spatial(self, input_shape, fn):
        self._check_rank(input_shape)
        out = list(input_shape)
        for i in range(self.rank):
            out[self._first + i] = fn(i, input_shape[self._first + i])
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        if self._has_format:
            config["data_format"] = self.data_format
        return config


class _Cropping(_Spatial):
    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.cropping = _pairs(cropping, self.rank, "cropping", type(self).__name__)
        index = [slice(None)] * (self.rank + 2)
        for i, (a, b) in enumerate(self.cropping):
            index[self._first + i] = slice(a, -b if b else None)
        self._index = tuple(index)

    def call(self, inputs):
        out = inputs[self._index]
        if out.numel() == 0 and inputs.numel() > 0:  # a None dim turned out too small (Keras refuses too)
            raise ValueError(f'{type(self).__name__} layer "{self.name}": cropping {self.cropping} removes all of '
                             f"a spatial axis of the input of shape {tuple(inputs.shape)}; crop less or pass a "
                             "larger input.")
        return out

    def compute_output_shape(self, input_shape):
        def crop(i, n):
            if n is None:
                return None
            out = n - sum(self.cropping[i])
            if out <= 0:
                raise ValueError(f'{type(self).__name__} layer "{self.name}": cropping {self.cropping} removes all '
                                 f"of spatial axis {i} (size {n}) of input shape {tuple(input_shape)}.")
            return out
        return self._with_spatial(input_shape, crop)

    def get_config(self):
        c = self.cropping[0] if self.rank == 1 else self.cropping
        return {**super().get_config(), "cropping": c}


class Cropping1D(_Cropping):
    """Crops steps: ``Cropping1D((1, 2))`` on (None, 10, 4) gives (None, 7, 4)."""
    rank = 1
    _has_format = False

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, **kwargs)


class Cropping2D(_Cropping):
    """Crops rows and cols: ``Cropping2D(((2, 2), (4, 4)))`` on (None, 28, 28, 3) gives (None, 24, 20, 3)."""
    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Crops three spatial axes: ``Cropping3D(1)`` on (None, 5, 5, 5, 2) gives (None, 3, 3, 3, 2)."""
    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class _ZeroPadding(_Spatial):
    def __init__(self, padding, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.padding = _pairs(padding, self.rank, "padding", type(self).__name__)
        flat = []
        for a, b in reversed(self.padding):  # F.pad lists the last axis first
            flat += [a, b]
        if self.data_format == "channels_last":
            flat = [0, 0] + flat  # the channel axis comes last
        self._pad = tuple(flat)

    def call(self, inputs):
        return F.pad(inputs, self._pad)

    def compute_output_shape(self, input_shape):
        return self._with_spatial(input_shape, lambda i, n: None if n is None else n + sum(self.padding[i]))

    def get_config(self):
        p = self.padding[0] if self.rank == 1 else self.padding
        return {**super().get_config(), "padding": p}


class ZeroPadding1D(_ZeroPadding):
    """Pads steps with zeros: ``ZeroPadding1D(2)`` on (None, 10, 4) gives (None, 14, 4)."""
    rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding2D(_ZeroPadding):
    """Pads rows and cols with zeros: ``ZeroPadding2D(((1, 0), (1, 0)))`` on (None, 7, 7, 3) gives (None, 8, 8, 3)."""
    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Pads three spatial axes with zeros: ``ZeroPadding3D(1)`` on (None, 3, 3, 3, 2) gives (None, 5, 5, 5, 2)."""
    rank = 3

    def __init__(self, padding=(1, 1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class _UpSampling(_Spatial):
    def __init__(self, size, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.size = sp.normalize_tuple(size, self.rank, "size", type(self).__name__)

    def call(self, inputs):
        # Nearest-neighbour upsampling repeats each element along each spatial axis.
        y = inputs
        for i, s in enumerate(self.size):
            if s != 1:
                y = torch.repeat_interleave(y, s, dim=self._first + i)
        return y

    def compute_output_shape(self, input_shape):
        return self._with_spatial(input_shape, lambda i, n: None if n is None else n * self.size[i])


class UpSampling1D(_UpSampling):
    """Repeats each step ``size`` times: ``UpSampling1D(2)`` on (None, 5, 3) gives (None, 10, 3)."""
    rank = 1
    _has_format = False

    def __init__(self, size=2, **kwargs):
        super().__init__(size, **kwargs)

    def get_config(self):
        return {**super().get_config(), "size": self.size[0]}


class UpSampling2D(_UpSampling):
    """Upsamples rows and cols by ``size``; ``interpolation`` 'nearest' (default) or 'bilinear'.

    Example::

        >>> UpSampling2D((2, 3))(Input(shape=(4, 4, 1))).shape
        (None, 8, 12, 1)
    """
    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format, **kwargs)
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"UpSampling2D: interpolation must be 'nearest' or 'bilinear'; received "
                             f"interpolation={interpolation!r}.")
        self.interpolation = interpolation

    def call(self, inputs):
        if self.interpolation == "nearest":
            if self.data_format == "channels_last":
                # On the channels_last view torch's nearest kernel writes dense NHWC output directly.
                x = sp.to_torch(inputs, 2, self.data_format)
                return sp.from_torch(F.interpolate(x, scale_factor=self.size, mode="nearest"), 2, self.data_format)
            return super().call(inputs)
        x = sp.to_torch(inputs, 2, self.data_format)
        out = (x.shape[2] * self.size[0], x.shape[3] * self.size[1])
        y = F.interpolate(x, size=out, mode="bilinear", align_corners=False)
        return sp.from_torch(y, 2, self.data_format)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "interpolation": self.interpolation}


class UpSampling3D(_UpSampling):
    """Upsamples three spatial axes: ``UpSampling3D(2)`` on (None, 2, 2, 2, 1) gives (None, 4, 4, 4, 1)."""
    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, **kwargs)

    def get_config(self):
        return {**super().get_config(), "size": self.size}
