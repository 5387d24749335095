"""Keras 3's ``keras.ops.nn``: activations, normalisations, crossentropies, convolutions and pooling
in Keras layouts (kernels ``(*kernel_size, in, out)``, ``channels_last`` by default, TF-style "same"
padding), attention and CTC, on torch's kernels.

Example::

    >>> from kfunc_torch import ops
    >>> ops.conv(torch.ones(1, 8, 8, 3), torch.ones(3, 3, 3, 4), padding="same").shape
    torch.Size([1, 8, 8, 4])
    >>> ops.hard_sigmoid(torch.tensor([0.0]))       # Keras 3: relu6(x + 3) / 6
    tensor([0.5000])
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..engine.dtypes import to_torch_dtype
from .. import settings as _settings
from ..settings import normalize_data_format
from .tensor_functions import _dims, _float, _t, symbolic


def _eps(epsilon):
    return _settings.epsilon() if epsilon is None else epsilon


def _act(name, fn, doc):
    def body(x):
        return fn(_float(x))
    body.__name__ = body.__qualname__ = name
    body.__doc__ = doc
    return symbolic(body)


# ---------------------------------------------------------------- activations
relu6 = _act("relu6", F.relu6, "min(max(x, 0), 6). Example: ``ops.relu6(x)``.")
selu = _act("selu", F.selu, "Scaled ELU. Example: ``ops.selu(x)``.")
silu = swish = _act("silu", F.silu, "x * sigmoid(x). Example: ``ops.silu(x)``.")
hard_sigmoid = _act("hard_sigmoid", F.hardsigmoid, "relu6(x + 3) / 6 (Keras 3). Example: ``ops.hard_sigmoid(x)``.")
hard_silu = hard_swish = _act("hard_silu", F.hardswish, "x * relu6(x + 3) / 6. Example: ``ops.hard_silu(x)``.")
hard_tanh = _act("hard_tanh", F.hardtanh, "clip(x, -1, 1). Example: ``ops.hard_tanh(x)``.")
log_sigmoid = _act("log_sigmoid", F.logsigmoid, "log(sigmoid(x)). Example: ``ops.log_sigmoid(x)``.")
tanh_shrink = _act("tanh_shrink", F.tanhshrink, "x - tanh(x). Example: ``ops.tanh_shrink(x)``.")
sparse_plus = _act("sparse_plus", lambda x: torch.where(x <= -1, torch.zeros_like(x),
                                                        torch.where(x >= 1, x, (x + 1) ** 2 / 4)),
                   "0 below -1, x above 1, (x + 1)^2 / 4 between. Example: ``ops.sparse_plus(x)``.")
sparse_sigmoid = _act("sparse_sigmoid", lambda x: torch.clamp(0.5 * (x + 1), 0.0, 1.0),
                      "0 below -1, 1 above 1, (x + 1) / 2 between. Example: ``ops.sparse_sigmoid(x)``.")


@symbolic
def elu(x, alpha=1.0):
    """Exponential linear unit. Example: ``ops.elu(x)``."""
    return F.elu(_float(x), alpha)


@symbolic
def celu(x, alpha=1.0):
    """Continuously differentiable ELU. Example: ``ops.celu(x, alpha=0.5)``."""
    return F.celu(_float(x), alpha)


@symbolic
def leaky_relu(x, negative_slope=0.2):
    """x for x >= 0, negative_slope * x otherwise (Keras's default slope 0.2). Example: ``ops.leaky_relu(x)``."""
    return F.leaky_relu(_float(x), negative_slope)


@symbolic
def glu(x, axis=-1):
    """a * sigmoid(b) with x split in two halves a, b along ``axis``. Example: ``ops.glu(x)``."""
    return F.glu(_float(x), dim=axis)


@symbolic
def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0. Example: ``ops.hard_shrink(x)``."""
    return F.hardshrink(_float(x), threshold)


@symbolic
def soft_shrink(x, threshold=0.5):
    """x shrunk towards 0 by threshold (0 inside it). Example: ``ops.soft_shrink(x)``."""
    return F.softshrink(_float(x), threshold)


@symbolic
def squareplus(x, b=4):
    """(x + sqrt(x^2 + b)) / 2. Example: ``ops.squareplus(x)``."""
    x = _float(x)
    return (x + torch.sqrt(x * x + b)) / 2


@symbolic
def threshold(x, threshold, default_value):
    """x where x > threshold, else default_value. Example: ``ops.threshold(x, 0.1, 0.0)``."""
    x = _float(x)
    return torch.where(x > threshold, x, torch.as_tensor(default_value, dtype=x.dtype, device=x.device))


@symbolic
def sparsemax(x, axis=-1):
    """Sparsemax: the Euclidean projection onto the simplex (sparse probabilities). Example:
    ``ops.sparsemax(logits)``."""
    x = _float(x)
    z, _ = torch.sort(x, dim=axis, descending=True)
    cum = torch.cumsum(z, dim=axis)
    shape = [1] * x.dim()
    shape[axis] = -1
    r = torch.arange(1, x.shape[axis] + 1, dtype=x.dtype, device=x.device).reshape(shape)
    support = z - (cum - 1) / r > 0
    k = support.sum(dim=axis, keepdim=True)
    tau = (torch.where(support, cum, torch.zeros_like(cum)).sum(dim=axis, keepdim=True) - 1) / k
    return torch.clamp(x - tau, min=0.0)


# ---------------------------------------------------------------- normalisation and statistics
def moments(x, axes, keepdims=False, synchronized=False):
    """(mean, variance) over ``axes``. Example: ``mean, var = ops.moments(x, axes=[0, 1])``."""
    return _moments(x, tuple(axes) if isinstance(axes, (list, tuple)) else (axes,), keepdims)


@symbolic
def _moments(x, axes, keepdims):
    x = _float(x)
    mean = x.mean(dim=axes, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=axes, keepdim=keepdims)
    return (mean if keepdims else mean.squeeze(axes)), var


@symbolic
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset, the statistics laid along ``axis``.

    Example: ``ops.batch_normalization(x, m, v, axis=-1)``."""
    x = _float(x)
    shape = [1] * x.dim()
    shape[axis] = x.shape[axis]

    def b(v):
        return None if v is None else _float(v).reshape(shape)
    out = (x - b(mean)) * torch.rsqrt(b(variance) + epsilon)
    if scale is not None:
        out = out * b(scale)
    if offset is not None:
        out = out + b(offset)
    return out


@symbolic
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, rms_scaling=False):
    """Normalise over ``axis`` per example, then gamma * x + beta (epsilon: ``keras.config.epsilon()``).

    Example: ``ops.layer_normalization(x, gamma, beta)``."""
    x = _float(x)
    dims = _dims(axis, x.dim())
    if rms_scaling:
        out = x * torch.rsqrt((x * x).mean(dim=dims, keepdim=True) + _eps(epsilon))
    else:
        mean = x.mean(dim=dims, keepdim=True)
        out = (x - mean) * torch.rsqrt(x.var(dim=dims, keepdim=True, unbiased=False) + _eps(epsilon))
    if gamma is not None:
        out = out * _float(gamma)
    if beta is not None and not rms_scaling:
        out = out + _float(beta)
    return out


