"""Model: a graph of layer calls from Input tensors to output tensors, as a ``torch.nn.Module``.

Example::

    >>> inputs = Input(shape=(784,))
    >>> x = Dense(64, activation="relu")(inputs)
    >>> outputs = Dense(10, activation="softmax")(x)
    >>> model = Model(inputs=inputs, outputs=outputs)
    >>> model(torch.rand(2, 784)).shape                 # a torch module: runs on tensors
    torch.Size([2, 10])
    >>> y = model(Input(shape=(784,)))                  # and a layer: records a node, shares weights

``forward`` runs a plan computed once here (``GraphPlan``); the trainer (compile/fit/...) comes
from the ``Trainer`` mixin.
"""
from __future__ import annotations


import torch
from torch import nn
from torch.nn.modules import module as _torch_module
from torch.utils import _pytree as pytree

from ..generations import current
from ..naming import model_name, to_snake_case, unique_name
from ..legacy import CALLS, rename_call
from ..saving.archive import save_model
from ..saving.saving_api import load_weights, save_weights
from . import data_checks as _checks
from . import call_context, gc_window, registry
from .factory_device import running_on
from .graph import layers_in_keras_order, make_plan
from .keras_tensor import KerasTensor
from .model_config import functional_config, functional_from_config, to_json
from .subclass_config import subclassed_config, subclassed_from_config
from .layer import _CPU, Layer, _to_tensor
from .node import Node
from .op_layer import TorchOpLayer
from .trainer import Trainer


# torch's global module-registration hooks: _add_layer_module takes add_module's path if one is set.
_MODULE_HOOKS = getattr(_torch_module, "_global_module_registration_hooks", None)


