"""Attention layers with Keras 3's weights and numerics: MultiHeadAttention, Attention (Luong,
dot-product) and AdditiveAttention (Bahdanau).

Masks: the Keras masks of the inputs (from Embedding(mask_zero=True) or Masking) arrive as
``mask=[query_mask, value_mask(, key_mask)]``; masked keys get a large negative score, and a row
with no valid key gets zero attention. Output shapes come from running ``call`` on the meta device
(the engine's default), because ``return_attention_scores=`` changes the outputs of a call.

Example::

    >>> q, v = Input(shape=(8, 16)), Input(shape=(4, 16))
    >>> MultiHeadAttention(num_heads=2, key_dim=8)(q, v).shape
    (None, 8, 16)
    >>> Attention()([q, v]).shape
    (None, 8, 16)
"""
from __future__ import annotations

import math
import warnings

import torch
import torch.nn.functional as F

from .. import constraints as _constraints
from .. import initializers as _initializers
from .. import regularizers as _regularizers
from ..engine.layer import Layer

__all__ = ["MultiHeadAttention", "Attention", "AdditiveAttention"]

_LARGE = 1.0e9  # what Keras subtracts from the scores of masked keys (float32)


def _shape_of(x):
    if x is None:
        return None
    return tuple(x.shape)


def _causal(tq: int, tv: int, device):
    return torch.ones(tq, tv, dtype=torch.bool, device=device).tril()


