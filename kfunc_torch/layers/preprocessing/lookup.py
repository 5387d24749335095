"""Vocabulary lookups: StringLookup (strings to ids) and IntegerLookup (integers to ids), with Keras 3's
index layout: ``[mask (int mode, when set)] [OOV x num_oov_indices] [tokens, most frequent first]``.

Example::

    >>> layer = StringLookup(vocabulary=["a", "b", "c"])
    >>> layer(np.array([["a", "c"], ["d", "b"]]))        # "d" is out of vocabulary: index 0 ([UNK])
    tensor([[1, 3],
            [0, 2]])
    >>> layer.get_vocabulary()
    ['[UNK]', 'a', 'b', 'c']
    >>> StringLookup(vocabulary=["a", "b"], invert=True)(np.array([[1, 2, 5]]))
    array([['a', 'b', '[UNK]']], dtype=object)
"""
from __future__ import annotations

import collections
import math

import numpy as np
import torch

from ...engine.dtypes import STRING
from . import _encoding
from ._base import PreprocessingLayer, is_string_data, iter_batches, to_string_array
from ._hash import fingerprint64, siphash24

__all__ = ["StringLookup", "IntegerLookup"]

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


class IndexLookup(PreprocessingLayer):
    """What StringLookup and IntegerLookup share (Keras's IndexLookup). ``_is_string`` picks the kind."""

    _is_string = True

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]", vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", salt=None, vocabulary_dtype=None, vocabulary_size=None,
                 has_input_vocabulary=None, **kwargs):
        kwargs.pop("dtype", None)  # Keras stores the vocabulary dtype here; outputs are int64 / float32
        super().__init__(**kwargs)
        owner = type(self).__name__
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        _encoding.check_output_mode(output_mode, owner, _MODES)
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"{owner}: max_tokens must be greater than 1 when set; received max_tokens={max_tokens}.")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{owner}: pad_to_max_tokens=True needs max_tokens.")
        if num_oov_indices < 0:
            raise ValueError(f"{owner}: num_oov_indices must be >= 0; received {num_oov_indices}.")
        if invert and output_mode != "int":
            raise ValueError(f"{owner}: invert=True needs output_mode='int'; received output_mode={output_mode!r}.")
        if sparse:
            raise ValueError(f"{owner}: sparse=True needs the TensorFlow backend (as in Keras 3).")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"{owner}: idf_weights are only used with output_mode='tf_idf'.")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f"{owner}: oov_method must be 'floormod' or 'farmhash'; received {oov_method!r}.")
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = list(salt)
            elif isinstance(salt, int):
                salt = [salt, salt]
            else:
                raise ValueError(f"{owner}: salt must be an int or a pair of ints; received salt={salt!r}.")
        self.max_tokens, self.num_oov_indices = max_tokens, int(num_oov_indices)
        self.mask_token, self.oov_token = mask_token, oov_token
        self.invert, self.output_mode, self.sparse = bool(invert), output_mode, sparse
        self.pad_to_max_tokens, self.oov_method, self.salt = bool(pad_to_max_tokens), oov_method, salt
        self.vocabulary_dtype = vocabulary_dtype or ("string" if self._is_string else "int64")
        self.input_vocabulary = None if isinstance(vocabulary, str) else _listify(vocabulary)
        self.input_idf_weights = _listify(idf_weights)
        self._tokens: list = []
        self._index: dict = {}
        self.idf_weights = None
        self._keys = None  # IntegerLookup: sorted keys and their ids, for a lookup on the tensor's device
        if vocabulary is not None:
            self.set_vocabulary(_read_vocab_file(vocabulary, self._is_string) if isinstance(vocabulary, str)
                                else vocabulary, idf_weights)
        elif output_mode == "tf_idf" and idf_weights is not None:
            raise ValueError(f"{owner}: idf_weights need a vocabulary of the same length.")

    # ---------------------------------------------------------------- index layout
    def _oov_start(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start(self) -> int:
        return self._oov_start() + self.num_oov_indices

    def vocabulary_size(self) -> int:
        """Size of the vocabulary including the mask and OOV indices."""
        return self._token_start() + len(self._tokens)

    def get_vocabulary(self, include_special_tokens=True) -> list:
        """The vocabulary in index order (a token's position is its id when special tokens are included)."""
        specials = ([self.mask_token] if self._oov_start() else []) + [self.oov_token] * self.num_oov_indices
        return (specials if include_special_tokens else []) + list(self._tokens)

    def _depth(self) -> int:
        return self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()

    # ---------------------------------------------------------------- vocabulary
    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (and, for tf_idf, the IDF weights) directly; special tokens at its start are
        recognised and skipped, as in Keras."""
        owner = type(self).__name__
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(f"{owner}: output_mode='tf_idf' needs idf_weights with the vocabulary.")
        vocab = self._normalise(vocabulary)
        if not vocab:
            raise ValueError(f"{owner}: cannot set an empty vocabulary.")
        specials = [self.mask_token] * self._oov_start() + [self.oov_token] * self.num_oov_indices
        found_specials = vocab[:len(specials)] == specials
        tokens = vocab[len(specials):] if found_specials else vocab
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError(f"{owner}: the vocabulary repeats {repeated}; pass each term once.")
        if self.mask_token is not None and self.mask_token in tokens:
            raise ValueError(f"{owner}: the mask token {self.mask_token!r} appears inside the vocabulary. Leave the "
                             f"special tokens out, or put them first in this order: {specials}.")
        if self.invert and self.oov_token is not None and self.oov_token in tokens:
            raise ValueError(f"{owner}: the OOV token {self.oov_token!r} appears inside the vocabulary. Leave the "
                             f"special tokens out, or put them first in this order: {specials}.")
        if self.max_tokens is not None and self._token_start() + len(tokens) > self.max_tokens:
            raise ValueError(f"{owner}: a vocabulary of {self._token_start() + len(tokens)} entries (with special "
                             f"tokens) is larger than max_tokens={self.max_tokens}.")
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            w = np.asarray(idf_weights, dtype=np.float32).reshape(-1)
            if len(w) != len(vocab):
                raise ValueError(f"{owner}: idf_weights has {len(w)} entries, the vocabulary {len(vocab)}.")
            front = 0 if found_specials else self._token_start()
            self._set_idf(w, front, float(np.mean(w)))

    def _normalise(self, vocabulary) -> list:
        if isinstance(vocabulary, torch.Tensor):
            vocabulary = vocabulary.tolist()
        vocab = np.asarray(vocabulary, dtype=object if self._is_string else np.int64).reshape(-1).tolist()
        if self._is_string:
            return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in vocab]
        return [int(v) for v in vocab]

    def _set_tokens(self, tokens: list):
        self._tokens = list(tokens)
        start = self._token_start()
        self._index = {t: i + start for i, t in enumerate(self._tokens)}
        self._keys = None

    def _set_idf(self, weights: np.ndarray, front: int, front_value: float):
        back = self.max_tokens - front - len(weights) if self.pad_to_max_tokens else 0
        full = np.concatenate([np.full(front, front_value, np.float32), weights, np.zeros(max(back, 0), np.float32)])
        self.idf_weights = torch.from_numpy(full.astype(np.float32))

    def adapt(self, data, steps=None):
        """Learn the vocabulary from ``data``: tokens sorted by count, ties by token (high to low), cut to
        ``max_tokens``; tf_idf also learns document frequencies (a document is a row)."""
        if self.input_vocabulary is not None:
            raise ValueError(f"Cannot adapt layer {self.name!r}: it was given a vocabulary.")
        counts, doc_counts, n_docs = collections.Counter(), collections.Counter(), 0
        for batch in iter_batches(data, strings=self._is_string, steps=steps):
            for row in self._rows(batch):
                counts.update(row)
                if self.output_mode == "tf_idf":
                    doc_counts.update(set(row))
                    n_docs += 1
        self._finish_adapt(counts, doc_counts, n_docs)

    def _rows(self, batch) -> list:
        """A batch as rows of tokens (a rank-1 batch is one token per row)."""
        a = self._values(batch)
        if a.ndim == 0:
            a = a.reshape(1, 1)
        elif a.ndim == 1:
            a = a.reshape(-1, 1)
        return [list(r) for r in a.reshape(a.shape[0], -1)]

    def _finish_adapt(self, counts, doc_counts, n_docs):
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        key = (lambda t: t.encode("utf-8")) if self._is_string else (lambda t: t)
        order = sorted(counts, key=lambda t: (counts[t], key(t)), reverse=True)
        if self.max_tokens:
            order = order[:max(self.max_tokens - self._token_start(), 0)]
        self._set_tokens(order)
        if self.output_mode == "tf_idf":
            df = np.array([doc_counts[t] for t in order], dtype=np.float64)
            idf = np.log(1 + n_docs / (1 + df)).astype(np.float32)
            self._set_idf(idf, self._token_start(), float(idf.mean()) if len(idf) else 0.0)

    # ---------------------------------------------------------------- call
    def _values(self, inputs) -> np.ndarray:
        if self._is_string:
            return to_string_array(inputs)
        if isinstance(inputs, torch.Tensor):
            return inputs.detach().cpu().numpy().astype(np.int64)
        return np.asarray(inputs).astype(np.int64)

    def _oov_ids(self, values: np.ndarray) -> np.ndarray:
        """OOV index of each value (one bucket, or a hash/floormod over several)."""
        n, start = self.num_oov_indices, self._oov_start()
        if n == 1:
            return np.full(values.shape, start, np.int64)
        if not self._is_string and self.oov_method != "farmhash":
            return values.astype(np.int64) % n + start

        def h(v):
            data = str(v).encode("utf-8")
            return (siphash24(tuple(self.salt), data) if self.salt else fingerprint64(data)) % n
        return np.vectorize(h, otypes=[np.int64])(values) + start if values.size else values.astype(np.int64)

    def lookup_ids(self, values: np.ndarray) -> np.ndarray:
        """Ids of an array of tokens (int64); each distinct token is looked up once."""
        uniq, inverse = np.unique(values, return_inverse=True)
        ids = np.array([self._index.get(u, -1) for u in uniq.tolist()], dtype=np.int64)
        missing = ids < 0
        if self.mask_token is not None:
            is_mask = np.array([u == self.mask_token for u in uniq.tolist()], dtype=bool)
            # the mask maps to 0 in int mode; elsewhere to an id past the depth, which encodes to zeros
            ids = np.where(is_mask, 0 if self.output_mode == "int" else np.iinfo(np.int64).max, ids)
            missing &= ~is_mask
        if missing.any():
            if self.num_oov_indices == 0:
                raise ValueError(f"{type(self).__name__} {self.name!r}: with num_oov_indices=0 every input must be in "
                                 f"the vocabulary; found {uniq[missing][:10].tolist()}. Set num_oov_indices=1.")
            ids[missing] = self._oov_ids(uniq[missing])
        return ids[inverse.reshape(values.shape)] if values.size else np.zeros(values.shape, np.int64)

    def _invert(self, inputs):
        ids = inputs.detach().cpu().numpy() if isinstance(inputs, torch.Tensor) else np.asarray(inputs)
        vocab = self.get_vocabulary()
        table = np.array(vocab + [self.oov_token], dtype=object)
        idx = np.where((ids >= 0) & (ids < len(vocab)), ids, len(vocab))
        out = table[idx]
        if self.mask_token is not None:
            out = np.where(ids == 0, self.mask_token, out)
        if self._is_string:
            return out.astype(object)
        return torch.as_tensor(out.astype(np.int64))

    def call(self, inputs):
        if self.invert:
            return self._invert(inputs)
        if self.output_mode != "int" and not self.pad_to_max_tokens and not self._tokens:
            raise RuntimeError(f"{type(self).__name__} {self.name!r}: output_mode={self.output_mode!r} needs a "
                               "vocabulary first: pass vocabulary=[...] or call adapt(data).")
        device = inputs.device if isinstance(inputs, torch.Tensor) else self._device()
        ids = self._lookup_tensor(inputs) if isinstance(inputs, torch.Tensor) else torch.from_numpy(
            self.lookup_ids(self._values(inputs))).to(device)
        return self.encode_ids(ids)

    def _lookup_tensor(self, inputs: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(self.lookup_ids(self._values(inputs))).to(inputs.device)

    def encode_ids(self, ids: torch.Tensor) -> torch.Tensor:
        """Ids in this layer's output_mode (tf_idf: counts times the IDF weights)."""
        if self.output_mode == "int":
            return ids
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        out = _encoding.encode(ids, mode, self._depth(), torch.float32)
        if self.output_mode == "tf_idf":
            out = out * self.idf_weights.to(out.device)
        return out

    def _output_torch_dtype(self):
        if self.invert:
            return STRING if self._is_string else torch.int64
        return torch.int64 if self.output_mode == "int" else torch.float32

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = self.max_tokens if self.pad_to_max_tokens else (self.vocabulary_size() or None)
        if self.output_mode == "one_hot":
            if len(input_shape) > 1 and input_shape[-1] == 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        return input_shape[:-1] + (depth,)

    def get_config(self):
        # An adapted vocabulary goes into the config (Keras keeps it in the archive's assets, which our
        # archives lack); Keras loads such a config as a layer given that vocabulary.
        vocab = self.input_vocabulary if self.input_vocabulary is not None else (
            self.get_vocabulary() if self._tokens else None)
        idf = self.input_idf_weights if self.input_vocabulary is not None else (
            self.idf_weights.tolist() if self.idf_weights is not None and self._tokens else None)
        return {**super().get_config(), "invert": self.invert, "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token, "mask_token": self.mask_token,
                "output_mode": self.output_mode, "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
                "vocabulary_dtype": self.vocabulary_dtype, "idf_weights": idf, "vocabulary": vocab,
                "vocabulary_size": self.vocabulary_size() if self._tokens else None, "oov_method": self.oov_method,
                "salt": self.salt}


def _listify(v):
    if v is None:
        return None
    if isinstance(v, torch.Tensor):
        return v.tolist()
    return np.asarray(v).tolist() if isinstance(v, np.ndarray) else list(v)


def _read_vocab_file(path: str, is_string: bool) -> list:
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise ValueError(f"Vocabulary file {path!r} could not be read ({e}). Pass a list of terms or a path to a "
                         "text file with one term per line.") from None
    while lines and lines[-1] == "":
        lines.pop()
    return lines if is_string else [int(x) for x in lines]


class StringLookup(IndexLookup):
    """Map strings to integer ids from a vocabulary (given, or learned with ``adapt``).

    Args:
        max_tokens: cap on the vocabulary size, special tokens included.
        num_oov_indices: OOV buckets (several: strings hash into them with FarmHash64, or SipHash with ``salt``).
        mask_token: a token that maps to 0 (int mode); ``oov_token``: the name of the OOV entries ("[UNK]").
        vocabulary: a list/array of terms or a text file path (one term per line).
        output_mode: "int", "one_hot", "multi_hot", "count" or "tf_idf" (needs ``idf_weights`` with a vocabulary).
        invert: map ids back to strings (a numpy object array).

    Example::

        >>> layer = StringLookup()
        >>> layer.adapt(["b", "a", "b"])
        >>> layer.get_vocabulary()
        ['[UNK]', 'b', 'a']
    """

    _is_string = True
    _takes_strings = True

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]", vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False, sparse=False,
                 encoding="utf-8", name=None, salt=None, **kwargs):
        self.encoding = encoding
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, name=name,
                         salt=salt, **kwargs)

    def get_config(self):
        config = {**super().get_config(), "encoding": self.encoding}
        del config["vocabulary_dtype"]  # strings have one dtype; Keras's StringLookup config leaves it out
        return config


