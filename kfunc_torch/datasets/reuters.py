"""``keras.datasets.reuters``: 11228 newswires as word-id lists, 46 topics. Example::

    >>> (x, y), (xt, yt) = reuters.load_data(num_words=10000, test_split=0.2)
    >>> reuters.get_label_names()[y[0]]
"""
import json

import numpy as np

from ..utils.file_utils import get_file
from ._common import (ORIGIN, check_test_split, limit_vocab, load_npz, object_array, remove_long_seq,
                      shift_ids)

_LABELS = ("cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee",
           "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx",
           "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock",
           "retail", "ipi", "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
           "dlr", "gas", "silver", "wpi", "hog", "lead")


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113, start_char=1,
              oov_char=2, index_from=3):
    """As ``imdb.load_data``, on one shuffled array split at ``1 - test_split``."""
    check_test_split(test_split)
    path = get_file(fname=path, origin=ORIGIN + "reuters.npz",
                    file_hash="d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916")
    f = load_npz(path)
    xs, labels = f["x"], f["y"]
    indices = np.arange(len(xs))
    np.random.RandomState(seed).shuffle(indices)
    xs, labels = shift_ids(xs[indices], start_char, index_from), labels[indices]
    if maxlen:
        xs, labels = remove_long_seq(maxlen, xs, labels)
    xs = limit_vocab(xs, num_words, skip_top, oov_char)
    cut = int(len(xs) * (1 - test_split))
    return ((object_array(xs[:cut]), np.array(labels[:cut])), (object_array(xs[cut:]), np.array(labels[cut:])))


def get_word_index(path="reuters_word_index.json"):
    """The ``{word: id}`` dict (ids before the ``index_from`` shift)."""
    path = get_file(path, origin=ORIGIN + "reuters_word_index.json", file_hash="4d44cc38712099c9e383dc6e5f11a921")
    with open(path) as f:
        return json.load(f)


def get_label_names():
    """The 46 topic names, in label order."""
    return _LABELS
