"""Numerical preprocessing: Normalization (with adapt), Rescaling, Discretization (with adapt).

Example::

    >>> norm = Normalization()
    >>> norm.adapt(np.array([[0.0], [2.0]]))     # mean 1, variance 1
    >>> norm(np.array([[3.0]]))
    tensor([[2.]])
    >>> Rescaling(1 / 255)(np.array([[255.0]]))
    tensor([[1.]])
    >>> Discretization(bin_boundaries=[0.0, 1.0])(np.array([-1.0, 0.5, 2.0]))
    tensor([0, 1, 2], dtype=torch.int32)
"""
from __future__ import annotations

import math

import numpy as np
import torch

from . import _encoding
from ._base import PreprocessingLayer, iter_batches, to_numeric_tensor

__all__ = ["Normalization", "Rescaling", "Discretization"]

_EPSILON = 1e-7  # Keras's backend.epsilon(): the smallest standard deviation Normalization divides by


class Normalization(PreprocessingLayer):
    """Feature-wise ``(x - mean) / sqrt(variance)``, from given values or learned by ``adapt``.

    Args:
        axis: the axis (or axes) that keep separate statistics; -1 (default) is per feature,
            None is one mean and variance for everything.
        mean, variance: fixed statistics (both or neither); otherwise call ``adapt(data)``.
        invert: apply the inverse, ``mean + x * sqrt(variance)``.

    Adapted statistics are non-trainable weights ``mean``, ``variance`` and ``count`` (as in Keras 3,
    so they save with the model and count in summary()). Example::

        >>> norm = Normalization(mean=[1.0, 2.0], variance=[4.0, 1.0])
        >>> norm(np.array([[3.0, 3.0]]))
        tensor([[1., 1.]])
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = () if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
        self.input_mean, self.input_variance = mean, variance
        self.invert = bool(invert)
        self.supports_masking = True
        if (mean is None) != (variance is None):
            raise ValueError("Normalization: when setting the statistics directly, pass both mean and variance; "
                             f"received mean={mean!r} and variance={variance!r}.")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(f"Normalization: mean and variance must have the same shape; received shapes "
                                 f"{np.shape(mean)} and {np.shape(variance)}.")
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError(f"Normalization: mean of shape {np.shape(mean)} has more dimensions than "
                                 f"axis={self.axis} keeps. Pass one value per kept position.")
        self._build_shape = None
        # Keras reads layer.mean / layer.variance (None until built); build registers the real ones.
        self.__dict__.update(mean=None, variance=None)

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"Normalization: axis {self.axis} is out of range for inputs of rank {ndim} "
                             f"(shape {tuple(input_shape)}). Use axes in [-{ndim}, {ndim}).")
        keep = tuple(sorted(a % ndim for a in self.axis))
        for d in keep:
            if input_shape[d] is None:
                raise ValueError(f"Normalization: axis {d} keeps separate statistics, so its size must be known; "
                                 f"received input shape {tuple(input_shape)}.")
        self._build_shape = tuple(input_shape)
        self._keep_axis = keep
        self._reduce_axis = tuple(d for d in range(ndim) if d not in keep)
        self._broadcast_shape = [input_shape[d] if d in keep else 1 for d in range(ndim)]
        stat_shape = tuple(input_shape[d] for d in keep)
        self._stat_shape = stat_shape
        self.__dict__.pop("mean", None)
        self.__dict__.pop("variance", None)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight("mean", stat_shape, "zeros", trainable=False)
            self.adapt_variance = self.add_weight("variance", stat_shape, "ones", trainable=False)
            self.count = self.add_weight("count", (), "zeros", trainable=False, dtype="int64")
        else:  # given statistics are constants of the config, not weights (as in Keras)
            self.register_buffer("mean", self._broadcast(self.input_mean), persistent=False)
            self.register_buffer("variance", self._broadcast(self.input_variance), persistent=False)
        self.built = True

    def _broadcast(self, value) -> torch.Tensor:
        """A given statistic (scalar or the trailing kept axes) shaped to broadcast against inputs."""
        v = torch.as_tensor(np.asarray(value, dtype=np.float32))
        if v.dim() > 0:
            expanded = [1] * len(self._build_shape)
            for i in range(1, v.dim() + 1):
                expanded[self._keep_axis[-i]] = v.shape[-i]
            v = v.reshape(expanded)
        return v.expand(self._broadcast_shape).clone()

    def adapt(self, data, steps=None):
        """Learn the mean and variance of ``data`` (an array, or batches from a list/dataset/generator)."""
        batches = iter_batches(data, steps=steps)
        first = next(batches)
        shape = tuple(first.shape)
        if not self.built:
            self._maybe_build(shape)
        elif any(shape[d] != self._build_shape[d] for d in self._keep_axis):
            raise ValueError(f"Normalization was built for inputs of shape {self._build_shape}, but adapt() received "
                             f"data of shape {shape}; the kept axes {self._keep_axis} must match.")
        if self.input_mean is not None:
            raise ValueError("Normalization was given mean and variance; adapt() cannot change them. "
                             "Create the layer without mean/variance to learn them from data.")
        mean = torch.zeros(self._stat_shape, dtype=torch.float64)
        var = torch.zeros(self._stat_shape, dtype=torch.float64)
        total = 0
        for batch in _chain(first, batches):
            b = to_numeric_tensor(batch, dtype=torch.float64)
            b_mean = b.mean(dim=self._reduce_axis) if self._reduce_axis else b
            b_var = b.var(dim=self._reduce_axis, unbiased=False) if self._reduce_axis else torch.zeros_like(b)
            n = math.prod(b.shape[d] for d in self._reduce_axis) if self._reduce_axis else 1
            total += n
            w = n / total
            new_mean = mean * (1 - w) + b_mean * w
            # Chan et al.'s merge of two groups' variances around the pooled mean.
            var = (var + (mean - new_mean) ** 2) * (1 - w) + (b_var + (b_mean - new_mean) ** 2) * w
            mean = new_mean
        with torch.no_grad():
            self.adapt_mean.copy_(mean.to(self.adapt_mean.dtype))
            self.adapt_variance.copy_(var.to(self.adapt_variance.dtype))

    def _stats(self):
        if self.input_mean is not None:
            return self.mean, self.variance
        return self.adapt_mean.reshape(self._broadcast_shape), self.adapt_variance.reshape(self._broadcast_shape)

    def call(self, inputs):
        x = inputs if inputs.is_floating_point() else inputs.float()
        mean, variance = self._stats()
        std = torch.sqrt(variance).clamp_min(_EPSILON)
        return mean + x * std if self.invert else (x - mean) / std

    def _output_torch_dtype(self):
        return torch.float32

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "invert": self.invert,
                "mean": np.array(self.input_mean).tolist(), "variance": np.array(self.input_variance).tolist()}


def _chain(first, rest):
    yield first
    yield from rest


class Rescaling(PreprocessingLayer):
    """``x * scale + offset`` in float32 (``Rescaling(1 / 255)`` maps bytes to [0, 1]).

    ``scale``/``offset`` may be per-channel lists. Example: ``Rescaling(1 / 127.5, offset=-1)`` maps to [-1, 1].
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset
        self.supports_masking = True
        self._scale_t = torch.as_tensor(np.asarray(scale, dtype=np.float32))
        self._offset_t = torch.as_tensor(np.asarray(offset, dtype=np.float32))

    def call(self, inputs):
        from ...settings import backend_settings
        scale = self._scale_t.to(inputs.device)
        if scale.dim() > 0 and backend_settings.get("image_data_format") == "channels_first":
            scale = scale.reshape(tuple(scale.shape) + (1,) * (3 - scale.dim()))
        return inputs.float() * scale + self._offset_t.to(inputs.device)

    def _output_torch_dtype(self):
        return torch.float32

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "scale": _plain(self.scale), "offset": _plain(self.offset)}


