"""Convolution layers: Conv1D/2D/3D, Conv1D/2D/3DTranspose, SeparableConv1D/2D, DepthwiseConv1D/2D.

Keras semantics (channels_last by default, 'same' padding that may pad one more at the end,
'causal' for rank 1, kernels shown as (*kernel_size, in, out)) on torch's kernels: activations
reach torch as channels_last views (see ``_spatial``), kernels are stored in torch's layout and
converted only in get_weights/set_weights (``WeightLayout``). Rank 1 runs as rank 2 with a unit
height, so its torch kernels are stored (out, in, 1, k).

Example::

    >>> x = Input(shape=(32, 32, 3))
    >>> Conv2D(16, 3, strides=2, padding="same", activation="relu")(x).shape
    (None, 16, 16, 16)
    >>> Conv1D(8, 5, padding="causal")(Input(shape=(100, 4))).shape
    (None, 100, 8)
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .. import activations as _activations
from .. import constraints as _constraints
from .. import initializers as _initializers
from .. import regularizers as _regularizers
from ..engine.input_spec import InputSpec
from ..engine.layer import Layer
from . import _spatial as sp
from ._spatial import depthwise_layout as _depthwise_layout, kernel_layout as _kernel_layout

__all__ = ["Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
           "SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D", "DepthwiseConv2D",
           "Convolution1D", "Convolution2D", "Convolution3D", "Convolution2DTranspose",
           "SeparableConvolution1D", "SeparableConvolution2D"]

_CONV_OPS = {2: F.conv2d, 3: F.conv3d}
_DECONV_OPS = {2: F.conv_transpose2d, 3: F.conv_transpose3d}


class _BaseConv(Layer):
    """Rank-generic machinery: argument checks, padding plan, layout views, shapes, config."""

    rank = 2
    _allow_causal = False
    # Keras refuses strides > 1 with dilation_rate > 1 for Conv and ConvTranspose only; its depthwise
    # and separable convolutions accept both (torch's kernels compute them).
    _strided_dilation = False

    def __init__(self, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation=None, use_bias=True, bias_initializer="zeros", bias_regularizer=None,
                 activity_regularizer=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner, r = type(self).__name__, self.rank
        self.kernel_size = sp.normalize_tuple(kernel_size, r, "kernel_size", owner)
        self.strides = sp.normalize_tuple(strides, r, "strides", owner)
        self.dilation_rate = sp.normalize_tuple(dilation_rate, r, "dilation_rate", owner)
        allowed = ("valid", "same", "causal") if self._allow_causal else ("valid", "same")
        self.padding = sp.normalize_padding(padding, owner, allowed)
        self.data_format = sp.data_format(data_format)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1 and not self._strided_dilation:
            raise ValueError(f"{owner}: strides > 1 together with dilation_rate > 1 is not supported (as in Keras); "
                             f"received strides={self.strides} and dilation_rate={self.dilation_rate}. Use one of them.")
        self.activation = _activations.get(activation)
        self._act = None if self.activation is _activations.linear else self.activation
        self.use_bias = bool(use_bias)
        self.bias_initializer = _initializers.get(bias_initializer)
        self.bias_regularizer = _regularizers.get(bias_regularizer)
        self.bias_constraint = _constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=r + 2)
        # torch-side arguments (rank 1 gains a unit leading dimension)
        self._t_kernel = sp.torch_tuple(self.kernel_size, 1)
        self._t_strides = sp.torch_tuple(self.strides, 1)
        self._t_dilation = sp.torch_tuple(self.dilation_rate, 1)
        # The padding plan depends on the input size only for 'same' with a stride > 1.
        static = self.padding != "same" or all(st == 1 for st in self.strides)
        self._static_plan = (sp.pad_plan((1,) * len(self._t_kernel), self._t_kernel, self._t_strides,
                                         self._t_dilation, self.padding) if static else None)
        self._plans: dict = {}

    # -- helpers for subclasses
    def _in_channels(self, input_shape) -> int:
        if len(input_shape) != self.rank + 2:
            raise ValueError(f'{type(self).__name__} layer "{self.name}" expects inputs of rank {self.rank + 2} '
                             f"(batch, {'spatial, ' * self.rank}channels in {self.data_format}); received input "
                             f"shape {tuple(input_shape)}. Reshape the data to that rank (a single-channel image needs its "
                             "channel axis: x[..., None]).")
        cin = sp.channel_dim(input_shape, self.data_format)
        if cin is None:
            raise ValueError(f'{type(self).__name__} layer "{self.name}" needs a known channel dimension '
                             f"({self.data_format}); received input shape {tuple(input_shape)}.")
        return cin

    def _set_spec(self, cin: int) -> None:
        axis = -1 if self.data_format == "channels_last" else 1
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={axis: cin})

    def _torch_format(self, param):
        """Store a torch-layout kernel in channels_last memory format when the data is channels_last:
        torch's conv would otherwise copy the kernel to that format on every call."""
        if self.data_format == "channels_last":
            fmt = torch.channels_last_3d if param.dim() == 5 else torch.channels_last
            with torch.no_grad():
                param.data = param.data.contiguous(memory_format=fmt)
        return param

    def _add_bias(self, n: int):
        if not self.use_bias:
            self.bias = None
            return
        self.bias = self.add_weight("bias", (n,), self.bias_initializer, regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint)

    def _plan(self, x: torch.Tensor):
        """(symmetric torch padding, F.pad tuple or None) for torch-layout input ``x``."""
        if self._static_plan is not None:
            return self._static_plan
        key = tuple(x.shape[2:])
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = sp.pad_plan(key, self._t_kernel, self._t_strides, self._t_dilation, "same")
        return plan

    def _spatial_out(self, sizes):
        out = tuple(sp.conv_out_len(n, k, s, d, self.padding)
                    for n, k, s, d in zip(sizes, self.kernel_size, self.strides, self.dilation_rate))
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(f'{type(self).__name__} layer "{self.name}": the kernel {self.kernel_size} (dilation '
                             f"{self.dilation_rate}) does not fit the input's spatial size {tuple(sizes)} with "
                             f"padding='valid' (output size {out}). Use padding='same' or a larger input.")
        return out

    def _out_channels(self, cin: int) -> int:
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        cin = self._in_channels(input_shape)
        spatial = self._spatial_out(sp.spatial_dims(input_shape, self.rank, self.data_format))
        return sp.with_channels(input_shape[0], spatial, self._out_channels(cin), self.data_format)

    def get_config(self):
        return {**super().get_config(), "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format, "dilation_rate": self.dilation_rate,
                "activation": _activations.serialize(self.activation), "use_bias": self.use_bias,
                "bias_initializer": _initializers.serialize(self.bias_initializer),
                "bias_regularizer": _regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": _regularizers.serialize(self.activity_regularizer),
                "bias_constraint": _constraints.serialize(self.bias_constraint)}


