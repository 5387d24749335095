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

from collections import OrderedDict

import torch
from torch import nn
from torch.utils import _pytree as pytree

from .. import dtype_policies as _dp, regularizers
from ..naming import to_snake_case, unique_name
from . import call_context, gc_window, masking, registry
from .gc_window import HELD
from .input_spec import assert_input_compatibility
from .keras_tensor import KerasTensor, to_torch_dtype
from .layer_calls import (_add_note, _as_shape_struct, _batch_input_shape_from_kwargs, _flat_shapes,
                          _make_outputs, _shape_struct, _takes_training, _to_tensor, call_accepts)
from .layer_weights import _CPU, WeightLayout, WeightsAPI, _unique
from .losses_api import LossAPI
from .node import Node
from .node_api import NodeAPI
from .shape_inference import MetaInference
from .suggest import unknown_kwargs_message

# Importable from here, as before the weights and call helpers moved to their own files.
__all__ = ["Layer", "WeightLayout", "call_accepts", "_CPU", "_LAYER_KWARGS", "_to_tensor", "_unique"]

_MODULE_ATTRS = ("training", "_parameters", "_buffers", "_non_persistent_buffers_set", "_backward_pre_hooks",
                 "_backward_hooks", "_is_full_backward_hook", "_forward_hooks", "_forward_hooks_with_kwargs",
                 "_forward_hooks_always_called", "_forward_pre_hooks", "_forward_pre_hooks_with_kwargs",
                 "_state_dict_hooks", "_state_dict_pre_hooks", "_load_state_dict_pre_hooks",
                 "_load_state_dict_post_hooks", "_modules")
# Layer.__init__ sets nn.Module's attributes itself only while torch's __init__ sets exactly these
# (another torch version: torch's own __init__ runs).
_MODULE_INIT_INLINE = tuple(nn.Module().__dict__) == _MODULE_ATTRS
# Call arguments that need no conversion on the CPU (the tree walk that converts arrays costs ~30 us).
_PLAIN = (torch.Tensor, bool, int, float, str, type(None))
_LAYER_KWARGS = {"input_shape", "batch_input_shape", "batch_size", "input_dim", "input_length",
                 "weights", "activity_regularizer", "autocast", "input_dtype"}


