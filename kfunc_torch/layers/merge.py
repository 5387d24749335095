"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot, and their
functional forms (``add([a, b])``, ``concatenate([a, b], axis=-1)``...).

Example::

    >>> a, b = Input(shape=(32,)), Input(shape=(16,))
    >>> concatenate([a, b]).shape
    (None, 48)
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..generations import current
from ..naming import unique_name
from ..engine.layer import Layer


def _step_masks(inputs, mask):
    """Under compat "keras3" (``merge_masks="any"``), the input masks broadcast to the inputs' shapes (None where an input
    has none), or None when no mask applies."""
    if mask is None or current().merge_masks != "any" or all(m is None for m in mask):
        return None
    return [None if m is None else m.unsqueeze(-1).expand_as(x) if m.dim() == x.dim() - 1 else m.expand_as(x)
            for x, m in zip(inputs, mask)]


def _merge_skipping_masked(op, inputs, masks):
    """Keras 3's Maximum/Minimum with masks: a masked value is replaced by the running result (and
    the running result by a masked-in value), so masked steps do not win."""
    out, keep = inputs[0], masks[0]
    for x, m in zip(inputs[1:], masks[1:]):
        if m is not None:
            x = torch.where(m, x, out)
        if keep is not None:
            out = torch.where(keep, out, x)
        keep = keep | m if (m is not None and keep is not None) else None
        out = op(out, x)
    return out


def _fmt(shapes):
    return ", ".join(str(tuple(s)) for s in shapes)


class _Merge(Layer):
    """Base of the elementwise merges: shapes must match (size-1 and None broadcast)."""

    min_inputs = 2

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check_list(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) < self.min_inputs:
            n = len(input_shape) if isinstance(input_shape, list) else 1
            raise ValueError(f'A merge layer ("{self.name}", {type(self).__name__}) must be called on a list of at '
                             f"least {self.min_inputs} inputs; received {n} input(s). Pass them as a list: "
                             f"{type(self).__name__}()([a, b]).")

    def build(self, input_shape):
        self._check_list(input_shape)
        self.compute_output_shape(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        ranks = {len(s) for s in input_shape}
        out = list(input_shape[0])
        if len(ranks) != 1:
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}) needs inputs of the same rank; received '
                             f"shapes {_fmt(input_shape)}.")
        for s in input_shape[1:]:
            for i, (a, b) in enumerate(zip(out, s)):
                if a is None or b is None:
                    out[i] = None if 1 in (a, b) else (a if b is None else b)  # a known size > 1 wins
                elif a != b and 1 not in (a, b):
                    raise ValueError(
                        f'Layer "{self.name}" ({type(self).__name__}) needs inputs of the same shape, but received '
                        f"shapes {_fmt(input_shape)} (axis {i}: {a} vs {b}). Give them the same shape (a Dense or "
                        "Reshape before one of them), or use Concatenate to join them side by side.")
                else:
                    out[i] = max(a, b)
        return tuple(out)

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        if current().merge_masks == "any":
            # Keras 3: a step is kept when any input keeps it; no mask when some input has none
            if any(m is None for m in mask):
                return None
            out = mask[0]
            for m in mask[1:]:
                out = out | m
            return out
        # tf.keras / Keras 2: a step is kept when every masked input keeps it
        ms = [m for m in mask if m is not None]
        out = ms[0]
        for m in ms[1:]:
            out = out & m
        return out

    def call(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = self._merge(out, x)
        return out


class Add(_Merge):
    """Elementwise sum of a list of inputs. Example: ``Add()([a, b])``."""
    def _merge(self, a, b):
        return a + b

    def call(self, inputs):
        if len(inputs) == 2:
            return inputs[0] + inputs[1]
        return torch.stack(inputs).sum(0)


class Subtract(_Merge):
    """``a - b`` for exactly two inputs. Example: ``Subtract()([a, b])``."""
    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) != 2:
            raise ValueError(f'Layer "{self.name}" (Subtract) takes exactly 2 inputs; received '
                             f"{len(input_shape) if isinstance(input_shape, list) else 1}.")
        super().build(input_shape)

    def call(self, inputs):
        return inputs[0] - inputs[1]


class Multiply(_Merge):
    """Elementwise product of a list of inputs. Example: ``Multiply()([a, b])``.

    Under compat "keras3" (``merge_masks="any"``), masked steps count as 1 in the product, and when every input is masked
    the steps no input keeps are zeroed (as Keras 3 does)."""
    def _merge(self, a, b):
        return a * b

    def call(self, inputs, mask=None):
        masks = _step_masks(inputs, mask)
        if masks is None:
            return super().call(inputs)
        out, keep = None, None
        for x, m in zip(inputs, masks):
            if m is not None:
                x = torch.where(m, x, torch.ones_like(x))
                keep = m if keep is None else keep | m
            out = x if out is None else out * x
        if all(m is not None for m in masks):
            out = torch.where(keep, out, torch.zeros_like(out))
        return out