class _Conv(_BaseConv):
    """N-D convolution; Conv1D/2D/3D only fix the rank."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         bias_initializer, bias_regularizer, activity_regularizer, bias_constraint, **kwargs)
        if not isinstance(filters, int) or filters <= 0:
            raise ValueError(f"{type(self).__name__}: filters must be a positive integer; received filters={filters!r}.")
        if not isinstance(groups, int) or groups <= 0 or filters % groups:
            raise ValueError(f"{type(self).__name__}: groups must be a positive integer dividing filters={filters}; "
                             f"received groups={groups!r}.")
        self.filters, self.groups = filters, groups
        self.kernel_initializer = _initializers.get(kernel_initializer)
        self.kernel_regularizer = _regularizers.get(kernel_regularizer)
        self.kernel_constraint = _constraints.get(kernel_constraint)
        self._op = _CONV_OPS[max(self.rank, 2)]

    def build(self, input_shape):
        cin = self._in_channels(input_shape)
        if cin % self.groups:
            raise ValueError(f'{type(self).__name__} layer "{self.name}": the number of input channels ({cin}) '
                             f"must be divisible by groups={self.groups}; received input shape {tuple(input_shape)}.")
        shape = self.kernel_size + (cin // self.groups, self.filters)
        # A subclass that overrides call() or convolution_op() reads self.kernel as Keras does, (*k, in, out):
        # it keeps that layout and runs through convolution_op; built-in layers keep torch's layout.
        cls = type(self)
        self._keras_layout = cls.call is not _Conv.call or cls.convolution_op is not _Conv.convolution_op
        self.kernel = self.add_weight("kernel", shape, self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint,
                                      layout=None if self._keras_layout else _kernel_layout(self.rank))
        if not self._keras_layout:
            self._torch_format(self.kernel)
        self._add_bias(self.filters)
        self._set_spec(cin)
        self.built = True

    def _out_channels(self, cin):
        return self.filters

    def call(self, inputs):
        if self._keras_layout:
            return self._keras_call(inputs)
        x = sp.to_torch(inputs, self.rank, self.data_format)
        padding, fpad = self._plan(x)
        if fpad is not None:
            x = F.pad(x, fpad)
        y = self._op(x, self.kernel, self.bias, self._t_strides, padding, self._t_dilation, self.groups)
        y = sp.from_torch(y, self.rank, self.data_format)
        return y if self._act is None else self._act(y)

    def convolution_op(self, inputs, kernel):
        """Keras 3's hook: ``inputs`` convolved with a Keras-layout ``kernel`` (*kernel_size, in // groups,
        filters), without bias or activation. Override it to change the convolution (a standardized
        kernel, say); ``call`` then uses it. Example: ``self.convolution_op(x, self.kernel * mask)``."""
        from ..ops import nn_ops
        if self.padding == "causal":  # Conv1D: pad the past only, then a valid convolution
            inputs = F.pad(inputs, (0, 0, self.dilation_rate[0] * (self.kernel_size[0] - 1), 0)
                           if self.data_format == "channels_last" else
                           (self.dilation_rate[0] * (self.kernel_size[0] - 1), 0))
        return nn_ops.conv(inputs, kernel, strides=self.strides, padding="valid" if self.padding == "causal"
                           else self.padding, data_format=self.data_format, dilation_rate=self.dilation_rate)

    def _keras_call(self, inputs):
        # As in Keras 3: Conv1D's call convolves by itself (causal padding first), never via convolution_op.
        y = _Conv.convolution_op(self, inputs, self.kernel) if self.rank == 1 else \
            self.convolution_op(inputs, self.kernel)
        if self.bias is not None:
            y = y + (self.bias if self.data_format == "channels_last" else
                     self.bias.reshape((-1,) + (1,) * self.rank))
        return y if self._act is None else self._act(y)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "groups": self.groups,
                "kernel_initializer": _initializers.serialize(self.kernel_initializer),
                "kernel_regularizer": _regularizers.serialize(self.kernel_regularizer),
                "kernel_constraint": _constraints.serialize(self.kernel_constraint)}


class Conv1D(_Conv):
    """1-D convolution over (batch, steps, channels); padding 'valid', 'same' or 'causal'.

    Example::

        >>> Conv1D(64, 3, activation="relu")(Input(shape=(None, 128))).shape
        (None, None, 64)
    """
    rank = 1
    _allow_causal = True


class Conv2D(_Conv):
    """2-D convolution over (batch, rows, cols, channels) (or channels_first).

    Example::

        >>> Conv2D(64, (3, 3), padding="same")(Input(shape=(256, 256, 3))).shape
        (None, 256, 256, 64)
    """
    rank = 2


class Conv3D(_Conv):
    """3-D convolution over (batch, d1, d2, d3, channels).

    Example::

        >>> Conv3D(8, 3)(Input(shape=(10, 10, 10, 1))).shape
        (None, 8, 8, 8, 8)
    """
    rank = 3


class _ConvTranspose(_BaseConv):
    """N-D transposed convolution with Keras's output sizes (``output_padding`` optional)."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         bias_initializer, bias_regularizer, activity_regularizer, bias_constraint, **kwargs)
        owner = type(self).__name__
        if not isinstance(filters, int) or filters <= 0:
            raise ValueError(f"{owner}: filters must be a positive integer; received filters={filters!r}.")
        self.filters = filters
        self.output_padding = (None if output_padding is None else
                               sp.normalize_tuple(output_padding, self.rank, "output_padding", owner, allow_zero=True))
        if self.output_padding is not None and any(p >= s for p, s in zip(self.output_padding, self.strides)):
            raise ValueError(f"{owner}: each output_padding must be smaller than its stride; received "
                             f"output_padding={self.output_padding} with strides={self.strides}.")
        self.kernel_initializer = _initializers.get(kernel_initializer)
        self.kernel_regularizer = _regularizers.get(kernel_regularizer)
        self.kernel_constraint = _constraints.get(kernel_constraint)
        self._op = _DECONV_OPS[max(self.rank, 2)]
        # Keras 3 pads the stride-dilated input by (left, right) for a full correlation; torch's
        # full transposed output corresponds to k_eff - 1 on both sides, so Keras crops
        # k_eff - 1 - left at the start and k_eff - 1 - right at the end (negative: extends). Torch
        # crops `padding` symmetrically and extends the end by `output_padding`; the asymmetric
        # rest is a slice after the op.
        pads, ops, slices = [], [], []
        for i in range(self.rank):
            k, s = (self.kernel_size[i] - 1) * self.dilation_rate[i] + 1, self.strides[i]
            op = None if self.output_padding is None else self.output_padding[i]
            if self.padding == "valid":
                left, right = k - 1, k - 1 + (max(k, s) - k if op is None else op)
            else:
                pad_len = s + k - 2 if op is None else k + k % 2 - 2 + op
                left = min(pad_len // 2 + pad_len % 2, k - 1)
                right = pad_len - left
            crop_l, crop_r = k - 1 - left, k - 1 - right
            p = min(crop_l, max(crop_r, 0))
            pads.append(p)
            ops.append(max(p - crop_r, 0))
            cl, cr = crop_l - p, max(crop_r - p, 0)
            slices.append(slice(cl, -cr if cr else None))
        self._t_padding = sp.torch_tuple(tuple(pads), 0)
        self._t_output_padding = sp.torch_tuple(tuple(ops), 0)
        self._crop = None
        if any(sl != slice(0, None) for sl in slices):
            self._crop = (slice(None), slice(None)) + sp.torch_tuple(tuple(slices), slice(None))

    def build(self, input_shape):
        cin = self._in_channels(input_shape)
        shape = self.kernel_size + (self.filters, cin)
        self.kernel = self.add_weight("kernel", shape, self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, layout=_kernel_layout(self.rank))
        self._torch_format(self.kernel)
        self._add_bias(self.filters)
        self._set_spec(cin)
        self.built = True

    def _out_channels(self, cin):
        return self.filters

    def _spatial_out(self, sizes):
        ops = self.output_padding or (None,) * self.rank
        return tuple(sp.deconv_out_len(n, k, s, d, self.padding, op) for n, k, s, d, op in
                     zip(sizes, self.kernel_size, self.strides, self.dilation_rate, ops))

    def call(self, inputs):
        x = sp.to_torch(inputs, self.rank, self.data_format)
        y = self._op(x, self.kernel, self.bias, self._t_strides, self._t_padding, self._t_output_padding, 1,
                     self._t_dilation)
        if self._crop is not None:
            # The one layout copy we make: without it the cropped view would be copied by every
            # consumer (torch convs and our BatchNormalization need dense channels_last data).
            fmt = torch.channels_last_3d if y.dim() == 5 else torch.channels_last
            y = y[self._crop].contiguous(memory_format=fmt if self.data_format == "channels_last"
                                         else torch.contiguous_format)
        y = sp.from_torch(y, self.rank, self.data_format)
        return y if self._act is None else self._act(y)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "output_padding": self.output_padding,
                "kernel_initializer": _initializers.serialize(self.kernel_initializer),
                "kernel_regularizer": _regularizers.serialize(self.kernel_regularizer),
                "kernel_constraint": _constraints.serialize(self.kernel_constraint)}


