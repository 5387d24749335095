"""The graph of a functional model: which nodes it runs, in which order, and how.

``make_plan`` computes a ``GraphPlan`` once when a Model is made. ``run`` is the hot path: a flat
loop over precomputed steps reading and writing a list of slots, freeing each intermediate after
its last use. No graph walk happens per call.

Example::

    >>> plan = make_plan([x], [y])
    >>> plan.run([torch.ones(2, 784)])[0].shape
    torch.Size([2, 10])
    >>> print(plan)
    %0 = input 'input_1'
    %1 = dense_1 (Dense)(%0)  # frees %0
    %2 = dense_2 (Dense)(%1)  # frees %1
    return %2
"""
from __future__ import annotations

from typing import NamedTuple

import torch
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


class Step(NamedTuple):
    """One computing node of a plan: its layer, the slots its arguments come from, where its outputs
    go, and the slots it reads for the last time (emptied after it). ``GraphPlan._run`` unpacks it
    as a plain tuple."""
    kind: int                # _ONE (one tensor), _LIST (a list of tensors), _GENERIC (any structure)
    layer: object
    args: object             # _ONE: a slot; _LIST: slots; _GENERIC: ([("slot"|"const", value)], pytree spec)
    consts: dict             # keyword arguments fixed when the graph was built
    out_slots: tuple
    free: tuple              # emptied after the call: what the plan does not keep
    takes_training: bool     # the layer's call has a ``training`` argument
    out_kind: str            # "one", "seq" (a flat list/tuple) or "nested" (a dict, nested lists)
    mask_mode: object        # None, or (input slots, output slots, whether the call takes ``mask``)


class GraphPlan(NamedTuple):
    """What a Model computes once (``make_plan``) to run its graph: the nodes in order, the slot each
    model input fills, one ``Step`` per computing node, and the slots of the outputs. Its text form
    (``print(model._plan)``) is one line per step, as torch.fx prints a graph."""
    nodes: list              # topological order, input nodes included (model.layers and summary read them)
    node_depth: dict         # Keras's depths, keyed by id (``node_depths``)
    layer_depth: dict
    input_slots: list        # the slot of each model input
    input_names: list        # ... and its Input layer's name (for the text form)
    steps: list              # one Step per computing node
    masked_steps: list       # the same steps, tracking masks at every node
    output_slots: list
    n_slots: int

    def __str__(self) -> str:
        lines = [f"%{s} = input {name!r}" for s, name in zip(self.input_slots, self.input_names)]
        lines += [_step_text(st) for st in self.steps]
        lines.append("return " + ", ".join(f"%{s}" for s in self.output_slots))
        return "\n".join(lines)

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
                        if mo is not None and isinstance(env[s], torch.Tensor):  # `tensor._keras_mask`, as Keras 3 sets it
                            env[s]._keras_mask = mo
                for s in free:
                    env[s] = None
        except Exception as e:
            if step is not None and hasattr(e, "add_note"):
                e.add_note(f'(while running layer "{step[1].name}" ({type(step[1]).__name__}))')
            raise
        return [env[s] for s in self.output_slots], masks


def make_plan(inputs: list[KerasTensor], outputs: list[KerasTensor], model_name: str = "model") -> GraphPlan:
    """The plan of the nodes between ``inputs`` and ``outputs``. Every tensor gets a slot in one list;
    each step reads its arguments from slots, writes its outputs to slots, and empties the slots it
    read for the last time. Example: ``print(make_plan([x], [y]))``."""
    nodes = collect_nodes(inputs, outputs, model_name)
    node_depth, layer_depth = node_depths(nodes)
    slot: dict[int, int] = {}

    def slot_of(t):
        return slot.setdefault(id(t), len(slot))

    input_slots = [slot_of(t) for t in inputs]
    compute_nodes = [n for n in nodes if not n.is_input]
    last_use: dict[int, int] = {}
    for i, node in enumerate(compute_nodes):
        for t in node.input_tensors:
            last_use[slot_of(t)] = i
    for t in outputs:
        last_use[slot_of(t)] = len(compute_nodes)  # never freed
    steps = [_make_step(node, slot_of, last_use, i) for i, node in enumerate(compute_nodes)]
    # The same steps with masks tracked at every node: for a model called with masks on its
    # inputs (a nested model fed by an Embedding(mask_zero=True)), whose own Inputs carry none.
    masked_steps = [
        st._replace(mask_mode=(tuple(slot_of(t) for t in node.input_tensors), st.out_slots,
                               call_accepts(node.layer, "mask")))
        if st.mask_mode is None else st for st, node in zip(steps, compute_nodes)]
    return GraphPlan(nodes, node_depth, layer_depth, input_slots, [t._keras_history.layer.name for t in inputs],
                     steps, masked_steps, [slot_of(t) for t in outputs], len(slot))


def _make_step(node: Node, slot_of, last_use, index) -> Step:
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
    return Step(kind, layer, arg_spec, consts, tuple(out_slots), free, call_accepts(layer, "training"),
                out_kind, mask_mode)


class _Slot:
    """A slot in the text form of a step's arguments: prints as ``%3``."""
    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index

    def __repr__(self):
        return f"%{self.index}"


def _step_text(st: Step) -> str:
    """One step as a line: ``%2 = dropout_1 (Dropout)(%1)  # training; frees %1`` (the call is given
    ``training`` / ``mask`` when the model's call passes them)."""
    if st.kind == _ONE:
        args, kwargs = [_Slot(st.args)], st.consts
    elif st.kind == _LIST:
        args, kwargs = [[_Slot(s) for s in st.args]], st.consts
    else:
        flat, spec = st.args
        args, kwargs = pytree.tree_unflatten([_Slot(v) if k == "slot" else v for k, v in flat], spec)
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    outs = ", ".join(f"%{s}" for s in st.out_slots)
    notes = ["training"] * st.takes_training + ["mask"] * (st.mask_mode is not None)
    if st.free:
        notes.append("frees " + ", ".join(f"%{s}" for s in sorted(st.free)))
    line = f"{outs} = {st.layer.name} ({type(st.layer).__name__})({', '.join(parts)})"
    return line + ("  # " + "; ".join(notes) if notes else "")