class IntegerLookup(IndexLookup):
    """Map integers (e.g. raw category codes) to contiguous ids from a vocabulary.

    Same arguments as StringLookup; ``mask_token`` defaults to None and ``oov_token`` to -1; several
    OOV buckets take ``value % num_oov_indices`` (``oov_method="farmhash"``: a hash of the value's text).

    Example::

        >>> IntegerLookup(vocabulary=[12, 36, 1138])(np.array([[12, 1138], [42, 36]]))
        tensor([[1, 3],
                [0, 2]])
    """

    _is_string = False

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1, output_mode="int",
                 sparse=False, vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 name=None, **kwargs):
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"IntegerLookup: max_tokens must be greater than 1 when set; received {max_tokens}.")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, vocabulary_dtype=vocabulary_dtype,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode, sparse=sparse, name=name,
                         **kwargs)

    def _lookup_tensor(self, inputs: torch.Tensor) -> torch.Tensor:
        # On the tensor's own device: searchsorted over the sorted vocabulary, no host round trip.
        if self.num_oov_indices > 1 and self.oov_method == "farmhash":
            return super()._lookup_tensor(inputs)
        if self._keys is None or self._keys[0].device != inputs.device:
            keys = torch.tensor(self._tokens, dtype=torch.int64)
            order = torch.argsort(keys)
            self._keys = (keys[order].to(inputs.device), (order + self._token_start()).to(inputs.device))
        keys, ids = self._keys
        x = inputs.long()
        if len(keys) == 0:
            found = torch.zeros_like(x, dtype=torch.bool)
            out = torch.zeros_like(x)
        else:
            pos = torch.searchsorted(keys, x).clamp(max=len(keys) - 1)
            found = keys[pos] == x
            out = ids[pos]
        if self.num_oov_indices == 0:
            if not bool(found.all()):
                bad = x[~found][:10].tolist()
                raise ValueError(f"IntegerLookup {self.name!r}: with num_oov_indices=0 every input must be in the "
                                 f"vocabulary; found {bad}. Set num_oov_indices=1.")
        else:
            oov = x % self.num_oov_indices + self._oov_start() if self.num_oov_indices > 1 else \
                torch.full_like(x, self._oov_start())
            out = torch.where(found, out, oov)
        if self.mask_token is not None:
            mask_id = 0 if self.output_mode == "int" else torch.iinfo(torch.int64).max
            out = torch.where(x == int(self.mask_token), torch.full_like(out, mask_id), out)
        return out
