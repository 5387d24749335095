"""Weights in HDF5, in the two layouts Keras uses.

* Keras 3 (``.weights.h5`` and inside ``.keras``): ``layers/<key>/vars/<i>`` where ``<key>`` is the
  class name in snake case made unique per container (``dense``, ``dense_1``), recurrent layers keep
  theirs under ``cell/vars`` (``RNN(StackedRNNCells)``: ``cell/cells/<cell key>/vars``, keys made
  like layer keys, ``lstm_cell``, ``lstm_cell_1``), wrappers under ``layer``/``forward_layer``/
  ``backward_layer``, nested models under their own ``layers``. Each ``vars`` group carries the layer's
  name in ``attrs["name"]``.
* Keras 2 / tf.keras (``.h5``): root (or ``model_weights``) attrs ``layer_names``; one group per
  layer with attrs ``weight_names`` and datasets at those names (``dense_1/kernel:0``).

Loading checks every array's shape before changing anything, so a mismatch leaves the model as it was.

Example::

    >>> save_weights_h5(model, "m.weights.h5")
    >>> load_weights_h5(model, "m.weights.h5")
"""
from __future__ import annotations

import json

import numpy as np

from ..naming import to_snake_case
from ..engine import registry
from .files import SavedFileError, atomic_write, check_exists, open_h5

def _keyed(layers) -> list[tuple[str, object]]:
    """(key, layer) for a list of layers, keyed as Keras 3 keys the items of a list attribute: the snake-case
    class name, made unique (``lstm_cell``, ``lstm_cell_1``); the layers' own names play no part."""
    seen, out = {}, []
    for layer in layers:
        base = to_snake_case(registry.keras_entry(type(layer))[1])
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append((base if n == 0 else f"{base}_{n}", layer))
    return out


def _model_layers(layer):
    """A model's layers (the children Keras keys under ``layers`` and matches by name), or None."""
    children = layer._saveable_children()
    if len(children) == 1 and children[0][0] == "layers":
        return children[0][1]
    return None


def _leaf_parts(layer) -> list[tuple[str, object, int]]:
    n = len(layer.weights)
    if layer._keras_vars_path == "vars":
        return [("vars", layer, n)]
    return [("vars", layer, 0), (layer._keras_vars_path, layer, n)]


def _parts(layer, legacy: bool = False) -> list[tuple[str, object, int]]:
    """(path, owner, count): the ``vars`` groups a layer writes; ``count`` arrays of ``owner.get_weights()``
    go to each, in order (paths relative to the layer's group). The layer's ``_saveable_children()`` say
    which sublayers have groups of their own (a list of them is keyed like ``cells/lstm_cell``).
    ``legacy``: a recurrent layer's weights all in ``cell/vars`` (how we wrote stacked cells before
    following Keras's per-cell layout)."""
    children = layer._saveable_children()
    if not children or (legacy and layer._keras_vars_path != "vars"):
        return _leaf_parts(layer)
    out = [("vars", layer, 0)]
    for key, child in children:
        items = _keyed(child) if isinstance(child, (list, tuple)) else [(None, child)]
        for sub_key, sub in items:
            prefix = key if sub_key is None else f"{key}/{sub_key}"
            out.extend((f"{prefix}/{p}", o, c) for p, o, c in _parts(sub, legacy))
    if sum(c for _, _, c in out) != len(layer.weights):
        return _leaf_parts(layer)  # weights of its own besides its children's: no Keras layout to follow
    return out


# ---------------------------------------------------------------------------- Keras 3 layout
def write_keras3(h5file, model) -> None:
    """Write ``model``'s weights into an open h5py File/Group in Keras 3's layout.

    Example: ``with open_h5("m.weights.h5", "w") as f: write_keras3(f, model)``."""
    _write_layer(h5file, model)


def _write_layer(group, layer):
    children = _model_layers(layer)
    if children is not None:
        sub = group.require_group("layers")
        for key, child in _keyed(children):
            _write_layer(sub.require_group(key), child)
        group.require_group("vars").attrs["name"] = layer.name
        return
    cursor = {}
    for path, owner, count in _parts(layer):
        arrays = owner.get_weights()
        start = cursor.get(id(owner), 0)
        cursor[id(owner)] = start + count
        vars_group = group.require_group(path)
        vars_group.attrs["name"] = owner.name
        for i, a in enumerate(arrays[start:start + count]):
            vars_group.create_dataset(str(i), data=a)


