"""Model configs in Keras 3's schema (the ``config.json`` of a ``.keras`` file, ``to_json``).

A functional config lists its layers, each with ``inbound_nodes`` (one entry per call of the layer
inside this model, arguments written as ``__keras_tensor__`` references ``[layer, node, tensor]``),
plus ``input_layers``/``output_layers``. Reading also accepts Keras 2's node lists
(``[["dense_1", 0, 0, {}]]``) and Sequential configs with or without an InputLayer entry.

Example::

    >>> text = model.to_json()
    >>> clone = model_from_json(text)          # same architecture, fresh weights
"""
from __future__ import annotations

import json

import torch
from torch.utils import _pytree as pytree

from .input_layer import InputLayer
from .keras_tensor import KerasTensor
from .layer import call_accepts
from .layer_config import _safe, deserialize_layer, json_ready, model_from_config_dict, serialize_layer
from .registry import builtin

# ---------------------------------------------------------------------------- writing
def functional_config(model) -> dict:
    """``model.get_config()``: the inner config (name, layers, input_layers, output_layers).

    Example: ``model.get_config()["input_layers"]`` → ``["input_1", 0, 0]``."""
    if not model._is_graph_network:
        raise NotImplementedError(
            f"Model {model.name!r} is a subclassed model without a graph, so it has no layer config. Override "
            "get_config()/from_config() in your class, or build it as Model(inputs, outputs).")
    in_model = model._network_nodes
    reindex = {}  # (id(layer), node_index) -> index among this model's nodes of that layer (as Keras does)
    for layer in model._layers:  # with op layers (x + y), which Keras 3's model.layers leaves out
        kept = [n for n in layer._inbound_nodes if id(n) in in_model]
        for k, node in enumerate(kept):
            reindex[(id(layer), node.node_index)] = k
    layers = []
    for layer in model._layers:
        entry = serialize_layer(layer)
        entry["name"] = layer.name
        nodes = [] if isinstance(layer, InputLayer) else [n for n in layer._inbound_nodes if id(n) in in_model]
        entry["inbound_nodes"] = [_node_config(n, reindex) for n in nodes]
        layers.append(entry)
    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": _io_config(model._input_struct, reindex),
            "output_layers": _io_config(model._output_struct, reindex)}


def _tensor_ref(t, reindex) -> list:
    h = t._keras_history
    return [h.layer.name, reindex.get((id(h.layer), h.node_index), h.node_index), h.tensor_index]


def _io_config(struct, reindex):
    if isinstance(struct, KerasTensor):
        return _tensor_ref(struct, reindex)
    if isinstance(struct, dict):
        return {k: _io_config(v, reindex) for k, v in struct.items()}
    return [_io_config(v, reindex) for v in struct]


def _node_config(node, reindex) -> dict:

    def enc(v):
        if isinstance(v, KerasTensor):
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": list(v.shape), "dtype": v.dtype, "keras_history": _tensor_ref(v, reindex)}}
        if isinstance(v, (list, tuple)):
            return [enc(x) for x in v]
        if isinstance(v, dict):
            return {k: enc(x) for k, x in v.items()}
        if isinstance(v, torch.Tensor):
            raise ValueError(f'Layer "{node.layer.name}" was called with a constant tensor argument, which a config '
                             "cannot hold. Pass it as a layer argument or a weight instead.")
        return json_ready(v)
    return {"args": enc(list(node.call_args)), "kwargs": enc(node.call_kwargs)}


def model_to_dict(model) -> dict:
    """The full entry ``to_json`` writes: module, class_name, config, registered_name, build_config.

    Example: ``model_to_dict(model)["class_name"]`` → ``"Functional"``."""
    entry = serialize_layer(model)
    shape = entry["config"].get("build_input_shape")
    if shape is None and not model._is_graph_network:  # a subclassed model: the shape of its first call
        shape = json_ready(model.__dict__.get("_build_input_shape"))
    entry["build_config"] = {"input_shape": shape}
    return entry


def to_json(model, **kwargs) -> str:
    """``model.to_json()``: the architecture as Keras 3 JSON (``json.dumps`` kwargs such as indent pass through).

    Example: ``model_from_json(model.to_json())``."""
    return json.dumps(model_to_dict(model), **kwargs)


# ---------------------------------------------------------------------------- reading
def model_from_json(json_string: str, custom_objects: dict | None = None, safe_mode: bool | None = None):
    """A new model (fresh weights) from ``to_json`` text written by us, Keras 3 or Keras 2.

    Example: ``clone = model_from_json(model.to_json())``."""
    try:
        entry = json.loads(json_string)
    except (TypeError, json.JSONDecodeError) as e:
        raise ValueError(f"model_from_json: the text is not valid JSON ({e}). Pass the string model.to_json() "
                         "returned.") from None
    return model_from_config_dict(entry, custom_objects=custom_objects, safe_mode=safe_mode)


