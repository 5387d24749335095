"""``tf.nn``: activations, ``moments``, ``batch_normalization``, convolutions and pooling in TensorFlow's
layouts (``NHWC`` data, ``HWIO`` filters, "SAME"/"VALID" or explicit padding, strides of length 1, N
or N+2), dropout, the ``*_cross_entropy_with_logits`` losses, ``embedding_lookup``.

The convolution and pooling bodies are ``keras.ops``' (TensorFlow's "same" arithmetic, the odd pixel
after); these functions translate TensorFlow's arguments. KerasTensor inputs record op layers.

Example::

    >>> mean, var = tf.nn.moments(kernel, axes=[0, 1, 2], keepdims=True)
    >>> tf.nn.conv2d(images, (kernel - mean) / tf.sqrt(var + 1e-10), strides=[1, 1], padding="VALID")
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..ops import nn_ops as _k
from ._convert import as_axis, as_ints, symbolic, to_tensor
from .array_ops import gather, pad as _tf_pad
from .math import in_top_k, l2_normalize, log_softmax, softmax, top_k  # noqa: F401  tf.nn exports them too

__all__ = ["relu", "relu6", "elu", "selu", "gelu", "sigmoid", "tanh", "softmax", "log_softmax", "softplus",
           "softsign", "silu", "swish", "leaky_relu", "crelu", "moments", "batch_normalization", "l2_normalize",
           "bias_add", "dropout", "conv1d", "conv2d", "conv3d", "convolution", "conv2d_transpose",
           "conv1d_transpose", "conv_transpose", "depthwise_conv2d", "separable_conv2d", "max_pool", "max_pool1d",
           "max_pool2d", "max_pool3d", "avg_pool", "avg_pool1d", "avg_pool2d", "avg_pool3d", "pool",
           "softmax_cross_entropy_with_logits", "sparse_softmax_cross_entropy_with_logits",
           "sigmoid_cross_entropy_with_logits", "weighted_cross_entropy_with_logits", "embedding_lookup",
           "compute_average_loss", "top_k", "in_top_k", "local_response_normalization", "lrn", "normalize_moments",
           "log_poisson_loss", "scale_regularization_loss"]


def _act(name, fn):
    def op(features, name=None):
        return fn(to_tensor(features))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``tf.nn.{name}(features)``."
    return symbolic(op)


relu = _act("relu", torch.relu)
relu6 = _act("relu6", F.relu6)
elu = _act("elu", F.elu)
selu = _act("selu", F.selu)
sigmoid = _act("sigmoid", torch.sigmoid)
tanh = _act("tanh", torch.tanh)
softplus = _act("softplus", F.softplus)
softsign = _act("softsign", F.softsign)


@symbolic
def gelu(features, approximate=False, name=None):
    """GELU; TensorFlow's default is the exact erf form (``approximate=False``)."""
    return F.gelu(to_tensor(features), approximate="tanh" if approximate else "none")


@symbolic
def silu(features, beta=1.0, name=None):
    """``x * sigmoid(beta * x)``."""
    x = to_tensor(features)
    return x * torch.sigmoid(beta * x)


swish = silu


@symbolic
def leaky_relu(features, alpha=0.2, name=None):
    return F.leaky_relu(to_tensor(features), alpha)


@symbolic
def crelu(features, axis=-1, name=None):
    """``concat([relu(x), relu(-x)], axis)``."""
    x = to_tensor(features)
    return torch.cat([torch.relu(x), torch.relu(-x)], dim=int(axis))


# ---------------------------------------------------------------- normalisation
def moments(x, axes, shift=None, keepdims=False, name=None):
    """``(mean, variance)`` of ``x`` over ``axes`` (the population variance, as TensorFlow computes it:
    the mean of squared differences from a gradient-stopped mean)."""
    if not isinstance(x, torch.Tensor):
        return _k.moments(x, as_axis(axes), keepdims=keepdims)
    axes = as_axis(axes)
    dims = (axes,) if isinstance(axes, int) else axes
    y = x.float() if x.dtype == torch.float16 else x
    mean = torch.mean(y, dims, keepdim=True)
    variance = torch.mean(torch.square(y - mean.detach()), dims, keepdim=True)
    if not keepdims:
        mean, variance = torch.squeeze(mean, dims), torch.squeeze(variance, dims)
    if x.dtype == torch.float16:
        mean, variance = mean.half(), variance.half()
    return mean, variance