class Conv1DTranspose(_ConvTranspose):
    """Transposed 1-D convolution. Example: ``Conv1DTranspose(8, 3, strides=2)(Input((10, 4)))`` -> (None, 21, 8)."""
    rank = 1


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2-D convolution ("deconvolution").

    Example::

        >>> Conv2DTranspose(8, 3, strides=2, padding="same")(Input(shape=(16, 16, 4))).shape
        (None, 32, 32, 8)
    """
    rank = 2


class Conv3DTranspose(_ConvTranspose):
    """Transposed 3-D convolution. Example: ``Conv3DTranspose(4, 2, strides=2)(Input((4, 4, 4, 2)))`` -> (None, 8, 8, 8, 4)."""
    rank = 3


class _DepthwiseConv(_BaseConv):
    """Per-channel convolution: ``depth_multiplier`` outputs per input channel (groups = channels)."""

    _allow_causal = False
    _strided_dilation = True

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         bias_initializer, bias_regularizer, activity_regularizer, bias_constraint, **kwargs)
        if not isinstance(depth_multiplier, int) or depth_multiplier <= 0:
            raise ValueError(f"{type(self).__name__}: depth_multiplier must be a positive integer; received "
                             f"depth_multiplier={depth_multiplier!r}.")
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = _initializers.get(depthwise_initializer)
        self.depthwise_regularizer = _regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = _constraints.get(depthwise_constraint)
        self._op = _CONV_OPS[max(self.rank, 2)]

    def _build_depthwise(self, cin: int, name: str):
        shape = self.kernel_size + (cin, self.depth_multiplier)
        self._cin = cin
        return self._torch_format(self.add_weight(
            name, shape, self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint, layout=_depthwise_layout(self.rank, cin, self.depth_multiplier)))

    def build(self, input_shape):
        cin = self._in_channels(input_shape)
        self.kernel = self._build_depthwise(cin, "kernel")
        self._add_bias(cin * self.depth_multiplier)
        self._set_spec(cin)
        self.built = True

    def _out_channels(self, cin):
        return cin * self.depth_multiplier

    def _depthwise(self, inputs, kernel, bias):
        x = sp.to_torch(inputs, self.rank, self.data_format)
        padding, fpad = self._plan(x)
        if fpad is not None:
            x = F.pad(x, fpad)
        return self._op(x, kernel, bias, self._t_strides, padding, self._t_dilation, self._cin)

    def call(self, inputs):
        y = sp.from_torch(self._depthwise(inputs, self.kernel, self.bias), self.rank, self.data_format)
        return y if self._act is None else self._act(y)

    def get_config(self):
        return {**super().get_config(), "depth_multiplier": self.depth_multiplier,
                "depthwise_initializer": _initializers.serialize(self.depthwise_initializer),
                "depthwise_regularizer": _regularizers.serialize(self.depthwise_regularizer),
                "depthwise_constraint": _constraints.serialize(self.depthwise_constraint)}


class DepthwiseConv1D(_DepthwiseConv):
    """Depthwise 1-D convolution. Example: ``DepthwiseConv1D(3, depth_multiplier=2)(Input((10, 4)))`` -> (None, 8, 8)."""
    rank = 1


class DepthwiseConv2D(_DepthwiseConv):
    """Depthwise 2-D convolution (kernel (kh, kw, in, depth_multiplier)).

    Example::

        >>> DepthwiseConv2D(3, padding="same")(Input(shape=(8, 8, 16))).shape
        (None, 8, 8, 16)
    """
    rank = 2


class _SeparableConv(_DepthwiseConv):
    """Depthwise convolution then a 1x1 pointwise convolution to ``filters`` (bias on the pointwise)."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate, activation,
                         use_bias, depthwise_initializer, bias_initializer, depthwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, bias_constraint, **kwargs)
        if not isinstance(filters, int) or filters <= 0:
            raise ValueError(f"{type(self).__name__}: filters must be a positive integer; received filters={filters!r}.")
        self.filters = filters
        self.pointwise_initializer = _initializers.get(pointwise_initializer)
        self.pointwise_regularizer = _regularizers.get(pointwise_regularizer)
        self.pointwise_constraint = _constraints.get(pointwise_constraint)

    def build(self, input_shape):
        cin = self._in_channels(input_shape)
        self.depthwise_kernel = self._build_depthwise(cin, "depthwise_kernel")
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel", (1,) * self.rank + (cin * self.depth_multiplier, self.filters),
            self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint, layout=_kernel_layout(self.rank))
        self._torch_format(self.pointwise_kernel)
        self._add_bias(self.filters)
        self._set_spec(cin)
        self.built = True

    def _out_channels(self, cin):
        return self.filters

    def call(self, inputs):
        y = self._depthwise(inputs, self.depthwise_kernel, None)
        y = self._op(y, self.pointwise_kernel, self.bias)
        y = sp.from_torch(y, self.rank, self.data_format)
        return y if self._act is None else self._act(y)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters,
                "pointwise_initializer": _initializers.serialize(self.pointwise_initializer),
                "pointwise_regularizer": _regularizers.serialize(self.pointwise_regularizer),
                "pointwise_constraint": _constraints.serialize(self.pointwise_constraint)}


class SeparableConv1D(_SeparableConv):
    """Separable 1-D convolution. Example: ``SeparableConv1D(8, 3)(Input((10, 4)))`` -> (None, 8, 8)."""
    rank = 1


class SeparableConv2D(_SeparableConv):
    """Separable 2-D convolution (as in Xception).

    Example::

        >>> SeparableConv2D(32, 3, padding="same")(Input(shape=(16, 16, 8))).shape
        (None, 16, 16, 32)
    """
    rank = 2


# Keras 2 aliases (Keras 1 argument spellings belong to kfunc_torch.legacy).
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution2DTranspose = Conv2DTranspose
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
