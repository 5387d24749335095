"""The graph of a functional model: which nodes it runs, in which order, and how.

``GraphPlan`` is computed once when a Model is made. ``run`` is the hot path: a flat loop over
precomputed steps reading and writing a list of slots, freeing each intermediate after its last
use. No graph walk happens per call.

Example::

    >>> plan = GraphPlan([x], [y])
    >>> plan.run([torch.ones(2, 784)])[0].shape
    torch.Size([2, 10])
"""
from __future__ import annotations

from torch import nn
from torch.utils import _pytree as pytree

from .keras_tensor import KerasTensor
from .layer import call_accepts
from .node import Node

_module_call = nn.Module.__call__  # torch's call: runs hooks, then forward -> call

# How a node's arguments are assembled at run time (most nodes take one tensor).
_ONE, _LIST, _GENERIC = 0, 1, 2


def collect_nodes(inputs: list[KerasTensor], outputs: list[KerasTensor], model_name: str = "model") -> list[Node]:
    """Nodes between ``inputs`` and ``outputs`` in a topological order (depth-first post-order).

    Raises a ValueError for a disconnected graph (an output that needs an input not given).
    """
    input_ids = {id(t) for t in inputs}
    order: list[Node] = []
    state: dict[int, int] = {}  # id(node) -> 1 visiting, 2 done
    for out in outputs:
        if not isinstance(out, KerasTensor) or out._keras_history is None:
            raise ValueError(
                f"Model {model_name!r}: every output must be a symbolic tensor returned by a layer "
                f"(e.g. Dense(10)(x)); received {out!r}.")
        stack = [(out.node, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                state[id(node)] = 2
                order.append(node)
                continue
            if state.get(id(node)) == 2:
                continue
            state[id(node)] = 1
            stack.append((node, True))
            if node.is_input:
                continue
            for t in reversed(node.input_tensors):
                parent = t.node
                if state.get(id(parent)) != 2:
                    stack.append((parent, False))
    reached_inputs = [n for n in order if n.is_input]
    for n in reached_inputs:
        for t in n.output_tensors:
            if id(t) not in input_ids:
                given = ", ".join(repr(i.name) for i in inputs)
                raise ValueError(
                    f"Graph disconnected: cannot obtain value for tensor {t.name!r} (from Input layer "
                    f"{n.layer.name!r}), which the outputs of model {model_name!r} depend on. The model's "
                    f"inputs are: [{given}]. Add {n.layer.name!r} to the model's inputs, or build the "
                    "outputs from the given inputs only.")
    return order


def node_depths(nodes: list[Node]) -> tuple[dict[int, int], dict[int, int]]:
    """Keras's depths, keyed by id: 0 at the outputs, a parent one deeper than its deepest child;
    all nodes of one layer share the deepest of their depths (a shared layer sits above all its
    uses). Returns (node depth, layer depth). ``nodes`` in topological order (outputs last)."""
    node_depth: dict[int, int] = {}
    layer_depth: dict[int, int] = {}
    for node in reversed(nodes):  # outputs first
        depth = max(node_depth.get(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = node_depth[id(node)] = depth
        for t in node.input_tensors:
            parent = t.node
            node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    return node_depth, layer_depth


def layers_in_keras_order(inputs, outputs, nodes: list[Node], layer_depth: dict[int, int]) -> list:
    """Keras's ``model.layers`` order: by decreasing depth from the outputs (inputs first), ties
    broken by the order in which a depth-first walk from the outputs first meets each layer."""
    first_seen: dict[int, int] = {}
    done: set[int] = set()
    stack = list(reversed(outputs))
    while stack:  # pre-order walk from the outputs, a node's inputs in call order
        node = stack.pop().node
        first_seen.setdefault(id(node.layer), len(first_seen))
        if id(node) not in done:
            done.add(id(node))
            stack.extend(reversed(node.input_tensors))
    layers = {id(n.layer): n.layer for n in nodes}
    for t in inputs:
        layer = t._keras_history.layer
        if id(layer) not in first_seen:  # an input the outputs do not use: Keras puts it at depth 0,
            first_seen[id(layer)] = -1   # ahead of the other layers there
        layers.setdefault(id(layer), layer)
    return sorted(layers.values(), key=lambda l: (-layer_depth.get(id(l), 0), first_seen.get(id(l), 1 << 30)))


class GraphPlan:
    """Precomputed steps to run the nodes between ``inputs`` and ``outputs``."""

    def __init__(self, inputs: list[KerasTensor], outputs: list[KerasTensor], model_name: str = "model"):
        self.nodes = collect_nodes(inputs, outputs, model_name)
        self.node_depth, self.layer_depth = node_depths(self.nodes)  # for model.layers and summary()
        slot: dict[int, int] = {}

        def slot_of(t):
            return slot.setdefault(id(t), len(slot))

        self.input_slots = [slot_of(t) for t in inputs]
        compute_nodes = [n for n in self.nodes if not n.is_input]
        last_use: dict[int, int] = {}
        for i, node in enumerate(compute_nodes):
            for t in node.input_tensors:
                last_use[slot_of(t)] = i
        for t in outputs:
            last_use[slot_of(t)] = len(compute_nodes)  # never freed
        self.steps = []
        for i, node in enumerate(compute_nodes):
            self.steps.append(self._make_step(node, slot_of, last_use, i))
        # The same steps with masks tracked at every node: for a model called with masks on its
        # inputs (a nested model fed by an Embedding(mask_zero=True)), whose own Inputs carry none.
        self.masked_steps = [
            st[:8] + ((tuple(slot_of(t) for t in node.input_tensors), st[4], call_accepts(node.layer, "mask")),)
            if st[8] is None else st for st, node in zip(self.steps, compute_nodes)]
        self.output_slots = [slot_of(t) for t in outputs]
        self.n_slots = len(slot)

    @staticmethod
    def _make_step(node: Node, slot_of, last_use, index):
        layer = node.layer
        in_slots = [slot_of(t) for t in node.input_tensors]
        out_slots = [slot_of(t) for t in node.output_tensors]
        free = tuple(s for s in set(in_slots) if last_use.get(s) == index)
        args, kwargs = node.call_args, node.call_kwargs
        consts = dict(kwargs)
        symbolic_kwargs = bool(kwargs) and any(isinstance(x, KerasTensor) for x in pytree.tree_leaves(kwargs))
        if len(args) == 1 and isinstance(args[0], KerasTensor) and not symbolic_kwargs:
            kind, arg_spec = _ONE, in_slots[0]
        elif (len(args) == 1 and isinstance(args[0], list) and all(isinstance(x, KerasTensor) for x in args[0])
              and not symbolic_kwargs):
            kind, arg_spec = _LIST, tuple(in_slots)
        else:
            kind = _GENERIC
            flat = [("slot", slot_of(x)) if isinstance(x, KerasTensor) else ("const", x) for x in node.flat_args]
            arg_spec = (flat, node.args_spec)
            consts = {}
        masked_in = [t._has_mask for t in node.input_tensors]
        mask_mode = None
        if any(masked_in) or any(t._has_mask for t in node.output_tensors):
            mask_mode = (tuple(in_slots), tuple(out_slots), call_accepts(layer, "mask"))
        struct = node.output_struct
        if isinstance(struct, KerasTensor):
            out_kind = "one"
        elif isinstance(struct, (list, tuple)) and all(isinstance(t, KerasTensor) for t in struct):
            out_kind = "seq"
        else:  # a dict, or nested lists (RNN of stacked cells with return_state: [out, [h, c], ...])
            out_kind = "nested"
        return (kind, layer, arg_spec, consts, tuple(out_slots), free, call_accepts(layer, "training"),
                out_kind, mask_mode)

    def run(self, values, training=None):
        """Run the steps on ``values`` (one tensor per model input); returns the output tensors."""
        return self._run(values, training, self.steps, None)[0]

    def run_masked(self, values, training=None, input_masks=None):
        """Run with ``input_masks`` (one mask or None per model input) and track masks at every node;
        returns (output tensors, output masks)."""
        masks = {s: m for s, m in zip(self.input_slots, input_masks or []) if m is not None}
        outs, masks = self._run(values, training, self.masked_steps, masks)
        return outs, [masks.get(s) for s in self.output_slots]

    def output_masks(self, masks) -> list:
        """The masks of the outputs in a mask table returned by ``_run`` (None where unmasked)."""
        return [None if masks is None else masks.get(s) for s in self.output_slots]

    def _run(self, values, training, steps, masks):
        env = [None] * self.n_slots
        for s, v in zip(self.input_slots, values):
            env[s] = v
        step = None
        try:
            for step in steps:
                kind, layer, arg_spec, consts, out_slots, free, takes_training, out_kind, mask_mode = step
                kw = consts
                if training is not None and takes_training:
                    kw = {**consts, "training": training}
                if mask_mode is not None:
                    masks = masks if masks is not None else {}
                    m = [masks.get(s) for s in mask_mode[0]]
                    in_mask = m[0] if kind == _ONE else m
                    if mask_mode[2] and any(x is not None for x in m):
                        kw = {**kw, "mask": in_mask}
                if kind == _ONE:
                    out = _module_call(layer, env[arg_spec], **kw) if kw else _module_call(layer, env[arg_spec])
                elif kind == _LIST:
                    out = _module_call(layer, [env[s] for s in arg_spec], **kw)
                else:
                    flat, spec = arg_spec
                    leaves = [env[v] if k == "slot" else v for k, v in flat]
                    a, k = pytree.tree_unflatten(leaves, spec)
                    out = _module_call(layer, *a, **{**k, **kw})
                if out_kind == "one":
                    env[out_slots[0]] = out
                else:
                    outs = out if out_kind == "seq" else pytree.tree_leaves(out)
                    for s, o in zip(out_slots, outs):
                        env[s] = o
                if mask_mode is not None:
                    first_in = env[arg_spec] if kind == _ONE else None
                    inputs = first_in if first_in is not None else [env[s] for s in mask_mode[0]]
                    out_mask = layer.compute_mask(inputs, in_mask)
                    for s, mo in zip(out_slots, out_mask if isinstance(out_mask, (list, tuple)) else [out_mask] * len(out_slots)):
                        masks[s] = mo
                for s in free:
                    env[s] = None
        except Exception as e:
            if step is not None and hasattr(e, "add_note"):
                e.add_note(f'(while running layer "{step[1].name}" ({type(step[1]).__name__}))')
            raise
        return [env[s] for s in self.output_slots], masks