@symbolic
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """x / sqrt(mean(x^2) + epsilon) * scale. Example: ``ops.rms_normalization(x, scale=w)``."""
    x = _float(x)
    out = x * torch.rsqrt((x * x).mean(dim=_dims(axis, x.dim()), keepdim=True) + _eps(epsilon))
    return out if scale is None else out * _float(scale)


@symbolic
def normalize(x, axis=-1, order=2, epsilon=None):
    """x / max(norm(x), epsilon) over ``axis``. Example: ``ops.normalize(v)``."""
    x = _float(x)
    eps = _eps(epsilon)
    if order == 2:
        inv = torch.rsqrt((x * x).sum(dim=axis, keepdim=True))
        return x * torch.minimum(inv, torch.as_tensor(1.0 / eps, dtype=x.dtype, device=x.device))
    return x / torch.clamp(torch.linalg.norm(x, ord=order, dim=axis, keepdim=True), min=eps)


@symbolic
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Integer labels to multi-hot vectors (one row per sample). Example: ``ops.multi_hot([[0, 2]], 4)``."""
    num_classes = kwargs.pop("num_tokens", num_classes)
    x = _t(inputs).long()
    oh = F.one_hot(x, num_classes).to(to_torch_dtype(dtype))
    if axis != -1:
        oh = oh.movedim(-1, axis)
    return torch.amax(oh, dim=1 if x.dim() > 1 else 0)


@symbolic
def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio, 20 log10(max_val) - 10 log10(mse). Example: ``ops.psnr(a, b, 1.0)``."""
    a, b = _float(x1), _float(x2)
    return 20 * torch.log10(torch.as_tensor(max_val, dtype=a.dtype)) - 10 * torch.log10(((a - b) ** 2).mean())


