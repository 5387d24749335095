"""Layer: a ``torch.nn.Module`` with the Keras layer API.

A layer builds its weights lazily from the first input shape, records a Node when called on
KerasTensors (graph building), and computes when called on torch tensors or numpy arrays.

Example::

    >>> dense = Dense(64, activation="relu")
    >>> y = dense(Input(shape=(784,)))         # symbolic: records a node, builds weights
    >>> y.shape
    (None, 64)
    >>> dense(torch.ones(2, 784)).shape        # eager
    torch.Size([2, 64])

Writing a layer: override ``build(input_shape)`` (create weights with ``add_weight``) and
``call(inputs, training=None)``; override ``compute_output_shape`` where it is cheap, otherwise
the output shape is found by running ``call`` on torch's ``meta`` device (no FLOPs).
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

import numpy as np
import torch
from torch import nn
from torch.nn.modules import module as _torch_module
from torch.utils import _pytree as pytree

from .. import constraints, initializers, regularizers
from ..naming import to_snake_case, unique_name
from . import registry
from .input_spec import assert_input_compatibility
from .keras_tensor import KerasTensor, Shape, dtype_name, to_torch_dtype
from .node import Node
from . import call_context
from .losses_api import LossAPI
from .node_api import NodeAPI
from .shape_inference import MetaInference
from .suggest import unknown_kwargs_message
from .variable import Variable

_CPU = torch.device("cpu")
# torch's global parameter-registration hooks (used by deferred-init tools); add_weight goes
# through register_parameter whenever one is set, or if this torch does not have them.
_PARAMETER_HOOKS = getattr(_torch_module, "_global_parameter_registration_hooks", None)
# Keras 2/3 add_weight arguments with no meaning here (distribution, resource variables, autocast).
_ADD_WEIGHT_IGNORED = {"aggregation", "synchronization", "use_resource", "partitioner", "getter",
                       "autocast", "overwrite_with_gradient", "experimental_autocast", "caching_device"}
_LAYER_KWARGS = {"input_shape", "batch_input_shape", "batch_size", "input_dim", "input_length",
                 "weights", "activity_regularizer", "autocast", "input_dtype"}


class WeightLayout:
    """How a weight stored in torch's layout maps to Keras's layout (get_weights/set_weights).

    ``to_keras`` and ``from_keras`` take and return torch tensors. Example: a Conv2D kernel is
    stored (filters, in, kh, kw) for torch and shown (kh, kw, in, filters) as Keras does.
    """

    def __init__(self, to_keras: Callable, from_keras: Callable):
        self.to_keras = to_keras
        self.from_keras = from_keras


class Layer(NodeAPI, MetaInference, LossAPI, nn.Module):
    """Base class of every kfunc_torch layer (and of Model)."""

    supports_masking = False  # a class default, so reading it never falls through to __getattr__
    # Where a weights file (saving/weights_h5.py) keeps this layer's own weights, as Keras 3 lays them
    # out: recurrent layers without a cell object keep theirs in "cell/vars".
    _keras_vars_path = "vars"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # kfunc_torch's own layers are loadable by class name; a user's class registers itself with
        # @register_keras_serializable or comes through custom_objects.
        if cls.__module__.startswith("kfunc_torch."):
            registry.register_builtin(cls)

    def __init__(self, trainable: bool = True, name: str | None = None, dtype=None, **kwargs):
        unknown = set(kwargs) - _LAYER_KWARGS
        if unknown:
            raise TypeError(unknown_kwargs_message(type(self), unknown, _LAYER_KWARGS))
        super().__init__()
        # One dict update instead of twenty attribute assignments through __setattr__: every layer
        # pays this, and a 10,000-layer graph pays it 10,000 times.
        self.__dict__.update(
            # Keras runs layers in inference mode unless fit() or training=True says otherwise;
            # torch modules start in training mode, so we start every layer in eval mode.
            training=False,
            name=name if name is not None else unique_name(to_snake_case(type(self).__name__)),
            _trainable=trainable,
            built=False,
            _inbound_nodes=[],
            _weight_records=[],  # (parameter attribute, trainable)
            _weight_layouts={},  # parameter attribute -> WeightLayout
            _initial_weights=kwargs.get("weights"),
            _layer_losses=[],
            _regularizers=[],  # (parameter attribute, regularizer callable)
            _constraints={},
            input_spec=None,
            supports_masking=getattr(self, "supports_masking", False),
            _dtype=dtype,
            _activity_losses=[],  # this call's activity-regularization losses
            activity_regularizer=regularizers.get(kwargs.get("activity_regularizer")),
            # Sequential reads the first layer's input shape from these Keras arguments.
            _batch_input_shape=_batch_input_shape_from_kwargs(kwargs),
            _input_dtype=kwargs.get("input_dtype", dtype),
        )

    # ------------------------------------------------------------------ weights
    def add_weight(self, name: str | None = None, shape=(), initializer=None, trainable: bool = True,
                   regularizer=None, constraint=None, dtype=None, layout: WeightLayout | None = None, **kwargs):
        """Create a weight in Keras's layout ``shape``: a ``Variable`` (an nn.Parameter with Keras's
        variable API: ``assign``, ``assign_add``, ``numpy()``, ``path``), registered on this layer.

        Takes Keras 2's order (``add_weight(name, shape, ...)``) and Keras 3's (``add_weight(shape,
        initializer, ...)``: a shape given first is taken as the shape). ``layout`` stores it in another
        layout (torch's) and converts in get_weights/set_weights.
        Example: ``self.kernel = self.add_weight(shape=(d, u), initializer="random_normal", name="kernel")``.
        """
        if isinstance(name, (tuple, list, int)):
            # Keras 3 order, add_weight(shape, initializer, ...): the second positional is the initializer.
            second = shape
            name, shape = None, name
            if initializer is None and (isinstance(second, str) or callable(second)):
                initializer = second
        unknown = set(kwargs) - _ADD_WEIGHT_IGNORED
        if unknown:
            raise TypeError(f"add_weight() got unexpected keyword argument(s) {sorted(unknown)}. It takes name, "
                            "shape, initializer, dtype, trainable, regularizer, constraint.")
        keras_name = name if name is not None else unique_name("variable", zero_based=True)
        name = name if name is not None else "weight"
        if initializer is None:  # Keras's default: glorot_uniform for floats, zeros otherwise
            initializer = "glorot_uniform" if to_torch_dtype(dtype or self._dtype).is_floating_point else "zeros"
        if isinstance(shape, int):
            shape = (shape,)
        init = initializers.get(initializer) or initializers.get("zeros")
        value = init(tuple(shape), dtype=to_torch_dtype(dtype or self._dtype))
        device = self._device()
        if layout is not None:
            value = layout.from_keras(value)
            self._weight_layouts[name] = layout
        attr = name
        while (attr in self._parameters or attr in self.__dict__ or attr in self._modules
               or attr in self._buffers or hasattr(type(self), attr)):
            attr = attr + "_"
        if value.device != device:
            value = value.to(device)
        param = Variable(value.contiguous(), requires_grad=trainable and self._trainable, name=keras_name,
                         path=call_context.weight_path(self.name, keras_name))
        if _PARAMETER_HOOKS is None or _PARAMETER_HOOKS:
            self.register_parameter(attr, param)
        else:
            # What register_parameter does when no global registration hook is set, without its
            # hasattr(self, attr) probe: for a new name that runs __getattr__ and raises (slow,
            # once per weight of every layer); the loop above has checked that `attr` is free.
            self._parameters[attr] = param
        self._weight_records.append((attr, trainable))
        if layout is not None and attr != name:
            self._weight_layouts[attr] = layout
        if regularizer is not None:
            self._regularizers.append((attr, regularizers.get(regularizer)))
        if constraint is not None:
            self._constraints[attr] = constraints.get(constraint)
        return param

    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get("_parameters")
        if params is not None:
            # isinstance(x, nn.Parameter) runs a Python __instancecheck__: test for tensors first.
            if not isinstance(value, (torch.Tensor, nn.Module)):
                if name not in params and name not in d["_modules"] and name not in d["_buffers"]:
                    # Plain values (most attributes, and `training` in train()/eval()) skip torch's
                    # registration logic, unless they replace a registered parameter, buffer or module.
                    object.__setattr__(self, name, value)
                    return
            elif isinstance(value, nn.Parameter):
                if params.get(name) is value:  # `self.kernel = self.add_weight("kernel")`: registered already
                    return
                # `self.W = self.add_weight(name="kernel")`: the weight is registered once, as "kernel";
                # the alias names the registered key (not the object), so parameters() and state_dict()
                # list it once and `self.W` follows the key when torch swaps the parameter
                # (functional_call in shape inference, module conversions).
                for key, p in params.items():
                    if p is value:
                        d.pop(name, None)
                        aliases = d.get("_weight_aliases")
                        if aliases is None:
                            aliases = d["_weight_aliases"] = {}
                        aliases[name] = key
                        return
        super().__setattr__(name, value)

    def __getattr__(self, name):
        # Python calls this only when normal lookup fails: for torch's registered weights,
        # buffers and sublayers (kept in dicts, not in __dict__), and for misses (hasattr probes).
        d = self.__dict__
        params = d.get("_parameters")
        if params is not None:
            if name in params:  # weights (self.kernel) on the hot path
                return params[name]
            if name in d["_buffers"]:
                return d["_buffers"][name]
            if name in d["_modules"]:
                return d["_modules"][name]
            aliases = d.get("_weight_aliases")
            if aliases is not None and name in aliases:
                return params[aliases[name]]
        # torch would answer an AttributeError raised inside a property (such as `.output` on a
        # layer with several nodes) with "object has no attribute"; re-run the property so that its
        # own explanation reaches the user.
        prop = getattr(type(self), name, None)
        if isinstance(prop, property):
            prop.fget(self)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

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
        return [m for m in self._modules.values() if isinstance(m, Layer)]

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

    # ------------------------------------------------------------------ build / call
    def build(self, input_shape) -> None:
        """Create the weights for ``input_shape`` (a tuple with None for the batch dimension)."""
        self.built = True

    def call(self, inputs, *args, **kwargs):
        return inputs

    def forward(self, *args, **kwargs):
        out = self.call(*args, **kwargs)
        if self.activity_regularizer is not None:
            # Keras adds regularizer(output) / batch_size to the layer's losses on each call.
            for t in pytree.tree_leaves(out):
                if isinstance(t, torch.Tensor) and t.dim() > 0:
                    self._activity_losses.append(self.activity_regularizer(t) / t.shape[0])
        return out

    def compute_output_shape(self, input_shape):
        """Output shape for ``input_shape``. The default runs ``call`` on the meta device."""
        raise _UseMetaInference

    def compute_mask(self, inputs, mask=None):
        return mask if self.supports_masking else None

    def _maybe_build(self, input_shape) -> None:
        if self.built:
            return
        try:
            self.build(_as_shape_struct(input_shape))
        except (ValueError, TypeError) as e:
            if f'"{self.name}"' not in str(e) and f"'{self.name}'" not in str(e):
                _add_note(e, f'(raised while building layer "{self.name}" ({type(self).__name__}) '
                             f"for input shape {input_shape})")
            raise
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def _build_for_eager_call(self, input_shape) -> None:
        """Build before the first call on real tensors (Model: a subclassed model lets call() build)."""
        self._maybe_build(input_shape)

    def __call__(self, *args, **kwargs):
        if not self.built and not self.__dict__.get("_in_first_call"):
            return self._first_call(args, kwargs)
        if call_context.loss_owners:  # losses added by the previous call of this layer are stale
            self._clear_call_losses()
        if self._activity_layers:
            for layer in self._activity_layers:  # losses of the previous call are stale
                layer._activity_losses.clear()
        # Fast path: one tensor in (the common eager case).
        if len(args) == 1 and not kwargs and isinstance(args[0], torch.Tensor):
            if not self.built:
                self._build_for_eager_call(tuple(args[0].shape))
            if _takes_training(self):  # Keras: an enclosing call's `training` reaches this call
                training = call_context.current_training()
                if training is not None:
                    return nn.Module.__call__(self, args[0], training=training)
            return nn.Module.__call__(self, args[0])
        if len(args) == 1 and not kwargs and isinstance(args[0], KerasTensor):
            return self._symbolic_call(args, kwargs)  # graph building, one input
        if any(isinstance(x, KerasTensor) for x in pytree.tree_leaves((args, kwargs))):
            return self._symbolic_call(args, kwargs)
        return self._eager_call(args, kwargs)

    def _first_call(self, args, kwargs):
        """The call that builds the layer, inside its name scope: weights its sublayers create while it
        builds get paths under its name (``my_model/dense/kernel``), as in Keras 3."""
        self.__dict__["_in_first_call"] = True
        try:
            with call_context.name_scope(self.name):
                return self.__call__(*args, **kwargs)
        finally:
            self.__dict__["_in_first_call"] = False

    def _drop_unaccepted(self, kwargs):
        """Keras's Layer.__call__ takes ``training=`` for every layer and passes it on only when
        ``call`` declares it (``Identity()(x, training=False)`` is fine; ``mask=`` is not dropped)."""
        if "training" in kwargs and not call_accepts(self, "training"):
            kwargs = {k: v for k, v in kwargs.items() if k != "training"}
        return kwargs

    def _eager_call(self, args, kwargs):
        given = kwargs.get("training")
        kwargs = self._drop_unaccepted(kwargs)
        if given is not None and "training" not in kwargs and given is not call_context.current_training():
            # Keras: a call() without `training` still passes an explicit value to the layers it calls.
            token = call_context.set_training(given)
            try:
                return self._eager_call(args, kwargs)
            finally:
                call_context.reset_training(token)
        device = self._device()
        args, kwargs = pytree.tree_map(lambda v: _to_tensor(v, device), (args, kwargs))
        if not self.built:
            first = args[0] if args else kwargs.get("inputs")
            self._build_for_eager_call(pytree.tree_map(lambda t: tuple(t.shape) if isinstance(t, torch.Tensor) else t,
                                              first))
        if _takes_training(self):
            training = kwargs.get("training")
            if training is None:  # not given: the enclosing call's value, as Keras passes it down
                training = call_context.current_training()
                if training is not None:
                    kwargs = {**kwargs, "training": training}
            elif training is not call_context.current_training():
                # An explicit value holds for the layers this call runs, too.
                token = call_context.set_training(training)
                try:
                    return nn.Module.__call__(self, *args, **kwargs)
                finally:
                    call_context.reset_training(token)
        return nn.Module.__call__(self, *args, **kwargs)

    def _symbolic_call(self, args, kwargs):
        kwargs = self._drop_unaccepted(kwargs) if kwargs else kwargs
        first = args[0] if args else kwargs.get("inputs")
        input_shape = _shape_struct(first)
        self._maybe_build(input_shape)  # a no-op once built
        assert_input_compatibility(self.input_spec, _flat_shapes(first), self.name)
        outputs = self._infer_outputs(args, kwargs, input_shape)
        Node(self, args, kwargs, outputs)
        return outputs

    def _infer_outputs(self, args, kwargs, input_shape):
        """KerasTensors (shape, dtype, mask flag) for the outputs of this call."""
        if len(args) == 1 and not kwargs and isinstance(args[0], KerasTensor):
            in_tensors = [args[0]]
        else:
            in_tensors = [x for x in pytree.tree_leaves((args, kwargs)) if isinstance(x, KerasTensor)]
        try:
            shape = self.compute_output_shape(_as_shape_struct(input_shape))
            dtype = self._output_dtype(in_tensors)
            out = _make_outputs(shape, dtype)
        except _UseMetaInference:
            out = pytree.tree_map(lambda t: KerasTensor(t[0], t[1]), self._meta_infer(args, kwargs),
                                  is_leaf=lambda v: isinstance(v, tuple) and len(v) == 2
                                  and isinstance(v[1], torch.dtype))
        self._infer_masks(args, kwargs, in_tensors, out)
        for t in ([out] if isinstance(out, KerasTensor) else pytree.tree_leaves(out)):
            t.name = self.name
        return out

    def _output_dtype(self, in_tensors):
        if in_tensors and not self._weight_records and not in_tensors[0].torch_dtype.is_floating_point:
            return in_tensors[0].torch_dtype
        if in_tensors and in_tensors[0].torch_dtype.is_floating_point and not self._weight_records:
            return in_tensors[0].torch_dtype
        return to_torch_dtype(self._dtype)

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable, "dtype": dtype_name(to_torch_dtype(self._dtype))}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = self._batch_input_shape
        return config

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def _saveable_children(self) -> list[tuple[str, "Layer | list[Layer]"]]:
        """(attribute, layer or list of layers) that a Keras 3 weights file keeps in groups of their own
        (Bidirectional's forward_layer/backward_layer, RNN's cell, a wrapper's layer, a model's layers);
        none for a layer whose weights are all its own."""
        return []

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

    def extra_repr(self) -> str:
        return f"name={self.name!r}"


class _UseMetaInference(Exception):
    """Raised by the default compute_output_shape: infer the shape on the meta device instead."""


registry.register_builtin(Layer)


def _unique(weights):
    seen, out = set(), []
    for w in weights:
        if id(w) not in seen:
            seen.add(id(w))
            out.append(w)
    return out


def _add_note(e: BaseException, note: str) -> None:
    if hasattr(e, "add_note"):
        e.add_note(note)


def _batch_input_shape_from_kwargs(kwargs) -> tuple | None:
    if kwargs.get("batch_input_shape") is not None:
        return tuple(kwargs["batch_input_shape"])
    if kwargs.get("input_shape") is not None:
        return (kwargs.get("batch_size"),) + tuple(kwargs["input_shape"])
    if kwargs.get("input_dim") is not None:  # Keras 1/2: Dense(32, input_dim=784)
        if kwargs.get("input_length") is not None:
            return (kwargs.get("batch_size"), kwargs["input_length"], kwargs["input_dim"])
        return (kwargs.get("batch_size"), kwargs["input_dim"])
    return None


def _shape_struct(x):
    """The shape (or list / dict of shapes) of a KerasTensor structure."""
    if isinstance(x, KerasTensor):
        return x.shape
    if isinstance(x, (list, tuple)):
        return [_shape_struct(v) for v in x]
    if isinstance(x, dict):
        return {k: _shape_struct(v) for k, v in x.items()}
    if isinstance(x, torch.Tensor):
        return tuple(x.shape)
    return None


def _flat_shapes(x):
    if isinstance(x, KerasTensor):
        return x.shape
    if isinstance(x, (list, tuple)):
        return [v.shape for v in x if isinstance(v, KerasTensor)]
    return None


def _as_shape_struct(s):
    if isinstance(s, list):
        return [_as_shape_struct(v) for v in s]
    if isinstance(s, dict):
        return {k: _as_shape_struct(v) for k, v in s.items()}
    return tuple(s) if s is not None else None


def _is_shape(s) -> bool:
    if not isinstance(s, tuple):
        return False
    for d in s:
        if d is not None and not isinstance(d, int):
            return False
    return True


def _make_outputs(shape, dtype):
    if _is_shape(shape):
        return KerasTensor(shape, dtype)
    if isinstance(shape, (list, tuple)):
        return [_make_outputs(s, dtype) for s in shape]
    if isinstance(shape, dict):
        return {k: _make_outputs(s, dtype) for k, s in shape.items()}
    raise TypeError(f"compute_output_shape returned {shape!r}; expected a shape tuple, a list or a dict of them.")


def _to_tensor(value, device):
    """numpy arrays and Python lists become tensors on ``device`` (floats as float32, as Keras's floatx)."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "USO":  # strings stay numpy: only string-taking layers (StringLookup) read them
            return value
        t = torch.from_numpy(np.ascontiguousarray(value))
        if t.dtype == torch.float64:
            t = t.float()
        return t.to(device)
    if isinstance(value, torch.Tensor) and value.device != device and device.type != "cpu" and value.device.type == "cpu":
        return value.to(device)
    return value


_ACCEPTS: dict = {}
_TAKES_TRAINING: dict = {}


def _takes_training(layer: "Layer") -> bool:
    """Whether the layer's ``call`` takes ``training`` (cached per class: one dict lookup per call)."""
    known = _TAKES_TRAINING.get(type(layer))
    if known is None:
        known = _TAKES_TRAINING[type(layer)] = call_accepts(layer, "training")
    return known


def call_accepts(layer: Layer, arg: str) -> bool:
    """Whether ``layer.call`` takes the keyword ``arg`` (training, mask); cached per class."""
    key = (type(layer), arg)
    cached = _ACCEPTS.get(key) if "call" not in layer.__dict__ else None
    if cached is not None:
        return cached
    try:
        result = arg in inspect.signature(layer.call).parameters
    except (TypeError, ValueError):
        result = False
    if "call" not in layer.__dict__:  # an instance-level call() override is not cached
        _ACCEPTS[key] = result
    return result
