"""``keras.preprocessing.text`` (Keras 2): split texts into words, hash words to ids, and the
``Tokenizer`` that builds a word index by frequency and turns texts into id lists or matrices.

Example::

    >>> from kfunc_torch.preprocessing.text import Tokenizer
    >>> tok = Tokenizer(num_words=10, oov_token="<unk>")
    >>> tok.fit_on_texts(["the cat sat", "the dog"])
    >>> tok.word_index
    {'<unk>': 1, 'the': 2, 'cat': 3, 'sat': 4, 'dog': 5}
    >>> tok.texts_to_sequences(["the bird sat"])
    [[2, 1, 4]]
"""
from __future__ import annotations

import collections
import hashlib
import json
import warnings

import numpy as np

__all__ = ["text_to_word_sequence", "one_hot", "hashing_trick", "Tokenizer", "tokenizer_from_json"]

FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
_MODES = ("binary", "count", "tfidf", "freq")


def text_to_word_sequence(input_text, filters=FILTERS, lower=True, split=" "):
    """Words of a text: optionally lower-cased, every ``filters`` character turned into ``split``,
    then split on ``split`` with empty pieces dropped.

    Example: ``text_to_word_sequence("Hello, World!")`` -> ``['hello', 'world']``
    """
    if lower:
        input_text = input_text.lower()
    input_text = input_text.translate(str.maketrans({c: split for c in filters}))
    return [w for w in input_text.split(split) if w]


def hashing_trick(text, n, hash_function=None, filters=FILTERS, lower=True, split=" ", analyzer=None):
    """Word ids in ``[1, n - 1]`` by hashing (``hash_function``: None = Python's ``hash``, which is
    salted per process unless PYTHONHASHSEED is set; ``'md5'`` is stable; or any callable).

    Example: ``hashing_trick("a b a", 10, hash_function="md5")`` -> three ids, the first equal to the last.
    """
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        hash_function = lambda w: int(hashlib.md5(w.encode()).hexdigest(), 16)  # noqa: E731
    words = text_to_word_sequence(text, filters, lower, split) if analyzer is None else analyzer(text)
    return [hash_function(w) % (n - 1) + 1 for w in words]


def one_hot(input_text, n, filters=FILTERS, lower=True, split=" ", analyzer=None):
    """``hashing_trick`` with Python's ``hash`` (Keras's name; the ids are integers, not one-hot rows).

    Example: ``one_hot("the cat", 50)`` -> two ids in ``[1, 49]``.
    """
    return hashing_trick(input_text, n, hash, filters, lower, split, analyzer)