class _BaseDenseAttention(Layer):
    """Shared by Attention and AdditiveAttention: inputs [query, value(, key)], masks, softmax."""

    def __init__(self, dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= float(dropout) <= 1.0:
            raise ValueError(f"{type(self).__name__}: dropout must be in [0, 1]; received dropout={dropout!r}.")
        self.dropout = float(dropout)
        self.seed = seed
        self.supports_masking = True

    def _check_inputs(self, shapes):
        if not isinstance(shapes, (list, tuple)) or not 2 <= len(shapes) <= 3 or not all(
                isinstance(s, (tuple, list)) for s in shapes):
            raise ValueError(f'{type(self).__name__} layer "{self.name}" takes a list [query, value] or '
                             f"[query, value, key]; received input shape(s) {shapes}. "
                             f"Example: {type(self).__name__}()([query, value]).")

    def build(self, input_shape):
        self._check_inputs(input_shape)
        self.built = True

    def call(self, inputs, mask=None, training=None, return_attention_scores=False, use_causal_mask=False):
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        use_causal_mask = use_causal_mask or getattr(self, "_causal", False)
        q_mask = mask[0] if mask else None
        v_mask = mask[1] if mask and len(mask) > 1 else None
        scores = self._scores(q, k)
        drop = None
        if v_mask is not None:
            drop = ~v_mask.bool()[:, None, :]
        if use_causal_mask:
            causal = ~_causal(scores.shape[-2], scores.shape[-1], scores.device)
            drop = causal if drop is None else drop | causal
        if drop is not None:
            scores = torch.where(drop, scores - _LARGE, scores)
        weights = torch.softmax(scores, dim=-1)
        if training is None:
            training = self.training
        if training and self.dropout > 0:
            weights = F.dropout(weights, self.dropout, True)
        out = torch.matmul(weights, v)
        if q_mask is not None:
            out = torch.where(q_mask.bool()[..., None], out, torch.zeros((), dtype=out.dtype, device=out.device))
        if return_attention_scores:
            return [out, weights]
        return out

    def compute_mask(self, inputs, mask=None):
        if not mask or mask[0] is None:
            return None
        return mask[0]

    def get_config(self):
        return {**super().get_config(), "dropout": self.dropout, "seed": self.seed}


class Attention(_BaseDenseAttention):
    """Dot-product (Luong) attention: ``softmax(query @ key^T) @ value``.

    ``use_scale`` adds a trainable scalar ``scale`` (init 1) multiplying the scores;
    ``score_mode='concat'`` scores with ``concat_score_weight * sum(tanh(scale·(q + k)))`` instead.
    Call on ``[query, value]`` or ``[query, value, key]``; ``return_attention_scores=True`` returns
    ``[output, attention_weights]``; ``use_causal_mask=True`` hides later keys.

    Example::

        >>> Attention(use_scale=True)([Input(shape=(5, 8)), Input(shape=(7, 8))]).shape
        (None, 5, 8)
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        causal = kwargs.pop("causal", False)
        if causal:  # tf.keras 2.x argument, replaced by call(use_causal_mask=...)
            warnings.warn("Attention(causal=True) is deprecated; pass use_causal_mask=True when calling the layer.",
                          DeprecationWarning, stacklevel=2)
        super().__init__(dropout=dropout, seed=seed, **kwargs)
        self._causal = bool(causal)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"Attention: score_mode must be 'dot' or 'concat'; received score_mode={score_mode!r}.")
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode

    def build(self, input_shape):
        self._check_inputs(input_shape)
        self.scale = self.add_weight("scale", (), "ones") if self.use_scale else None
        self.concat_score_weight = self.add_weight("concat_score_weight", (), "ones") \
            if self.score_mode == "concat" else None
        self.built = True

    def _scores(self, q, k):
        if self.score_mode == "dot":
            scores = torch.matmul(q, k.transpose(-1, -2))
            return scores * self.scale if self.scale is not None else scores
        s = q[..., :, None, :] + k[..., None, :, :]
        if self.scale is not None:
            s = self.scale * s
        return self.concat_score_weight * torch.tanh(s).sum(-1)

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale, "score_mode": self.score_mode}


class AdditiveAttention(_BaseDenseAttention):
    """Additive (Bahdanau) attention: scores ``sum(scale * tanh(query_i + key_j))``.

    ``use_scale=True`` (default) learns ``scale``, one weight per feature (glorot_uniform).

    Example::

        >>> AdditiveAttention()([Input(shape=(5, 8)), Input(shape=(7, 8))]).shape
        (None, 5, 8)
    """

    def __init__(self, use_scale=True, dropout=0.0, seed=None, **kwargs):
        super().__init__(dropout=dropout, seed=seed, **kwargs)
        self.use_scale = bool(use_scale)

    def build(self, input_shape):
        self._check_inputs(input_shape)
        dim = input_shape[0][-1]
        if dim is None:
            raise ValueError(f'AdditiveAttention "{self.name}" needs a known last query dimension; received '
                             f"{input_shape}.")
        self.scale = self.add_weight("scale", (dim,), "glorot_uniform") if self.use_scale else None
        self.built = True

    def _scores(self, q, k):
        t = torch.tanh(q[..., :, None, :] + k[..., None, :, :])
        if self.scale is not None:
            t = t * self.scale
        return t.sum(-1)

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale}


_SUBLAYER = {"output": "attention_output"}  # Keras's names of the projection sublayers that differ from ours


class MultiHeadAttention(Layer):
    """Multi-head attention (Vaswani et al. 2017) with Keras 3's weights.

    Weights, in get_weights order: query kernel (d_q, H, key_dim) and bias (H, key_dim); key kernel
    (d_k, H, key_dim) and bias; value kernel (d_v, H, value_dim) and bias (H, value_dim); output
    kernel (H, value_dim, *output_shape) and bias (output_shape; default d_q). Call as
    ``mha(query, value, key=None, attention_mask=None, return_attention_scores=False,
    use_causal_mask=False)``; scores are (B, H, Tq, Tk). Without masks, dropout or scores it runs
    torch's fused ``scaled_dot_product_attention``.

    Example::

        >>> x = Input(shape=(10, 32))
        >>> MultiHeadAttention(num_heads=4, key_dim=8)(x, x).shape      # self-attention
        (None, 10, 32)
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 attention_axes=None, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, seed=None, flash_attention=None,
                 sliding_window=None, use_gate=False, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for arg, val in (("num_heads", num_heads), ("key_dim", key_dim)):
            if not isinstance(val, int) or isinstance(val, bool) or val <= 0:
                raise ValueError(f"MultiHeadAttention: {arg} must be a positive integer; received {arg}={val!r}.")
        if use_gate or sliding_window is not None:
            raise ValueError("MultiHeadAttention: use_gate and sliding_window are not supported by kfunc_torch; "
                             "leave them at their defaults (use_gate=False, sliding_window=None).")
        self.num_heads = num_heads
        self.key_dim = key_dim
        self.value_dim = value_dim if value_dim is not None else key_dim
        self.dropout = float(dropout)
        self.use_bias = bool(use_bias)
        self._output_shape = (output_shape,) if isinstance(output_shape, int) else (
            tuple(output_shape) if output_shape is not None else None)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        self.attention_axes = tuple(attention_axes) if attention_axes is not None else None
        self.kernel_initializer = _initializers.get(kernel_initializer)
        self.bias_initializer = _initializers.get(bias_initializer)
        self.kernel_regularizer = _regularizers.get(kernel_regularizer)
        self.bias_regularizer = _regularizers.get(bias_regularizer)
        self.kernel_constraint = _constraints.get(kernel_constraint)
        self.bias_constraint = _constraints.get(bias_constraint)
        self.seed = seed
        self.flash_attention = flash_attention
        self.supports_masking = True

    # ------------------------------------------------------------------ build
    def __call__(self, query, value=None, key=None, **kwargs):
        # Keras builds from all three shapes; the engine's build sees only the first argument.
        if value is None:
            raise ValueError(f'MultiHeadAttention "{self.name}" needs a value: call it as mha(query, value) '
                             "(mha(x, x) for self-attention).")
        if not self.built:
            self.build(_shape_of(query), _shape_of(value), _shape_of(key))
        if key is not None:
            kwargs["key"] = key
        return super().__call__(query, value, **kwargs)

    def _weight(self, name, shape, init):
        reg = self.kernel_regularizer if "kernel" in name else self.bias_regularizer
        con = self.kernel_constraint if "kernel" in name else self.bias_constraint
        w = self.add_weight(name, shape, init, regularizer=reg, constraint=con)
        # Keras 3 keeps these in EinsumDense sublayers query/key/value/attention_output: its weights are
        # named "kernel"/"bias", with paths "multi_head_attention/query/kernel"
        part, kind = name.rsplit("_", 1)
        w.name = kind
        w.__dict__["_keras_path"] = f"{w.path.rsplit('/', 1)[0]}/{_SUBLAYER.get(part, part)}/{kind}"
        return w

    def build(self, query_shape, value_shape=None, key_shape=None):
        value_shape = value_shape if value_shape is not None else query_shape
        key_shape = key_shape if key_shape is not None else value_shape
        for what, s in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if s is None or len(s) < 3 or s[-1] is None:
                raise ValueError(f'MultiHeadAttention "{self.name}": the {what} must have shape (batch, ..., '
                                 f"features) with known features; received {s}.")
        h, kd, vd = self.num_heads, self.key_dim, self.value_dim
        out_shape = self._output_shape or (query_shape[-1],)
        ki, bi = self.kernel_initializer, self.bias_initializer
        self.query_kernel = self._weight("query_kernel", (query_shape[-1], h, kd), ki)
        self.query_bias = self._weight("query_bias", (h, kd), bi) if self.use_bias else None
        self.key_kernel = self._weight("key_kernel", (key_shape[-1], h, kd), ki)
        self.key_bias = self._weight("key_bias", (h, kd), bi) if self.use_bias else None
        self.value_kernel = self._weight("value_kernel", (value_shape[-1], h, vd), ki)
        self.value_bias = self._weight("value_bias", (h, vd), bi) if self.use_bias else None
        self.output_kernel = self._weight("output_kernel", (h, vd) + out_shape, ki)
        self.output_bias = self._weight("output_bias", out_shape, bi) if self.use_bias else None
        self._rank = len(query_shape)
        axes = self.attention_axes or tuple(range(1, self._rank - 1))
        self._att_axes = tuple(a % self._rank for a in axes)
        self.built = True

    # ------------------------------------------------------------------ call
    @staticmethod
    def _project(x, kernel, bias):
        y = torch.matmul(x, kernel.reshape(kernel.shape[0], -1))
        if bias is not None:
            y = y + bias.reshape(-1)
        return y

    def _fold(self, x, width):
        """(B, *axes, H·width) -> (B', H, T, width): non-attended axes join the batch."""
        rank = x.dim()
        other = [a for a in range(1, rank - 1) if a not in self._att_axes]
        perm = [0] + other + list(self._att_axes) + [rank - 1]
        xp = x.permute(perm) if perm != list(range(rank)) else x
        lead = xp.shape[:1 + len(other)]
        folded = xp.reshape(math.prod(lead), -1, self.num_heads, width).transpose(1, 2)
        return folded, perm, xp.shape

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None, attention_mask=None,
             return_attention_scores=False, training=None, use_causal_mask=False, mask=None):
        """``mask``: the Keras masks of (query, value, key), as the graph engine passes them."""
        masks = list(mask) + [None] * 3 if mask is not None else [None] * 3
        # Keras 3 replaces a query_mask= argument by the query's own Keras mask (MultiHeadAttention.call
        # reads backend.get_keras_mask(query)): a query_mask passed by hand is ignored there, and here.
        query_mask = masks[0]
        value_mask = value_mask if value_mask is not None else masks[1]
        key_mask = key_mask if key_mask is not None else masks[2]
        if key is None:
            key = value
        if training is None:
            training = self.training
        q = self._project(query, self.query_kernel, self.query_bias)
        k = self._project(key, self.key_kernel, self.key_bias)
        v = self._project(value, self.value_kernel, self.value_bias)
        q, perm, q_layout = self._fold(q, self.key_dim)
        k, _, k_layout = self._fold(k, self.key_dim)
        v, _, _ = self._fold(v, self.value_dim)
        allowed = self._attention_mask(query_mask, value_mask, key_mask, attention_mask, use_causal_mask,
                                       q.shape[-2], k.shape[-2], query.device)
        p = self.dropout if training else 0.0
        scores = None
        # Keras itself takes the fused kernel when dropout is 0, no scores are asked and the inputs are
        # rank 3; there a mask is additive (-1e9), so a row with no allowed key attends uniformly.
        keras_fused = self.dropout == 0.0 and not return_attention_scores and self._rank == 3
        if not return_attention_scores and p == 0.0 and (allowed is None or keras_fused):
            bias = None if allowed is None else torch.where(
                allowed, torch.zeros((), dtype=q.dtype, device=q.device),
                torch.full((), -_LARGE, dtype=q.dtype, device=q.device))
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)  # same 1/sqrt(key_dim) as Keras
        else:
            logits = torch.matmul(q * (1.0 / math.sqrt(self.key_dim)), k.transpose(-1, -2))
            if allowed is not None:
                logits = torch.where(allowed, logits, torch.full((), -_LARGE, dtype=logits.dtype, device=logits.device))
            scores = torch.softmax(logits, dim=-1)
            if allowed is not None:  # a row with no allowed key attends to nothing (not uniformly)
                scores = torch.where(allowed, scores, torch.zeros((), dtype=scores.dtype, device=scores.device))
            probs = F.dropout(scores, p, True) if p > 0 else scores
            out = torch.matmul(probs, v)
        # (B', H, Tq, vd) -> (B, *axes, H·vd) in the query's layout, then the output projection.
        out = out.transpose(1, 2).reshape(tuple(q_layout[:-1]) + (-1,))
        if perm != list(range(len(perm))):
            out = out.permute([perm.index(i) for i in range(len(perm))])
        out = torch.matmul(out, self.output_kernel.reshape(self.num_heads * self.value_dim, -1))
        if self.output_bias is not None:
            out = out + self.output_bias.reshape(-1)
        if self._output_shape is not None and len(self._output_shape) > 1:
            out = out.reshape(tuple(out.shape[:-1]) + self._output_shape)
        if return_attention_scores:
            return [out, self._unfold_scores(scores, q_layout, k_layout, len(perm))]
        return out

    def _unfold_scores(self, scores, q_layout, k_layout, rank):
        n_other = rank - 2 - len(self._att_axes)
        lead = tuple(q_layout[:1 + n_other])
        tq = tuple(q_layout[1 + n_other:-1])
        tk = tuple(k_layout[1 + n_other:-1])
        return scores.reshape(lead + (self.num_heads,) + tq + tk)

    def _attention_mask(self, query_mask, value_mask, key_mask, attention_mask, causal, tq, tk, device):
        """Boolean (B', 1 or H, Tq, Tk) mask of allowed (query, key) pairs, or None."""
        allowed = None

        def flat(m):  # (B, *axes) -> (B', T)
            if self._rank > 3 and self.attention_axes is not None:
                raise ValueError(f'MultiHeadAttention "{self.name}": Keras masks on inputs of rank {self._rank} '
                                 "with explicit attention_axes are not supported; pass attention_mask instead.")
            return m.bool().reshape(m.shape[0], -1)

        if query_mask is not None:
            allowed = flat(query_mask)[:, :, None]
        for m in (value_mask, key_mask):
            if m is not None:
                allowed = flat(m)[:, None, :] if allowed is None else allowed & flat(m)[:, None, :]
        if causal:
            c = _causal(tq, tk, device)[None]
            allowed = c if allowed is None else allowed & c
        if attention_mask is not None:
            a = attention_mask.bool()
            a = a.reshape(a.shape[0], tq, tk) if self.attention_axes is None or self._rank == 3 else a
            allowed = a if allowed is None else allowed & a
        return None if allowed is None else allowed[:, None]

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            return mask[0]
        return mask

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "value_dim": self.value_dim, "dropout": self.dropout, "use_bias": self.use_bias,
                "output_shape": self._output_shape, "attention_axes": self.attention_axes,
                "kernel_initializer": _initializers.serialize(self.kernel_initializer),
                "bias_initializer": _initializers.serialize(self.bias_initializer),
                "kernel_regularizer": _regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": _regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": _constraints.serialize(self.kernel_constraint),
                "bias_constraint": _constraints.serialize(self.bias_constraint), "seed": self.seed}
