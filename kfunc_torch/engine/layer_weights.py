"""A layer's weights: ``add_weight``, the Keras weight lists, ``get_weights``/``set_weights`` and trainability.

``WeightsAPI`` is a mixin of ``Layer``. Every Keras weight is one ``Variable`` (an ``nn.Parameter``)
registered on its layer under its Keras name; ``_weight_records`` keeps (attribute, trainable) in
creation order, which is Keras's weight order within a layer.

Example::

    >>> class Scale(Layer):
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")
    >>> layer = Scale(); layer.build((None, 3))
    >>> [w.shape for w in layer.weights], layer.get_weights()[0].tolist()
    ([torch.Size([3])], [1.0, 1.0, 1.0])
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import numpy as np
import torch
from torch import nn
from torch.nn.modules import module as _torch_module

from .. import constraints, initializers, regularizers
from ..naming import unique_name
from . import call_context
from .dtypes import to_torch_dtype
from .variable import Variable

if TYPE_CHECKING:
    from .layer import Layer

_CPU = torch.device("cpu")
# torch's global parameter-registration hooks (used by deferred-init tools); add_weight goes
# through register_parameter whenever one is set, or if this torch does not have them.
_PARAMETER_HOOKS = getattr(_torch_module, "_global_parameter_registration_hooks", None)
# Keras 2/3 add_weight arguments with no meaning here (distribution, resource variables, autocast).
_ADD_WEIGHT_IGNORED = {"aggregation", "synchronization", "use_resource", "partitioner", "getter",
                       "autocast", "overwrite_with_gradient", "experimental_autocast", "caching_device"}

class WeightLayout:
    """How a weight stored in torch's layout maps to Keras's layout (get_weights/set_weights).

    ``to_keras`` and ``from_keras`` take and return torch tensors. Example: a Conv2D kernel is
    stored (filters, in, kh, kw) for torch and shown (kh, kw, in, filters) as Keras does.
    """

    def __init__(self, to_keras: Callable, from_keras: Callable):
        self.to_keras = to_keras
        self.from_keras = from_keras


class WeightsAPI:
    """Mixin of Layer: creating, listing, reading and writing a layer's weights."""

    def add_weight(self, name: str | None = None, shape=(), initializer=None, trainable: bool = True,
                   regularizer=None, constraint=None, dtype=None, layout: WeightLayout | None = None, **kwargs):
        """Create a weight in Keras's layout ``shape``: a ``Variable`` (an nn.Parameter with Keras's
        variable API: ``assign``, ``assign_add``, ``numpy()``, ``path``), registered on this layer.

        Takes Keras 2's order (``add_weight(name, shape, ...)``) and Keras 3's (``add_weight(shape,
        initializer, ...)``: a shape given first is taken as the shape). ``layout`` stores it in another
        layout (torch's) and converts in get_weights/set_weights.
        Example: ``self.kernel = self.add_weight(shape=(d, u), initializer="random_normal", name="kernel")``.
        """
        if name is not None and type(name) is not str and isinstance(name, (tuple, list, int)):
            # Keras 3 order, add_weight(shape, initializer, ...): the second positional is the initializer.
            second = shape
            name, shape = None, name
            if initializer is None and (isinstance(second, str) or callable(second)):
                initializer = second
        if kwargs:
            unknown = set(kwargs) - _ADD_WEIGHT_IGNORED
            if unknown:
                raise TypeError(f"add_weight() got unexpected keyword argument(s) {sorted(unknown)}. It takes "
                                "name, shape, initializer, dtype, trainable, regularizer, constraint.")
        if name is None:
            keras_name, name = unique_name("variable", zero_based=True), "weight"
        else:
            keras_name = name
        torch_dtype = to_torch_dtype(dtype or self._dtype)
        if initializer is None:  # Keras's default: glorot_uniform for floats, zeros otherwise
            initializer = "glorot_uniform" if torch_dtype.is_floating_point else "zeros"
        if isinstance(shape, int):
            shape = (shape,)
        init = initializer if isinstance(initializer, initializers.Initializer) else \
            (initializers.get(initializer) or initializers.get("zeros"))
        value = init(tuple(shape), dtype=torch_dtype)
        if layout is not None:
            value = layout.from_keras(value)
            self._weight_layouts[name] = layout
        attr = name
        d = self.__dict__
        params = d["_parameters"]
        while (attr in params or attr in d or attr in d["_modules"] or attr in d["_buffers"]
               or _class_has(type(self), attr)):
            attr = attr + "_"
        device = self._device()
        # `.device` builds a torch.device per read; a CPU layer (the usual case) tests `is_cpu` instead.
        if (not value.is_cpu) if device is _CPU else (value.device != device):
            value = value.to(device)
        if not value.is_contiguous():
            value = value.contiguous()
        # One Parameter per weight, wrapping the initializer's tensor (no copy).
        param = Variable._wrap(value, trainable and self._trainable, keras_name,
                               call_context.weight_path(self.name, keras_name))
        if _PARAMETER_HOOKS is None or _PARAMETER_HOOKS:
            self.register_parameter(attr, param)
        else:
            # What register_parameter does when no global registration hook is set, without its
            # hasattr(self, attr) probe: for a new name that runs __getattr__ and raises (slow,
            # once per weight of every layer); the loop above has checked that `attr` is free.
            params[attr] = param
        self._weight_records.append((attr, trainable))
        if layout is not None and attr != name:
            self._weight_layouts[attr] = layout
        if regularizer is not None:
            self._regularizers.append((attr, regularizers.get(regularizer)))
        if constraint is not None:
            self._constraints[attr] = constraints.get(constraint)
        return param

    def _device(self):
        for p in self._parameters.values():  # own weights first: no walk over sublayers
            if p is not None:
                return p.device
        if not self._modules and not self._buffers:  # a leaf layer without weights yet
            return _CPU
        for p in self.parameters():
            return p.device
        for b in self.buffers():
            return b.device
        return _CPU

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        # As in Keras 3, freezing (or unfreezing) a layer does the same to every sublayer, so a
        # frozen base model's weights count as non-trainable in the outer model too.
        for layer in self._flatten_layers():
            layer._trainable = bool(value)
            for attr, trainable in layer._weight_records:
                getattr(layer, attr).requires_grad_(bool(value) and trainable)

    def _sublayers(self) -> list["Layer"]:
        """Direct child layers (in registration order)."""
        return [m for m in self._modules.values() if isinstance(m, WeightsAPI)]  # every Layer is one

    def _flatten_layers(self, include_self=True) -> list["Layer"]:
        out, seen, stack = [], set(), [self] if include_self else list(reversed(self._sublayers()))
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            stack.extend(reversed(layer._sublayers()))
        return out

    def _own_weights(self, trainable: bool | None) -> list[nn.Parameter]:
        params = self._parameters
        return [params[attr] if attr in params else getattr(self, attr) for attr, t in self._weight_records
                if trainable is None or (t and self._trainable) == trainable]

    @property
    def trainable_weights(self) -> list[nn.Parameter]:
        return self._weights_by_trainability()[0]

    @property
    def non_trainable_weights(self) -> list[nn.Parameter]:
        return self._weights_by_trainability()[1]

    def _weights_by_trainability(self) -> tuple[list[nn.Parameter], list[nn.Parameter]]:
        """(trainable weights, non-trainable weights), from one walk over the sublayers."""
        if not self._trainable:
            return [], self.weights
        layers = self._weight_order()
        return (_unique([w for layer in layers for w in layer._own_weights(True)]),
                _unique([w for layer in layers for w in layer._own_weights(False)]))

    @property
    def weights(self) -> list[nn.Parameter]:
        """All weights, Keras order: own trainable, own non-trainable, then sublayers'."""
        if not self._modules:  # a leaf layer (summary() asks each row's layer): no walk
            return self._own_weights(True) + self._own_weights(False)
        out = []
        for layer in self._weight_order():
            out.extend(layer._own_weights(True))
            out.extend(layer._own_weights(False))
        return _unique(out)

    variables = weights

    def add_variable(self, shape, initializer=None, dtype=None, trainable=True, autocast=True,
                     regularizer=None, constraint=None, name=None, **kwargs):
        """Keras 3's ``add_variable``: ``add_weight`` with the shape first."""
        return self.add_weight(name=name, shape=shape, initializer=initializer, dtype=dtype, trainable=trainable,
                               regularizer=regularizer, constraint=constraint, **kwargs)
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def _weight_order(self) -> list["Layer"]:
        """Layers whose weights this layer reports, in Keras's order (Model overrides)."""
        return self._flatten_layers()

    def _weight_keras_names(self) -> list[tuple["Layer", str, nn.Parameter]]:
        """(owning layer, attribute, parameter) for each of ``self.weights``."""
        out, seen = [], set()
        for layer in self._weight_order():
            for want in (True, False):
                for attr, t in layer._weight_records:
                    p = getattr(layer, attr)
                    if (t and layer._trainable) == want and id(p) not in seen:
                        seen.add(id(p))
                        out.append((layer, attr, p))
        return out

    def get_weights(self) -> list[np.ndarray]:
        """Weights as numpy arrays in Keras's layout and order (a Dense kernel is (in, out))."""
        out = []
        for layer, attr, p in self._weight_keras_names():
            t = p.detach()
            layout = layer._weight_layouts.get(attr)
            if layout is not None:
                t = layout.to_keras(t)
            out.append(t.cpu().numpy().copy())
        return out

    def set_weights(self, weights) -> None:
        """Load numpy arrays given in Keras's layout and order (the output of Keras's get_weights)."""
        records = self._weight_keras_names()
        weights = list(weights)
        if len(weights) != len(records):
            raise ValueError(
                f'Layer "{self.name}" expects {len(records)} weight arrays '
                f"({', '.join(attr for _, attr, _ in records) or 'none'}), but received {len(weights)}. "
                "Pass the arrays in the order get_weights() returns them.")
        for (layer, attr, p), value in zip(records, weights):
            value = torch.as_tensor(np.asarray(value), dtype=p.dtype)
            layout = layer._weight_layouts.get(attr)
            if layout is not None:
                value = layout.from_keras(value)
            expected = tuple((layout.to_keras(p.detach()) if layout else p).shape)
            if tuple(value.shape) != tuple(p.shape):
                raise ValueError(
                    f'Weight "{attr}" of layer "{layer.name}" has shape {expected}, but the array given '
                    f"for it has shape {tuple(np.shape(weights[records.index((layer, attr, p))]))}. Pass arrays "
                    "in the order and shapes of get_weights().")
            with torch.no_grad():
                p.copy_(value.to(p.device))

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(f'Layer "{self.name}" is not built yet, so it has no weights to count. '
                             "Call it on an input (or call build(input_shape)) first.")
        return int(sum(w.numel() for w in self.weights))


_CLASS_ATTRS: dict = {}


def _class_has(cls, attr: str) -> bool:
    """``hasattr(cls, attr)``, cached per (class, name): a miss raises inside hasattr (slow), and
    add_weight asks for every weight of every layer."""
    key = (cls, attr)
    known = _CLASS_ATTRS.get(key)
    if known is None:
        known = _CLASS_ATTRS[key] = hasattr(cls, attr)
    return known


def _unique(weights):
    seen, out = set(), []
    for w in weights:
        if id(w) not in seen:
            seen.add(id(w))
            out.append(w)
    return out
