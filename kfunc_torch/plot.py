"""Model graphs as Graphviz DOT text, rendered with the ``dot`` program (no pydot needed).

``model_to_dot`` returns a ``DotGraph``: ``to_string()`` gives the DOT text, ``create(format='png')``
the rendered bytes. One graph node per layer (``name: ClassName``; with ``show_shapes`` a record with
the input and output shapes), one edge per connection inside the model, as Keras's plot_model draws.

Example::

    >>> from kfunc_torch.utils import model_to_dot, plot_model
    >>> print(model_to_dot(model, show_shapes=True).to_string()[:40])
    digraph G {
    >>> plot_model(model, to_file="model.png", show_shapes=True)     # needs Graphviz's `dot`
"""
from __future__ import annotations

import os
import shutil
import subprocess

_INSTALL = ("Graphviz's `dot` program is needed to render model plots and was not found on PATH. Install it "
            "(Debian/Ubuntu: `apt-get install graphviz`; macOS: `brew install graphviz`; conda: "
            "`conda install graphviz`), or write the DOT text with model_to_dot(model).to_string().")


class DotGraph:
    """DOT text of a model graph, rendered on demand with Graphviz.

    Example: ``SVG(model_to_dot(model).create(prog='dot', format='svg'))`` in a notebook.
    """

    def __init__(self, text: str):
        self.text = text

    def to_string(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    def create(self, prog: str = "dot", format: str = "png") -> bytes:  # noqa: A002
        exe = shutil.which(prog)
        if exe is None:
            raise ImportError(_INSTALL)
        proc = subprocess.run([exe, f"-T{format}"], input=self.text.encode(), capture_output=True)
        if proc.returncode != 0:
            raise RuntimeError(f"Graphviz `{prog} -T{format}` failed: {proc.stderr.decode(errors='replace')[-2000:]}")
        return proc.stdout

    def write(self, path: str, format: str | None = None, prog: str = "dot") -> None:  # noqa: A002
        fmt = format or os.path.splitext(path)[1].lstrip(".").lower() or "png"
        data = self.text.encode() if fmt in ("dot", "gv") else self.create(prog, fmt)
        with open(path, "wb") as f:
            f.write(data)

    def _repr_svg_(self):
        return self.create(format="svg").decode() if shutil.which("dot") else None


def _esc(text: str) -> str:
    """Escape characters that are special inside a record label."""
    out = str(text)
    for ch in ("\\", "{", "}", "|", "<", ">", '"'):
        out = out.replace(ch, "\\" + ch)
    return out


def _shape_text(shapes) -> str:
    if not shapes:
        return "?"
    distinct = {repr(s) for s in shapes}
    if len(distinct) > 1:
        return "multiple"
    s = shapes[0]
    return str(s if not isinstance(s, list) else [tuple(x) if isinstance(x, (list, tuple)) else x for x in s])


def _model_nodes(model) -> set:
    nodes = getattr(model, "_network_nodes", None)
    if nodes is None:
        raise ValueError(f'Model "{model.name}" has no graph yet, so it cannot be plotted. Build it first: give the '
                         "first layer an input_shape, call the model on an Input, or use the functional API.")
    return nodes


def _label(layer, nodes, show_shapes, show_dtype, show_layer_names, show_layer_activations):
    cls = type(layer).__name__
    head = f"{layer.name}: {cls}" if show_layer_names else cls
    act = getattr(layer, "activation", None)
    if show_layer_activations and callable(act):
        head += f" ({getattr(act, '__name__', type(act).__name__)})"
    if not (show_shapes or show_dtype):
        return _esc(head)
    own = [n for n in layer._inbound_nodes if id(n) in nodes] or list(layer._inbound_nodes)
    rows_left, rows_right = [], []
    if show_shapes:
        in_shapes = [n.input_shapes if not n.is_input else n.output_shapes for n in own]
        out_shapes = [n.output_shapes for n in own]
        rows_left += ["input:", "output:"]
        rows_right += [_esc(_shape_text(in_shapes)), _esc(_shape_text(out_shapes))]
    if show_dtype:
        out = own[0].output_tensors[0] if own and own[0].output_tensors else None
        rows_left.append("dtype:")
        rows_right.append(_esc(out.dtype if out is not None else "?"))
    return "{" + _esc(head) + "|{" + "|".join(rows_left) + "}|{" + "|".join(rows_right) + "}}"


def _emit(model, lines, ids, prefix, opts, depth):
    """Write node and edge lines for ``model``; returns (entry ids by input tensor layer, exit ids)."""
    nodes = _model_nodes(model)
    layers = list(model.layers)
    if model.inputs and all(t._keras_history.layer not in layers for t in model.inputs):
        layers = [t._keras_history.layer for t in model.inputs] + layers  # Sequential hides its InputLayer
    indent = "  " * (depth + 1)
    for layer in layers:
        key = prefix + str(id(layer))
        if opts["expand_nested"] and hasattr(layer, "_network_nodes") and getattr(layer, "layers", None):
            lines.append(f'{indent}subgraph "cluster_{key}" {{')
            lines.append(f'{indent}  label="{_esc(layer.name)}";')
            ids[key] = _emit(layer, lines, ids, key + "_", opts, depth + 1)
            lines.append(f"{indent}}}")
            continue
        label = _label(layer, nodes, opts["show_shapes"], opts["show_dtype"], opts["show_layer_names"],
                       opts["show_layer_activations"])
        lines.append(f'{indent}"{key}" [label="{label}"];')
        ids[key] = ([key], [key])
    for layer in layers:
        key = prefix + str(id(layer))
        for node in layer._inbound_nodes:
            if id(node) not in nodes:
                continue
            for inbound in node.inbound_layers:
                src = ids.get(prefix + str(id(inbound)))
                if src is None:
                    continue
                for s in src[1]:
                    for d in ids[key][0]:
                        lines.append(f'{indent}"{s}" -> "{d}";')
    entry = [e for t in model.inputs for e in ids.get(prefix + str(id(t._keras_history.layer)), ([], []))[0]]
    exit_ = [e for t in model.outputs for e in ids.get(prefix + str(id(t._keras_history.layer)), ([], []))[1]]
    return entry, exit_


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=96, subgraph=False, show_layer_activations=False, **kwargs) -> DotGraph:
    """The model's layer graph as DOT text (a ``DotGraph``); ``rankdir`` 'TB' (top to bottom) or 'LR'.

    Example: ``model_to_dot(model, show_shapes=True, rankdir='LR').to_string()``
    """
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"rankdir must be 'TB' (vertical) or 'LR' (horizontal); received {rankdir!r}.")
    opts = dict(show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                expand_nested=expand_nested, show_layer_activations=show_layer_activations)
    lines = ["digraph G {", f"  rankdir={rankdir};", "  concentrate=true;", f"  dpi={int(dpi)};",
             '  node [shape=record, fontname="Helvetica"];']
    _emit(model, lines, {}, "", opts, 0)
    lines.append("}")
    return DotGraph("\n".join(lines) + "\n")


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=True,
               rankdir="TB", expand_nested=False, dpi=96, show_layer_activations=False, **kwargs):
    """Draw the model graph to ``to_file`` (format from its extension: png, svg, pdf, jpg, or dot for
    the text). In a notebook, returns an image that displays inline.

    Example: ``plot_model(model, to_file='model.png', show_shapes=True)``
    """
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                       rankdir=rankdir, expand_nested=expand_nested, dpi=dpi,
                       show_layer_activations=show_layer_activations)
    fmt = os.path.splitext(to_file)[1].lstrip(".").lower() or "png"
    if fmt not in ("dot", "gv") and shutil.which("dot") is None:
        raise ImportError(_INSTALL)
    dot.write(to_file, format=fmt)
    if fmt in ("png", "jpg", "jpeg"):
        try:
            from IPython import get_ipython
            from IPython.display import Image
        except ImportError:
            return None
        if get_ipython() is not None:
            return Image(filename=to_file)
    return None
