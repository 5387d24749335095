"""Integer ids to Keras's encodings ("int", "one_hot", "multi_hot", "count"), shared by
CategoryEncoding, Discretization, Hashing and the lookup layers.

Keras's rules: negative ids encode to all zeros; ``one_hot`` drops a trailing axis of size 1;
``multi_hot`` and ``count`` reduce axis 1 of a batch (axis 0 of a rank-1 input: one sample).

Example::

    >>> encode(torch.tensor([[0, 2], [1, 1]]), "count", 3, torch.float32)
    tensor([[1., 0., 1.],
            [0., 2., 0.]])
"""
from __future__ import annotations

import torch

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


def one_hot(ids: torch.Tensor, depth: int, dtype) -> torch.Tensor:
    ids = ids.long()
    out = torch.nn.functional.one_hot(ids.clamp(0, max(depth - 1, 0)), depth)
    out = out * ((ids >= 0) & (ids < depth)).unsqueeze(-1)  # negative (mask) ids encode to zeros
    return out.to(dtype)


def encode(ids: torch.Tensor, output_mode: str, depth: int, dtype, count_weights=None) -> torch.Tensor:
    """Encode integer ``ids`` as ``output_mode`` with ``depth`` classes (see the module docstring)."""
    if output_mode == "int":
        return ids.to(dtype)
    if ids.dim() == 0:
        ids = ids.unsqueeze(-1)
    if output_mode == "one_hot":
        if ids.dim() > 1 and ids.shape[-1] == 1:
            ids = ids.squeeze(-1)
        return one_hot(ids, depth, dtype)
    axis = 1 if ids.dim() > 1 else 0
    if output_mode == "multi_hot":
        return one_hot(ids, depth, dtype).amax(dim=axis)
    if output_mode == "count":
        hot = one_hot(ids, depth, dtype if count_weights is None else count_weights.dtype)
        if count_weights is not None:
            hot = hot * count_weights.unsqueeze(-1)
        return hot.sum(dim=axis)
    raise ValueError(f"Unknown output_mode {output_mode!r}; expected one of {OUTPUT_MODES}.")


def encoded_shape(input_shape: tuple, output_mode: str, depth: int) -> tuple:
    """The output shape of :func:`encode` for ``input_shape`` (Keras's compute_output_shape)."""
    input_shape = tuple(input_shape)
    if output_mode == "int":
        return input_shape
    if output_mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            return input_shape[:-1] + (depth,)
        return input_shape + (depth,)
    if len(input_shape) >= 2:
        return (input_shape[0],) + input_shape[2:] + (depth,)
    return (depth,)


def check_output_mode(output_mode: str, owner: str, allowed=OUTPUT_MODES) -> str:
    if output_mode not in allowed:
        raise ValueError(f"{owner}: unknown output_mode {output_mode!r}; expected one of {', '.join(allowed)}.")
    return output_mode
