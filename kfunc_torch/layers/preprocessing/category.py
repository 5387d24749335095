"""Categorical encodings: CategoryEncoding (ids to one_hot / multi_hot / count vectors) and Hashing
(strings or integers to hash bins, with Keras's FarmHash64, or SipHash-2-4 when salted).

Example::

    >>> CategoryEncoding(num_tokens=4, output_mode="multi_hot")(np.array([[0, 1], [0, 3]]))
    tensor([[1., 1., 0., 0.],
            [1., 0., 0., 1.]])
    >>> Hashing(num_bins=3)(np.array([["A"], ["B"], ["C"]]))
    tensor([[1],
            [0],
            [1]])
"""
from __future__ import annotations

import numpy as np
import torch

from . import _encoding
from ._base import PreprocessingLayer, is_string_data, to_string_array
from ._hash import fingerprint64, siphash24

__all__ = ["CategoryEncoding", "Hashing"]


class CategoryEncoding(PreprocessingLayer):
    """Encode integer ids in ``[0, num_tokens)`` as float vectors.

    ``output_mode``: "multi_hot" (default; Keras 2's "binary" is the same), "one_hot" or "count";
    ``layer(ids, count_weights=w)`` sums ``w`` instead of 1 in "count" mode. Example::

        >>> CategoryEncoding(3, output_mode="count")(np.array([[0, 2, 2]]))
        tensor([[1., 0., 2.]])
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        _encoding.check_output_mode(output_mode, "CategoryEncoding", ("count", "one_hot", "multi_hot"))
        if num_tokens is None:
            raise ValueError("CategoryEncoding needs num_tokens (the number of distinct ids). If it is not known "
                             "in advance, use IntegerLookup instead.")
        if num_tokens < 1:
            raise ValueError(f"CategoryEncoding: num_tokens must be >= 1; received num_tokens={num_tokens}.")
        if sparse:
            raise ValueError("CategoryEncoding: sparse=True is not supported on the torch backend (as in Keras 3).")
        self.num_tokens, self.output_mode, self.sparse = int(num_tokens), output_mode, sparse

    def call(self, inputs, count_weights=None):
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(f"CategoryEncoding: count_weights is only used with output_mode='count'; this "
                                 f"layer has output_mode={self.output_mode!r}.")
            count_weights = torch.as_tensor(np.asarray(count_weights) if not torch.is_tensor(count_weights)
                                            else count_weights, dtype=torch.float32, device=inputs.device)
        return _encoding.encode(inputs, self.output_mode, self.num_tokens, torch.float32, count_weights)

    def _output_torch_dtype(self):
        return torch.float32

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if not input_shape:
            return (self.num_tokens,)
        if self.output_mode == "one_hot" and (input_shape[-1] != 1 or len(input_shape) == 1):
            return input_shape + (self.num_tokens,)
        return input_shape[:-1] + (self.num_tokens,)

    def get_config(self):
        return {**super().get_config(), "num_tokens": self.num_tokens, "output_mode": self.output_mode,
                "sparse": self.sparse}


class Hashing(PreprocessingLayer):
    """Hash strings (or integers, hashed as their decimal text) into ``num_bins`` bins, as Keras does.

    Args:
        num_bins: number of bins, including the mask bin 0 when ``mask_value`` is set.
        mask_value: a value mapped to bin 0 (the others then hash into 1 .. num_bins - 1).
        salt: None (FarmHash Fingerprint64), or an int or a pair of ints (SipHash-2-4 with that key).
        output_mode: "int" (int64 bins), "one_hot", "multi_hot" or "count".

    Each distinct value is hashed once per call (in Python), then looked up. Example::

        >>> Hashing(num_bins=3, salt=133)(np.array([["A"], ["B"]]))
        tensor([[0],
                [0]])
    """

    _takes_strings = True

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else "float32"
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError(f"Hashing: num_bins must be a positive integer; received num_bins={num_bins!r}.")
        _encoding.check_output_mode(output_mode, "Hashing")
        if sparse:
            raise ValueError("Hashing: sparse=True is not supported on the torch backend.")
        if output_mode == "int" and kwargs["dtype"] not in ("int32", "int64"):
            raise ValueError(f"Hashing: with output_mode='int' the dtype must be 'int32' or 'int64'; "
                             f"received dtype={kwargs['dtype']!r}.")
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = [int(s) for s in salt]
            elif isinstance(salt, int) and not isinstance(salt, bool):
                salt = [salt, salt]
            else:
                raise ValueError(f"Hashing: salt must be an int or a pair of ints; received salt={salt!r}.")
        self.num_bins, self.mask_value, self.salt = int(num_bins), mask_value, salt
        self.output_mode, self.sparse = output_mode, sparse

    def _hash(self, text: str, bins: int) -> int:
        data = text.encode("utf-8")
        h = siphash24(tuple(self.salt), data) if self.salt is not None else fingerprint64(data)
        return h % bins

    def call(self, inputs):
        device = inputs.device if isinstance(inputs, torch.Tensor) else self._device()
        values = _as_hashable(inputs)
        bins = self.num_bins
        masked = self.mask_value is not None and bins > 1
        if masked:
            bins -= 1
        uniq, inverse = np.unique(values, return_inverse=True)
        table = np.array([self._hash(str(v), bins) for v in uniq], dtype=np.int64)
        if masked:
            mask = str(self.mask_value) if not isinstance(self.mask_value, str) else self.mask_value
            table = np.where(uniq.astype(str) == mask, 0, table + 1)
        ids = torch.from_numpy(table[inverse.reshape(values.shape)]).to(device)
        if self.output_mode == "one_hot" and ids.dim() > 0 and ids.shape[-1] == 1:
            ids = ids.squeeze(-1)
        return _encoding.encode(ids, self.output_mode, self.num_bins, self._output_torch_dtype())

    def _output_torch_dtype(self):
        return torch.int32 if self._dtype == "int32" else torch.int64 if self.output_mode == "int" else torch.float32

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        return input_shape[:-1] + (self.num_bins,) if input_shape else (self.num_bins,)

    def get_config(self):
        return {**super().get_config(), "num_bins": self.num_bins, "salt": self.salt, "mask_value": self.mask_value,
                "output_mode": self.output_mode, "sparse": self.sparse}


def _as_hashable(inputs) -> np.ndarray:
    """Values as numpy: strings stay strings; numbers become int64 (floats truncate, as Keras casts)."""
    if isinstance(inputs, torch.Tensor):
        a = inputs.detach().cpu()
        return (a if not a.is_floating_point() else a.long()).numpy().astype(np.int64)
    if is_string_data(inputs):
        return to_string_array(inputs).astype(str)
    a = np.asarray(inputs)
    return a.astype(np.int64)