@symbolic
def polar(abs_, angle):
    """abs_ * exp(i * angle), a complex tensor. Example: ``ops.polar(r, theta)``."""
    return torch.polar(_float(abs_), _float(angle))


# ---------------------------------------------------------------- crossentropies (per element / per sample)
@symbolic
def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary crossentropy (probabilities clipped to [eps, 1 - eps]). Example:
    ``ops.binary_crossentropy(y, p)``."""
    t, o = _float(target), _float(output)
    if from_logits:
        return F.binary_cross_entropy_with_logits(o, t, reduction="none")
    eps = _eps(None)
    o = torch.clamp(o, eps, 1 - eps)
    return -(t * torch.log(o) + (1 - t) * torch.log(1 - o))


@symbolic
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy of one-hot targets over ``axis`` (probabilities renormalised and clipped, as Keras).

    Example: ``ops.categorical_crossentropy(y_onehot, probs)``."""
    t, o = _float(target), _float(output)
    if tuple(t.shape) != tuple(o.shape):
        raise ValueError(f"categorical_crossentropy: target and output must have the same shape; received "
                         f"target.shape={tuple(t.shape)}, output.shape={tuple(o.shape)}.")
    if from_logits:
        return -(t * torch.log_softmax(o, dim=axis)).sum(dim=axis)
    o = o / o.sum(dim=axis, keepdim=True)
    eps = _eps(None)
    return -(t * torch.log(torch.clamp(o, eps, 1 - eps))).sum(dim=axis)


