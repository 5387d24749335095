"""Collect what a summary shows: which layers, whether the model is "sequential-like", each layer's
cells (name, output shape, parameter count, connections, trainable flag) and the totals.

Formatting lives in ``classic.py`` (keras2, tf2) and ``box.py`` (keras3); this module knows nothing
about widths or rules. Summary time is not a hot path, so walking the graph here is fine.

Example::

    >>> info = collect(model, style="keras2", expand_nested=False, layer_range=None)
    >>> info.sequential_like, info.total
    (True, 3466)
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import torch
from torch.utils import _pytree as pytree

from ..engine.registry import builtin
from ..generations import SummaryStyle, summary_style
from ..engine.input_layer import InputLayer
from ..engine.keras_tensor import KerasTensor
from ..engine.layer import _UseMetaInference, _unique
from ..engine.op_layer import TorchOpLayer


@dataclass
class Row:
    """One layer row. ``level`` > 0 marks a layer shown inside an expanded nested model."""
    name: str                 # "dense_1 (Dense)"
    shape: str                # already in the style's spelling
    params: str               # "2080" (classic) or "2,080" (keras3)
    connections: list[str]    # ["lstm_1[0][0]", ...]
    trainable: str            # "Y", "N", or "-" (keras3, a layer without weights)
    level: int = 0


@dataclass
class SummaryInfo:
    """Everything a summary prints: the model name, its rows, and the totals (values and bytes).

    Example: ``collect(model, "keras2").total`` is ``model.count_params()``.
    """
    name: str
    sequential_like: bool
    rows: list[Row] = field(default_factory=list)
    trainable: int = 0
    non_trainable: int = 0
    trainable_bytes: int = 0
    non_trainable_bytes: int = 0

    @property
    def total(self) -> int:
        return self.trainable + self.non_trainable


def _count(weights) -> tuple[int, int]:
    """(number of values, bytes) of distinct weights; a shared weight counts once."""
    n = size = 0
    for w in _unique(weights):
        n += w.numel()
        size += w.numel() * w.element_size()
    return n, size


def is_sequential_like(model) -> bool:
    """KERAS_FACTS §2: one node per depth, no node with several inputs, no layer called twice."""
    if isinstance(model, builtin("Sequential")) or not model._is_graph_network:
        return True
    nodes = model._plan.nodes
    per_depth: dict[int, int] = {}
    depths = model._plan.node_depth
    for node in nodes:
        per_depth[depths[id(node)]] = per_depth.get(depths[id(node)], 0) + 1
        if len(node.input_tensors) > 1:
            return False
    for t in model.inputs:  # an input the outputs do not use sits at depth 0 in Keras
        if id(t.node) not in depths:
            per_depth[0] = per_depth.get(0, 0) + 1
    if any(c > 1 for c in per_depth.values()):
        return False
    ids = {id(n) for n in nodes}
    return all(sum(id(n) in ids for n in layer._inbound_nodes) <= 1 for layer in model.layers)


def class_name(layer, style: SummaryStyle) -> str:
    """The class shown in the row; a plain functional model is "Model" in Keras 2, "Functional" later."""
    if type(layer) is builtin("Functional"):
        return style.functional_class
    if style.name == "keras3" and isinstance(layer, TorchOpLayer):
        # Keras 3 records `x - y` as its ops.Subtract operation: the row shows that class
        return "".join(part.capitalize() for part in layer.op_name.split("_"))
    return type(layer).__name__


def _classic_shape(layer, style: SummaryStyle) -> str:
    try:
        shape = layer.output_shape
    except AttributeError:  # several calls with different shapes, or never called
        return "multiple"
    if style.input_shape_as_list and isinstance(layer, InputLayer):
        shape = [shape]  # tf.keras shows an InputLayer's output shape as a list
    return str(shape)


def _keras3_shape(layer) -> str:
    # Keras 3 shows the shape(s) of the layer's last call; a 1-tuple prints as "(None)".
    if not layer._inbound_nodes:
        return _shape_from_build(layer)
    return _format_shapes([t.shape for t in layer._inbound_nodes[-1].output_tensors])


def _format_shapes(shapes) -> str:
    text = [f"({', '.join(str(d) for d in s)})" for s in shapes]
    return text[0] if len(text) == 1 else "[" + ", ".join(text) + "]"


# Keras 3 layer classes that have no build() of their own, and those without compute_output_shape:
# a layer a subclassed model calls eagerly has no graph node, and Keras 3's summary shows its shape
# only from the shape build() recorded, through compute_output_shape; "?" otherwise.
_KERAS3_NO_BUILD = frozenset("""
Activation ActivityRegularization AdaptiveAveragePooling1D AdaptiveAveragePooling2D AdaptiveAveragePooling3D
AdaptiveMaxPooling1D AdaptiveMaxPooling2D AdaptiveMaxPooling3D AlphaDropout AutoContrast AveragePooling1D
AveragePooling2D AveragePooling3D AvgPool1D AvgPool2D AvgPool3D CategoryEncoding CenterCrop Cropping1D Cropping2D
Cropping3D CutMix Discretization Dropout ELU Equalization Flatten GaussianDropout GaussianNoise
GlobalAveragePooling1D GlobalAveragePooling2D GlobalAveragePooling3D GlobalAvgPool1D GlobalAvgPool2D GlobalAvgPool3D
GlobalMaxPool1D GlobalMaxPool2D GlobalMaxPool3D GlobalMaxPooling1D GlobalMaxPooling2D GlobalMaxPooling3D
HashedCrossing Hashing Identity InputLayer IntegerLookup Lambda Layer LeakyReLU Masking MaxPool1D MaxPool2D
MaxPool3D MaxPooling1D MaxPooling2D MaxPooling3D MelSpectrogram MixUp Permute Pipeline RandomBrightness
RandomColorDegeneration RandomContrast RandomCrop RandomElasticTransform RandomErasing RandomFlip RandomGaussianBlur
RandomGrayscale RandomHue RandomInvert RandomPerspective RandomPosterization RandomRotation RandomSaturation
RandomSharpness RandomShear RandomTranslation RandomZoom ReLU RepeatVector Rescaling Reshape Resizing Softmax
Solarization SpatialDropout1D SpatialDropout2D SpatialDropout3D StringLookup TorchModuleWrapper UnitNormalization
UpSampling1D UpSampling2D UpSampling3D ZeroPadding1D ZeroPadding2D ZeroPadding3D""".split())
_KERAS3_NO_OUTPUT_SHAPE = frozenset("GRUCell InputLayer LSTMCell Layer Pipeline SimpleRNNCell StackedRNNCells "
                                    "Wrapper".split())


def _defining_class(layer, method: str) -> type:
    return next(k for k in type(layer).__mro__ if method in k.__dict__)


def _keras_class(layer) -> type:
    """The first of our classes in the layer's MRO: the Keras class it is or extends."""
    return next(k for k in type(layer).__mro__ if k.__module__.startswith("kfunc_torch."))