def functional_from_config(config, custom_objects=None, cls=None, safe_mode=None):
    """``Model.from_config``: recreate layers, then replay each recorded call once its inputs exist.

    Example: ``Model.from_config(model.get_config())``."""
    cls = cls or builtin("Functional")
    safe = _safe(safe_mode)
    if isinstance(config, dict) and "class_name" in config and "config" in config:
        return model_from_config_dict(config, custom_objects, safe_mode)
    if not isinstance(config, dict) or "layers" not in config:
        raise ValueError("A functional model config needs 'layers', 'input_layers' and 'output_layers'; received "
                         f"keys {sorted(config) if isinstance(config, dict) else type(config).__name__}.")
    layers, pending, produced = {}, [], {}
    for entry in config["layers"]:
        layer = deserialize_layer(entry, custom_objects, safe)
        name = entry.get("name") or (entry.get("config") or {}).get("name") or layer.name
        layers[name] = layer
        if isinstance(layer, InputLayer):
            produced[name] = [[layer.output]]
        else:
            produced[name] = []
            pending.extend((name, k, node) for k, node in enumerate(entry.get("inbound_nodes") or []))

    def tensor(ref, where):
        lname, node_index, tensor_index = ref[0], ref[1], ref[2]
        outs = produced.get(lname)
        if outs is None:
            raise ValueError(f"Model config: {where} refers to layer {lname!r}, which is not in the config's layers.")
        if node_index >= len(outs):
            raise _NotReady
        return outs[node_index][tensor_index]

    def decode(v, where):
        if isinstance(v, dict) and v.get("class_name") == "__keras_tensor__":
            return tensor(v["config"]["keras_history"], where)
        if isinstance(v, list):
            return [decode(x, where) for x in v]
        if isinstance(v, dict):
            return {k: decode(x, where) for k, x in v.items()}
        return v

    while pending:
        progress, rest = False, []
        for name, k, node in pending:
            where = f'call {k} of layer "{name}"'
            if k != len(produced[name]) or any(p[0] == name and p[1] < k for p in rest):
                rest.append((name, k, node))
                continue
            try:
                args, kwargs = _node_call(node, decode, tensor, where)
            except _NotReady:
                rest.append((name, k, node))
                continue
            layer = layers[name]
            kwargs = {a: v for a, v in kwargs.items() if v is not None or call_accepts(layer, a)}
            out = layer(*args, **kwargs)
            produced[name].append(pytree.tree_leaves(out))
            progress = True
        if not progress:
            name, k, _ = rest[0]
            raise ValueError(f'Model config cannot be rebuilt: call {k} of layer "{name}" needs tensors that no layer '
                             "in the config produces (the config is incomplete or its node indices are wrong).")
        pending = rest

    def io(struct, what):
        if isinstance(struct, list) and struct and isinstance(struct[0], str):
            return tensor(struct, what)
        if isinstance(struct, dict):
            return {k: io(v, what) for k, v in struct.items()}
        return [io(v, what) for v in struct]
    try:
        inputs, outputs = io(config["input_layers"], "input_layers"), io(config["output_layers"], "output_layers")
    except _NotReady:
        raise ValueError("Model config: input_layers/output_layers name a layer call that the config never makes.") from None
    if _legacy_nodes(config):  # Keras 2 always wrote lists; a single tensor means a single-tensor model
        inputs = inputs[0] if isinstance(inputs, list) and len(inputs) == 1 else inputs
        outputs = outputs[0] if isinstance(outputs, list) and len(outputs) == 1 else outputs
    model = cls(inputs=inputs, outputs=outputs, name=config.get("name"))
    if config.get("trainable") is False:
        model.trainable = False
    return model


class _NotReady(Exception):
    """A node's input tensors are not produced yet; try it again in the next pass."""


def _legacy_nodes(config) -> bool:
    for entry in config.get("layers", []):
        for node in entry.get("inbound_nodes") or []:
            return isinstance(node, list)
    return False


def _node_call(node, decode, tensor, where):
    """(args, kwargs) of a recorded call, from a Keras 3 dict or a Keras 2 list of references."""
    if isinstance(node, dict):
        return tuple(decode(node.get("args", []), where)), decode(node.get("kwargs", {}), where)
    # Keras 2: [[layer, node, tensor, kwargs], ...]; several references mean a list input.
    tensors = [tensor(ref, where) for ref in node]
    kwargs = dict(node[0][3]) if node and len(node[0]) > 3 and node[0][3] else {}
    return ((tensors[0] if len(tensors) == 1 else tensors),), kwargs
