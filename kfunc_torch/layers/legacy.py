"""Keras 1 and 2 spellings: ``merge(..., mode=...)``, ``Merge``, ``Convolution2D(64, 3, 3,
border_mode='same')``, ``Dense(output_dim=...)``, ``Dropout(p=...)`` and the old class names.

``install_legacy_renames()`` (run when ``kfunc_torch.layers`` is imported, after every layer module)
wraps the ``__init__`` of each layer class that had Keras 1 arguments, once, so the old names
translate to the new ones from the tables in ``legacy_tables.py``. Each translated call gives ONE
DeprecationWarning that shows the modern call; giving both an old name and its new name is a
TypeError.

Keras 1 laid out images channels-first ('th') by default (Theano), and its guide relies on it
(``Input(shape=(3, 256, 256))`` fed to ``Convolution2D``). So the first image layer built with a
Keras-1-only signature (``Convolution2D(64, 3, 3)``, ``nb_row``, ``border_mode``, ``subsample``,
``dim_ordering='default'``) switches the session to channels_first, with a warning — unless the
image format was already chosen (``K.set_image_data_format``, ``K.set_image_dim_ordering``) or read
with Keras 1's ``K.image_dim_ordering()``, or the layer's input_shape is channels-last ((28, 28, 1)).
In that mode 1D layers stay channels-last, as in Keras 1.

Example::

    >>> from kfunc_torch.layers import Dense, merge, Input
    >>> Dense(output_dim=10).units            # DeprecationWarning: use Dense(units=10)
    10
    >>> a, b = Input(shape=(8,)), Input(shape=(8,))
    >>> merge([a, b], mode='cos').shape
    (None, 1)
"""
from __future__ import annotations

import functools
import inspect
import sys
import threading
import warnings

import torch

from .. import backend as _backend
from ..ops.tensor_functions import batch_dot as _batch_dot
from ..engine.layer import Layer
from .legacy_tables import CLASS_ALIASES, CONV_POSITIONAL, GONE, spec_for

__all__ = ["Merge", "merge", "AtrousConvolution1D", "AtrousConvolution2D", "TimeDistributedDense",
           "install_legacy_renames"]

_MODERN_MERGE = {"concat": "concatenate([...], axis={axis})", "sum": "add([...])", "mul": "multiply([...])",
                 "ave": "average([...])", "max": "maximum([...])", "dot": "dot([...], axes={axes})",
                 "cos": "dot([...], axes={axes}, normalize=True)"}
_KERAS1_ONLY = {"border_mode", "subsample", "subsample_length", "nb_row", "nb_col", "kernel_dim1"}


# ---------------------------------------------------------------- argument translation
def _kernel_from_keras1(name, spec, args, kwargs, notes):
    """Convolution2D(64, 3, 3, ...) / nb_row=, nb_col= -> kernel_size=(3, 3)."""
    n = spec.get("kernel_dims", 0)
    if not n:
        return args
    row_names = {2: ("nb_row", "nb_col"), 3: ("kernel_dim1", "kernel_dim2", "kernel_dim3")}[n]
    given = [k for k in row_names if k in kwargs]
    if len(args) >= n + 1 and all(isinstance(a, int) and not isinstance(a, bool) for a in args[1:n + 1]):
        kernel = tuple(args[1:n + 1])
        if "kernel_size" in kwargs or given:
            raise TypeError(f"{name}() got the kernel size both as {n} positional integers (Keras 1) and as "
                            f"{'kernel_size' if 'kernel_size' in kwargs else given[0]}=; pass only "
                            f"kernel_size={kernel}.")
        rest = args[n + 1:]
        positional = CONV_POSITIONAL if "output_shape" not in spec["renames"] else ("output_shape",) + CONV_POSITIONAL
        if len(rest) > len(positional):
            raise TypeError(f"{name}() got {len(args)} positional arguments; Keras 1 took at most "
                            f"{n + 1 + len(positional)}. Pass the others by keyword.")
        for key, value in zip(positional, rest):
            if key in kwargs:
                raise TypeError(f"{name}() got multiple values for argument {key!r}.")
            kwargs[key] = value
        kwargs["kernel_size"] = kernel
        notes.append("kernel_size")
        return args[:1]
    if given:
        if len(given) != n:
            raise TypeError(f"{name}() got {', '.join(given)} but not all of {', '.join(row_names)}: Keras 1 "
                            f"needs every kernel dimension. Write kernel_size=({', '.join(row_names)}) instead.")
        if "kernel_size" in kwargs:
            raise TypeError(f"{name}() got both {', '.join(row_names)} (Keras 1) and kernel_size; pass only "
                            "kernel_size.")
        kwargs["kernel_size"] = tuple(kwargs.pop(k) for k in row_names)
        notes.append("kernel_size")
    return args