def normalize_moments(counts, mean_ss, variance_ss, shift, name=None):
    divisor = 1.0 / to_tensor(counts)
    shifted_mean = mean_ss * divisor
    mean = shifted_mean if shift is None else shifted_mean + shift
    return mean, variance_ss * divisor - torch.square(shifted_mean)


@symbolic
def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """``scale * (x - mean) / sqrt(variance + variance_epsilon) + offset`` (offset / scale may be None)."""
    x = to_tensor(x)
    inv = torch.rsqrt(to_tensor(variance) + variance_epsilon)
    if scale is not None:
        inv = inv * to_tensor(scale)
    out = (x - to_tensor(mean)) * inv
    return out if offset is None else out + to_tensor(offset)


@symbolic
def local_response_normalization(input, depth_radius=5, bias=1, alpha=1, beta=0.5, name=None):  # noqa: A002
    """``x / (bias + alpha * sum of squares over the 2r+1 neighbouring channels) ** beta`` (last axis)."""
    x = to_tensor(input)
    sq = F.pad(torch.square(x), (depth_radius, depth_radius))
    window = sq.unfold(-1, 2 * depth_radius + 1, 1).sum(-1)
    return x / torch.pow(bias + alpha * window, beta)


lrn = local_response_normalization


def _channels_last(data_format, n):
    if data_format is None:
        return True
    fmt = str(data_format).upper()
    if fmt in ("NWC", "NHWC", "NDHWC", "CHANNELS_LAST"):
        return True
    if fmt in ("NCW", "NCHW", "NCDHW", "CHANNELS_FIRST"):
        return False
    raise ValueError(f"data_format must be one of NWC/NHWC/NDHWC or NCW/NCHW/NCDHW; received {data_format!r}.")


@symbolic
def bias_add(value, bias, data_format=None, name=None):
    """``value + bias`` on the channel axis (last, or 1 for NC... formats)."""
    x, b = to_tensor(value), to_tensor(bias)
    if _channels_last(data_format, x.dim() - 2):
        return x + b
    return x + b.reshape((-1,) + (1,) * (x.dim() - 2))


def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """Zero each element with probability ``rate`` and scale the rest by 1 / (1 - rate) (always: tf.nn's
    dropout has no training flag)."""
    x = to_tensor(x)
    rate = float(rate)
    if not 0 <= rate < 1:
        raise ValueError(f"rate must be a scalar tensor or a float in the range [0, 1), got {rate}.")
    shape = x.shape if noise_shape is None else [s if d is None else int(d) for d, s in zip(noise_shape, x.shape)]
    gen = None if seed is None else torch.Generator(device=x.device).manual_seed(int(seed))
    keep = torch.rand(shape, generator=gen, device=x.device) >= rate
    return x * keep.to(x.dtype) / (1 - rate)


# ---------------------------------------------------------------- convolution
def _spatial(values, n, channels_last, what):
    """strides / dilations / ksize given as an int, N values, or N+2 (batch and channel included)."""
    if values is None:
        return (1,) * n
    values = as_ints(values)
    if len(values) == 1:
        return tuple(values) * n
    if len(values) == n:
        return tuple(values)
    if len(values) == n + 2:
        return tuple(values[1:-1] if channels_last else values[2:])
    raise ValueError(f"{what} must have 1, {n} or {n + 2} elements; received {values}.")


def _padding(x, padding, channels_last):
    """TF padding -> (input padded explicitly where asked, 'same'/'valid' for keras.ops)."""
    if isinstance(padding, str):
        mode = padding.upper()
        if mode not in ("SAME", "VALID"):
            raise ValueError(f"padding must be 'SAME', 'VALID' or explicit [[before, after], ...]; received "
                             f"{padding!r}.")
        return x, mode.lower()
    pads = [as_ints(p) for p in padding]
    if len(pads) != x.dim():
        raise ValueError(f"Explicit padding needs one [before, after] pair per input axis ({x.dim()}); "
                         f"received {padding}.")
    return _tf_pad(x, pads), "valid"


