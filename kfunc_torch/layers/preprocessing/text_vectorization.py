"""TextVectorization: raw strings to token ids (or multi_hot / count / tf_idf vectors), as Keras 3.

Pipeline per string: standardize (lower-case ASCII and strip punctuation by default) -> split (on
whitespace by default) -> ngrams (optional) -> StringLookup with "" as the padding/mask token and
"[UNK]" for OOV. In "int" mode the ids of a batch are padded with 0 to the longest text, or cut/padded
to ``output_sequence_length``.

Example::

    >>> vectorize = TextVectorization(max_tokens=1000, output_sequence_length=4)
    >>> vectorize.adapt(["The cat sat.", "The dog sat down!"])
    >>> vectorize.get_vocabulary()
    ['', '[UNK]', 'the', 'sat', 'down', 'dog', 'cat']
    >>> vectorize(["the cat ran"])
    tensor([[2, 6, 1, 0]])
"""
from __future__ import annotations

import collections
import re

import numpy as np
import torch

from ...engine import registry
from ._base import PreprocessingLayer, iter_batches, to_string_array
from .lookup import StringLookup

__all__ = ["TextVectorization"]

# Keras's punctuation set (tf.strings.regex_replace pattern of TextVectorization).
_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,\-\./:;<=>?@\[\\\]^_`{|}~\']')
_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")  # tf.strings.split's whitespace
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")  # tf.strings.lower is ASCII
_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")


class TextVectorization(PreprocessingLayer):
    """Turn strings into sequences of token ids, or into bag-of-words vectors.

    Args:
        max_tokens: vocabulary cap (padding and OOV included).
        standardize: "lower_and_strip_punctuation" (default), "lower", "strip_punctuation", None, or a
            callable taking and returning a numpy array of strings.
        split: "whitespace" (default), "character", None (each string is one token), or a callable
            taking a numpy array of strings and returning one list of tokens per string.
        ngrams: None, an int n (all 1..n-grams), or a tuple of widths.
        output_mode: "int" (default), "multi_hot", "count", "tf_idf" (or "one_hot" with split=None).
        output_sequence_length: "int" mode: pad or cut every output to this length.
        vocabulary / idf_weights: a given vocabulary (list or file path) instead of ``adapt``.

    Example: ``TextVectorization(output_mode="multi_hot", ngrams=2)``.
    """

    _takes_strings = True

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace", ngrams=None,
                 output_mode="int", output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None, vocabulary_size=None,
                 **kwargs):
        kwargs.pop("dtype", None)
        super().__init__(name=name, **kwargs)
        if not (standardize is None or callable(standardize) or standardize in _STANDARDIZE):
            raise ValueError(f"TextVectorization: standardize must be one of {_STANDARDIZE}, None or a callable; "
                             f"received {standardize!r}.")
        if not (split is None or callable(split) or split in _SPLIT):
            raise ValueError(f"TextVectorization: split must be one of {_SPLIT}, None or a callable; received {split!r}.")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        if output_mode not in ("int", "one_hot", "multi_hot", "count", "tf_idf"):
            raise ValueError("TextVectorization: output_mode must be 'int', 'multi_hot', 'count', 'tf_idf' or "
                             f"'one_hot'; received {output_mode!r}.")
        if isinstance(ngrams, list):
            ngrams = tuple(ngrams)
        if not (ngrams is None or isinstance(ngrams, int) or isinstance(ngrams, tuple)
                and all(isinstance(n, int) for n in ngrams)):
            raise ValueError(f"TextVectorization: ngrams must be None, an int or a tuple of ints; received {ngrams!r}.")
        if output_mode == "int" and not (output_sequence_length is None or isinstance(output_sequence_length, int)):
            raise ValueError("TextVectorization: output_sequence_length must be None or an int; received "
                             f"{output_sequence_length!r}.")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError("TextVectorization: output_sequence_length only applies to output_mode='int'; received "
                             f"output_mode={output_mode!r}.")
        if ragged or sparse:
            raise ValueError("TextVectorization: ragged=True and sparse=True need the TensorFlow backend (as in "
                             "Keras 3); use output_sequence_length to get fixed-length outputs.")
        self._standardize, self._split, self._ngrams_arg = standardize, split, ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._output_mode, self._output_sequence_length = output_mode, output_sequence_length
        self._encoding, self._ragged, self._sparse = encoding, ragged, sparse
        # The lookup is a helper object, not a sublayer: it has no weights, and Keras's config nests nothing.
        self.__dict__["_lookup"] = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights, pad_to_max_tokens=pad_to_max_tokens,
            mask_token="", output_mode=output_mode, encoding=encoding, name=f"{self.name}_lookup")

    # ---------------------------------------------------------------- tokenizing
    def _standardize_all(self, texts: np.ndarray) -> np.ndarray:
        if callable(self._standardize):
            return to_string_array(self._standardize(texts.astype(str)))
        if self._standardize is None:
            return texts
        lower = self._standardize in ("lower", "lower_and_strip_punctuation")
        strip = self._standardize in ("strip_punctuation", "lower_and_strip_punctuation")

        def one(s: str) -> str:
            s = s.translate(_ASCII_LOWER) if lower else s
            return _PUNCTUATION.sub("", s) if strip else s
        return np.array([one(s) for s in texts.tolist()], dtype=object)

    def _tokenize(self, inputs) -> list[list[str]]:
        """One list of tokens per input string (standardized, split, ngrams)."""
        texts = to_string_array(inputs)
        if texts.ndim == 0:
            texts = texts.reshape(1)
        if self._split is not None and texts.ndim > 1:
            if texts.shape[-1] != 1:
                raise ValueError("TextVectorization splits strings, so its input must be a batch of strings of shape "
                                 f"(batch,) or (batch, 1); received shape {texts.shape}.")
            texts = texts.reshape(texts.shape[:-1])
        texts = self._standardize_all(texts.reshape(-1))
        if self._split is None:
            rows = [[t] for t in texts.tolist()]
        elif self._split == "whitespace":
            rows = [[t for t in _WHITESPACE.split(s) if t] for s in texts.tolist()]
        elif self._split == "character":
            rows = [list(s) for s in texts.tolist()]
        else:
            rows = [[str(t) for t in (r.tolist() if hasattr(r, "tolist") else r)] for r in self._split(texts.astype(str))]
        if self._ngrams:
            rows = [[" ".join(r[i:i + n]) for n in self._ngrams for i in range(len(r) - n + 1)] for r in rows]
        return rows

    # ---------------------------------------------------------------- vocabulary
    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary from texts: a list or array of strings, or batches from a dataset/generator."""
        lookup = self._lookup
        if lookup.input_vocabulary is not None:
            raise ValueError(f"Cannot adapt layer {self.name!r}: it was given a vocabulary.")
        counts, doc_counts, n_docs = collections.Counter(), collections.Counter(), 0
        for batch in iter_batches(data, strings=True, steps=steps):
            for row in self._tokenize(batch):
                counts.update(row)
                if self._output_mode == "tf_idf":
                    doc_counts.update(set(row))
                    n_docs += 1
        lookup._finish_adapt(counts, doc_counts, n_docs)

    def get_vocabulary(self, include_special_tokens=True) -> list:
        """The vocabulary in id order: "" (padding, int mode), "[UNK]", then the tokens."""
        return self._lookup.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        return self._lookup.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup.set_vocabulary(vocabulary, idf_weights)

    # ---------------------------------------------------------------- call
    def call(self, inputs):
        rows = self._tokenize(inputs)
        flat = np.array([t for r in rows for t in r], dtype=object)
        ids = self._lookup.lookup_ids(flat) if flat.size else np.zeros(0, np.int64)
        lengths = [len(r) for r in rows]
        width = self._output_sequence_length if self._output_mode == "int" and self._output_sequence_length \
            else max(lengths, default=0)
        pad = 0 if self._output_mode == "int" else -1  # -1 encodes to nothing in the count modes
        out = np.full((len(rows), max(width, 1) if self._output_mode != "int" else width), pad, np.int64)
        start = 0
        for i, n in enumerate(lengths):
            k = min(n, out.shape[1])
            out[i, :k] = ids[start:start + k]
            start += n
        ids_t = torch.from_numpy(out).to(self._device())
        if self._output_mode == "int":
            return ids_t
        if self._output_mode == "one_hot":
            if self._split is not None:
                raise ValueError("TextVectorization: output_mode='one_hot' needs split=None (one token per string).")
            return self._lookup.encode_ids(ids_t)
        return self._lookup.encode_ids(ids_t)

    def _output_torch_dtype(self):
        return torch.int64 if self._output_mode == "int" else torch.float32

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self._split is not None and len(input_shape) > 1 and input_shape[-1] != 1:
            # Refused when the graph is built (the same rule as _tokenize applies to data).
            raise ValueError("TextVectorization splits strings, so its input must be a batch of strings of shape "
                             f"(batch,) or (batch, 1); received an input of shape {input_shape}.")
        batch = input_shape[0] if input_shape else None
        if self._output_mode == "int":
            return (batch, self._output_sequence_length)
        return (batch, self._lookup._depth() or None)

    def get_config(self):
        lookup = self._lookup.get_config()
        named = lambda v: registry.get_registered_name(v) if callable(v) else v  # noqa: E731
        return {**super().get_config(), "max_tokens": self._lookup.max_tokens, "standardize": named(self._standardize),
                "split": named(self._split), "ngrams": self._ngrams_arg, "output_mode": self._output_mode,
                "output_sequence_length": self._output_sequence_length,
                "pad_to_max_tokens": self._lookup.pad_to_max_tokens, "sparse": self._sparse, "ragged": self._ragged,
                "vocabulary": lookup["vocabulary"], "idf_weights": lookup["idf_weights"], "encoding": self._encoding,
                "vocabulary_size": self.vocabulary_size()}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key, names in (("standardize", _STANDARDIZE), ("split", _SPLIT)):
            value = config.get(key)
            if isinstance(value, dict):  # Keras's serialized function: {"class_name": "function", "config": name}
                value = value.get("registered_name") if value.get("registered_name") not in (None, "function") \
                    else value.get("config")
            if isinstance(value, str) and value not in names:
                value = registry.get_registered_object(value)  # a @register_keras_serializable function
                if value is None:
                    raise ValueError(f"TextVectorization: {key}={config[key]!r} is not a built-in mode nor a registered "
                                     "function. Register it with @keras.saving.register_keras_serializable(), or pass "
                                     "it in custom_objects.")
            config[key] = value
        return cls(**config)
