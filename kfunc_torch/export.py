"""Exporting a model for inference: ``model.export(path, format="onnx" | "torch")`` as Keras 3 spells it.

A model is an ordinary ``nn.Module`` whose ``forward`` takes one tensor per input, so torch's own
routes work on it directly: ``torch.export.export(model, (x1, x2))``, ``torch.jit.trace(model, (x1,
x2))``, ``torch.compile(model, fullgraph=True)``. ``export_model`` adds what Keras users expect: input
and output names from the model, a dynamic batch axis (every ``None`` dimension of an ``Input`` stays
dynamic; dimension 0 is named ``"batch"`` and shared by all inputs), both torch ONNX exporters
(``dynamo=True``, the default, needs ``onnxscript``; ``dynamo=False`` is the TorchScript exporter).

Example::

    >>> model.export("model.onnx", format="onnx")               # or dynamo=False, opset_version=17
    >>> sess = onnxruntime.InferenceSession("model.onnx")
    >>> sess.run(None, {"image": x})                             # inputs by the Input layers' names
    >>> model.export("model.pt2", format="torch")               # torch.export.load("model.pt2")
"""
from __future__ import annotations

import os
import warnings

import torch

# Keras 3 formats that need TensorFlow, OpenVINO or LiteRT: named in the error.
_OTHER_BACKEND_FORMATS = ("tf_saved_model", "openvino", "litert")
_SAMPLE_SIZE = 2  # a None dimension's size in the sample inputs (1 would be specialized away by torch.export)


def export_model(model, filepath, format="onnx", verbose=None, input_signature=None, opset_version=None,
                 dynamo=True, **kwargs):
    """Write ``model`` for inference. ``format``: ``"onnx"`` or ``"torch"``; ``input_signature``: optional
    tensors or specs (objects with ``shape`` and ``dtype``), one per input, replacing the Input shapes.

    Example: ``export_model(model, "m.onnx", dynamo=False, opset_version=17)``.
    """
    if format in _OTHER_BACKEND_FORMATS:
        raise ValueError(f"export(format={format!r}) needs Keras's {format} toolchain, which kfunc_torch (a "
                         "torch library) does not have. Use format='onnx' (then convert with your tool) or "
                         "format='torch'.")
    if format not in ("onnx", "torch"):
        raise ValueError(f"export: unknown format {format!r}. Expected 'onnx' or 'torch'.")
    if not getattr(model, "_is_graph_network", False):
        raise ValueError(f"export: model {model.name!r} has no functional graph to read input shapes from. "
                         "Call torch.onnx.export(model, sample_inputs) or torch.export.export directly.")
    specs = _input_specs(model, input_signature)
    samples = tuple(torch.zeros([_SAMPLE_SIZE if d is None else d for d in shape], dtype=dtype)
                    .to(model._device()) for shape, dtype in specs)
    input_names, output_names = list(model.input_names), list(model.output_names)
    was_training = model.training
    model.eval()
    try:
        if format == "torch":
            program = torch.export.export(model, samples, dynamic_shapes=_dynamic_shapes(specs))
            torch.export.save(program, os.fspath(filepath))
        elif dynamo:
            _require("onnxscript", "the dynamo ONNX exporter (or pass dynamo=False)")
            _require("onnx", "ONNX export")
            program = torch.onnx.export(model, samples, dynamo=True, input_names=input_names,
                                        output_names=output_names, dynamic_shapes=_dynamic_shapes(specs),
                                        opset_version=opset_version, verbose=bool(verbose), **kwargs)
            program.optimize()
            program.save(os.fspath(filepath))
        else:
            _require("onnx", "ONNX export")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # torch deprecates this exporter
                torch.onnx.export(model, samples, os.fspath(filepath), dynamo=False, input_names=input_names,
                                  output_names=output_names,
                                  dynamic_axes=_dynamic_axes(specs, model, input_names, output_names),
                                  opset_version=opset_version, verbose=bool(verbose), **kwargs)
    finally:
        model.train(was_training)
    if verbose:
        print(f"Saved artifact at '{os.fspath(filepath)}' ({format}).")


def _input_specs(model, input_signature) -> list[tuple[list, torch.dtype]]:
    """(shape with None for dynamic dims, dtype) per input, from the Input layers or the given signature."""
    if input_signature is None:
        return [(list(t.shape), t.torch_dtype) for t in model.inputs]
    sig = list(input_signature) if isinstance(input_signature, (list, tuple)) else [input_signature]
    if len(sig) == 1 and isinstance(sig[0], (list, tuple)) and len(model.inputs) > 1:
        sig = list(sig[0])  # Keras's [[spec1, spec2]] form
    if len(sig) != len(model.inputs):
        raise ValueError(f"export: input_signature has {len(sig)} entries; model {model.name!r} has "
                         f"{len(model.inputs)} inputs {model.input_names}.")
    out = []
    for spec in sig:
        dtype = getattr(spec, "torch_dtype", None) or getattr(spec, "dtype", None) or torch.float32
        if isinstance(dtype, str):
            dtype = getattr(torch, dtype)
        out.append((list(spec.shape), dtype))
    return out


def _dim_name(i: int, j: int) -> str:
    return "batch" if j == 0 else f"dim_{i}_{j}"


def _dynamic_shapes(specs):
    """torch.export's form for ``forward(*args)``: ``{"args": ({axis: Dim}, ...)}``, one Dim per name."""
    dims: dict[str, object] = {}

    def dim(name):
        return dims.setdefault(name, torch.export.Dim(name))
    per_input = tuple({j: dim(_dim_name(i, j)) for j, d in enumerate(shape) if d is None} or None
                      for i, (shape, _) in enumerate(specs))
    return {"args": per_input} if dims else None


def _dynamic_axes(specs, model, input_names, output_names):
    """The TorchScript exporter's form: ``{name: {axis: dim name}}``; outputs keep a dynamic batch."""
    axes = {n: {j: _dim_name(i, j) for j, d in enumerate(shape) if d is None}
            for i, (n, (shape, _)) in enumerate(zip(input_names, specs))}
    if any(0 in a for a in axes.values()):
        for n, t in zip(output_names, model.outputs):
            if t.shape and t.shape[0] is None:
                axes[n] = {0: "batch"}
    return {k: v for k, v in axes.items() if v}


def _require(module: str, what: str) -> None:
    import importlib.util
    if importlib.util.find_spec(module) is None:
        raise ImportError(f"{what} needs the {module} package, which is not installed. Install the export "
                          f"extra: pip install 'kfunc_torch[export]' (onnx, onnxscript, onnxruntime).")