def _shape_from_build(layer) -> str:
    """Keras 3's shape for a layer without graph nodes (called eagerly in a subclassed model): its
    compute_output_shape of the shape its build() received, or "?"."""
    shape = layer.__dict__.get("_build_input_shape")
    if shape is None:
        return "?"
    base = builtin("Layer")
    build_cls = _defining_class(layer, "build")
    if build_cls is base or (build_cls.__module__.startswith("kfunc_torch.") and build_cls.__name__ in _KERAS3_NO_BUILD):
        return "?"  # Keras records build shapes only for classes with a build() of their own
    shape_cls = _defining_class(layer, "compute_output_shape")
    if shape_cls is base or shape_cls.__module__.startswith("kfunc_torch."):
        keras_cls = _keras_class(layer)
        if keras_cls is base or keras_cls.__name__ in _KERAS3_NO_OUTPUT_SHAPE or issubclass(keras_cls, builtin("Functional")):
            return "?"  # Keras 3's class has no compute_output_shape: it raises NotImplementedError
    try:
        out = layer.compute_output_shape(shape)
    except _UseMetaInference:  # our class infers it by running call() on meta tensors; Keras's computes it
        try:
            spec = layer._meta_infer((_shape_stand_in(shape),), {})
        except Exception:
            return "?"
        return _format_shapes([s for s, _ in pytree.tree_leaves(spec, is_leaf=lambda v: isinstance(v, tuple) and len(v) == 2 and isinstance(v[1], torch.dtype))])
    except Exception:
        return "?"
    return _format_shapes(out if isinstance(out, list) else [out])


def _shape_stand_in(shape):
    if isinstance(shape, list):
        return [_shape_stand_in(s) for s in shape]
    return KerasTensor(shape)