@symbolic
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy of integer targets over ``axis``. Example: ``ops.sparse_categorical_crossentropy(ids, probs)``."""
    t, o = _t(target).long(), _float(output)
    if t.dim() == o.dim() and t.shape[-1] == 1:
        t = t.squeeze(-1)
    oh = F.one_hot(t, o.shape[axis]).to(o.dtype)
    return categorical_crossentropy(oh.movedim(-1, axis) if axis != -1 else oh, o, from_logits, axis)


# ---------------------------------------------------------------- convolution and pooling
def _tuple(v, n):
    return (v,) * n if isinstance(v, int) else tuple(v)


def _channels_first(x, data_format):
    fmt = normalize_data_format(data_format)
    return x.movedim(-1, 1) if fmt == "channels_last" else x, fmt


def _restore(y, fmt):
    return y.movedim(1, -1) if fmt == "channels_last" else y


def _same_pads(size, k, s, d):
    """TF's "same" padding for one spatial axis: (before, after), the odd pixel after."""
    eff = (k - 1) * d + 1
    out = -(-size // s)
    total = max((out - 1) * s + eff - size, 0)
    return total // 2, total - total // 2


def _pad_same(x, kernel, strides, dilation, value=0.0):
    pads = []
    for i in reversed(range(len(kernel))):
        pads.extend(_same_pads(x.shape[2 + i], kernel[i], strides[i], dilation[i]))
    return F.pad(x, pads, value=value)


_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def _conv(x, weight, strides, padding, dilation, groups):
    n = weight.dim() - 2
    strides, dilation = _tuple(strides, n), _tuple(dilation, n)
    if padding.lower() == "same":
        x = _pad_same(x, weight.shape[2:], strides, dilation)
    elif padding.lower() != "valid":
        raise ValueError(f"padding must be 'valid' or 'same'; received {padding!r}.")
    return _CONV[n](x, weight, stride=strides, dilation=dilation, groups=groups)


@symbolic
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution with a Keras kernel (*kernel_size, in_channels, out_channels). Example:
    ``ops.conv(images, kernel, padding="same")``."""
    x, fmt = _channels_first(_float(inputs), data_format)
    k = _float(kernel)
    weight = k.permute(-1, -2, *range(k.dim() - 2))  # (out, in / groups, *k)
    groups = x.shape[1] // weight.shape[1]
    return _restore(_conv(x, weight, strides, padding, dilation_rate, groups), fmt)


@symbolic
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Depthwise convolution, kernel (*kernel_size, in_channels, multiplier). Example:
    ``ops.depthwise_conv(x, dw_kernel)``."""
    x, fmt = _channels_first(_float(inputs), data_format)
    k = _float(kernel)
    cin, mult = k.shape[-2], k.shape[-1]
    weight = k.reshape(*k.shape[:-2], cin * mult).permute(-1, *range(k.dim() - 2)).unsqueeze(1)
    return _restore(_conv(x, weight, strides, padding, dilation_rate, cin), fmt)


@symbolic
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Depthwise then pointwise convolution, Keras kernels. Example: ``ops.separable_conv(x, dw, pw)``."""
    fmt = normalize_data_format(data_format)
    y = depthwise_conv(inputs, depthwise_kernel, strides, padding, fmt, dilation_rate)
    return conv(y, pointwise_kernel, 1, "valid", fmt)


@symbolic
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    """Transposed convolution with a Keras kernel (*kernel_size, out_channels, in_channels), output
    sizes as Keras computes them. Example: ``ops.conv_transpose(x, kernel, strides=2, padding="same")``."""
    x, fmt = _channels_first(_float(inputs), data_format)
    k = _float(kernel)
    n = k.dim() - 2
    strides, dilation = _tuple(strides, n), _tuple(dilation_rate, n)
    weight = k.permute(-1, -2, *range(n))  # (in, out, *k)
    outs, pads = [], []
    for i in range(n):
        size, ks, s, d = x.shape[2 + i], k.shape[i], strides[i], dilation[i]
        eff = (ks - 1) * d + 1
        op = None if output_padding is None else _tuple(output_padding, n)[i]
        if padding.lower() == "valid":
            out = size * s + max(eff - s, 0) if op is None else (size - 1) * s + eff + op
            total = 0
        else:
            out = size * s if op is None else (size - 1) * s + eff - 2 * (eff // 2) + op
            total = max((size - 1) * s + eff - out, 0)
        outs.append(out)
        pads.append(total)
    full = _CONV_T[n](x, weight, stride=strides, dilation=dilation)
    # Crop the full result to Keras's output size: the pad split TF uses (extra pixel at the end).
    slices = [slice(None), slice(None)]
    for i in range(n):
        slices.append(slice(pads[i] // 2, pads[i] // 2 + outs[i]))
    y = full[tuple(slices)]
    if any(y.shape[2 + i] < outs[i] for i in range(n)):
        pad = []
        for i in reversed(range(n)):
            pad.extend([0, outs[i] - y.shape[2 + i]])
        y = F.pad(y, pad)
    return _restore(y, fmt)


_MAXPOOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVGPOOL = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


def _pool(inputs, pool_size, strides, padding, data_format, kind):
    x, fmt = _channels_first(_float(inputs), data_format)
    n = x.dim() - 2
    pool_size = _tuple(pool_size, n)
    strides = pool_size if strides is None else _tuple(strides, n)
    if padding.lower() == "same":
        if kind == "max":
            x = _pad_same(x, pool_size, strides, (1,) * n, value=-math.inf)
            y = _MAXPOOL[n](x, pool_size, strides)
        else:
            # Keras (TF semantics): the average over the real pixels of each window only.
            ones = torch.ones_like(x[:, :1])
            xs, cnt = _pad_same(x, pool_size, strides, (1,) * n), _pad_same(ones, pool_size, strides, (1,) * n)
            y = _AVGPOOL[n](xs, pool_size, strides) / _AVGPOOL[n](cnt, pool_size, strides)
    else:
        y = (_MAXPOOL if kind == "max" else _AVGPOOL)[n](x, pool_size, strides)
    return _restore(y, fmt)


@symbolic
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling (1-3 D). Example: ``ops.max_pool(x, 2)``."""
    return _pool(inputs, pool_size, strides, padding, data_format, "max")


@symbolic
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling (1-3 D; "same" averages real pixels only, as Keras). Example: ``ops.average_pool(x, 2)``."""
    return _pool(inputs, pool_size, strides, padding, data_format, "avg")


_ADAPT = {"avg": {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d},
          "max": {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}}


@symbolic
def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average pooling to a fixed ``output_size``. Example: ``ops.adaptive_average_pool(x, (4, 4))``."""
    x, fmt = _channels_first(_float(inputs), data_format)
    return _restore(_ADAPT["avg"][x.dim() - 2](x, output_size), fmt)


@symbolic
def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max pooling to a fixed ``output_size``. Example: ``ops.adaptive_max_pool(x, (4, 4))``."""
    x, fmt = _channels_first(_float(inputs), data_format)
    return _restore(_ADAPT["max"][x.dim() - 2](x, output_size), fmt)


@symbolic
def depth_to_space(x, block_size, data_format="channels_last"):
    """Move channel blocks into space: (N, H, W, C) -> (N, H*b, W*b, C / b^2). Example:
    ``ops.depth_to_space(x, 2)``."""
    x, fmt = _channels_first(_t(x), data_format)
    n, c, h, w = x.shape
    b = block_size
    # TF order (DCR): channels split as (b, b, C') with the block rows first.
    y = x.reshape(n, b, b, c // (b * b), h, w).permute(0, 3, 4, 1, 5, 2).reshape(n, c // (b * b), h * b, w * b)
    return _restore(y, fmt)


@symbolic
def space_to_depth(x, block_size, data_format="channels_last"):
    """The inverse of depth_to_space. Example: ``ops.space_to_depth(x, 2)``."""
    x, fmt = _channels_first(_t(x), data_format)
    n, c, h, w = x.shape
    b = block_size
    y = x.reshape(n, c, h // b, b, w // b, b).permute(0, 3, 5, 1, 2, 4).reshape(n, c * b * b, h // b, w // b)
    return _restore(y, fmt)


@symbolic
def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """im2col of an (N, C, H, W) batch: (N, C * kh * kw, L). Example: ``ops.unfold(x, 3)``."""
    return F.unfold(_float(x), kernel_size, dilation=dilation, padding=padding, stride=stride)


@symbolic
def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """col2im, the inverse of unfold (overlaps summed). Example: ``ops.fold(cols, (8, 8), 3)``."""
    return F.fold(_float(x), output_size, kernel_size, dilation=dilation, padding=padding, stride=stride)


# ---------------------------------------------------------------- attention and CTC
@symbolic
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """Scaled dot-product attention on (batch, steps, heads, dim) tensors, as Keras. Example:
    ``ops.dot_product_attention(q, k, v, is_causal=True)``."""
    q, k, v = (_float(t).transpose(1, 2) for t in (query, key, value))  # (B, N, T, H)
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    logits = torch.matmul(q, k.transpose(-1, -2)) * scale
    if attn_logits_soft_cap is not None:
        logits = attn_logits_soft_cap * torch.tanh(logits / attn_logits_soft_cap)
    if bias is not None:
        logits = logits + _float(bias)
    allowed = None
    if mask is not None:
        allowed = _t(mask).bool()
    if is_causal:
        causal = torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool, device=q.device).tril()
        allowed = causal if allowed is None else allowed & causal
    if allowed is not None:
        logits = logits.masked_fill(~allowed, torch.finfo(logits.dtype).min * 0.7)
    return torch.matmul(torch.softmax(logits, dim=-1), v).transpose(1, 2)


@symbolic
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """CTC loss per sample: output (batch, steps, classes) probabilities' logits, blank = ``mask_index``.

    Example: ``ops.ctc_loss(labels, logits, label_len, logit_len)``."""
    log_probs = torch.log_softmax(_float(output), dim=-1).transpose(0, 1)
    return F.ctc_loss(log_probs, _t(target).long(), _t(output_length).long(), _t(target_length).long(),
                      blank=mask_index, reduction="none", zero_infinity=False)


def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1, merge_repeated=True,
               mask_index=0):
    """Greedy CTC decoding: (decoded (1, batch, steps) padded with -1, scores (batch, 1)). Example:
    ``decoded, scores = ops.ctc_decode(logits, lengths)``."""
    if strategy != "greedy":
        raise ValueError(f"ctc_decode(): only strategy='greedy' is implemented here; received {strategy!r}. "
                         "Use strategy='greedy'.")
    x = _float(inputs)  # Keras scores the raw inputs: -sum of the best value per valid step
    lengths = _t(sequence_lengths).long()
    best, idx = x.max(dim=-1)  # (B, T)
    steps = torch.arange(x.shape[1], device=x.device)
    valid = steps[None, :] < lengths[:, None]
    keep = valid & (idx != mask_index)
    if merge_repeated:
        prev = torch.cat([torch.full_like(idx[:, :1], -1), idx[:, :-1]], dim=1)
        keep = keep & (idx != prev)
    out = torch.full_like(idx, -1)
    for b in range(idx.shape[0]):
        tokens = idx[b][keep[b]]
        out[b, :tokens.shape[0]] = tokens
    scores = -(best * valid).sum(dim=1, keepdim=True)
    return out.unsqueeze(0), scores
