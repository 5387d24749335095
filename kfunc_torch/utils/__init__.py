"""``keras.utils``: to_categorical, normalize, pad_sequences, plot_model / model_to_dot, Sequence,
get_file, and the custom-object helpers.

Example::

    >>> from kfunc_torch.utils import to_categorical, pad_sequences
    >>> to_categorical([0, 2], num_classes=3)
    array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
    >>> pad_sequences([[1, 2], [3]], maxlen=3)
    array([[0, 1, 2],
           [0, 0, 3]], dtype=int32)
"""
from __future__ import annotations

import os
import random

import numpy as np

from ..engine.registry import (CustomObjectScope, custom_object_scope, get_custom_objects,  # noqa: F401
                               get_registered_name, get_registered_object, register_keras_serializable)
from ..plot import DotGraph, model_to_dot, plot_model  # noqa: F401
from .file_utils import extract_archive, get_file, validate_file  # noqa: F401
from .image_utils import array_to_img, img_to_array, load_img, save_img  # noqa: F401
from .dataset_utils import (image_dataset_from_directory, text_dataset_from_directory,  # noqa: F401
                            timeseries_dataset_from_array)


__all__ = ["to_categorical", "normalize", "pad_sequences", "plot_model", "model_to_dot", "Sequence", "PyDataset",
           "get_file", "set_random_seed", "Progbar", "get_custom_objects", "CustomObjectScope",
           "custom_object_scope", "register_keras_serializable", "get_registered_name", "get_registered_object",
           "load_img", "img_to_array", "array_to_img", "save_img", "image_dataset_from_directory",
           "text_dataset_from_directory", "timeseries_dataset_from_array"]


def to_categorical(y, num_classes=None, dtype="float32"):
    """Class ids (any shape) to one-hot rows: shape ``y.shape + (num_classes,)`` (a trailing axis of
    size 1 is dropped first, as Keras does).

    Example: ``to_categorical([0, 2], 3)`` -> ``[[1, 0, 0], [0, 0, 1]]``
    """
    y = np.array(y, dtype="int64")
    shape = y.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    y = y.ravel()
    if y.size and y.min() < 0:
        raise ValueError(f"to_categorical needs class ids >= 0; received a minimum of {y.min()}.")
    if num_classes is None:
        num_classes = int(y.max()) + 1 if y.size else 0
    elif y.size and y.max() >= num_classes:
        raise ValueError(f"to_categorical: class id {int(y.max())} is out of range for num_classes={num_classes}; "
                         "ids must be in [0, num_classes). Pass a larger num_classes or num_classes=None.")
    out = np.zeros((y.shape[0], num_classes), dtype=dtype)
    out[np.arange(y.shape[0]), y] = 1
    return out.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Scale ``x`` to unit ``order``-norm along ``axis`` (zero vectors stay zero).

    Example: ``normalize(np.array([[3., 4.]]))`` -> ``[[0.6, 0.8]]``
    """
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Pad (or cut) a list of sequences to one length, giving a 2D array (samples, maxlen).

    ``padding`` / ``truncating``: 'pre' (default: at the start) or 'post'. Example:
    ``pad_sequences([[1, 2, 3], [4]], maxlen=2, padding='post')`` -> ``[[2, 3], [4, 0]]``
    """
    for name, v in (("padding", padding), ("truncating", truncating)):
        if v not in ("pre", "post"):
            raise ValueError(f"pad_sequences: {name} must be 'pre' or 'post'; received {v!r}.")
    try:
        lengths = [len(s) for s in sequences]
    except TypeError:
        raise ValueError("pad_sequences expects a list of sequences (lists or arrays), e.g. [[1, 2], [3]]; "
                         f"received {type(sequences).__name__} containing a non-sequence.") from None
    if maxlen is None:
        maxlen = max(lengths) if lengths else 0
    sample_shape = ()
    for s in sequences:
        if len(s):
            sample_shape = np.asarray(s).shape[1:]
            break
    is_str = np.issubdtype(np.dtype(dtype), np.str_) or np.dtype(dtype) == object
    if isinstance(value, str) and not is_str:
        raise ValueError(f"pad_sequences: value={value!r} is a string but dtype={dtype!r} is not; pass dtype=object "
                         "or a numeric value.")
    out = np.full((len(sequences), maxlen) + sample_shape, value, dtype=dtype)
    for i, s in enumerate(sequences):
        if not len(s) or not maxlen:
            continue
        trunc = np.asarray(s, dtype=dtype)[-maxlen:] if truncating == "pre" else np.asarray(s, dtype=dtype)[:maxlen]
        if trunc.shape[1:] != sample_shape:
            raise ValueError(f"pad_sequences: sequence {i} has items of shape {trunc.shape[1:]}, but earlier ones have "
                             f"{sample_shape}; all items must have the same shape.")
        if padding == "post":
            out[i, :len(trunc)] = trunc
        else:
            out[i, -len(trunc):] = trunc
    return out


class Sequence:
    """Base class for batch generators given to fit: implement ``__getitem__(index)`` (one batch) and
    ``__len__`` (batches per epoch); ``on_epoch_end`` may reshuffle.

    Example::

        class Batches(Sequence):
            def __init__(self, x, y, bs): self.x, self.y, self.bs = x, y, bs
            def __len__(self): return int(np.ceil(len(self.x) / self.bs))
            def __getitem__(self, i): return self.x[i*self.bs:(i+1)*self.bs], self.y[i*self.bs:(i+1)*self.bs]
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        # Keras 3's PyDataset arguments (a subclass passes them through super().__init__(**kwargs)): batches
        # are made in this process, in order, so they are only recorded.
        self.workers, self.use_multiprocessing, self.max_queue_size = workers, use_multiprocessing, max_queue_size

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index) returning one batch.")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__() returning the number of batches.")

    def on_epoch_end(self):
        """Called after each epoch (override to reshuffle)."""

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


PyDataset = Sequence  # Keras 3 name


def set_random_seed(seed: int) -> None:
    """Seed Python, numpy and torch at once. Example: ``set_random_seed(1337)``."""
    import torch
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def __getattr__(name):
    if name == "Progbar":
        from ..progbar import Progbar
        return Progbar
    raise AttributeError(f"module 'kfunc_torch.utils' has no attribute {name!r}")
