"""What every preprocessing layer shares: no trainable weights, inputs taken as numpy arrays or lists,
``adapt`` data read batch by batch, a fixed output dtype, and seeded randomness for the random layers.

Example::

    >>> class Double(PreprocessingLayer):
    ...     def call(self, inputs):
    ...         return inputs * 2
    >>> Double()([1.0, 2.0])
    tensor([2., 4.])
"""
from __future__ import annotations

from typing import Iterator

import numpy as np
import torch

from ...engine.dtypes import STRING, to_torch_dtype
from ...engine.layer import Layer, call_accepts


def to_numeric_tensor(value, device=None, dtype=None) -> torch.Tensor:
    """A tensor from a tensor, numpy array, list or scalar (float64 becomes float32, as Keras's floatx)."""
    if isinstance(value, torch.Tensor):
        t = value
    else:
        a = np.asarray(value)
        if a.dtype.kind in "USO":
            raise TypeError(f"Expected numbers, but received an array of {a.dtype} (strings?). Numeric "
                            "preprocessing layers take numbers; map strings to ids first with StringLookup.")
        t = torch.from_numpy(np.ascontiguousarray(a))
        if t.dtype == torch.float64:
            t = t.float()
    if dtype is not None and t.dtype != dtype:
        t = t.to(dtype)
    if device is not None and t.device != device:
        t = t.to(device)
    return t


def is_string_data(value) -> bool:
    """Whether ``value`` holds strings (a str, a numpy str/bytes/object array, or a nested list of str)."""
    if isinstance(value, (str, bytes)):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "USO"
    if isinstance(value, (list, tuple)):
        while isinstance(value, (list, tuple)) and value:
            value = value[0]
        return isinstance(value, (str, bytes))
    return False


def to_string_array(value) -> np.ndarray:
    """A numpy object array of Python ``str`` (bytes are decoded as UTF-8, as tf.string holds them)."""
    a = np.asarray(value, dtype=object)
    if a.size and any(isinstance(v, bytes) for v in a.flat):
        a = np.vectorize(lambda v: v.decode("utf-8") if isinstance(v, bytes) else v, otypes=[object])(a)
    return a


def first_of(batch):
    """The x of an ``(x, y)`` or ``(x, y, sample_weight)`` batch (adapt reads only the inputs)."""
    if isinstance(batch, tuple) or (isinstance(batch, list) and len(batch) in (1, 2, 3)
                                     and all(hasattr(b, "shape") for b in batch)):
        return batch[0]
    return batch


def iter_batches(data, strings: bool = False, steps: int | None = None) -> Iterator:
    """The batches of ``adapt`` data: an array or tensor is one batch; a dataset, DataLoader, generator
    or list of arrays yields several (an ``(x, y)`` element gives its x). With ``strings=True`` a list
    of Python strings is one batch of strings, as Keras reads ``adapt(["a b", "c"])``."""
    if isinstance(data, (np.ndarray, torch.Tensor)) or (strings and is_string_data(data)):
        yield data
        return
    if isinstance(data, dict):
        raise TypeError("adapt() received a dict; pass the one feature this layer preprocesses "
                        "(e.g. layer.adapt(data['age'])).")
    if not hasattr(data, "__iter__"):
        raise TypeError(f"adapt() takes a numpy array, a tensor, a list of batches, a dataset or a generator; "
                        f"received {type(data).__name__}.")
    n = 0
    for batch in data:
        if steps is not None and n >= steps:
            break
        yield first_of(batch)
        n += 1
    if n == 0:
        raise ValueError("adapt() received an empty iterable (no batches). Pass at least one batch, "
                         "e.g. layer.adapt(x) or layer.adapt([batch1, batch2]).")


def make_generator(seed) -> torch.Generator | None:
    """A CPU generator for a layer's ``seed`` (None: the global torch RNG, so torch.manual_seed applies)."""
    if seed is None:
        return None
    g = torch.Generator()
    g.manual_seed(int(seed))
    return g


class PreprocessingLayer(Layer):
    """Base of the preprocessing layers: weightless (or non-trainable state only), eager inputs may be
    numpy arrays or lists, and the symbolic output has the dtype ``_output_torch_dtype()`` names."""

    _takes_strings = False  # StringLookup, TextVectorization, Hashing: keep string inputs as numpy

    def _output_torch_dtype(self):
        """The torch dtype of this layer's output, or None for "as the input" (Keras's output_dtype)."""
        return None

    def _output_dtype(self, in_tensors):
        dt = self._output_torch_dtype()
        if dt is not None:
            return dt
        return super()._output_dtype(in_tensors)

    def _eager_call(self, args, kwargs):
        if "training" in kwargs and not call_accepts(self, "training"):
            # Keras passes training= only to layers whose call() takes it; the others ignore it.
            kwargs = {k: v for k, v in kwargs.items() if k != "training"}
        if args and not isinstance(args[0], torch.Tensor):
            x = args[0]
            if self._takes_strings and is_string_data(x):
                x = to_string_array(x)
            elif isinstance(x, (np.ndarray, list, tuple, int, float, np.generic)):
                x = to_numeric_tensor(x, self._device())
            if not self.built and hasattr(x, "shape"):
                self._maybe_build(tuple(x.shape))
            args = (x,) + tuple(args[1:])
        return super()._eager_call(args, kwargs)

    def _active(self, training) -> bool:
        """Whether a random layer transforms: ``training`` as resolved by the call (the random image layers'
        call defaults to True, as Keras 3's); an explicit None follows torch's train()/eval() mode."""
        return bool(self.training if training is None else training)

    @staticmethod
    def _dtype_of(name):
        return STRING if name == "string" else to_torch_dtype(name)