def _plain(v):
    return np.asarray(v).tolist() if isinstance(v, (np.ndarray, torch.Tensor)) else v


class Discretization(PreprocessingLayer):
    """Buckets numbers by boundaries: ids ``i`` with ``bin_boundaries[i-1] <= x < bin_boundaries[i]``.

    Args:
        bin_boundaries: sorted boundaries (n boundaries give n + 1 bins), or
        num_bins: learn ``num_bins - 1`` quantile boundaries with ``adapt(data)``.
        epsilon: the quantile summary's error tolerance (Keras's default 0.01).
        output_mode: "int" (int32 ids), "one_hot", "multi_hot" or "count" (float32).

    Example::

        >>> layer = Discretization(num_bins=4)
        >>> layer.adapt(np.arange(100.0))
        >>> layer.bin_boundaries
        [25.0, 50.0, 75.0]
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int", sparse=False,
                 dtype=None, name=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        _encoding.check_output_mode(output_mode, "Discretization")
        if sparse:
            raise ValueError("Discretization: sparse=True is not supported on the torch backend (as in Keras 3); "
                             "use sparse=False.")
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"Discretization: num_bins must be >= 0; received num_bins={num_bins}.")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError("Discretization: pass either num_bins or bin_boundaries, not both; received "
                             f"num_bins={num_bins} and bin_boundaries={bin_boundaries}.")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("Discretization needs bin_boundaries=[...] or num_bins=N (then call adapt(data)).")
        self.bin_boundaries = None if bin_boundaries is None else [float(b) for b in bin_boundaries]
        self.num_bins, self.epsilon, self.output_mode, self.sparse = num_bins, epsilon, output_mode, sparse
        self.summary = None if self.bin_boundaries else np.zeros((2, 0), dtype=np.float32)

    def adapt(self, data, steps=None):
        """Learn quantile boundaries from ``data`` (an array, or batches from a list/dataset/generator)."""
        if self.num_bins is None:
            raise ValueError("Discretization was created with bin_boundaries, so it cannot adapt; create it "
                             "with num_bins=N instead.")
        self.summary = np.zeros((2, 0), dtype=np.float32)
        for batch in iter_batches(data, steps=steps):
            values = np.asarray(batch.detach().cpu() if isinstance(batch, torch.Tensor) else batch, dtype=np.float32)
            self.summary = _merge(self.summary, _summarize(values, self.epsilon), self.epsilon)
        self.bin_boundaries = _compress(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def _depth(self):
        return len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError("Discretization has no bin boundaries yet: pass bin_boundaries=[...] or call "
                             "adapt(data) before using the layer.")
        bounds = torch.tensor(self.bin_boundaries, dtype=torch.float32, device=inputs.device)
        ids = torch.bucketize(inputs.float(), bounds, right=True)
        return _encoding.encode(ids, self.output_mode, self._depth(), self._output_torch_dtype())

    def _output_torch_dtype(self):
        return torch.int32 if self.output_mode == "int" else torch.float32

    def compute_output_shape(self, input_shape):
        return _encoding.encoded_shape(input_shape, self.output_mode, self._depth())

    def get_config(self):
        config = {**super().get_config(), "bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins,
                  "epsilon": self.epsilon, "output_mode": self.output_mode, "sparse": self.sparse}
        config.pop("trainable")  # Keras's Discretization takes no `trainable`: its config must not carry one
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            # An adapted layer's config holds both: rebuild from num_bins, then restore the boundaries.
            bounds = config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = list(bounds)
            return layer
        return cls(**config)


# Keras's quantile summary: a 2-row array (values, weights) kept to about 1 / epsilon columns.
def _summarize(values: np.ndarray, epsilon: float) -> np.ndarray:
    """Every ``step``-th sorted value, weighted by ``step`` (``step`` = n * epsilon, at least 1)."""
    values = np.sort(values.reshape(-1))
    step = max(values.size * epsilon, 1)
    picked = values[int(step - 1)::int(step)]
    return np.stack([picked, np.ones_like(picked) * step])


def _merge(a: np.ndarray, b: np.ndarray, epsilon: float) -> np.ndarray:
    merged = np.concatenate((a, b), axis=1)
    return _compress(merged[:, np.argsort(merged[0])], epsilon)


def _compress(summary: np.ndarray, epsilon: float) -> np.ndarray:
    """Re-sample the summary at cumulative-weight fractions epsilon, 2 epsilon, ..., 1 (linear interpolation)."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum = summary[1].cumsum()
    frac = cum / cum[-1]
    values = np.interp(percents, frac, summary[0])
    cum_new = np.interp(percents, frac, cum)
    weights = cum_new - np.concatenate(([0.0], cum_new[:-1]))
    return np.stack((values, weights)).astype(np.float32)