def _connections(layer, network_nodes, style) -> list[str]:
    out = []
    for node in layer._inbound_nodes:
        if network_nodes is not None and id(node) not in network_nodes:
            continue  # a call that belongs to another model
        for t in node.input_tensors:
            h = t._keras_history
            index = h.node_index
            if isinstance(h.layer, builtin("Functional")) and h.layer._is_graph_network:
                # Keras 2 gives a model its own node 0 (inputs -> outputs); Keras 3 does not, so
                # its first call as a layer is node 0 there ("functional[0][0]", not "[1][0]").
                index += style.nested_node_offset
            out.append(f"{h.layer.name}[{index}][{h.tensor_index}]")
    return out


def _params(layer, style: SummaryStyle) -> str:
    if not layer.built:
        if style.unbuilt_params is not None:
            return style.unbuilt_params
        raise ValueError(f'Layer "{layer.name}" is not built yet, so summary() cannot count its weights. '
                         "Call the model on data (or call build(input_shape)) first.")
    n = sum(w.numel() for w in _unique(layer.weights))
    return f"{n:,}" if style.thousands else str(n)


def _trainable_flag(layer, style: SummaryStyle) -> str:
    if style.no_weights_trainable is not None and not layer.weights:
        return style.no_weights_trainable
    return "Y" if layer.trainable else "N"


def _rows_for(layer, style, network_nodes, expand_nested, level) -> list[Row]:
    shape = _keras3_shape(layer) if style.last_call_shape else _classic_shape(layer, style)
    rows = [Row(f"{layer.name} ({class_name(layer, style)})", shape, _params(layer, style),
                _connections(layer, network_nodes, style) if level == 0 else [],
                _trainable_flag(layer, style), level)]
    inner = getattr(layer, "layers", None) if expand_nested else None
    if inner and getattr(layer, "_is_graph_network", False):
        for sub in inner:
            rows.extend(_rows_for(sub, style, None, expand_nested, level + 1))
    return rows


def layer_index_bounds(layers, layer_range) -> tuple[int, int]:
    """``layer_range=("first_name", "last_name")`` (regular expressions, both ends included)."""
    if layer_range is None:
        return 0, len(layers)
    if len(layer_range) != 2 or not all(isinstance(x, str) for x in layer_range):
        raise ValueError("layer_range must be a list or tuple of 2 layer names (start, end), e.g. "
                         f"layer_range=['dense_1', 'dense_3']; received {layer_range!r}.")
    lower = [i for i, l in enumerate(layers) if re.match(layer_range[0], l.name)]
    upper = [i for i, l in enumerate(layers) if re.match(layer_range[1], l.name)]
    if not lower or not upper:
        raise ValueError(f"layer_range {list(layer_range)} does not match the layer names of the model: "
                         f"{[l.name for l in layers]}.")
    if min(lower) > max(upper):
        return min(upper), max(lower) + 1
    return min(lower), max(upper) + 1


def collect(model, style: SummaryStyle | str | None, expand_nested: bool = False, layer_range=None) -> SummaryInfo:
    """Rows and totals of ``model``'s summary in ``style`` (a ``SummaryStyle``, or its name 'keras2',
    'tf2' or 'keras3'; None: the current generation's)."""
    if not isinstance(style, SummaryStyle):
        style = summary_style(style)
    if not model._is_graph_network and not model.built:
        raise ValueError(
            f'Model "{model.name}" has not been built yet, so it has no layers or weights to summarize. '
            "Build it first: give the first layer an input_shape=..., add an Input(...), call "
            "model.build(input_shape), or call the model on a batch of data.")
    info = SummaryInfo(model.name, is_sequential_like(model))
    # a graph's rows include its op layers (x + y), which Keras 3's model.layers leaves out
    layers = list(model._layers) if model._is_graph_network else model.layers
    network_nodes = getattr(model, "_network_nodes", None) if model._is_graph_network else None
    lo, hi = layer_index_bounds(layers, layer_range)
    for layer in layers[lo:hi]:
        info.rows.extend(_rows_for(layer, style, network_nodes, expand_nested, 0))
    trainable, non_trainable = model._weights_by_trainability()
    info.trainable, info.trainable_bytes = _count(trainable)
    info.non_trainable, info.non_trainable_bytes = _count(non_trainable)
    return info


def readable_size(n_bytes: float, units=("B", "KB", "MB", "GB", "TB", "PB")) -> str:
    """``13.54 KB``: steps of 1024, two decimals (tf.keras spells bytes "Byte", Keras 3 "B")."""
    for unit in units:
        if n_bytes / 1024 < 1:
            return f"{n_bytes:.2f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:.2f} {units[-1]}"
