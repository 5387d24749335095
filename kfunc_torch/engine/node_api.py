"""The layer node API of Keras 1/2 (seed 003): ``layer.output``, ``layer.get_output_at(i)``,
``layer.input_shape``, ``layer.get_input_shape_at(i)``. A layer called several times has several
nodes; asking for "the" output of such a layer is an error that names ``get_output_at``.

Example::

    >>> lstm = LSTM(32); a = lstm(Input((140, 256))); b = lstm(Input((140, 256)))
    >>> lstm.get_output_at(1) is b
    True
"""
from __future__ import annotations


class NodeAPI:
    """Mixin of Layer: reads ``self._inbound_nodes``."""

    def _node_attr(self, node_index: int, attr: str, what: str):
        if not self._inbound_nodes:
            raise AttributeError(f'Layer "{self.name}" is not connected: it has no inbound nodes, so it has '
                                 f"no {what} yet. Call it on an input first.")
        if not 0 <= node_index < len(self._inbound_nodes):
            raise ValueError(f'Asked for node {node_index} of layer "{self.name}", but it has only '
                             f"{len(self._inbound_nodes)} inbound node(s).")
        return getattr(self._inbound_nodes[node_index], attr)

    def _single_node_attr(self, attr: str, what: str, getter: str):
        if len(self._inbound_nodes) > 1:
            raise AttributeError(
                f'Layer {self.name} has multiple inbound nodes, hence the notion of "layer {what}" is '
                f"ill-defined. Use `{getter}(node_index)` instead.")
        return self._node_attr(0, attr, what)

    def get_input_at(self, node_index: int):
        return self._node_attr(node_index, "input_struct", "input")

    def get_output_at(self, node_index: int):
        return self._node_attr(node_index, "output_struct", "output")

    def get_input_shape_at(self, node_index: int):
        return self._node_attr(node_index, "input_shapes", "input shape")

    def get_output_shape_at(self, node_index: int):
        return self._node_attr(node_index, "output_shapes", "output shape")

    @property
    def input(self):
        return self._single_node_attr("input_struct", "input", "get_input_at")

    @property
    def output(self):
        return self._single_node_attr("output_struct", "output", "get_output_at")

    def _shape_over_nodes(self, attr: str, what: str, getter: str):
        if not self._inbound_nodes:
            raise AttributeError(f'The layer "{self.name}" has never been called and thus has no defined {what}.')
        if len(self._inbound_nodes) == 1:
            return getattr(self._inbound_nodes[0], attr)
        shapes = {repr(getattr(n, attr)) for n in self._inbound_nodes}
        if len(shapes) > 1:
            raise AttributeError(
                f'The layer "{self.name}" has multiple inbound nodes, with different {what}s. Hence the '
                f'notion of "{what}" is ill-defined for the layer. Use `{getter}(node_index)` instead.')
        return getattr(self._inbound_nodes[0], attr)

    @property
    def input_shape(self):
        return self._shape_over_nodes("input_shapes", "input shape", "get_input_shape_at")

    @property
    def output_shape(self):
        return self._shape_over_nodes("output_shapes", "output shape", "get_output_shape_at")