def translate(name: str, spec: dict, args: tuple, kwargs: dict, param_names: tuple = ()):
    """Apply ``spec`` to a constructor call: returns (args, kwargs, notes) with Keras 1 names replaced.

    ``param_names`` are the constructor's positional parameter names, to tell that ``Dense(5,
    output_dim=3)`` gives units twice.
    """
    notes: list[str] = []
    args = _kernel_from_keras1(name, spec, tuple(args), kwargs, notes)
    positional = dict(zip(param_names, args))
    keras1_image = bool(notes) or bool(_KERAS1_ONLY & set(kwargs))
    for old, target in spec["renames"].items():
        if old not in kwargs:
            continue
        if target is None:
            value = kwargs.pop(old)
            why = GONE.get((name, old)) or GONE.get((_family(name), old)) or f"{name}({old}=...) no longer exists."
            if name == "BatchNormalization" and old == "mode" and value not in (0, None):
                raise TypeError(f"BatchNormalization(mode={value!r}) is Keras 1's per-sample/feature-wise mode, "
                                "which no longer exists. Remove mode= (mode 0, the default, is the only one).")
            warnings.warn(why, DeprecationWarning, stacklevel=3)
            continue
        new, convert = target if isinstance(target, tuple) else (target, None)
        if new in kwargs or new in positional:
            given = kwargs[new] if new in kwargs else positional[new]
            raise TypeError(f"{name}() got both {old!r} (its Keras 1 name) and {new!r}, which mean the same "
                            f"argument. Pass only {new}={given!r}.")
        value = kwargs.pop(old)
        if old == "dim_ordering" and value == "default":
            keras1_image = True
            continue
        kwargs[new] = convert(value) if convert else value
        notes.append(new)
    if spec.get("image") and keras1_image and "data_format" not in kwargs and not _looks_channels_last(kwargs):
        _maybe_switch_to_channels_first(name)
    if (spec.get("rank") == 1 and _backend._settings.get("keras1_th") and "data_format" not in kwargs
            and "data_format" in param_names):
        kwargs["data_format"] = "channels_last"  # Keras 1's 1D layers were always (steps, channels)
    return args, kwargs, notes


def _family(name):
    return "Conv2DTranspose" if name.endswith("Transpose") else name


def _looks_channels_last(kwargs) -> bool:
    """Keras 1 code written for TensorFlow's 'tf' ordering gives input_shape=(28, 28, 1): a few
    channels last and not first. Such code keeps channels_last."""
    shape = kwargs.get("input_shape") or (kwargs.get("batch_input_shape") or (None,))[1:]
    if not shape or len(shape) < 3:
        return False
    return shape[-1] in (1, 3, 4) and shape[0] not in (1, 3, 4)


def _maybe_switch_to_channels_first(name):
    s = _backend._settings
    if s.get("explicit_format") or s.get("dim_ordering_read") or s.get("keras1_th"):
        return
    _backend.set_image_data_format("channels_first")
    s["keras1_th"] = True
    warnings.warn(f"Keras 1 code detected ({name} with Keras 1 arguments): using Keras 1's default image "
                  "ordering 'th' (channels_first) for this session, as Keras 1 examples assume. To keep "
                  "channels_last, call K.set_image_data_format('channels_last') before building layers.",
                  UserWarning, stacklevel=4)


def _modern_call(name, args, kwargs, notes):
    shown = [repr(a) for a in args] + [f"{k}={kwargs[k]!r}" for k in notes if k in kwargs]
    return f"{name}({', '.join(shown)}{', ...' if len(kwargs) > len(notes) else ''})"


_depth = threading.local()


def _positional_names(fn) -> tuple:
    try:
        params = list(inspect.signature(fn).parameters.values())[1:]  # drop self
    except (TypeError, ValueError):
        return ()
    return tuple(p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


def _wrap_init(cls, spec):
    original = cls.__init__
    param_names = _positional_names(original)
    # Modern calls (no Keras 1 keyword, no positional kernel sizes) skip the translation: this
    # wrapper runs for every Dense of a 10,000-layer graph.
    legacy_keys = frozenset(spec["renames"]) | _KERAS1_ONLY | {"kernel_dim2", "kernel_dim3"}
    always_translate = bool(spec.get("kernel_dims")) or spec.get("rank") == 1

    @functools.wraps(original)
    def __init__(self, *args, **kwargs):
        if not always_translate and legacy_keys.isdisjoint(kwargs):
            return original(self, *args, **kwargs)
        depth = getattr(_depth, "n", 0)
        if depth == 0:  # only the user's call: a subclass's super().__init__ is already modern
            args, kwargs, notes = translate(cls.__name__, spec, args, kwargs, param_names)
            if notes:
                warnings.warn(f"Keras 1 arguments: update your `{cls.__name__}` call to the Keras 2 API: "
                              f"`{_modern_call(cls.__name__, args, kwargs, notes)}`", DeprecationWarning,
                              stacklevel=2)
        _depth.n = depth + 1
        try:
            original(self, *args, **kwargs)
        finally:
            _depth.n = depth

    __init__._kfunc_legacy_spec = spec
    cls.__init__ = __init__


def install_legacy_renames(namespace: dict | None = None) -> list[str]:
    """Wrap ``__init__`` of every layer class in ``namespace`` (default: ``kfunc_torch.layers``) that had
    Keras 1 argument names. Idempotent; returns the names of the classes wrapped now.

    Example: ``install_legacy_renames()`` after defining new layer modules.
    """
    if namespace is None:
        namespace = sys.modules["kfunc_torch.layers"].__dict__
    wrapped = []
    for obj in list(namespace.values()):
        if not (isinstance(obj, type) and issubclass(obj, Layer)):
            continue
        spec = spec_for(obj.__name__)
        if spec is None or hasattr(obj.__dict__.get("__init__"), "_kfunc_legacy_spec"):
            continue
        _wrap_init(obj, spec)
        wrapped.append(obj.__name__)
    return wrapped


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


def _install_aliases():
    namespace = sys.modules["kfunc_torch.layers"].__dict__
    for old, new in CLASS_ALIASES.items():
        if new in namespace and old not in namespace:
            globals()[old] = namespace[new]
            __all__.append(old)


if "kfunc_torch.layers" in sys.modules:
    _install_aliases()
    install_legacy_renames()
