"""What the dataset loaders share: the published origin folder, a restricted npz reader (pickled
object arrays of Python lists, nothing else), the long-sequence filter and the train/test split.

Example::

    >>> from kfunc_torch.datasets._common import load_npz
    >>> arrays = load_npz("imdb.npz")          # {'x_train': object array of lists, ...}
"""
from __future__ import annotations

import io
import pickle
import zipfile

import numpy as np

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

# What a pickled object array of lists may name: numpy's array reconstruction, nothing that runs code.
_ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
            ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
            ("numpy._core.multiarray", "scalar")}


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"the file names {module}.{name}, which a dataset file has no reason to "
                                         "contain; refusing to load it (it could run code).")
        return super().find_class(module, name)


def _read_npy(data: bytes):
    f = io.BytesIO(data)
    version = np.lib.format.read_magic(f)
    shape, fortran, dtype = (np.lib.format.read_array_header_1_0(f) if version == (1, 0)
                             else np.lib.format.read_array_header_2_0(f))
    if dtype.hasobject:
        return _RestrictedUnpickler(f, encoding="latin1").load()
    array = np.frombuffer(f.read(), dtype=dtype)
    return array.reshape(shape, order="F" if fortran else "C").copy()


def load_npz(path) -> dict:
    """The arrays of an ``.npz`` file; object arrays (ragged lists) are unpickled under a whitelist.

    Example: ``load_npz('reuters.npz')['x']``"""
    with zipfile.ZipFile(path) as z:
        return {name[:-4] if name.endswith(".npy") else name: _read_npy(z.read(name)) for name in z.namelist()}


def remove_long_seq(maxlen, seqs, labels):
    """Keep the (sequence, label) pairs whose sequence is shorter than ``maxlen`` (as Keras: strictly).

    Example: ``remove_long_seq(2, [[1], [1, 2]], [0, 1])`` -> ``([[1]], [0])``"""
    kept = [(s, y) for s, y in zip(seqs, labels) if len(s) < maxlen]
    return [s for s, _ in kept], [y for _, y in kept]


def check_test_split(test_split):
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split must be in [0, 1); received test_split={test_split}. Pass e.g. 0.2.")


def shuffled_split(x, y, test_split, seed):
    """Shuffle with ``RandomState(seed)`` and cut at ``int(n * (1 - test_split))``, as Keras's loaders do."""
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))


def shift_ids(xs, start_char, index_from):
    """Shift word ids by ``index_from`` and prepend ``start_char`` (None: no start mark), as Keras does."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in xs]
    return [[w + index_from for w in x] for x in xs]


def limit_vocab(xs, num_words, skip_top, oov_char):
    """Replace ids outside ``[skip_top, num_words)`` by ``oov_char`` (drop them when it is None);
    ``num_words`` None means the largest id present."""
    if not num_words:
        num_words = max(max(x) for x in xs if len(x))
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def object_array(lists):
    """A 1-D object array of Python lists (np.array would make a 2-D int array from equal lengths)."""
    out = np.empty(len(lists), dtype="object")
    for i, item in enumerate(lists):
        out[i] = item
    return out
