"""InputLayer and Input(): the entry points of a graph.

Example::

    >>> x = Input(shape=(784,))            # a KerasTensor of shape (None, 784)
    >>> t = Input(shape=(None,), dtype="int32", name="text")
"""
from __future__ import annotations


from ..naming import input_layer_name
from ..legacy import CALLS, rename_call
from .keras_tensor import KerasTensor, to_torch_dtype
from .layer import Layer
from .node import Node


class InputLayer(Layer):
    """The layer behind an ``Input``: it has no weights and one node with no inputs."""

    _dtype_is_policy = False  # Keras: an input's dtype is its tensors'; its policy is the global one

    @property
    def dtype(self) -> str:
        return self.output.dtype

    def __init__(self, input_shape=None, batch_size=None, dtype=None, input_tensor=None, sparse=False,
                 name=None, batch_shape=None, batch_input_shape=None, ragged=False, **kwargs):
        batch_shape = batch_shape if batch_shape is not None else batch_input_shape
        if batch_shape is None:
            if input_shape is None:
                raise ValueError(
                    "An Input needs a shape: pass shape=(features,) (without the batch dimension), "
                    "e.g. Input(shape=(784,)), or batch_shape=(batch, features).")
            if isinstance(input_shape, int):
                input_shape = (input_shape,)
            batch_shape = (batch_size,) + tuple(input_shape)
        batch_shape = tuple(batch_shape)
        for d in batch_shape:
            if d is not None and (not isinstance(d, int) or d < 0):
                raise ValueError(f"Input shape {batch_shape} has an invalid dimension {d!r}: expected "
                                 "positive integers, or None for a dimension of unknown size.")
        super().__init__(name=name if name is not None else input_layer_name(), dtype=dtype, **kwargs)
        self.batch_shape = batch_shape
        self._batch_input_shape = batch_shape
        self.built = True
        self.sparse = sparse
        tensor = input_tensor if input_tensor is not None else KerasTensor(batch_shape, to_torch_dtype(dtype), name=self.name)
        Node(self, (), {}, tensor)

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {"batch_input_shape": self.batch_shape, "dtype": self.output.dtype, "sparse": self.sparse,
                "name": self.name}


def Input(shape=None, batch_size=None, name=None, dtype=None, sparse=None, tensor=None, batch_shape=None,
          ragged=None, **kwargs) -> KerasTensor:
    """A symbolic input of the given ``shape`` (without the batch dimension).

    Example::

        >>> inputs = Input(shape=(784,))
        >>> inputs.shape
        (None, 784)
    """
    if kwargs:  # Keras 1: Input(input_dtype=...)
        dtype = rename_call("Input", CALLS["Input"], kwargs, dtype=dtype)
    if "batch_input_shape" in kwargs:
        batch_shape = kwargs.pop("batch_input_shape")
    if kwargs:
        raise TypeError(f"Input() got unexpected keyword arguments {sorted(kwargs)}. "
                        "It takes shape, batch_size, name, dtype, sparse, tensor, batch_shape.")
    if shape is None and batch_shape is None and tensor is None:
        raise ValueError("Input() needs a shape: e.g. Input(shape=(784,)) for vectors of 784 features, "
                         "or Input(shape=(None,)) for sequences of any length.")
    if shape is None and batch_shape is None and tensor is not None:
        batch_shape = tuple(tensor.shape)
    layer = InputLayer(input_shape=shape, batch_size=batch_size, dtype=dtype, sparse=bool(sparse), name=name,
                       batch_shape=batch_shape)
    return layer.output