class Tokenizer:
    """Word (or character) index built from texts, ids by descending frequency from 1
    (``oov_token``, when given, takes id 1). ``num_words`` keeps only ids below it when converting
    (``word_index`` itself holds every word seen).

    Example::

        tok = Tokenizer(num_words=1000)
        tok.fit_on_texts(train_texts)
        x = tok.texts_to_matrix(train_texts, mode="tfidf")   # (len(texts), 1000)
    """

    def __init__(self, num_words=None, filters=FILTERS, lower=True, split=" ", char_level=False, oov_token=None,
                 analyzer=None, **kwargs):
        if "nb_words" in kwargs:  # Keras 1 spelling
            warnings.warn("The `nb_words` argument in `Tokenizer` has been renamed `num_words`.", stacklevel=2)
            num_words = kwargs.pop("nb_words")
        document_count = kwargs.pop("document_count", 0)
        if kwargs:
            raise TypeError(f"Tokenizer: unrecognized keyword arguments {sorted(kwargs)}.")
        self.num_words, self.filters, self.lower, self.split = num_words, filters, lower, split
        self.char_level, self.oov_token, self.analyzer = char_level, oov_token, analyzer
        self.document_count = document_count
        self.word_counts = collections.OrderedDict()  # word -> occurrences (first-seen order breaks ties)
        self.word_docs = collections.defaultdict(int)  # word -> documents containing it
        self.index_docs = collections.defaultdict(int)  # id -> documents containing it
        self.word_index, self.index_word = {}, {}

    def _tokens(self, text):
        """One text as tokens: a string is split into words (or characters); a list is taken as tokens."""
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return text
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts):
        """Count words over ``texts`` (strings, or lists of tokens) and rebuild ``word_index``."""
        for text in texts:
            self.document_count += 1
            tokens = self._tokens(text)
            for w in tokens:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in set(tokens):
                self.word_docs[w] += 1
        # A stable sort: words with equal counts keep the order in which they were first seen.
        by_count = sorted(self.word_counts.items(), key=lambda kv: kv[1], reverse=True)
        vocab = ([] if self.oov_token is None else [self.oov_token]) + [w for w, _ in by_count]
        self.word_index = {w: i for i, w in enumerate(vocab, start=1)}
        self.index_word = {i: w for w, i in self.word_index.items()}
        for w, c in self.word_docs.items():
            self.index_docs[self.word_index[w]] = c

    def fit_on_sequences(self, sequences):
        """Document frequencies from id sequences (needed by ``sequences_to_matrix(mode='tfidf')``)."""
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] += 1

    def texts_to_sequences_generator(self, texts):
        """Yield each text as a list of ids (unknown / beyond ``num_words``: the oov id, or dropped)."""
        oov = self.word_index.get(self.oov_token)
        for text in texts:
            ids = []
            for w in self._tokens(text):
                i = self.word_index.get(w)
                if i is None or (self.num_words and i >= self.num_words):
                    if oov is not None:
                        ids.append(oov)
                    continue
                ids.append(i)
            yield ids

    def texts_to_sequences(self, texts):
        """Each text as a list of ids. Example: ``tok.texts_to_sequences(["the cat"])`` -> ``[[1, 2]]``."""
        return list(self.texts_to_sequences_generator(texts))

    def sequences_to_texts_generator(self, sequences):
        """Yield each id sequence as a space-joined string (the inverse of texts_to_sequences)."""
        oov = self.word_index.get(self.oov_token)
        for seq in sequences:
            words = []
            for i in seq:
                w = self.index_word.get(i)
                if w is None or (self.num_words and i >= self.num_words):
                    if oov is not None:
                        words.append(self.index_word[oov])
                    continue
                words.append(w)
            yield " ".join(words)

    def sequences_to_texts(self, sequences):
        """Id sequences back to texts. Example: ``tok.sequences_to_texts([[1, 2]])`` -> ``['the cat']``."""
        return list(self.sequences_to_texts_generator(sequences))

    def texts_to_matrix(self, texts, mode="binary"):
        """``(len(texts), num_words)`` matrix, mode ``'binary'``, ``'count'``, ``'freq'`` or ``'tfidf'``."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """Id sequences as a ``(len(sequences), num_words)`` float64 matrix (see ``texts_to_matrix``)."""
        if mode not in _MODES:
            raise ValueError(f"Tokenizer: unknown vectorization mode {mode!r}; expected one of {list(_MODES)}.")
        if self.num_words:
            width = self.num_words
        elif self.word_index:
            width = len(self.word_index) + 1
        else:
            raise ValueError("Tokenizer.sequences_to_matrix needs a width: pass num_words= to the Tokenizer, or "
                             "call fit_on_texts first.")
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Tokenizer: mode='tfidf' needs document frequencies; call fit_on_texts (or "
                             "fit_on_sequences) first.")
        out = np.zeros((len(sequences), width))
        for row, seq in enumerate(sequences):
            if not seq:
                continue
            counts = collections.Counter(j for j in seq if j < width)
            for j, c in counts.items():
                if mode == "count":
                    out[row, j] = c
                elif mode == "freq":
                    out[row, j] = c / len(seq)  # over the whole sequence, ids beyond the width included
                elif mode == "binary":
                    out[row, j] = 1
                else:
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    out[row, j] = (1 + np.log(c)) * idf
        return out

    def get_config(self):
        """Arguments and fitted tables (the tables as JSON strings, Keras's layout)."""
        return {"num_words": self.num_words, "filters": self.filters, "lower": self.lower, "split": self.split,
                "char_level": self.char_level, "oov_token": self.oov_token, "document_count": self.document_count,
                "word_counts": json.dumps(self.word_counts), "word_docs": json.dumps(self.word_docs),
                "index_docs": json.dumps(self.index_docs), "index_word": json.dumps(self.index_word),
                "word_index": json.dumps(self.word_index)}

    def to_json(self, **kwargs):
        """``{"class_name": "Tokenizer", "config": ...}`` as a JSON string; ``tokenizer_from_json`` reads it."""
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()}, **kwargs)


def tokenizer_from_json(json_string):
    """A ``Tokenizer`` from ``Tokenizer.to_json()`` output (Keras's or ours).

    Example: ``tok2 = tokenizer_from_json(tok.to_json())``.
    """
    config = dict(json.loads(json_string).get("config"))
    tables = {k: json.loads(config.pop(k)) for k in ("word_counts", "word_docs", "index_docs", "index_word",
                                                    "word_index")}
    tok = Tokenizer(**config)
    tok.word_counts = collections.OrderedDict(tables["word_counts"])
    tok.word_docs = collections.defaultdict(int, tables["word_docs"])
    # JSON turned the integer keys into strings.
    tok.index_docs = collections.defaultdict(int, {int(k): v for k, v in tables["index_docs"].items()})
    tok.index_word = {int(k): v for k, v in tables["index_word"].items()}
    tok.word_index = tables["word_index"]
    return tok
