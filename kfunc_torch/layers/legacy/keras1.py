"""Keras 1 layer classes and functions: ``merge(..., mode=...)``, ``Merge``, ``AtrousConvolution1D/2D``,
``TimeDistributedDense`` and the old class names (``Convolution2D`` is ``Conv2D``).

Example::

    >>> from kfunc_torch.layers import merge, Input
    >>> a, b = Input(shape=(8,)), Input(shape=(8,))
    >>> merge([a, b], mode='cos').shape        # DeprecationWarning: use dot([...], axes=-1, normalize=True)
    (None, 1)
"""
from __future__ import annotations

import sys
import warnings

import torch

from ... import backend as _backend
from ...engine.layer import Layer
from ...legacy.tables import CLASS_ALIASES
from ...ops.tensor_functions import batch_dot as _batch_dot

__all__ = ["Merge", "merge", "AtrousConvolution1D", "AtrousConvolution2D", "TimeDistributedDense"]

_MODERN_MERGE = {"concat": "concatenate([...], axis={axis})", "sum": "add([...])", "mul": "multiply([...])",
                 "ave": "average([...])", "max": "maximum([...])", "dot": "dot([...], axes={axes})",
                 "cos": "dot([...], axes={axes}, normalize=True)"}


# ---------------------------------------------------------------- Merge (Keras 1)
def _dot_axes(dot_axes):
    if isinstance(dot_axes, int):
        return (dot_axes, dot_axes)
    axes = [a[0] if isinstance(a, (list, tuple)) else a for a in dot_axes]
    if len(axes) != 2:
        raise ValueError(f"dot_axes must be an int or a pair; received {dot_axes!r}.")
    return tuple(axes)


