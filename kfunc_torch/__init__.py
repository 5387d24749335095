"""kfunc_torch: the Keras functional API on PyTorch.

Example::

    >>> from kfunc_torch import Input, Model
    >>> from kfunc_torch.layers import Dense
    >>> inputs = Input(shape=(784,))
    >>> outputs = Dense(10, activation="softmax")(Dense(64, activation="relu")(inputs))
    >>> model = Model(inputs, outputs)       # a torch.nn.Module
    >>> model.summary()
"""
from . import (activations, applications, backend, callbacks, config, constraints, datasets, distribution,
               dtype_policies, initializers, layers, losses, metrics, mixed_precision, models, ops, optimizers,
               preprocessing, random, regularizers, saving, utils)
from .dtype_policies import DTypePolicy, FloatDTypePolicy
from .generations import get_compat, set_compat
from .engine.input_layer import Input, InputLayer
from .engine.keras_tensor import KerasTensor
from .engine.layer import Layer
from .engine.functional import Model
from .engine.sequential import Sequential
from .alias import alias_keras
from .ipython_ext import load_ipython_extension

__version__ = "0.1.0"
