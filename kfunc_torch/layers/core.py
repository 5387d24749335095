"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Lambda.

Example::

    >>> x = Input(shape=(784,))
    >>> y = Dense(64, activation="relu")(x)
    >>> Flatten()(Input(shape=(3, 4))).shape
    (None, 12)
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .. import activations as _activations
from .. import constraints as _constraints
from .. import initializers as _initializers
from .. import regularizers as _regularizers
from ..engine.input_spec import InputSpec
from ..engine.layer import Layer


class Dense(Layer):
    """``activation(inputs @ kernel + bias)``. The kernel is (input_dim, units), as in Keras.

    Example::

        >>> Dense(64, activation="relu")(Input(shape=(784,))).shape
        (None, 64)
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f"Dense: units must be a positive integer; received units={units!r}. Pass the "
                             "output size, e.g. Dense(64).")
        self.units = units
        self.activation = _activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = _initializers.get(kernel_initializer)
        self.bias_initializer = _initializers.get(bias_initializer)
        self.kernel_regularizer = _regularizers.get(kernel_regularizer)
        self.bias_regularizer = _regularizers.get(bias_regularizer)
        self.kernel_constraint = _constraints.get(kernel_constraint)
        self.bias_constraint = _constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ValueError(f'Dense layer "{self.name}" needs a known last input dimension to create its '
                             f"kernel, but received input shape {input_shape}.")
        self.kernel = self.add_weight("kernel", (in_dim, self.units), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = self.add_weight("bias", (self.units,), self.bias_initializer, regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: in_dim})
        self.built = True

    def call(self, inputs):
        kernel, bias = self.kernel, self.bias  # each attribute read goes through Module.__getattr__
        if bias is not None and inputs.dim() == 2:
            out = torch.addmm(bias, inputs, kernel)
        else:
            out = torch.matmul(inputs, kernel)
            if bias is not None:
                out = out + bias
        return self.activation(out)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": _activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": _initializers.serialize(self.kernel_initializer),
                "bias_initializer": _initializers.serialize(self.bias_initializer),
                "kernel_regularizer": _regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": _regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": _constraints.serialize(self.kernel_constraint),
                "bias_constraint": _constraints.serialize(self.bias_constraint)}


class Activation(Layer):
    """Applies an activation by name or callable. Example: ``Activation("relu")(x)``."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = _activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "activation": _activations.serialize(self.activation)}


class Dropout(Layer):
    """Zeroes a fraction ``rate`` of inputs during training, scaling the rest by 1/(1-rate).

    Example::

        >>> Dropout(0.5)(x)
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f"Dropout: rate must be in [0, 1]; received rate={rate!r}. Pass the fraction "
                             "of inputs to drop, e.g. Dropout(0.5).")
        self.rate = float(rate)
        self.noise_shape = noise_shape
        self.seed = seed
        self.supports_masking = True

    def call(self, inputs, training=None):
        if training is None:
            training = self.training
        if not training or self.rate == 0:
            return inputs
        if self.noise_shape is None:
            return F.dropout(inputs, self.rate, True)
        shape = [inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape)]
        keep = torch.empty(shape, device=inputs.device, dtype=inputs.dtype).bernoulli_(1 - self.rate)
        return inputs * keep / (1 - self.rate)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed}


class Flatten(Layer):
    """Flattens all but the batch dimension. Example: ``Flatten()(x)`` on (None, 3, 4) gives (None, 12)."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        from ..backend import normalize_data_format
        self.data_format = normalize_data_format(data_format)

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.dim() > 2:
            # Keras flattens channels_first inputs in channels_last order.
            inputs = inputs.movedim(1, -1)
        return inputs.reshape(inputs.shape[0], -1)

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], size)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshapes to ``target_shape`` (without the batch dimension; one entry may be -1).

    Example::

        >>> Reshape((4, 3))(Input(shape=(12,))).shape
        (None, 4, 3)
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)

    def _resolve(self, input_shape):
        rest = input_shape[1:]
        target = list(self.target_shape)
        known = None if any(d is None for d in rest) else math.prod(rest)
        if -1 in target:
            i = target.index(-1)
            others = math.prod(d for j, d in enumerate(target) if j != i)
            if known is not None:
                if others == 0 or known % others:
                    raise ValueError(f'Reshape layer "{self.name}": cannot reshape input of shape {tuple(input_shape)} '
                                     f"to {self.target_shape}: {known} elements do not divide into {others}.")
                target[i] = known // others
            else:
                target[i] = None
        elif known is not None and known != math.prod(target):
            raise ValueError(f'Reshape layer "{self.name}": total size of the new shape {self.target_shape} '
                             f"({math.prod(target)}) must equal that of the input shape {tuple(input_shape)} ({known}). Pass "
                             "a target_shape of the same total size, or -1 for one dimension to infer it.")
        return (input_shape[0],) + tuple(target)

    def call(self, inputs):
        return inputs.reshape((inputs.shape[0],) + self.target_shape)

    def compute_output_shape(self, input_shape):
        return self._resolve(input_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}


class Lambda(Layer):
    """Wraps any function of tensors as a layer; its output shape is inferred (no shape code needed).

    Example::

        >>> from kfunc_torch import backend as K
        >>> Lambda(lambda t: K.mean(t, axis=1))(Input(shape=(5, 8))).shape
        (None, 8)
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function = function
        self.arguments = dict(arguments or {})
        self._output_shape = output_shape
        self.mask = mask

    def call(self, inputs, mask=None):
        return self.function(inputs, **self.arguments)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        first = input_shape[0] if isinstance(input_shape, list) else input_shape
        return (first[0],) + tuple(self._output_shape)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def get_config(self):
        from ..engine.lambda_code import serialize_function
        return {**super().get_config(), "function": serialize_function(self.function),
                "output_shape": self._output_shape if not callable(self._output_shape) else None,
                "arguments": self.arguments}
