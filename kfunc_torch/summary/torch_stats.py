"""Below the Keras table: mult-adds and torchinfo's memory estimates for one forward/backward pass.

``model.summary(show_mult_adds=True)`` prints the Keras table as usual, then, for a batch of one
sample: the total mult-adds, and torchinfo's input size, forward/backward pass size, parameter size
and estimated total, in torchinfo's wording. The parameter totals torchinfo counts are checked
against ours first: a difference means one of the two is wrong, and it is reported rather than
printed side by side.

Mult-adds are counted here, not by torchinfo: torchinfo recognises ``weight`` parameters of torch's
own modules, and Keras layers name theirs ``kernel``. Every kernel-shaped weight (Dense, the
convolutions, depthwise and pointwise kernels) contributes, for each output position, one mult-add
per kernel entry feeding it: ``output.numel() / output_channels * kernel.numel()``, plus one per output
for the bias, as torchinfo counts torch's own layers. Recurrent kernels
(applied once per time step) and attention's products are not counted.

``torch_statistics(model)`` returns torchinfo's ``ModelStatistics`` for programmatic use.

Example::

    >>> model.summary(show_mult_adds=True)
    ...
    Total mult-adds (M): 0.10
    Input size (MB): 0.00
    ...
"""
from __future__ import annotations

import torch


def _torchinfo():
    try:
        import torchinfo
    except ImportError as e:
        raise ImportError("summary(show_mult_adds=True) uses torchinfo, which is not installed. Install it with "
                          "`pip install torchinfo` (or kfunc_torch's `summary` extra: "
                          "`pip install kfunc_torch[summary]`).") from e
    return torchinfo


def _example_inputs(model, batch_size):
    if not model._is_graph_network:
        raise ValueError(f"summary(show_mult_adds=True) needs the input shapes of model {model.name!r}; a "
                         "subclassed model has none until it is called. Use a functional or Sequential model.")
    inputs = []
    for t in model.inputs:
        if any(d is None for d in t.shape[1:]):
            raise ValueError(f"summary(show_mult_adds=True) runs one batch through model {model.name!r}, but input "
                             f"{t.name!r} has unknown dimensions {t.shape}. Give the Input a full shape.")
        dtype = t.torch_dtype if t.torch_dtype.is_floating_point else torch.int64
        inputs.append(torch.zeros((batch_size,) + tuple(t.shape[1:]), dtype=dtype, device=model._device()))
    return inputs


def torch_statistics(model, batch_size: int = 1):
    """torchinfo's statistics for one batch, after checking its parameter totals against ours."""
    torchinfo = _torchinfo()
    inputs = _example_inputs(model, batch_size)
    was_training = model.training
    try:
        stats = torchinfo.summary(model, input_data=[inputs if len(inputs) > 1 else inputs[0]], verbose=0,
                                  depth=1, device=model._device())
    finally:
        model.train(was_training)
    ours = model.count_params()
    if stats.total_params != ours:
        raise RuntimeError(f"torchinfo counts {stats.total_params:,} parameters in model {model.name!r}, "
                           f"summary() counts {ours:,}. Please report this: one of the two counts is wrong.")
    return stats


_KERNELS = ("kernel", "depthwise_kernel", "pointwise_kernel")


def count_mult_adds(model, batch_size: int = 1) -> int:
    """Mult-adds of one forward pass through the kernels of ``model`` (see the module docstring)."""
    counted = {}

    def hook(layer, args, out):
        if isinstance(out, torch.Tensor) and out.dim() >= 2:
            channels = out.shape[1] if getattr(layer, "data_format", "channels_last") == "channels_first" \
                else out.shape[-1]
            kernels = [getattr(layer, n) for n in _KERNELS if isinstance(getattr(layer, n, None), torch.Tensor)]
            bias = out.numel() if isinstance(getattr(layer, "bias", None), torch.Tensor) else 0
            counted[id(layer)] = out.numel() // max(int(channels), 1) * sum(k.numel() for k in kernels) + bias

    handles = [l.register_forward_hook(hook) for l in model._flatten_layers() if l is not model
               and any(isinstance(getattr(l, n, None), torch.Tensor) for n in _KERNELS)]
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            inputs = _example_inputs(model, batch_size)
            model(inputs if len(inputs) > 1 else inputs[0])
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return sum(counted.values())


def mult_adds_lines(model, batch_size: int = 1) -> list:
    """The closing lines (mult-adds, torchinfo's memory estimates), for the end of the Keras table."""
    text = str(torch_statistics(model, batch_size))
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Input size"))
    memory = [line for line in lines[start:] if line and not set(line) <= {"="}]
    return [f"Total mult-adds: {count_mult_adds(model, batch_size):,}"] + memory
