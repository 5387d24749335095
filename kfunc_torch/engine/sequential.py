"""Sequential: a linear stack of layers, running on the same graph engine as Model.

Example::

    >>> model = Sequential()
    >>> model.add(Dense(32, activation="relu", input_shape=(64,)))
    >>> model.add(Dense(10, activation="softmax"))
    >>> model.output_shape
    (None, 10)

Without an input shape the model is built on the first data it sees (a call, fit or build()).
"""
from __future__ import annotations

import torch

from ..generations import current
from ..naming import input_layer_name, unique_name
from . import call_context, registry
from .functional import Model
from .input_layer import InputLayer
from .keras2_methods import Keras2SequentialMethods
from .keras_tensor import KerasTensor
from .layer import Layer
from .layer_config import _safe, deserialize_layer, dtype_policy, serialize_layer


class Sequential(Keras2SequentialMethods, Model):
    """A linear stack of layers. Example: ``Sequential([Dense(32, input_shape=(64,)), Dense(10)])``."""
    def __init__(self, layers=None, name=None, trainable=True, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._stack: list[Layer] = []      # the user's layers, in order (no InputLayer)
        self._stack_outputs: list[KerasTensor] = []
        for layer in layers or []:
            self.add(layer)

    @staticmethod
    def _kind() -> str:
        return "sequential"

    # Kept out of torch's submodule registry: the InputLayer is part of the graph, not a child.
    @property
    def _input_layer(self) -> InputLayer | None:
        return self.__dict__.get("_input_layer_ref")

    def _set_input_layer(self, layer: InputLayer | None) -> None:
        object.__setattr__(self, "_input_layer_ref", layer)

    def add(self, layer) -> None:
        """Append a layer (or an ``Input`` tensor, which fixes the input shape)."""
        if isinstance(layer, KerasTensor):
            layer = layer._keras_history.layer
            if not isinstance(layer, InputLayer):
                raise TypeError("Sequential.add() takes a layer or an Input() tensor; received the output of "
                                f"layer {layer.name!r}.")
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add() expects a Layer instance; received {type(layer).__name__}: "
                            f"{layer!r:.80}. Did you forget to instantiate it, e.g. Dense(10) rather than Dense?")
        if isinstance(layer, InputLayer):
            if self._stack or self._input_layer is not None:
                raise ValueError("An InputLayer can only be the first layer of a Sequential model.")
            self._set_input_layer(layer)
            self._stack_outputs = [layer.output]
            return
        if any(l is layer for l in self._stack):
            raise ValueError(f"Layer {layer.name!r} is already in Sequential model {self.name!r}; a layer "
                             "instance can be added once. Create a new instance to stack another.")
        self._stack.append(layer)
        self._add_layer_module(layer)
        if self._input_layer is None and len(self._stack) == 1 and layer._batch_input_shape is not None:
            self._set_input_layer(InputLayer(batch_shape=layer._batch_input_shape, dtype=layer._input_dtype,
                                             name=self._input_name(layer)))
            self._stack_outputs = [self._input_layer.output]
        if self._input_layer is not None:
            with call_context.name_scope(self.name):  # Keras 3 paths: sequential/dense/kernel
                self._stack_outputs.append(layer(self._stack_outputs[-1]))
            self._rebuild_graph()

    @staticmethod
    def _input_name(first_layer: Layer) -> str:
        # Keras 2 names the implicit input after the first layer; Keras 3 counts it as an input_layer.
        if current().sequential_input_is_input_layer:
            return input_layer_name()
        return f"{first_layer.name}_input"

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self._stack:
            raise TypeError("There are no layers in the model to pop.")
        layer = self._stack.pop()
        for key, mod in list(self._modules.items()):
            if mod is layer:
                del self._modules[key]
        if self._input_layer is not None:
            self._stack_outputs.pop()
            if self._stack:
                self._rebuild_graph()
            else:
                self._is_graph_network = False
        return layer

    def _rebuild_graph(self) -> None:
        if not self._is_graph_network and current().sequential_takes_functional_name:
            # Keras 3 builds a Sequential through an inner functional model, which takes a
            # "functional" name: the next Model is then functional_2, not functional_1.
            unique_name("functional")
        self._init_graph(self._stack_outputs[0], self._stack_outputs[-1])

    def build(self, input_shape=None) -> None:
        """Fix the input shape (batch dimension included) of a model added without one."""
        if self._is_graph_network:
            return
        if input_shape is None:
            raise ValueError(f"Sequential model {self.name!r} has no input shape yet: call build(input_shape) "
                             "with the batch dimension, e.g. build((None, 784)), or give input_shape= to "
                             "its first layer.")
        if not self._stack:
            raise ValueError(f"Sequential model {self.name!r} has no layers to build.")
        input_shape = tuple(input_shape)
        self._set_input_layer(InputLayer(batch_shape=(None,) + input_shape[1:], name=self._input_name(self._stack[0])))
        outs = [self._input_layer.output]
        with call_context.name_scope(self.name):
            for layer in self._stack:
                outs.append(layer(outs[-1]))
        self._stack_outputs = outs
        self._rebuild_graph()

    def _ensure_built_for(self, x) -> None:
        if not self._is_graph_network:
            first = x[0] if isinstance(x, (list, tuple)) else x
            self.build(tuple(first.shape))

    def __call__(self, *args, **kwargs):
        if not self._is_graph_network and args and hasattr(args[0], "shape") and not isinstance(args[0], KerasTensor):
            self._ensure_built_for(args[0])
        elif not self._is_graph_network and args and isinstance(args[0], KerasTensor):
            self.build(args[0].shape)
        return super().__call__(*args, **kwargs)

    def _init_graph(self, inputs, outputs):
        super()._init_graph(inputs, outputs)
        # Keras lists a Sequential model's layers without its InputLayer.
        self._layers = [l for l in self._layers if not isinstance(l, InputLayer)]
        for key, mod in list(self._modules.items()):
            if isinstance(mod, InputLayer):
                del self._modules[key]

    @property
    def layers(self):
        return list(self._stack)

    def get_config(self):
        """Keras 3's Sequential config: the layers in order, the InputLayer first when there is one.

        Example: ``Sequential.from_config(model.get_config())``."""
        layers = []
        if self._input_layer is not None:
            entry = serialize_layer(self._input_layer)
            layers.append({k: entry[k] for k in ("module", "class_name", "config", "registered_name")})
        layers.extend(serialize_layer(l) for l in self._stack)
        config = {"name": self.name, "trainable": self.trainable, "dtype": dtype_policy(self.dtype_policy.name), "layers": layers}
        if self._input_layer is not None:
            config["build_input_shape"] = list(self._input_layer.batch_shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """A Sequential model from its config (Keras 3 with an InputLayer entry, Keras 2 with
        ``batch_input_shape`` on the first layer, or Keras 2.0's bare layer list).

        Example: ``Sequential.from_config(model.get_config())``."""
        if isinstance(config, list):  # Keras 2.0/2.1 wrote the layer list itself
            config = {"layers": config}
        model = cls(name=config.get("name"))
        for entry in config.get("layers", []):
            model.add(deserialize_layer(entry, custom_objects, _safe(safe_mode)))
        if not model._is_graph_network and config.get("build_input_shape") and model._stack:
            model.build(tuple(config["build_input_shape"]))
        if config.get("trainable") is False:
            model.trainable = False
        return model

    def _weight_order(self):
        out = [self]
        for layer in self._stack:
            out.extend(layer._flatten_layers())
        return out


registry.register_builtin(Sequential, "keras", "Sequential", None)