def read_keras3(h5file, model, source: str) -> list:
    """Plan the assignments for ``model`` from a Keras 3 layout: [(layer, arrays, where)], shapes checked.

    Example: ``apply_plan(read_keras3(f, model, "m.weights.h5"))``."""
    plan: list = []
    _read_layer(h5file, model, source, "", plan)
    return plan


def _match_children(layers_group, model, where, source):
    children = _keyed(_model_layers(model))
    if len(layers_group) != len(children):
        file_names = [layers_group[k]["vars"].attrs.get("name", k) if "vars" in layers_group[k] else k
                      for k in layers_group]
        raise SavedFileError(
            f"{source}: the weights file holds {len(layers_group)} layers{where and ' in ' + where} "
            f"({', '.join(map(str, file_names))}), but the model has {len(children)} "
            f"({', '.join(l.name for _, l in children)}). Load it into a model with the same architecture.")
    # Prefer matching by the stored layer names (they survive a different layer order); else by key.
    by_name = {}
    for key in layers_group:
        g = layers_group[key]
        if "vars" in g and "name" in g["vars"].attrs:
            by_name[str(g["vars"].attrs["name"])] = key
    if all(l.name in by_name for _, l in children) and len(set(by_name.values())) == len(children):
        return [(layers_group[by_name[l.name]], l) for _, l in children]
    missing = [k for k, _ in children if k not in layers_group]
    if missing:
        raise SavedFileError(f"{source}: no weights for layer key {missing[0]!r}{where and ' in ' + where}; the file has "
                             f"{sorted(layers_group)}.")
    return [(layers_group[k], l) for k, l in children]


def _read_layer(group, layer, source, where, plan):
    if _model_layers(layer) is not None:
        if "layers" not in group:
            raise SavedFileError(f"{source}: expected a 'layers' group for model {layer.name!r}; this is not a Keras 3 "
                                 "weights file (or it belongs to another architecture).")
        for g, child in _match_children(group["layers"], layer, where or layer.name, source):
            _read_layer(g, child, source, f"{where}/{child.name}" if where else child.name, plan)
        return
    parts = _parts(layer)
    if parts != _parts(layer, legacy=True) and not _has_layout(group, parts) \
            and _has_layout(group, _parts(layer, legacy=True)):
        parts = _parts(layer, legacy=True)  # our earlier files: all of a stacked RNN's weights in cell/vars
    arrays = {}
    for path, owner, count in parts:
        got = group[path] if path in group else None
        n = len(got) if got is not None else 0
        if n != count:
            raise SavedFileError(f'{source}: layer "{layer.name}" expects {count} weight arrays under "{path}", but the '
                                 f"file has {n}. The file was saved from a different architecture.")
        arrays.setdefault(id(owner), (owner, []))[1].extend(np.asarray(got[str(i)]) for i in range(n))
    for owner, values in arrays.values():
        if values:  # a wrapper's own (empty) "vars" adds nothing; its sublayer's entry carries the arrays
            plan.append((owner, values, source))


def _has_layout(group, parts) -> bool:
    """Whether ``group`` holds exactly ``count`` arrays under each of ``parts``' paths."""
    return all(len(group[path]) == count if path in group else count == 0 for path, _, count in parts)


def _keras_shapes(layer, records) -> list[tuple]:
    """Keras-layout shapes of a layer's weights, found on the meta device (no copy of the data)."""
    import torch
    out = []
    for owner, attr, p in records:
        layout = owner._weight_layouts.get(attr)
        meta = torch.empty_like(p, device="meta")
        out.append(tuple((layout.to_keras(meta) if layout is not None else meta).shape))
    return out


def apply_plan(plan, skip_mismatch: bool = False) -> None:
    """Check all shapes first (error naming the first mismatching layer and weight), then assign.

    Example: ``apply_plan(read_legacy(f, model, "w.h5"), skip_mismatch=True)``."""
    ok = []
    for layer, values, source in plan:
        records = layer._weight_keras_names()
        expected = _keras_shapes(layer, records)
        bad = None
        if len(values) != len(expected):
            bad = (f'{source}: layer "{layer.name}" expects {len(expected)} weights, but the file has {len(values)} '
                   "for it.")
        else:
            for (owner, attr, _), want, got in zip(records, expected, values):
                if want != tuple(got.shape):
                    bad = (f'{source}: weight "{attr}" of layer "{owner.name}" has shape {want} in the '
                           f"model, but shape {tuple(got.shape)} in the file. Build the model as it was saved, or "
                           "pass skip_mismatch=True to leave such layers unchanged.")
                    break
        if bad is not None:
            if skip_mismatch:
                import warnings
                warnings.warn(f"Skipping: {bad}", UserWarning, stacklevel=3)
                continue
            raise ValueError(bad)
        ok.append((layer, values))
    for layer, values in ok:
        layer.set_weights(values)


