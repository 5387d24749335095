"""Node: one call of a layer on KerasTensors, linking its input tensors to its output tensors.

A layer called n times owns nodes 0..n-1 (``layer._inbound_nodes``). Every output tensor records
``(layer, node_index, tensor_index)``, which is how summary()'s "Connected to" cells are written
(``lstm_1[1][0]``: output 0 of the second call of lstm_1).
"""
from __future__ import annotations

from torch.utils import _pytree as pytree

from .keras_tensor import KerasHistory, KerasTensor


class Node:
    """One call of ``layer`` on KerasTensors. Example: ``y = Dense(2)(x); y.node.inbound_layers`` gives ``[x's InputLayer]``."""
    def __init__(self, layer, call_args=(), call_kwargs=None, outputs=None, set_history: bool = True):
        self.layer = layer
        # The call's own tuple and dict (a layer call makes fresh ones and never touches them again):
        # kept, not copied.
        self.call_args = call_args if type(call_args) is tuple else tuple(call_args)
        self.call_kwargs = call_kwargs if type(call_kwargs) is dict else dict(call_kwargs or {})
        self._flat = None  # (leaves, spec) of the call, flattened on first use
        if len(self.call_args) == 1 and not self.call_kwargs and isinstance(self.call_args[0], KerasTensor):
            self.input_tensors: list[KerasTensor] = [self.call_args[0]]  # the common case, no pytree
        else:
            self.input_tensors = [x for x in self.flat_args if isinstance(x, KerasTensor)]
        self.output_struct = outputs
        self.output_tensors: list[KerasTensor] = (
            [outputs] if isinstance(outputs, KerasTensor) else pytree.tree_leaves(outputs))
        self.node_index = len(layer._inbound_nodes)
        layer._inbound_nodes.append(self)
        if set_history:
            for i, t in enumerate(self.output_tensors):
                t._keras_history = KerasHistory(layer, self.node_index, i)

    # The flattened call: leaves are KerasTensors (filled in at run time) or constants.
    @property
    def flat_args(self) -> list:
        return list(self._flattened()[0])

    @property
    def args_spec(self):
        return self._flattened()[1]

    def _flattened(self):
        if self._flat is None:
            self._flat = pytree.tree_flatten((self.call_args, self.call_kwargs))
        return self._flat

    # The main input, as the layer saw it: a tensor, or a list / dict of tensors.
    @property
    def input_struct(self):
        if self.call_args:
            return self.call_args[0]
        return self.call_kwargs.get("inputs")

    @property
    def input_shapes(self):
        return _shapes(self.input_struct)

    @property
    def output_shapes(self):
        return _shapes(self.output_struct)

    @property
    def is_input(self) -> bool:
        return not self.input_tensors

    @property
    def inbound_layers(self):
        return [t._keras_history.layer for t in self.input_tensors]

    @property
    def node_indices(self):
        return [t._keras_history.node_index for t in self.input_tensors]

    @property
    def tensor_indices(self):
        return [t._keras_history.tensor_index for t in self.input_tensors]

    @property
    def parent_nodes(self):
        return [t.node for t in self.input_tensors]

    def __repr__(self):
        return f"<Node {self.layer.name}[{self.node_index}] inputs={[t.name for t in self.input_tensors]}>"


def _shapes(struct):
    if isinstance(struct, KerasTensor):
        return struct.shape
    if isinstance(struct, (list, tuple)):
        return [_shapes(s) for s in struct]
    if isinstance(struct, dict):
        return {k: _shapes(v) for k, v in struct.items()}
    return None