class Model(Trainer, Layer):
    """A functional model (``Model(inputs, outputs)``), or the base of a subclassed model."""

    def __init__(self, inputs=None, outputs=None, name=None, trainable=True, **kwargs):
        if kwargs:  # Keras 1: Model(input=..., output=...)
            inputs, outputs = rename_call("Model", CALLS["Model"], kwargs, inputs=inputs, outputs=outputs)
        if name is None:
            # A user's subclass is named after its class (MyModel -> my_model), as in Keras 2 and 3.
            cls = type(self)
            name = model_name(self._kind()) if cls.__module__.startswith("kfunc_torch.") \
                else unique_name(to_snake_case(cls.__name__))
        super().__init__(name=name,
                         trainable=trainable, **kwargs)
        self._init_trainer()
        self._is_graph_network = False
        self._plan = None
        self._outputs_masked = False
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ValueError("Model() needs both inputs and outputs: Model(inputs=..., outputs=...). "
                                 f"Received inputs={inputs!r}, outputs={outputs!r}.")
            self._init_graph(inputs, outputs)

    @staticmethod
    def _kind() -> str:
        return "functional"

    # ------------------------------------------------------------------ graph
    def _init_graph(self, inputs, outputs) -> None:
        # Keras flattens a dict by sorted key (its tree utilities): that order is the order of
        # model.inputs/outputs, get_weights, predict's outputs and summary rows. Keeping the dicts in
        # sorted order makes every later flatten (torch's pytree keeps insertion order) agree.
        inputs, outputs = _sorted_dict(inputs), _sorted_dict(outputs)
        self._input_struct = inputs
        self._output_struct = outputs
        self.inputs = _flatten_io(inputs, "inputs", self.name)
        self.outputs = _flatten_io(outputs, "outputs", self.name)
        for i, t in enumerate(self.inputs):
            layer = t._keras_history.layer
            from .input_layer import InputLayer
            if not isinstance(layer, InputLayer):
                raise ValueError(
                    f"Model {self.name!r}: input {i} must be a tensor returned by Input(), but it is the "
                    f"output of layer {layer.name!r} ({type(layer).__name__}). Pass the Input tensor(s) the "
                    "graph starts from as inputs.")
        if len({id(t) for t in self.inputs}) != len(self.inputs):
            raise ValueError(f"Model {self.name!r}: the same Input is given twice in inputs.")
        self._plan = make_plan(self.inputs, self.outputs, self.name)
        self._layers = layers_in_keras_order(self.inputs, self.outputs, self._plan.nodes, self._plan.layer_depth)
        names = {}
        for layer in self._layers:
            names[layer.name] = names.get(layer.name, 0) + 1
        dup = [n for n, c in names.items() if c > 1]
        if dup:
            raise ValueError(f'The name "{dup[0]}" is used {names[dup[0]]} times in the model. '
                             "All layer names should be unique: pass a different name= to one of them.")
        self._network_nodes = {id(n) for n in self._plan.nodes}
        self._outputs_masked = any(t._has_mask for t in self.outputs)
        # Register layers as submodules so parameters(), state_dict() and .to() see them.
        # Keys are layer names: state_dict keys read like "dense_1.kernel".
        for key in list(self._modules):
            if isinstance(self._modules[key], Layer):
                del self._modules[key]
        for layer in self._layers:
            self._add_layer_module(layer)
        self._is_graph_network = True
        self.built = True
        # Calling the model on new tensors checks their shapes against its inputs at graph time.
        from .input_spec import InputSpec
        specs = [InputSpec(shape=(None,) + tuple(t.shape[1:])) for t in self.inputs]
        self.input_spec = specs if len(specs) > 1 else specs[0]
        self._single_input = len(self.inputs) == 1
        self._input_ranks = [len(t.shape) for t in self.inputs]
        # predict_on_batch's fast path: one float32 input whose shape after the batch is known.
        tail = tuple(self.inputs[0].shape[1:])
        fixed = self._single_input and None not in tail and self.inputs[0].torch_dtype is torch.float32
        self._predict_tail = tail if fixed else None
        self.input_names = [t._keras_history.layer.name for t in self.inputs]
        self.output_names = [t._keras_history.layer.name for t in self.outputs]
        # Node 0 of a model links its own inputs to its outputs (as in Keras), so a model used as a
        # layer in another model shows "model_1[1][0]" in "Connected to".
        self._inbound_nodes = []
        Node(self, (self._input_struct,), {}, self._output_struct, set_history=False)

    def _device(self):
        # The first layer that has a weight tells the device, without a walk over all parameters;
        # cached, since reading a tensor's .device costs microseconds in predict_on_batch.
        cached = self.__dict__.get("_device_cache")
        if cached is not None:
            return cached
        device = None
        if self._is_graph_network:
            device = next((p.device for layer in self._layers for p in layer._parameters.values()
                           if p is not None), None)
        device = device or super()._device()
        if device.type == "cpu":
            device = _CPU  # one object, so the hot path can test `model._device() is _CPU`
        object.__setattr__(self, "_device_cache", device)
        return device

    def _apply(self, fn, *args, **kwargs):
        # .to(), .cuda(), .cpu() and .half() all go through here: forget the cached device.
        self.__dict__.pop("_device_cache", None)
        return super()._apply(fn, *args, **kwargs)

    def _add_layer_module(self, layer: Layer) -> None:
        """Register ``layer`` as a submodule under its name (see _module_key)."""
        key = self._module_key(layer.name)
        if _MODULE_HOOKS is None or _MODULE_HOOKS or key in self._parameters or key in self._buffers:
            self.add_module(key, layer)  # torch's checks and hooks
        else:
            # What add_module does when no global registration hook is set, without its
            # hasattr(self, key) probe (an AttributeError per layer); _module_key made `key` free.
            self._modules[key] = layer

    def _module_key(self, name: str) -> str:
        """The submodule key of a layer: its name, unless that clashes with an attribute."""
        key = name.replace(".", "_").replace("/", "_") or "_"
        if hasattr(type(self), key) or key in self.__dict__:
            key = f"layer_{key}"
        return key

    @property
    def input(self):
        """The model's input tensor(s), as given to Model(); also once it is reused as a layer."""
        if self._is_graph_network:
            return self._input_struct
        return super().input

    @property
    def output(self):
        if self._is_graph_network:
            return self._output_struct
        return super().output

    @property
    def layers(self) -> list[Layer]:
        """The model's layers in Keras's order. Keras 3 records arithmetic on symbolic tensors as
        operations, not layers: under compat "keras3" the op layers stay out of this list (summary()
        still shows them, as Keras 3's does)."""
        if self._is_graph_network:
            if not current().ops_are_layers:
                return [layer for layer in self._layers if not isinstance(layer, TorchOpLayer)]
            return list(self._layers)
        return self._sublayers()

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A layer by ``name`` or by ``index`` into ``model.layers``."""
        if index is not None and name is not None:
            raise ValueError("get_layer() takes a name or an index, not both.")
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"get_layer(index={index}): model {self.name!r} has only "
                                 f"{len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        from .suggest import did_you_mean
        names = [l.name for l in self.layers]
        raise ValueError(f"No such layer: {name!r}.{did_you_mean(name, names)} The layers of model {self.name!r} "
                         f"are: {names}.")

    def _weight_order(self):
        if not self._is_graph_network:
            return super()._weight_order()
        out = [self]
        for layer in self._layers:
            out.extend(layer._flatten_layers())
        return out

    # ------------------------------------------------------------------ running
    def forward(self, *args, training=None, mask=None):
        """Run the model. Takes one tensor per input: positionally, as a list, or a dict by input name."""
        if training is None:  # not given: what an enclosing call (fit, an outer model) says
            training = call_context.current_training()
            token = None
        else:  # the layers this call runs (inside custom layers too) receive it
            token = call_context.set_training(training)
        try:
            device = self._device()
            if device is not _CPU:  # tensors made inside layers (K.random_normal in a Lambda) go there too
                with running_on(device):
                    return self._forward(args, training, mask)
            return self._forward(args, training, mask)
        finally:
            if token is not None:
                call_context.reset_training(token)

    def _forward(self, args, training, mask=None):
        if gc_window.HELD[0]:  # the collector held since graph building: a real computation releases it
            gc_window.release_for_run()
        if call_context.loss_owners:  # a new pass: the losses its layers added last time are stale
            self._clear_call_losses()
        if self._activity_layers:
            for layer in self._activity_layers:  # the previous call's activity losses are stale
                layer._activity_losses.clear()
        if not self._is_graph_network:
            kw = {"training": training} if _accepts_training(self) else {}
            if mask is not None:  # from the input's _keras_mask (engine/masking.py) or given
                kw["mask"] = mask
            return self.call(*args, **kw)
        if self._single_input and len(args) == 1 and isinstance(args[0], torch.Tensor):
            values = [args[0]]
        else:
            values = self._input_values(args)
        if [getattr(v, "ndim", None) for v in values] != self._input_ranks:  # Keras's one-axis rule, as in fit
            values = [v if getattr(v, "ndim", None) is None else _checks.adjust_rank(tuple(t.shape), v)
                      for t, v in zip(self.inputs, values)]
            wrong = _checks.explain_call_failure(self, values)
            if wrong is not None:  # a rank still off: refused before a layer broadcasts or flattens it away
                raise wrong
        try:
            if mask is None and not self._outputs_masked:
                outs = self._plan.run(values, training)
            else:  # masks enter (a nested model) or leave (an Embedding inside): track them
                outs, out_masks = self._plan.run_masked(values, training, self._mask_list(mask))
                # read by compute_mask, which the enclosing graph calls right after this call
                self.__dict__["_last_out_masks"] = (id(values[0]), out_masks)
        except (RuntimeError, IndexError, ValueError) as e:
            clear = _checks.explain_call_failure(self, values)
            if clear is None:
                raise
            raise clear from e
        n_extra = self.__dict__.get("_n_symbolic_extras")
        if n_extra:  # model.add_loss/add_metric tensors ride along as extra outputs of the plan
            outs, extras = outs[:-n_extra], outs[-n_extra:]
            self._record_symbolic_extras(extras)
        return self._pack_outputs(outs)

    # ------------------------------------------------------------------ model.add_loss(symbolic tensor)
    def _add_symbolic_loss(self, tensor) -> None:
        """Keras 2's ``model.add_loss(expression of the model's tensors)``: computed on every pass."""
        self.__dict__.setdefault("_symbolic_losses", []).append(tensor)
        self._rebuild_with_extras()

    def _add_symbolic_metric(self, tensor, name) -> None:
        if name is None:
            raise ValueError("add_metric() needs a name= for the metric it adds.")
        self.__dict__.setdefault("_symbolic_metrics", []).append((tensor, name))
        self._rebuild_with_extras()

    def _rebuild_with_extras(self) -> None:
        if not self._is_graph_network:
            raise ValueError(f"Model {self.name!r}: add_loss()/add_metric() with a symbolic tensor needs a "
                             "functional model (Model(inputs, outputs)); in a subclassed model, add the "
                             "loss computed in call().")
        extras = list(self.__dict__.get("_symbolic_losses", [])) + \
            [t for t, _ in self.__dict__.get("_symbolic_metrics", [])]
        # The plan computes the extras too (a tensor that needs other inputs raises here, naming them).
        self._plan = make_plan(self.inputs, list(self.outputs) + extras, self.name)
        self._n_symbolic_extras = len(extras)

    def _record_symbolic_extras(self, extras) -> None:
        n_loss = len(self.__dict__.get("_symbolic_losses", ()))
        for value in extras[:n_loss]:
            self.add_loss(value if value.dim() == 0 else value.sum())  # Keras sums a non-scalar loss
        for value, (_, name) in zip(extras[n_loss:], self.__dict__.get("_symbolic_metrics", ())):
            self.add_metric(value, name=name)

    def _mask_list(self, mask) -> list:
        """One mask (or None) per model input, from a mask, a list of them or a dict by input key."""
        if mask is None:
            return [None] * len(self.inputs)
        if isinstance(mask, dict):
            return [mask.get(k) for k in self._input_keys()]
        if isinstance(mask, (list, tuple)):
            return list(mask) + [None] * (len(self.inputs) - len(mask))
        return [mask] + [None] * (len(self.inputs) - 1)

    def compute_mask(self, inputs, mask=None):
        """The masks of the outputs, as Keras propagates them through the graph: a nested model
        passes its input masks on to its layers (an LSTM inside skips masked steps), and its
        outputs' masks on to the layers after it."""
        if not self._is_graph_network:
            return super().compute_mask(inputs, mask)
        stash = self.__dict__.pop("_last_out_masks", None)
        values = self._input_values((inputs,))
        if stash is not None and stash[0] == id(values[0]):
            out_masks = stash[1]
        elif mask is None and not self._outputs_masked:
            return None
        else:  # a symbolic call (meta tensors), or compute_mask called on its own
            masks = self._mask_list(mask)
            if any(isinstance(v, torch.Tensor) and v.device.type == "meta" for v in values):
                # graph building: which outputs carry masks, found on small stand-ins on the
                # model's device (its weights are not on the meta device)
                dev = self._device()
                values = [torch.zeros(v.shape, dtype=v.dtype, device=dev) for v in values]
                masks = [None if m is None else torch.ones(m.shape, dtype=torch.bool, device=dev) for m in masks]
            try:
                with torch.no_grad():
                    _, out_masks = self._plan.run_masked(values, None, masks)
            except Exception:  # a layer that cannot run on these stand-ins: no mask, as before
                return None
        out_masks = out_masks[:len(self.outputs)]  # without add_loss/add_metric extras
        if all(m is None for m in out_masks):
            return None
        return self._pack_outputs(out_masks)

    def call(self, inputs, training=None, mask=None):
        if not self._is_graph_network:
            raise NotImplementedError(
                f"Model {self.name!r} has no graph: either build it as Model(inputs, outputs), or subclass "
                "Model and define call().")
        return self.forward(inputs, training=training, mask=mask)

    def _input_values(self, args):
        n = len(self.inputs)
        while len(args) > n and args[-1] is None:
            # torch.onnx's TorchScript exporter passes forward's defaults positionally (a trailing None).
            args = args[:-1]
        if len(args) == 1:
            x = args[0]
            if isinstance(x, dict):
                keys = self._input_keys()
                missing = [k for k in keys if k not in x]
                if missing:
                    raise ValueError(f"Model {self.name!r} expects inputs named {keys}; the dict "
                                     f"given lacks {missing} (it has {sorted(x)}).")
                return [x[k] for k in keys]
            if isinstance(x, (list, tuple)) and n > 1 or (isinstance(x, (list, tuple)) and len(x) == n == 1):
                args = tuple(x)
        if len(args) != n:
            raise ValueError(f"Model {self.name!r} expects {n} input(s) {self.input_names}, but received "
                             f"{len(args)}. Pass them as a list in this order, or as a dict by name.")
        return list(args)

    def _input_keys(self) -> list:
        """Keys of a dict of input values: the keys of a dict given as Model(inputs=...), else the
        Input layers' names (Keras accepts both)."""
        if isinstance(self._input_struct, dict):
            return list(self._input_struct.keys())
        return self.input_names

    def _pack_outputs(self, outs):
        struct = self._output_struct
        if isinstance(struct, KerasTensor):
            return outs[0]
        if isinstance(struct, dict):
            return dict(zip(struct.keys(), outs))
        return list(outs)

    def compute_output_shape(self, input_shape):
        if self._is_graph_network:
            own = [t.shape for t in self.inputs]
            given = input_shape if isinstance(input_shape, list) and len(self.inputs) > 1 else [input_shape]
            if isinstance(input_shape, dict):
                given = [input_shape.get(n) for n in self.input_names]
            if [tuple(s) for s in given] == own:
                return pytree.tree_map(lambda t: t.shape, self._output_struct,
                                       is_leaf=lambda v: isinstance(v, KerasTensor))
        return super().compute_output_shape(input_shape)

    def _build_for_eager_call(self, input_shape) -> None:
        if not self._is_graph_network and type(self).build is Model.build:
            # As in Keras 3: a subclassed model's sublayers build during its first real call, which
            # then runs once (no extra run on zeros: a call with side effects would see two).
            self.built = True
            self.__dict__["_build_input_shape"] = input_shape  # saved as build_config
            return
        self._maybe_build(input_shape)

    def build(self, input_shape):
        if self._is_graph_network:
            return
        # Subclassed model: run once on zeros so that every sublayer builds its weights.
        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        xs = [torch.zeros([1 if d is None else d for d in s], device=self._device()) for s in shapes]
        self.built = True
        with torch.no_grad():
            self(*xs) if len(xs) > 1 else self(xs[0])

    # ------------------------------------------------------------------ presentation
    def reset_states(self) -> None:
        """Zero the carried states of every stateful layer in the model (Keras 2's ``Model.reset_states``;
        nested models included). Example: ``model.reset_states()`` between two independent sequences."""
        for layer in self._flatten_layers(include_self=False):
            if getattr(layer, "stateful", False) is True and callable(getattr(layer, "reset_states", None)) \
                    and not isinstance(layer, Model):
                layer.reset_states()

    def export(self, filepath, format="onnx", verbose=None, input_signature=None, **kwargs):
        """Keras 3's ``model.export``: ``format="onnx"`` (ONNX Runtime and friends) or ``"torch"`` (a
        ``torch.export`` program, ``.pt2``); the batch axis stays dynamic. See ``kfunc_torch.export``.

        Example: ``model.export("model.onnx", format="onnx")``.
        """
        from ..export import export_model
        return export_model(self, filepath, format=format, verbose=verbose, input_signature=input_signature,
                            **kwargs)

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, style=None, layer_range=None, show_mult_adds=False):
        """Print the Keras summary table (style 'keras2', 'tf2' or 'keras3'; default from compat);
        ``show_mult_adds=True`` adds torchinfo's mult-adds and memory estimates below it."""
        from ..summary import print_summary
        return print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                             expand_nested=expand_nested, show_trainable=show_trainable, style=style,
                             layer_range=layer_range, show_mult_adds=show_mult_adds)

    def _saveable_children(self):
        # A graph's layers are saved under "layers", keyed and matched as Keras 3 does; a subclassed
        # model keeps its weights in its own "vars".
        return [("layers", self.layers)] if self._is_graph_network else []

    # ------------------------------------------------------------------ saving (files: kfunc_torch/saving/)
    def save(self, filepath, overwrite=True, include_optimizer=True, **kwargs):
        """Save architecture, weights, compile settings and optimizer state: a ``.keras`` archive (Keras 3
        loads it) or a Keras 2 ``.h5``. Example: ``model.save("m.keras")``."""
        save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Save the weights (``.weights.h5``: Keras 3 layout; ``.h5``: Keras 2's).
        Example: ``model.save_weights("m.weights.h5")``."""
        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, by_name=False):
        """Load weights saved by us, Keras 3 or Keras 2 (``.weights.h5``, ``.h5``, ``.keras``).
        Example: ``model.load_weights("m.weights.h5")``."""
        load_weights(self, filepath, skip_mismatch=skip_mismatch, by_name=by_name)

    def to_json(self, **kwargs):
        """The architecture as Keras 3 JSON. Example: ``model_from_json(model.to_json())``."""
        return to_json(self, **kwargs)

    def get_config(self):
        """The graph config (layers with their calls, input_layers, output_layers), as Keras 3 writes it.

        Example: ``Model.from_config(model.get_config())``."""
        if not self._is_graph_network:  # a subclassed model: its arguments (engine/subclass_config.py)
            return subclassed_config(self)
        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """A new model (fresh weights) from ``get_config()``. Example: ``Model.from_config(model.get_config())``."""
        if cls.__module__ != __name__ and not cls.__module__.startswith("kfunc_torch.") \
                and isinstance(config, dict) and "layers" not in config and "class_name" not in config:
            return subclassed_from_config(cls, config)  # a subclass's own arguments
        return functional_from_config(config, custom_objects=custom_objects, cls=cls, safe_mode=safe_mode)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


Functional = Model
registry.register_builtin(Model, "keras.src.models.functional", "Functional", "Functional")
registry.register_aliases({"Model": Model})




def _accepts_training(model) -> bool:
    from .layer import call_accepts
    return call_accepts(model, "training")


def _sorted_dict(struct):
    """A dict with its keys in sorted order (as Keras flattens dicts); anything else unchanged.

    Example: ``_sorted_dict({"b": 1, "a": 2})`` -> ``{"a": 2, "b": 1}``."""
    if isinstance(struct, dict):
        return {k: struct[k] for k in sorted(struct)}
    return struct


def _flatten_io(struct, what: str, model_name: str) -> list[KerasTensor]:
    if isinstance(struct, KerasTensor):
        return [struct]
    if isinstance(struct, dict):
        items = list(struct.values())
    elif isinstance(struct, (list, tuple)):
        items = list(struct)
    else:
        items = [struct]
    for i, t in enumerate(items):
        if not isinstance(t, KerasTensor):
            hint = " Did you pass a numpy array or torch tensor instead of an Input()?" if hasattr(t, "shape") else ""
            raise ValueError(f"Model {model_name!r}: {what}[{i}] must be a symbolic tensor (from Input() or a "
                             f"layer call), but received {type(t).__name__}: {t!r:.80}.{hint}")
    return items
