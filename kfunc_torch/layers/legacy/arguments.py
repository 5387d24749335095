"""Keras 1 arguments of layer constructors: each layer class with a table in ``tables.py`` has its
``__init__`` wrapped once (``install_legacy_renames``, run when ``kfunc_torch.layers`` is imported),
so old names translate through ``rename.rename``. Each translated call gives ONE
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

    >>> from kfunc_torch.layers import Dense
    >>> Dense(output_dim=10).units            # DeprecationWarning: use Dense(units=10)
    10
"""
from __future__ import annotations

import functools
import inspect
import sys
import threading
import warnings

from ... import backend as _backend
from ...engine.layer import Layer
from ...legacy.rename import rename
from ...legacy.tables import CONV_POSITIONAL, GONE_WHY, KERAS1_IMAGE_ONLY, spec_for

__all__ = ["install_legacy_renames", "translate"]


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
    keras1_image = bool(notes) or bool(KERAS1_IMAGE_ONLY & set(kwargs))
    if name == "BatchNormalization" and kwargs.get("mode") not in (0, None):
        raise TypeError(f"BatchNormalization(mode={kwargs['mode']!r}) is Keras 1's per-sample/feature-wise mode, "
                        "which no longer exists. Remove mode= (mode 0, the default, is the only one).")
    if kwargs.get("dim_ordering") == "default":  # Keras 1's "the session's layout": nothing to pass on
        kwargs.pop("dim_ordering")
        keras1_image = True
    notes += rename(name, spec["renames"], kwargs, positional, gone=GONE_WHY.get(_family(name)), warn=False,
                    stacklevel=4)
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
    legacy_keys = frozenset(spec["renames"]) | KERAS1_IMAGE_ONLY | {"kernel_dim2", "kernel_dim3"}
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
