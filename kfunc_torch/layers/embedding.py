"""Embedding, Masking and Identity: the layers that start a sequence model (and its Keras mask).

Example::

    >>> ids = Input(shape=(None,), dtype="int32")
    >>> x = Embedding(10000, 64, mask_zero=True)(ids)     # (None, None, 64), carries a mask
    >>> LSTM(32)(x).shape                                  # the LSTM skips the padded (0) steps
    (None, 32)
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .. import constraints as _constraints
from .. import initializers as _initializers
from .. import regularizers as _regularizers
from ..engine import data_checks as _checks
from ..engine.layer import Layer

__all__ = ["Embedding", "Masking", "Identity"]

class Embedding(Layer):
    """Turns integer ids (batch, ...) into vectors (batch, ..., output_dim) by table lookup.

    The table ``embeddings`` is (input_dim, output_dim), initialised uniform(-0.05, 0.05).
    ``mask_zero=True`` makes id 0 padding: the output carries a mask that recurrent layers honour.
    ``input_length`` (Keras 2) fixes the sequence length used when the layer starts a Sequential.

    Example::

        >>> Embedding(input_dim=10000, output_dim=512, input_length=100)(Input(shape=(100,), dtype="int32")).shape
        (None, 100, 512)
    """

    def __init__(self, input_dim=None, output_dim=None, embeddings_initializer="uniform",
                 embeddings_regularizer=None, activity_regularizer=None, embeddings_constraint=None,
                 mask_zero=False, input_length=None, quantization_config=None, **kwargs):
        if quantization_config is not None:
            raise ValueError("Embedding: quantization_config is not supported by kfunc_torch; leave it None.")
        if input_dim is None or output_dim is None:
            missing = "input_dim" if input_dim is None else "output_dim"
            raise TypeError(
                f"Embedding() is missing its required argument {missing}: it takes the vocabulary size "
                f"(input_dim) and the vector size (output_dim). Received input_dim={input_dim!r}, "
                f"output_dim={output_dim!r}. Example: Embedding(input_dim=10000, output_dim=64).")
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Embedding: {arg} must be a positive integer; received {arg}={value!r}.")
        # Keras 2 gives an Embedding without input_shape the input shape (input_length,), so a
        # Sequential that starts with one is built at once (with (None, None) when no length is known).
        if "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.input_length = input_length
        self.mask_zero = bool(mask_zero)
        self.embeddings_initializer = _initializers.get(embeddings_initializer)
        self.embeddings_regularizer = _regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = _constraints.get(embeddings_constraint)
        self.supports_masking = self.mask_zero

    def build(self, input_shape):
        self.embeddings = self.add_weight("embeddings", (self.input_dim, self.output_dim),
                                          self.embeddings_initializer, regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True

    def call(self, inputs):
        if inputs.dtype not in (torch.int32, torch.int64):
            inputs = inputs.long()  # Keras casts float ids to int
        if inputs.is_cuda or (_checks.WATCH_ON_CPU and inputs.is_cpu):  # checked on the device, reported a step
            # or two later: no host sync per step
            inputs = _checks.checked_ids(self, inputs)
        try:
            return F.embedding(inputs, self.embeddings)
        except IndexError:  # on CPU torch checks the ids itself; only the failure pays for the message
            raise self._id_error(inputs) from None

    def _id_error(self, ids):
        bad = ids[(ids < 0) | (ids >= self.input_dim)]
        return _checks.id_range_error(self.name, self.input_dim, int(bad.min()), int(bad.max()), first=int(bad[0]),
                                      count=bad.numel())

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return inputs != 0

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.input_length is not None and len(input_shape) >= 2:
            lengths = self.input_length if isinstance(self.input_length, (list, tuple)) else (self.input_length,)
            for i, (given, want) in enumerate(zip(input_shape[1:], lengths)):
                if given is not None and want is not None and given != want:
                    raise ValueError(
                        f'Embedding "{self.name}" was given input_length={self.input_length}, but received '
                        f"input shape {input_shape} (axis {i + 1} is {given}). Pass sequences of that length, "
                        "or drop input_length.")
        return input_shape + (self.output_dim,)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                "embeddings_initializer": _initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": _regularizers.serialize(self.embeddings_regularizer),
                "embeddings_constraint": _constraints.serialize(self.embeddings_constraint),
                "activity_regularizer": _regularizers.serialize(self.activity_regularizer),
                "mask_zero": self.mask_zero, "input_length": self.input_length, "quantization_config": None}


class Masking(Layer):
    """Marks time steps whose features all equal ``mask_value`` as padding, and zeroes them.

    Downstream recurrent layers skip masked steps (they keep their state there).

    Example::

        >>> x = Masking(mask_value=0.0)(Input(shape=(None, 8)))
        >>> LSTM(4)(x).shape
        (None, 4)
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        return (inputs != self.mask_value).any(dim=-1)

    def call(self, inputs):
        keep = (inputs != self.mask_value).any(dim=-1, keepdim=True)
        return inputs * keep.to(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}


class Identity(Layer):
    """Returns its input unchanged (a placeholder layer); passes any mask through.

    Example::

        >>> Identity()(Input(shape=(3,))).shape
        (None, 3)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape
