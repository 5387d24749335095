"""``ops.rearrange`` (via core_math): einops-style axis rearrangement (``"b (h w) c -> b h w c"``), by reshape and permute.

Each side lists axis names; parentheses group axes into one; a group's unknown length is solved
from the known ones and ``axes_lengths``.

Example::

    >>> rearrange(torch.ones(2, 12, 3), "b (h w) c -> b c h w", h=3).shape
    torch.Size([2, 3, 3, 4])
"""
from __future__ import annotations

import math
import re

import torch

from .tensor_functions import _t


def _parse(side: str) -> list[list[str]]:
    groups, i = [], 0
    tokens = re.findall(r"\(|\)|[A-Za-z_][A-Za-z0-9_]*|1", side)
    while i < len(tokens):
        if tokens[i] == "(":
            j = tokens.index(")", i)
            groups.append(tokens[i + 1:j])
            i = j + 1
        else:
            groups.append([] if tokens[i] == "1" else [tokens[i]])
            i += 1
    return groups


def rearrange(tensor, pattern: str, **axes_lengths):
    """Rearrange ``tensor`` by an einops ``pattern``. Example: ``rearrange(x, "b h w c -> b (h w) c")``."""
    x = _t(tensor)
    if "->" not in pattern:
        raise ValueError(f"rearrange(): the pattern needs '->' between input and output axes; received {pattern!r}.")
    left, right = (_parse(s) for s in pattern.split("->"))
    if len(left) != x.dim():
        raise ValueError(f"rearrange(): pattern {pattern!r} names {len(left)} input axes but the tensor has shape "
                         f"{tuple(x.shape)}.")
    sizes = dict(axes_lengths)
    for group, dim in zip(left, x.shape):
        unknown = [a for a in group if a not in sizes]
        known = math.prod(sizes[a] for a in group if a in sizes)
        if len(unknown) > 1:
            raise ValueError(f"rearrange(): cannot infer the lengths of {unknown} in {pattern!r}; pass them, "
                             f"e.g. {unknown[0]}=...")
        if unknown:
            sizes[unknown[0]] = dim // known
    flat_in = [a for g in left for a in g]
    x = x.reshape([sizes[a] for a in flat_in])
    flat_out = [a for g in right for a in g]
    if sorted(flat_in) != sorted(flat_out):
        raise ValueError(f"rearrange(): input and output axes differ in {pattern!r}.")
    x = x.permute([flat_in.index(a) for a in flat_out])
    return x.reshape([math.prod(sizes[a] for a in g) for g in right])