def convolution(input, filters, strides=None, padding="VALID", data_format=None, dilations=None,  # noqa: A002
                name=None):
    """N-D convolution, filters ``(*spatial, in_channels, out_channels)``."""
    x, k = to_tensor(input), to_tensor(filters)
    n = k.dim() - 2
    last = _channels_last(data_format, n)
    x, pad_mode = _padding(x, padding, last)
    return _k.conv(x, k, strides=_spatial(strides, n, last, "strides"), padding=pad_mode,
                   data_format="channels_last" if last else "channels_first",
                   dilation_rate=_spatial(dilations, n, last, "dilations"))


def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None, name=None):  # noqa: A002
    return convolution(input, filters, stride, padding, data_format, dilations)


def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None, name=None):  # noqa: A002
    """2-D convolution of NHWC ``input`` with HWIO ``filters``. Example:
    ``tf.nn.conv2d(x, k, strides=1, padding="SAME")``."""
    return convolution(input, filters, strides, padding, data_format, dilations)


def conv3d(input, filters, strides, padding, data_format="NDHWC", dilations=None, name=None):  # noqa: A002
    return convolution(input, filters, strides, padding, data_format, dilations)


@symbolic
def conv_transpose(input, filters, output_shape, strides, padding="SAME", data_format=None,  # noqa: A002
                   dilations=None, name=None):
    """The gradient of a convolution: filters ``(*spatial, out_channels, in_channels)``, the output's
    full shape given (TensorFlow's pad split: the extra pixel cropped at the end)."""
    x, k = to_tensor(input), to_tensor(filters)
    n = k.dim() - 2
    last = _channels_last(data_format, n)
    strides, dil = _spatial(strides, n, last, "strides"), _spatial(dilations, n, last, "dilations")
    out_shape = as_ints(output_shape)
    out_spatial = out_shape[1:-1] if last else out_shape[2:]
    xc = x.movedim(-1, 1) if last else x
    weight = k.permute(-1, -2, *range(n))  # (in, out, *k)
    full = _k._CONV_T[n](xc, weight, stride=strides, dilation=dil)
    index = [slice(None), slice(None)]
    for i in range(n):
        eff = (k.shape[i] - 1) * dil[i] + 1
        total = max((xc.shape[2 + i] - 1) * strides[i] + eff - out_spatial[i], 0)
        before = total // 2 if str(padding).upper() == "SAME" else 0
        index.append(slice(before, before + out_spatial[i]))
    y = full[tuple(index)]
    short = [out_spatial[i] - y.shape[2 + i] for i in range(n)]
    if any(short):
        y = F.pad(y, [v for i in reversed(range(n)) for v in (0, short[i])])
    return y.movedim(1, -1) if last else y


def conv2d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NHWC",  # noqa: A002
                     dilations=None, name=None):
    return conv_transpose(input, filters, output_shape, strides, padding, data_format, dilations)


def conv1d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NWC",  # noqa: A002
                     dilations=None, name=None):
    return conv_transpose(input, filters, output_shape, strides, padding, data_format, dilations)


def depthwise_conv2d(input, filter, strides, padding, data_format=None, dilations=None, name=None):  # noqa: A002
    """Each input channel convolved with its own ``filter[:, :, c, :]`` (HW, in_channels, multiplier);
    ``strides`` has 4 elements, as in TensorFlow."""
    x, k = to_tensor(input), to_tensor(filter)
    last = _channels_last(data_format, 2)
    x, pad_mode = _padding(x, padding, last)
    return _k.depthwise_conv(x, k, strides=_spatial(strides, 2, last, "strides"), padding=pad_mode,
                             data_format="channels_last" if last else "channels_first",
                             dilation_rate=_spatial(dilations, 2, last, "dilations"))


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding, data_format=None,  # noqa: A002
                     dilations=None, name=None):
    y = depthwise_conv2d(input, depthwise_filter, strides, padding, data_format, dilations)
    return convolution(y, pointwise_filter, 1, "VALID", data_format)


