"""Normalization layers: BatchNormalization, LayerNormalization, GroupNormalization, UnitNormalization.

Keras semantics: epsilon 1e-3; BatchNormalization keeps ``moving = moving * momentum + batch *
(1 - momentum)`` with the batch's biased variance, holds its moving statistics as NON-trainable
weights (gamma, beta, moving_mean, moving_variance: 4C parameters, 2C non-trainable) and uses
batch statistics only when training (``training=True`` or fit()); a frozen layer
(``trainable=False``) always runs in inference mode, as in Keras 2.1+/3.

Example::

    >>> x = Input(shape=(32, 32, 16))
    >>> bn = BatchNormalization()
    >>> y = bn(x)
    >>> bn.count_params(), len(bn.non_trainable_weights)
    (64, 2)
"""
from __future__ import annotations

import warnings

import torch
import torch.nn.functional as F

from .. import constraints as _constraints
from .. import initializers as _initializers
from .. import regularizers as _regularizers
from ..engine.input_spec import InputSpec
from ..engine.layer import Layer

__all__ = ["BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization"]


def _norm_axes(axis, ndim: int, owner: str, name: str) -> tuple:
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < ndim or a % ndim == 0:
            raise ValueError(f'{owner} layer "{name}": axis {a} is out of range for an input of rank {ndim} '
                             "(the batch axis 0 cannot be normalized over).")
        out.append(a % ndim)
    return tuple(sorted(set(out)))