class Merge(Layer):
    """Keras 1's merge layer: ``Merge(mode='concat'|'sum'|'mul'|'ave'|'max'|'dot'|'cos' or a function)``
    called on a list of tensors. Prefer the Keras 2 layers (Concatenate, Add, Multiply, Average,
    Maximum, Dot).

    Example::

        >>> Merge(mode='concat', concat_axis=-1)([Input(shape=(3,)), Input(shape=(5,))]).shape
        (None, 8)
    """

    _MODES = ("sum", "mul", "concat", "ave", "cos", "dot", "max")

    def __init__(self, layers=None, mode="sum", concat_axis=-1, dot_axes=-1, output_shape=None, output_mask=None,
                 arguments=None, node_indices=None, tensor_indices=None, name=None, **kwargs):
        if layers is not None:
            raise TypeError("Merge(layers=[...]) joined Sequential branches in Keras 1, which kfunc_torch does not "
                            "support. Build the model with the functional API and merge tensors instead: "
                            "merge([branch_a_output, branch_b_output], mode=...).")
        if not callable(mode) and mode not in self._MODES:
            raise ValueError(f"Unknown merge mode {mode!r}: expected one of {', '.join(self._MODES)}, or a function "
                             "of the list of inputs.")
        super().__init__(name=name, **kwargs)
        self.mode = mode
        self.concat_axis = concat_axis
        self.dot_axes = _dot_axes(dot_axes)
        self._output_shape = output_shape
        self._output_mask = output_mask
        self.arguments = dict(arguments or {})

    def _check(self, shapes):
        if not isinstance(shapes, list) or len(shapes) < 2:
            raise ValueError(f'Merge layer "{self.name}" must be called on a list of at least 2 tensors; received '
                             f"{len(shapes) if isinstance(shapes, list) else 1}. Example: merge([a, b], mode='sum').")
        if self.mode in ("dot", "cos") and len(shapes) != 2:
            raise ValueError(f'Merge layer "{self.name}" with mode={self.mode!r} takes exactly 2 tensors; '
                             f"received {len(shapes)}.")

    def compute_output_shape(self, input_shape):
        if callable(self.mode):
            if callable(self._output_shape):
                return tuple(self._output_shape(input_shape))
            if self._output_shape is not None:
                return (input_shape[0][0],) + tuple(self._output_shape)
            return super().compute_output_shape(input_shape)
        self._check(input_shape)
        rank = len(input_shape[0])
        if any(len(s) != rank for s in input_shape):
            raise ValueError(f'Merge layer "{self.name}" (mode={self.mode!r}) needs inputs of the same rank; '
                             f"received shapes {', '.join(map(str, input_shape))}.")
        if self.mode == "concat":
            axis = self.concat_axis % rank
            out = list(input_shape[0])
            for s in input_shape[1:]:
                for i in range(rank):
                    if i == axis:
                        out[i] = None if out[i] is None or s[i] is None else out[i] + s[i]
                    elif None not in (out[i], s[i]) and out[i] != s[i]:
                        raise ValueError(
                            f'Merge layer "{self.name}" (mode="concat", concat_axis={self.concat_axis}) needs equal '
                            f"sizes except on the concat axis; received shapes "
                            f"{', '.join(map(str, input_shape))} (axis {i}: {out[i]} vs {s[i]}).")
                    elif out[i] is None:
                        out[i] = s[i]
            return tuple(out)
        if self.mode in ("dot", "cos"):
            a, b = input_shape
            ax, ay = (d % len(s) for d, s in zip(self.dot_axes, (a, b)))
            if None not in (a[ax], b[ay]) and a[ax] != b[ay]:
                raise ValueError(f'Merge layer "{self.name}" (mode={self.mode!r}, dot_axes={self.dot_axes}) needs '
                                 f"equal sizes on the dot axes; received shapes {a} and {b}: {a[ax]} != {b[ay]}.")
            out = [d for i, d in enumerate(a) if i != ax] + [d for i, d in enumerate(b) if i not in (0, ay)]
            return tuple(out) if len(out) > 1 else (out[0], 1)
        out = list(input_shape[0])
        for s in input_shape[1:]:
            for i, (x, y) in enumerate(zip(out, s)):
                if None not in (x, y) and x != y:
                    raise ValueError(f'Merge layer "{self.name}" (mode={self.mode!r}) needs inputs of the same '
                                     f"shape; received {', '.join(map(str, input_shape))}.")
                if x is None:
                    out[i] = y
        return tuple(out)

    def call(self, inputs):
        mode = self.mode
        if callable(mode):
            return mode(inputs, **self.arguments)
        if mode == "concat":
            return torch.cat(inputs, dim=self.concat_axis)
        if mode == "sum":
            out = inputs[0]
            for x in inputs[1:]:
                out = out + x
            return out
        if mode == "ave":
            out = inputs[0]
            for x in inputs[1:]:
                out = out + x
            return out / len(inputs)
        if mode == "mul":
            out = inputs[0]
            for x in inputs[1:]:
                out = out * x
            return out
        if mode == "max":
            out = inputs[0]
            for x in inputs[1:]:
                out = torch.maximum(out, x)
            return out
        a, b = inputs
        if mode == "dot":
            return _batch_dot(a, b, self.dot_axes)
        # cos: dot / sqrt(dot(a, a) * dot(b, b)), the denominator floored at epsilon.
        if a.dim() == 2 and b.dim() == 2:
            den = torch.sqrt(_batch_dot(a, a, self.dot_axes) * _batch_dot(b, b, self.dot_axes))
            return _batch_dot(a, b, self.dot_axes) / torch.clamp(den, min=_backend.epsilon())
        ax, ay = self.dot_axes
        na = a / torch.clamp(a.norm(dim=ax, keepdim=True), min=_backend.epsilon())
        nb = b / torch.clamp(b.norm(dim=ay, keepdim=True), min=_backend.epsilon())
        return _batch_dot(na, nb, self.dot_axes)

    def compute_mask(self, inputs, mask=None):
        if self._output_mask is not None:
            return self._output_mask(inputs, mask) if callable(self._output_mask) else self._output_mask
        return None

    def get_config(self):
        if callable(self.mode):
            raise NotImplementedError(f'Merge layer "{self.name}" uses a Python function as its mode and cannot be '
                                      "serialized; use a Lambda layer on the list of inputs instead.")
        return {**super().get_config(), "mode": self.mode, "concat_axis": self.concat_axis,
                "dot_axes": list(self.dot_axes)}