class Average(_Merge):
    """Elementwise mean of a list of inputs. Example: ``Average()([a, b, c])``."""
    def call(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out / len(inputs)


class Maximum(_Merge):
    """Elementwise maximum of a list of inputs. Example: ``Maximum()([a, b])``.

    Under compat "keras3" (``merge_masks="any"``) a masked step takes the other inputs' value (as Keras 3 does)."""
    def _merge(self, a, b):
        return torch.maximum(a, b)

    def call(self, inputs, mask=None):
        masks = _step_masks(inputs, mask)
        if masks is None:
            return super().call(inputs)
        return _merge_skipping_masked(self._merge, inputs, masks)


class Minimum(_Merge):
    """Elementwise minimum of a list of inputs. Example: ``Minimum()([a, b])``.

    Under compat "keras3" (``merge_masks="any"``) a masked step takes the other inputs' value (as Keras 3 does)."""
    def _merge(self, a, b):
        return torch.minimum(a, b)

    def call(self, inputs, mask=None):
        masks = _step_masks(inputs, mask)
        if masks is None:
            return super().call(inputs)
        return _merge_skipping_masked(self._merge, inputs, masks)


class Concatenate(_Merge):
    """Concatenates a list of inputs along ``axis`` (default -1)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        ranks = {len(s) for s in input_shape}
        if len(ranks) != 1:
            raise ValueError(f'A Concatenate layer ("{self.name}") requires inputs of the same rank; received '
                             f"shapes {_fmt(input_shape)}.")
        rank = ranks.pop()
        axis = self.axis % rank
        out = list(input_shape[0])
        for s in input_shape[1:]:
            for i in range(rank):
                if i == axis:
                    out[i] = None if out[i] is None or s[i] is None else out[i] + s[i]
                elif out[i] is None:
                    out[i] = s[i]
                elif s[i] is not None and s[i] != out[i]:
                    raise ValueError(
                        f'A Concatenate layer ("{self.name}") requires inputs with matching shapes except for the '
                        f"concatenation axis ({self.axis}), but received shapes {_fmt(input_shape)}: they differ at "
                        f"axis {i} ({out[i]} vs {s[i]}). Resize or crop one input, or concatenate on another axis.")
        return tuple(out)

    def call(self, inputs):
        return torch.cat(inputs, dim=self.axis)

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        # Keras: each mask broadcast to its input's shape (all True for an unmasked input),
        # concatenated along the axis, then reduced over the last axis: "any" in Keras 3, "all" in
        # tf.keras and Keras 2.
        if current().mask_ops_take_names and any(m is not None and m.is_meta for m in mask):
            unique_name("concatenate")  # graph building (meta tensors): Keras 3's mask op takes a name
        full = []
        for m, x in zip(mask, inputs):
            if m is None:
                m = torch.ones(x.shape, dtype=torch.bool, device=x.device)
            elif m.dim() < x.dim():
                m = m.unsqueeze(-1).expand(x.shape)
            full.append(m)
        cat = torch.cat(full, dim=self.axis)
        return cat.any(dim=-1) if current().merge_masks == "any" else cat.all(dim=-1)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dot(_Merge):
    """Batch dot product of two inputs over ``axes``; ``normalize=True`` gives cosine similarity.

    Example::

        >>> Dot(axes=1)([Input(shape=(8,)), Input(shape=(8,))]).shape
        (None, 1)
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        self.axes = axes
        self.normalize = normalize

    def _axes(self, shapes):
        axes = self.axes if isinstance(self.axes, (list, tuple)) else (self.axes, self.axes)
        return [a % len(s) for a, s in zip(axes, shapes)]

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) != 2:
            raise ValueError(f'A Dot layer ("{self.name}") takes exactly 2 inputs.')
        a, b = input_shape
        ax_a, ax_b = self._axes(input_shape)
        if a[ax_a] is not None and b[ax_b] is not None and a[ax_a] != b[ax_b]:
            raise ValueError(f'A Dot layer ("{self.name}") needs equal sizes on the dot axes; received shapes '
                             f"{_fmt(input_shape)} with axes ({ax_a}, {ax_b}): {a[ax_a]} != {b[ax_b]}.")
        out = [d for i, d in enumerate(a) if i != ax_a] + [d for i, d in enumerate(b) if i not in (0, ax_b)]
        if len(out) == 1:
            out.append(1)
        return tuple(out)

    def call(self, inputs):
        a, b = inputs
        ax_a, ax_b = self._axes([a.shape, b.shape])
        if self.normalize:
            a = F.normalize(a, dim=ax_a, eps=1e-12)
            b = F.normalize(b, dim=ax_b, eps=1e-12)
        a = a.movedim(ax_a, -1)
        b = b.movedim(ax_b, 1)
        if a.dim() == 2 and b.dim() == 2:
            return (a * b).sum(-1, keepdim=True)
        out = torch.matmul(a.reshape(a.shape[0], -1, a.shape[-1]), b.reshape(b.shape[0], b.shape[1], -1))
        return out.reshape(tuple(a.shape[:-1]) + tuple(b.shape[2:]))

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def add(inputs, **kwargs):
    """Functional form of Add: ``add([a, b])``."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional form of Subtract: ``subtract([a, b])``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional form of Multiply: ``multiply([a, b])``."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional form of Average: ``average([a, b])``."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional form of Maximum: ``maximum([a, b])``."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional form of Minimum: ``minimum([a, b])``."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of Concatenate: ``concatenate([a, b], axis=-1)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    """Functional form of Dot: ``dot([a, b], axes=1)``."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