class Layer(WeightsAPI, NodeAPI, MetaInference, LossAPI, _dp.PolicyAPI, nn.Module):
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
        if kwargs:
            for key in kwargs:
                if key not in _LAYER_KWARGS:
                    unknown = {k for k in kwargs if k not in _LAYER_KWARGS}
                    raise TypeError(unknown_kwargs_message(type(self), unknown, _LAYER_KWARGS))
        d = self.__dict__
        if _MODULE_INIT_INLINE and not self.call_super_init:
            # What nn.Module.__init__ sets (17 attributes, each through super().__setattr__), in the
            # one dict update below; checked against torch's own at import (_MODULE_INIT_INLINE).
            torch._C._log_api_usage_once("python.nn_module")
            d.update(_parameters={}, _buffers={}, _non_persistent_buffers_set=set(),
                     _backward_pre_hooks=OrderedDict(), _backward_hooks=OrderedDict(), _is_full_backward_hook=None,
                     _forward_hooks=OrderedDict(), _forward_hooks_with_kwargs=OrderedDict(),
                     _forward_hooks_always_called=OrderedDict(), _forward_pre_hooks=OrderedDict(),
                     _forward_pre_hooks_with_kwargs=OrderedDict(), _state_dict_hooks=OrderedDict(),
                     _state_dict_pre_hooks=OrderedDict(), _load_state_dict_pre_hooks=OrderedDict(),
                     _load_state_dict_post_hooks=OrderedDict(), _modules={})
        else:
            nn.Module.__init__(self)
        activity = kwargs.get("activity_regularizer") if kwargs else None
        # One dict update instead of twenty attribute assignments through __setattr__: every layer
        # pays this, and a 10,000-layer graph pays it 10,000 times.
        d.update(
            # Keras runs layers in inference mode unless fit() or training=True says otherwise;
            # torch modules start in training mode, so we start every layer in eval mode.
            training=False,
            name=name if name is not None else unique_name(to_snake_case(type(self).__name__)),
            _trainable=trainable,
            built=False,
            _inbound_nodes=[],
            _weight_records=[],  # (parameter attribute, trainable)
            _weight_layouts={},  # parameter attribute -> WeightLayout
            _initial_weights=kwargs.get("weights") if kwargs else None,
            _layer_losses=[],
            _regularizers=[],  # (parameter attribute, regularizer callable)
            _constraints={},
            input_spec=None,
            supports_masking=getattr(self, "supports_masking", False),
            _dtype=dtype,
            _activity_losses=[],  # this call's activity-regularization losses
            activity_regularizer=None if activity is None else regularizers.get(activity),
            # Sequential reads the first layer's input shape from these Keras arguments.
            _batch_input_shape=_batch_input_shape_from_kwargs(kwargs) if kwargs else None,
            _input_dtype=kwargs.get("input_dtype", dtype) if kwargs else dtype,
        )
        _dp.init_layer(self, dtype)  # dtype policy: dtype_policy/compute_dtype, and the casts it needs

    # ------------------------------------------------------------------ weights
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
            elif params.get(name) is value:  # `self.kernel = self.add_weight("kernel")`: registered already
                return
            elif isinstance(value, nn.Parameter):
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
        self.__dict__["_build_input_shape"] = input_shape  # Keras 3's summary shows shapes from it
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
            if HELD[0]:  # graph building held the garbage collector: a real computation releases it
                gc_window.release_for_run()
            if getattr(args[0], "_keras_mask", None) is not None or masking.makes_masks(self):
                return self._eager_call(args, kwargs)  # a mask to pass to call() or to attach
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
        d = self.__dict__
        d["_in_first_call"] = True
        scopes = call_context._scopes  # call_context.name_scope(self.name), without a generator per layer
        scopes.append(self.name)
        try:
            return self.__call__(*args, **kwargs)
        finally:
            scopes.pop()
            d["_in_first_call"] = False

    def _drop_unaccepted(self, kwargs):
        """Keras's Layer.__call__ takes ``training=`` for every layer and passes it on only when
        ``call`` declares it (``Identity()(x, training=False)`` is fine; ``mask=`` is not dropped)."""
        if "training" in kwargs and not call_accepts(self, "training"):
            kwargs = {k: v for k, v in kwargs.items() if k != "training"}
        return kwargs

    def _eager_call(self, args, kwargs):
        if HELD[0]:
            gc_window.release_for_run()
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
        if device.type != "cpu" or not all(isinstance(v, _PLAIN) for v in (*args, *kwargs.values())):
            args, kwargs = pytree.tree_map(lambda v: _to_tensor(v, device), (args, kwargs))
        if not self.built:
            first = args[0] if args else kwargs.get("inputs")
            self._build_for_eager_call(pytree.tree_map(lambda t: tuple(t.shape) if isinstance(t, torch.Tensor) else t,
                                              first))
        masks = masking.before_call(self, args, kwargs)  # None: no mask involved
        if masks is None:
            return self._call_with_training(args, kwargs)
        kwargs, previous = masks
        outputs = self._call_with_training(args, kwargs)
        masking.after_call(self, args, kwargs, outputs, previous)
        return outputs

    def _call_with_training(self, args, kwargs):
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
        gc_window.hold()  # graph building: the collector waits for the first real computation
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
        if _dp._state["used"]:  # a float32 layer after a mixed one casts its inputs (dtype_policies.py)
            _dp.on_symbolic_inputs(self, in_tensors)
        try:
            if hasattr(type(self), "compute_output_spec"):  # a user's Keras 3 override decides
                out = self._outputs_from_spec(args, kwargs)
            else:
                out = _make_outputs(self.compute_output_shape(_as_shape_struct(input_shape)),
                                    self._output_dtype(in_tensors))
        except _UseMetaInference:
            out = pytree.tree_map(lambda t: KerasTensor(t[0], t[1]), self._meta_infer(args, kwargs),
                                  is_leaf=lambda v: isinstance(v, tuple) and len(v) == 2
                                  and isinstance(v[1], torch.dtype))
        self._infer_masks(args, kwargs, in_tensors, out)
        for t in ([out] if isinstance(out, KerasTensor) else pytree.tree_leaves(out)):
            t.name = self.name
        return out

    def _output_dtype(self, in_tensors):
        if in_tensors and not self._weight_records:
            return _dp.output_dtype(self, in_tensors[0].torch_dtype)
        return _dp.output_dtype(self, to_torch_dtype(self._dtype))

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable, "dtype": _dp.config_dtype(self)}
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
