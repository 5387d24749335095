"""Where Keras 3's torch backend departs from Keras's own semantics (its TensorFlow backend, tf_keras),
and what those configurations are compared with instead.

Each entry: a predicate on a ``SweepCase``, the reason, and a reference that computes what
TensorFlow's Keras computes (numpy, written from the TF op's documented semantics). The sweep
compares such cases with the reference instead of Keras 3 (shapes, counts and weights still come
from Keras 3, where the backends agree).

1. ``AveragePooling*D(padding='same')`` where the 'same' padding of some axis is odd (total
   ``max((ceil(n/s) - 1)*s + k - n, 0)`` with one more cell at the end): Keras 3 on torch pads
   those axes by repeating the edge values and averages them in (a window ``[x4, x5, pad]`` gives
   ``(x4 + 2 x5) / 3``); TensorFlow (and tf_keras, and Keras 3 on TF/JAX) average over the real
   cells only (``(x4 + x5) / 2``). We match TensorFlow. (Where the padded window holds one real
   cell, as with pool 2 and stride 1, both give the same value.)

2. ``sparsemax`` (``Activation('sparsemax')``, ``activation='sparsemax'``): Keras 3's torch backend
   computes the threshold from the sum of all cumulative sums in the support instead of the
   cumulative sum at its end, so its outputs do not sum to 1 (``[0.5, 1.2, -0.3, 1.0]`` gives all
   zeros); its TF and JAX backends compute sparsemax (Martins & Astudillo 2016), as we do. The
   reference is sparsemax in numpy (over the layer's linear output for Dense).

3. Not a backend difference but a Keras 3 recording detail we do not copy: Keras 3 traces the
   mask computation of ``Masking``/``Embedding(mask_zero=True)`` as graph operations (``NotEqual``,
   ``Any``, and the ``concatenate`` of Concatenate's mask), which appear as rows of its summary,
   shift the depths that order ``model.layers`` and take numbers from the auto-name counters
   (a later ``Concatenate`` becomes ``concatenate_2``).
   We propagate masks beside the tensors, as tf_keras does (under keras3 Concatenate's mask still
   takes its ``concatenate`` number, so names match too). For generated graphs with such mask
   operations the graph sweep compares the set of layers (not their order or numbers) and skips the summary
   text; predictions, weights and counts are still compared (``keras3_mask_ops``). The numbers can
   shift with no mask row in the summary (Concatenate's mask op is made and numbered, yet not listed),
   so any graph with a mask source (``mask_zero=True``, ``Masking``) counts.

4. Also a Keras 3 recording detail: a nested functional Model "does not support masking" at graph-build
   time (Keras 3 warns "will destroy the mask information"), so its output has no recorded mask;
   at run time, though, the tensor it returns still carries its inner layers' mask. A layer whose
   input had a recorded mask receives that recording (a merge of a masked branch with the nested
   output takes the nested side as all-True), while a layer fed by the nested output alone receives
   the run-time mask. We propagate one mask through nested models, as tf_keras does, so the two
   agree on the second case and differ on the first. For graphs where a masked input reaches a nested
   model and the graph merges branches (``keras3_nested_mask_merge``, on our model), predictions are not compared;
   counts, names, weights and structure still are. Seen on seed 5608224 (LSTM after
   ``Concatenate([Masking branch, nested model of an Embedding(mask_zero=True) branch])``).

5. ``LayerNormalization`` over contiguous axes that do not end at the last one (``axis=1`` on a
   rank-3 input): Keras 3 on torch hands them to ``F.layer_norm``, which normalizes trailing axes
   only, and the call fails ("Given normalized_shape=..."); its TF and JAX backends (and tf_keras)
   normalize over those axes, with gamma/beta broadcast along them, as we do. The reference is that
   formula in numpy (population variance, as Keras's ``moments``).

Example::

    reason, reference = departure(case)          # (None, None) for an ordinary case
"""
from __future__ import annotations

import itertools
import math
import re

import numpy as np

_AVG = re.compile(r"^AveragePooling([123])D\((.*)\)$")


def _same_pad_odd(sizes, pool, strides) -> bool:
    for n, k, s in zip(sizes, pool, strides):
        total = max((math.ceil(n / s) - 1) * s + k - n, 0)
        if total % 2:
            return True
    return False


def _avg_args(case):
    m = _AVG.match(case.src)
    rank = int(m.group(1))
    ns = {}
    args = eval(f"(lambda pool_size=2, strides=None, padding='valid', data_format='channels_last': "
                f"(pool_size, strides, padding, data_format))({m.group(2)})", ns)
    pool, strides, padding, fmt = args
    pool = (pool,) * rank if isinstance(pool, int) else tuple(pool)
    strides = pool if strides is None else ((strides,) * rank if isinstance(strides, int) else tuple(strides))
    return rank, pool, strides, padding, fmt