# ---------------------------------------------------------------- pooling
def pool(input, window_shape=None, pooling_type="MAX", strides=None, padding="VALID",  # noqa: A002
         data_format=None, dilations=None, name=None, ksize=None):
    x = to_tensor(input)
    n = x.dim() - 2
    last = _channels_last(data_format, n)
    size = _spatial(window_shape if window_shape is not None else ksize, n, last, "ksize")
    step = _spatial(strides, n, last, "strides") if strides is not None else size
    x, pad_mode = _padding(x, padding, last)
    fn = _k.max_pool if str(pooling_type).upper() == "MAX" else _k.average_pool
    return fn(x, size, step, pad_mode, "channels_last" if last else "channels_first")


def max_pool(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    return pool(input, ksize, "MAX", strides, padding, data_format)


def avg_pool(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """Average pooling; "SAME" averages only the real (unpadded) elements, as in TensorFlow."""
    return pool(input, ksize, "AVG", strides, padding, data_format)


max_pool1d = max_pool2d = max_pool3d = max_pool
avg_pool1d = avg_pool2d = avg_pool3d = avg_pool


# ---------------------------------------------------------------- losses
@symbolic
def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """Per-example ``-sum(labels * log_softmax(logits))`` over ``axis``."""
    return -(to_tensor(labels) * torch.log_softmax(to_tensor(logits), dim=int(axis))).sum(dim=int(axis))


@symbolic
def sparse_softmax_cross_entropy_with_logits(labels, logits, name=None):
    """Per-example crossentropy of integer ``labels`` (shape = logits' without the last axis)."""
    y, z = to_tensor(labels).long(), to_tensor(logits)
    if tuple(y.shape) != tuple(z.shape[:-1]):
        raise ValueError(f"labels shape {tuple(y.shape)} must equal logits shape {tuple(z.shape)} without its "
                         "last dimension (one class id per row).")
    loss = F.cross_entropy(z.reshape(-1, z.shape[-1]), y.reshape(-1), reduction="none")
    return loss.reshape(y.shape)


@symbolic
def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Element-wise ``max(x, 0) - x * z + log(1 + exp(-|x|))`` (x logits, z labels)."""
    z, x = to_tensor(labels), to_tensor(logits)
    return F.binary_cross_entropy_with_logits(x, z.to(x.dtype), reduction="none")


@symbolic
def weighted_cross_entropy_with_logits(labels, logits, pos_weight, name=None):
    z, x = to_tensor(labels), to_tensor(logits)
    log_weight = 1 + (pos_weight - 1) * z
    return (1 - z) * x + log_weight * (torch.log1p(torch.exp(-torch.abs(x))) + torch.relu(-x))


@symbolic
def log_poisson_loss(targets, log_input, compute_full_loss=False, name=None):
    c, z = to_tensor(log_input), to_tensor(targets)
    loss = torch.exp(c) - z * c
    if compute_full_loss:
        stirling = z * torch.log(z) - z + 0.5 * torch.log(2 * torch.pi * z)
        loss = loss + torch.where(z > 1, stirling, torch.zeros_like(z))
    return loss


def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None):
    """The sum of the (weighted) per-example losses divided by the global batch size."""
    loss = to_tensor(per_example_loss)
    if sample_weight is not None:
        loss = loss * to_tensor(sample_weight)
    n = loss.shape[0] if global_batch_size is None and loss.dim() else (global_batch_size or 1)
    return loss.sum() / n


def scale_regularization_loss(regularization_loss):
    return sum(regularization_loss) if isinstance(regularization_loss, (list, tuple)) else regularization_loss


def embedding_lookup(params, ids, max_norm=None, name=None):
    """Rows of ``params`` (or of the concatenated shards, TensorFlow 2's "div" split) at ``ids``; rows
    whose L2 norm exceeds ``max_norm`` are scaled down to it."""
    if isinstance(params, (list, tuple)):
        params = params[0] if len(params) == 1 else torch.cat([to_tensor(p) for p in params], dim=0)
    out = gather(params, ids)
    if max_norm is not None:
        norms = torch.linalg.vector_norm(out, dim=-1, keepdim=True)
        out = out * torch.where(norms > max_norm, max_norm / norms, torch.ones_like(norms))
    return out
