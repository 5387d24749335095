"""``keras.datasets.imdb``: 25000 + 25000 film reviews as word-id lists, labels 0/1. Example::

    >>> (x, y), (xt, yt) = imdb.load_data(num_words=20000)   # x: object array of lists of ints
    >>> index = imdb.get_word_index()                        # {'the': 1, ...} (ids before index_from)
"""
import json

import numpy as np

from ..utils.file_utils import get_file
from ._common import ORIGIN, limit_vocab, load_npz, object_array, remove_long_seq, shift_ids


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
              index_from=3, **kwargs):
    """Shuffled with ``seed``; ids shifted by ``index_from`` after ``start_char``; reviews of ``maxlen``
    ids or more dropped; ids outside ``[skip_top, num_words)`` become ``oov_char`` (dropped if None)."""
    if kwargs:
        raise TypeError(f"imdb.load_data: unrecognized keyword arguments {sorted(kwargs)}.")
    path = get_file(fname=path, origin=ORIGIN + "imdb.npz",
                    file_hash="69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f")
    f = load_npz(path)
    rng = np.random.RandomState(seed)
    splits = []
    for x_key, y_key in (("x_train", "y_train"), ("x_test", "y_test")):
        x, y = f[x_key], f[y_key]
        indices = np.arange(len(x))
        rng.shuffle(indices)  # one generator for both splits, train first, as Keras
        x, y = shift_ids(x[indices], start_char, index_from), y[indices]
        if maxlen:
            x, y = remove_long_seq(maxlen, x, y)
            if not x:
                raise ValueError(f"imdb.load_data: no review is shorter than maxlen={maxlen}; increase maxlen.")
        splits.append((x, np.asarray(y)))
    xs = limit_vocab(splits[0][0] + splits[1][0], num_words, skip_top, oov_char)
    cut = len(splits[0][0])
    return (object_array(xs[:cut]), splits[0][1]), (object_array(xs[cut:]), splits[1][1])


def get_word_index(path="imdb_word_index.json"):
    """The ``{word: id}`` dict (ids before the ``index_from`` shift)."""
    path = get_file(fname=path, origin=ORIGIN + "imdb_word_index.json", file_hash="bfafd718b763782e994055a2d397834f")
    with open(path) as f:
        return json.load(f)