def avg_pool_tf(x: np.ndarray, pool, strides, data_format) -> np.ndarray:
    """TensorFlow's 'same' average pooling: windows cut at the borders average their real cells."""
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    sizes = x.shape[1:-1]
    outs = [math.ceil(n / s) for n, s in zip(sizes, strides)]
    starts = [(max((o - 1) * s + k - n, 0)) // 2 for o, s, k, n in zip(outs, strides, pool, sizes)]
    y = np.zeros((x.shape[0], *outs, x.shape[-1]), dtype=np.float64)
    for pos in itertools.product(*[range(o) for o in outs]):
        sl = []
        for p, s, k, st, n in zip(pos, strides, pool, starts, sizes):
            lo = p * s - st
            sl.append(slice(max(lo, 0), min(lo + k, n)))
        y[(slice(None), *pos, slice(None))] = x[(slice(None), *sl, slice(None))].mean(
            axis=tuple(range(1, 1 + len(sizes))))
    y = y.astype(np.float32)
    return np.moveaxis(y, -1, 1) if data_format == "channels_first" else y


def departure(case):
    """(reason, reference function of (inputs list, Keras's weights) -> outputs list), or (None, None)."""
    if _AVG.match(case.src):
        rank, pool, strides, padding, fmt = _avg_args(case)
        if padding == "same":
            data = case.make_inputs()[0]
            sizes = data.shape[1:-1] if fmt == "channels_last" else data.shape[2:]
            if _same_pad_odd(sizes, pool, strides):
                return ("Keras 3 on torch averages in repeated edge values for an odd 'same' pad; "
                        "TensorFlow's Keras averages the real cells only",
                        lambda xs, w: [avg_pool_tf(xs[0], pool, strides, fmt)])
    if case.src.startswith("LayerNormalization(") and _ln_torch_fails(case):
        reason = "Keras 3 on torch passes non-trailing axes to F.layer_norm, which fails there"
        return reason, lambda xs, w: [layer_norm_np(xs[0], *_ln_args(case), w)]
    if "sparsemax" in case.src:
        reason = "Keras 3 on torch computes sparsemax's threshold wrongly (outputs do not sum to 1)"
        if case.src.startswith("Activation("):
            return reason, lambda xs, w: [sparsemax_np(xs[0])]
        if case.src.startswith("Dense("):
            return reason, lambda xs, w: [sparsemax_np(xs[0] @ w[0] + (w[1] if len(w) > 1 else 0))]
    return None, None


def sparsemax_np(z: np.ndarray) -> np.ndarray:
    """Sparsemax over the last axis: max(z - tau, 0) with tau chosen so that the result sums to 1."""
    zs = -np.sort(-z, axis=-1)
    k = np.arange(1, z.shape[-1] + 1)
    cums = np.cumsum(zs, axis=-1)
    support = 1 + k * zs > cums
    kz = support.sum(axis=-1, keepdims=True)
    tau = (np.take_along_axis(cums, kz - 1, axis=-1) - 1) / kz
    return np.maximum(z - tau, 0).astype(np.float32)


_MASK_OPS = re.compile(r"\((NotEqual|Any)\)")


_MASK_SOURCE = re.compile(r"mask_zero=True|Masking\(")
_MERGE = re.compile(r"\b(Concatenate|Add|Subtract|Multiply|Average|Maximum|Minimum|Dot)\(")


def keras3_mask_ops(keras_result: dict, src: str = "") -> bool:
    """Whether Keras 3 recorded (or may have numbered) mask operations in this graph (item 3 above)."""
    return bool(_MASK_OPS.search(keras_result.get("summary", "")) or _MASK_SOURCE.search(src))


def keras3_nested_mask_merge(model) -> bool:
    """Whether a masked tensor enters a nested model of ``model`` (ours) and the graph merges
    branches (item 4 above)."""
    from kfunc_torch import Model
    layers = model.layers
    merges = any(_MERGE.match(type(l).__name__ + "(") for l in layers)
    return merges and any(hasattr(t, "_keras_mask") for l in layers if isinstance(l, Model)
                          for node in l._inbound_nodes for t in node.input_tensors)


def _ln_args(case):
    """(axes as non-negative ints, epsilon, center, scale, rms_scaling) of a LayerNormalization case."""
    axis, eps, center, scale, rms = eval(
        "(lambda axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False, **kw: "
        f"(axis, epsilon, center, scale, rms_scaling))({case.src[len('LayerNormalization('):-1]})", {})
    rank = len(case.shape) + 1
    axes = sorted(a % rank for a in (axis if isinstance(axis, (list, tuple)) else [axis]))
    return axes, eps, center, scale, rms


def _ln_torch_fails(case) -> bool:
    axes, _, _, _, rms = _ln_args(case)
    contiguous = axes == list(range(axes[0], axes[-1] + 1))
    return not rms and contiguous and axes[-1] != len(case.shape)


def layer_norm_np(x, axes, eps, center, scale, rms, weights):
    """Layer normalization over ``axes`` with gamma/beta (in Keras's weight order) broadcast along them."""
    x = x.astype(np.float64)
    mean = x.mean(axis=tuple(axes), keepdims=True)
    var = x.var(axis=tuple(axes), keepdims=True)
    y = (x - mean) / np.sqrt(var + eps)
    shape = [x.shape[i] if i in axes else 1 for i in range(x.ndim)]
    w = list(weights)
    if scale:
        y = y * w.pop(0).reshape(shape)
    if center:
        y = y + w.pop(0).reshape(shape)
    return y.astype(np.float32)