class _GammaBeta(Layer):
    """Shared argument handling for layers with an optional scale (gamma) and offset (beta)."""

    _float32_inside = True  # under float16/bfloat16 policies they normalize in float32 (dtype_policies.py)

    def __init__(self, axis, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                 gamma_regularizer, beta_constraint, gamma_constraint, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis if isinstance(axis, int) else list(axis)
        self.epsilon = float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = _initializers.get(beta_initializer)
        self.gamma_initializer = _initializers.get(gamma_initializer)
        self.beta_regularizer = _regularizers.get(beta_regularizer)
        self.gamma_regularizer = _regularizers.get(gamma_regularizer)
        self.beta_constraint = _constraints.get(beta_constraint)
        self.gamma_constraint = _constraints.get(gamma_constraint)
        self.supports_masking = True

    def _add_gamma_beta(self, shape):
        self.gamma = self.add_weight("gamma", shape, self.gamma_initializer, regularizer=self.gamma_regularizer,
                                     constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight("beta", shape, self.beta_initializer, regularizer=self.beta_regularizer,
                                    constraint=self.beta_constraint) if self.center else None

    def _axes_sizes(self, input_shape):
        self._axes = _norm_axes(self.axis, len(input_shape), type(self).__name__, self.name)
        sizes = tuple(input_shape[a] for a in self._axes)
        if any(s is None for s in sizes):
            raise ValueError(f'{type(self).__name__} layer "{self.name}": axis {self.axis} of input shape '
                             f"{tuple(input_shape)} must have a known size to create its weights.")
        self.input_spec = InputSpec(ndim=len(input_shape), axes={a: s for a, s in zip(self._axes, sizes)})
        return sizes

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon, "center": self.center,
                "scale": self.scale, "beta_initializer": _initializers.serialize(self.beta_initializer),
                "gamma_initializer": _initializers.serialize(self.gamma_initializer),
                "beta_regularizer": _regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": _regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": _constraints.serialize(self.beta_constraint),
                "gamma_constraint": _constraints.serialize(self.gamma_constraint)}


class BatchNormalization(_GammaBeta):
    """Normalizes each feature along ``axis`` with batch statistics (training) or moving ones (inference).

    Example::

        >>> y = BatchNormalization()(Conv2D(16, 3)(Input(shape=(28, 28, 1))))
        >>> BatchNormalization(axis=1)(Input(shape=(16, 28, 28))).shape    # channels_first
        (None, 16, 28, 28)
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 synchronized=False, renorm=False, renorm_clipping=None, renorm_momentum=0.99, **kwargs):
        if not isinstance(axis, int):
            raise TypeError(f"BatchNormalization: axis must be an int; received axis={axis!r}.")
        if renorm:
            raise ValueError("BatchNormalization(renorm=True) (batch renormalization) is not supported by "
                             "kfunc_torch yet; use renorm=False.")
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                         gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNormalization: momentum must be in [0, 1]; received momentum={momentum!r}.")
        self.momentum = float(momentum)
        self.moving_mean_initializer = _initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = _initializers.get(moving_variance_initializer)
        self.synchronized = synchronized
        self.renorm, self.renorm_clipping, self.renorm_momentum = False, renorm_clipping, renorm_momentum

    def build(self, input_shape):
        (c,) = self._axes_sizes(input_shape)
        self._add_gamma_beta((c,))
        self.moving_mean = self.add_weight("moving_mean", (c,), self.moving_mean_initializer, trainable=False)
        self.moving_variance = self.add_weight("moving_variance", (c,), self.moving_variance_initializer,
                                               trainable=False)
        self._last = self._axes[0] == len(input_shape) - 1
        self._channel_axis = self._axes[0]
        self.built = True

    def call(self, inputs, training=None, mask=None):
        if training is None:
            training = self.training
        training = bool(training) and self.trainable
        if training and mask is not None:
            return self._masked_training_call(inputs, mask)
        # Channels last: (..., C) -> (M, C) is a free view of a contiguous tensor and torch's 2-D batch
        # norm is its channels-last kernel. Channels first (axis 1) is torch's own layout.
        if self._last:
            x = inputs.reshape(-1, inputs.shape[-1])
        elif self._channel_axis == 1:
            x = inputs
        else:
            x = inputs.movedim(self._channel_axis, 1)
        if training:
            # One fused pass returns the output and the batch statistics (invstd = 1/sqrt(var + eps));
            # torch's own running update would use the unbiased variance, Keras uses the biased one.
            y, mean, invstd = torch.native_batch_norm(x, self.gamma, self.beta, None, None, True, 0.0, self.epsilon)
            with torch.no_grad():
                var = invstd.detach().pow(-2) - self.epsilon
                self.moving_mean.lerp_(mean.detach().to(self.moving_mean.dtype), 1.0 - self.momentum)
                self.moving_variance.lerp_(var.to(self.moving_variance.dtype), 1.0 - self.momentum)
        else:
            y = F.batch_norm(x, self.moving_mean, self.moving_variance, self.gamma, self.beta, False, 0.0,
                             self.epsilon)
        if self._last:
            return y.reshape(inputs.shape)
        return y if self._channel_axis == 1 else y.movedim(1, self._channel_axis)

    def _masked_training_call(self, inputs, mask):
        """Batch statistics over the unmasked positions only (as Keras 3), e.g. after Embedding(mask_zero)."""
        w = mask.to(inputs.dtype)
        while w.dim() < inputs.dim():
            w = w.unsqueeze(-1)
        dims = tuple(d for d in range(inputs.dim()) if d != self._channel_axis)
        count = torch.clamp(w.expand_as(inputs).sum(dims, keepdim=True), min=1.0)
        mean = (inputs * w).sum(dims, keepdim=True) / count
        var = (((inputs - mean) ** 2) * w).sum(dims, keepdim=True) / count
        with torch.no_grad():
            self.moving_mean.lerp_(mean.detach().flatten(), 1.0 - self.momentum)
            self.moving_variance.lerp_(var.detach().flatten(), 1.0 - self.momentum)
        shape = [1] * inputs.dim()
        shape[self._channel_axis] = -1
        y = (inputs - mean) * torch.rsqrt(var + self.epsilon)
        if self.gamma is not None:
            y = y * self.gamma.reshape(shape)
        return y if self.beta is None else y + self.beta.reshape(shape)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum,
                "moving_mean_initializer": _initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer": _initializers.serialize(self.moving_variance_initializer),
                "synchronized": self.synchronized, "renorm": self.renorm,
                "renorm_clipping": self.renorm_clipping, "renorm_momentum": self.renorm_momentum}


class LayerNormalization(_GammaBeta):
    """Normalizes each sample over ``axis`` (default the last), then scales by gamma and shifts by beta.

    Example::

        >>> LayerNormalization()(Input(shape=(10, 64))).shape
        (None, 10, 64)
    """

    autocast = False  # Keras: its inputs are not cast to the compute dtype first (it normalizes in float32)

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        if rms_scaling:
            warnings.warn("You passed `rms_scaling=True`, which is deprecated. This argument incorrectly scales "
                          "the input by the variance, not the root mean square. To correctly use RMS "
                          "Normalization, please use `keras.layers.RMSNormalization` instead.", stacklevel=2)
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                         gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)
        # Keras 3's rms_scaling: x / sqrt(var(x) + epsilon) * gamma; always a gamma, never a beta, no centering
        self.rms_scaling = bool(rms_scaling)

    def build(self, input_shape):
        sizes = self._axes_sizes(input_shape)
        if self.rms_scaling:
            self.gamma = self.add_weight("gamma", sizes, self.gamma_initializer, regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
            self.beta = None
        else:
            self._add_gamma_beta(sizes)
        ndim = len(input_shape)
        # Trailing axes are torch's layer_norm; others normalize explicitly with broadcast weights.
        self._trailing = self._axes == tuple(range(ndim - len(self._axes), ndim))
        self._shape = sizes
        self._bshape = tuple(input_shape[i] if i in self._axes else 1 for i in range(1, ndim))
        self.built = True

    def call(self, inputs, mask=None):
        if self.rms_scaling:
            var = torch.var(inputs, dim=self._axes, unbiased=False, keepdim=True)
            y = inputs * torch.rsqrt(var + self.epsilon)
            return y * self.gamma.reshape(self._bshape)
        if self._trailing:
            return F.layer_norm(inputs, self._shape, self.gamma, self.beta, self.epsilon)
        var, mean = torch.var_mean(inputs, dim=self._axes, unbiased=False, keepdim=True)
        y = (inputs - mean) * torch.rsqrt(var + self.epsilon)
        if self.gamma is not None:
            y = y * self.gamma.reshape(self._bshape)
        if self.beta is not None:
            y = y + self.beta.reshape(self._bshape)
        return y

    def get_config(self):
        return {**super().get_config(), "rms_scaling": self.rms_scaling}


class GroupNormalization(_GammaBeta):
    """Normalizes each sample over groups of channels (``groups`` must divide the channels; -1: one
    group per channel).

    Example::

        >>> GroupNormalization(groups=4)(Input(shape=(8, 8, 16))).shape
        (None, 8, 8, 16)
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        if not isinstance(axis, int):
            raise TypeError(f"GroupNormalization: axis must be an int; received axis={axis!r}.")
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                         gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)
        self.groups = groups

    def build(self, input_shape):
        (c,) = self._axes_sizes(input_shape)
        if self.groups == -1:  # Keras: one group per channel (instance normalization)
            self.groups = c
        if not isinstance(self.groups, int) or self.groups <= 0 or c % self.groups:
            raise ValueError(f'GroupNormalization layer "{self.name}": groups={self.groups!r} must be a positive '
                             f"integer dividing the number of channels ({c}) of input shape {tuple(input_shape)}.")
        self._add_gamma_beta((c,))
        self._channel_axis = self._axes[0]
        self.built = True

    def call(self, inputs, mask=None):
        # A channels-last tensor moved to (N, C, ...) is a channels_last view for torch's group_norm.
        x = inputs.movedim(self._channel_axis, 1) if self._channel_axis != 1 else inputs
        y = F.group_norm(x, self.groups, self.gamma, self.beta, self.epsilon)
        return y.movedim(1, self._channel_axis) if self._channel_axis != 1 else y

    def get_config(self):
        return {**super().get_config(), "groups": self.groups}


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm along ``axis``: ``x / max(||x||, 1e-6)``.

    Example::

        >>> UnitNormalization()(Input(shape=(3,))).shape
        (None, 3)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis if isinstance(axis, int) else list(axis)
        self.supports_masking = True

    def call(self, inputs):
        dims = self.axis if isinstance(self.axis, int) else tuple(self.axis)
        # Keras: x * rsqrt(max(sum(x^2), 1e-12)), i.e. dividing by max(norm, 1e-6).
        return F.normalize(inputs, p=2.0, dim=dims, eps=1e-6)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