# ---------------------------------------------------------------------------- Keras 2 layout
def write_legacy(group, model) -> None:
    """tf.keras's layout: attrs layer_names, and per layer attrs weight_names plus datasets.

    Example: ``with open_h5("w.h5", "w") as f: write_legacy(f, model)``."""
    layers = model.layers
    group.attrs["layer_names"] = np.array([l.name.encode("utf8") for l in layers])
    group.attrs["backend"] = b"pytorch"
    group.attrs["keras_version"] = b"2.15.0"
    for layer in layers:
        g = group.require_group(layer.name)
        names = []
        for (owner, attr, _), value in zip(layer._weight_keras_names(), layer.get_weights()):
            name = f"{owner.name}/{attr}:0"
            while name in names:
                name = name.replace(":0", "_:0")
            names.append(name)
            g.create_dataset(name, data=value)
        g.attrs["weight_names"] = np.array([n.encode("utf8") for n in names])


def _strs(values) -> list[str]:
    return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in values]


def read_legacy(group, model, source: str, by_name: bool = False) -> list:
    """Plan the assignments from a Keras 2 layout: by order of the layers with weights, or by layer name.

    Example: ``apply_plan(read_legacy(f, model, "w.h5", by_name=True))``."""
    if "layer_names" not in group.attrs:
        raise SavedFileError(f"{source}: no 'layer_names' attribute: not a Keras 2 HDF5 weights file.")
    file_layers = []
    for lname in _strs(group.attrs["layer_names"]):
        g = group[lname]
        wnames = _strs(g.attrs.get("weight_names", []))
        file_layers.append((lname, [np.asarray(g[w]) for w in wnames]))
    if by_name:
        mine = {l.name: l for l in model.layers}
        return [(mine[n], vals, source) for n, vals in file_layers if n in mine and vals]
    with_w = [(n, v) for n, v in file_layers if v]
    layers = [l for l in model.layers if l.weights]
    if len(with_w) != len(layers):
        raise ValueError(
            f"{source}: the file holds weights for {len(with_w)} layers ({', '.join(n for n, _ in with_w)}), but the "
            f"model has {len(layers)} layers with weights ({', '.join(l.name for l in layers)}). Load into the "
            "architecture it was saved from, or pass by_name=True to match layers by name.")
    return [(layer, vals, f"{source} (file layer {n!r})") for layer, (n, vals) in zip(layers, with_w)]


# ---------------------------------------------------------------------------- files
def save_weights_h5(model, path, legacy: bool | None = None) -> None:
    """Write weights to ``path`` atomically: Keras 3 layout, or Keras 2's for a plain '.h5'/'.hdf5'.

    Example: ``save_weights_h5(model, "m.weights.h5")``."""
    import os
    path = os.fspath(path)
    if legacy is None:
        legacy = not path.endswith(".weights.h5")
    with atomic_write(path) as tmp:
        with open_h5(tmp, "w") as f:
            (write_legacy if legacy else write_keras3)(f, model)


def load_weights_h5(model, path, by_name: bool = False, skip_mismatch: bool = False) -> None:
    """Load weights from an HDF5 file in either layout (told apart by content, not by name).

    Example: ``load_weights_h5(model, "w.h5", by_name=True)``."""
    path = check_exists(path, "model's weights")
    with open_h5(path) as f:
        group = f["model_weights"] if "model_weights" in f else f
        if "layer_names" in group.attrs:
            plan = read_legacy(group, model, path, by_name=by_name)
        elif "layers" in f or "vars" in f:
            plan = read_keras3(f, model, path)
        else:
            raise SavedFileError(f"{path}: this HDF5 file holds no Keras weights (no 'layer_names' attribute, no "
                                 "'layers' group).")
        apply_plan(plan, skip_mismatch=skip_mismatch)


def legacy_model_config(path):
    """(model config dict or None, training config dict or None) of a Keras 2 full-model '.h5'.

    Example: ``config, training = legacy_model_config("m.h5")``."""
    with open_h5(path) as f:
        def attr(name):
            v = f.attrs.get(name)
            if v is None:
                return None
            return json.loads(v.decode("utf8") if isinstance(v, bytes) else v)
        return attr("model_config"), attr("training_config")