def merge(inputs, mode="sum", concat_axis=-1, dot_axes=-1, output_shape=None, output_mask=None, arguments=None,
          node_indices=None, tensor_indices=None, name=None):
    """Keras 1's functional merge of a list of tensors (see ``Merge``). Warns once per call site
    with the Keras 2 equivalent.

    Example::

        >>> x = merge([lstm_out, aux_input], mode='concat')      # Keras 2: concatenate([...])
    """
    if isinstance(mode, str) and mode in _MODERN_MERGE:
        modern = _MODERN_MERGE[mode].format(axis=concat_axis, axes=dot_axes)
        warnings.warn(f"merge(mode={mode!r}) is Keras 1; in Keras 2 write {modern} "
                      "(from keras.layers).", DeprecationWarning, stacklevel=2)
    return Merge(mode=mode, concat_axis=concat_axis, dot_axes=dot_axes, output_shape=output_shape,
                 output_mask=output_mask, arguments=arguments, name=name)(list(inputs))


# ---------------------------------------------------------------- class aliases
def _atrous(rank):
    def factory(*args, atrous_rate=None, **kwargs):
        target = sys.modules["kfunc_torch.layers"].__dict__.get(f"Conv{rank}D")
        if target is None:
            raise TypeError(f"AtrousConvolution{rank}D needs Conv{rank}D, which this build of kfunc_torch lacks.")
        if atrous_rate is not None:
            if "dilation_rate" in kwargs:
                raise TypeError(f"AtrousConvolution{rank}D() got both atrous_rate and dilation_rate; pass only "
                                "dilation_rate.")
            kwargs["dilation_rate"] = atrous_rate
        return target(*args, **kwargs)
    factory.__name__ = factory.__qualname__ = f"AtrousConvolution{rank}D"
    factory.__doc__ = (f"Keras 1 dilated convolution: Conv{rank}D with dilation_rate=atrous_rate.\n\n"
                       f"Example: ``AtrousConvolution{rank}D(64, 3{', 3' if rank == 2 else ''}, atrous_rate=2)``")
    return factory


AtrousConvolution1D = _atrous(1)
AtrousConvolution2D = _atrous(2)


def TimeDistributedDense(output_dim=None, input_dim=None, input_length=None, name=None, **kwargs):  # noqa: N802
    """Keras 1's per-timestep Dense: ``TimeDistributed(Dense(output_dim, ...))`` (Keras 2 spelling).

    Example: ``TimeDistributedDense(8, input_dim=16, input_length=10)`` -> output (None, 10, 8)
    """
    namespace = sys.modules["kfunc_torch.layers"].__dict__
    if "TimeDistributed" not in namespace:
        raise TypeError("TimeDistributedDense needs layers.TimeDistributed, which this build of kfunc_torch lacks.")
    units = kwargs.pop("units", None)
    if output_dim is not None and units is not None:
        raise TypeError("TimeDistributedDense() got both output_dim and units; pass only one.")
    warnings.warn("TimeDistributedDense is Keras 1; in Keras 2 write TimeDistributed(Dense(...)).",
                  DeprecationWarning, stacklevel=2)
    wrapper_kwargs = {k: v for k, v in (("input_dim", input_dim), ("input_length", input_length), ("name", name))
                      if v is not None}
    if input_dim is not None:  # the wrapper sees (timesteps, features): give it the full input shape
        wrapper_kwargs = {"input_shape": (input_length, input_dim), **({"name": name} if name else {})}
    return namespace["TimeDistributed"](namespace["Dense"](output_dim if output_dim is not None else units, **kwargs),
                                        **wrapper_kwargs)


def class_aliases(namespace: dict) -> dict:
    """The Keras 1/2 class names (``Convolution2D``...) bound to the modern classes of ``namespace``.

    Example: ``class_aliases(vars(kfunc_torch.layers))["Convolution2D"] is Conv2D``
    """
    return {old: namespace[new] for old, new in CLASS_ALIASES.items() if new in namespace and old not in namespace}
