"""Keras layers (``from kfunc_torch.layers import Dense``), mirroring ``keras.layers``.

Each family lives in its own module and exports its public names through ``__all__``.
"""
from ..engine.input_layer import Input, InputLayer
from ..engine.input_spec import InputSpec
from ..engine.layer import Layer
from .core import Activation, Dense, Dropout, Flatten, Lambda, Reshape
from .merge import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average,
                    concatenate, dot, maximum, minimum, multiply, subtract)
from .conv import *            # noqa: F401,F403  Conv1D/2D/3D, transposed, separable, depthwise
from .pooling import *         # noqa: F401,F403
from .normalization import *   # noqa: F401,F403
from .reshaping import *       # noqa: F401,F403
from .activation import *      # noqa: F401,F403  ReLU, LeakyReLU, PReLU, ELU, Softmax, ThresholdedReLU
from .noise import *           # noqa: F401,F403  SpatialDropout, GaussianNoise, ...
from .embedding import *       # noqa: F401,F403  Embedding, Masking, Identity
from .recurrent import *       # noqa: F401,F403  RNN, cells, SimpleRNN, LSTM, GRU, ConvLSTM1D/2D/3D
from .wrappers import *        # noqa: F401,F403  Bidirectional, TimeDistributed
from .attention import *       # noqa: F401,F403
from .preprocessing import *  # noqa: F401,F403  Normalization, Rescaling, Resizing, StringLookup, ...
from . import experimental     # noqa: F401  keras.layers.experimental.preprocessing (TF 2.2-2.5 spelling)
from .legacy import *          # noqa: F401,F403  Keras 1 names (merge, Convolution2D, ...)

from ..engine import registry as _registry

# Keras's other names for the same classes (Convolution2D, MaxPool2D...) load like the classes themselves.
_registry.register_aliases({k: v for k, v in globals().items() if isinstance(v, type) and issubclass(v, Layer)})


def serialize(layer) -> dict:
    """Keras 3's config entry of a layer. Example: ``keras.layers.serialize(Dense(3))["class_name"]`` → 'Dense'."""
    from ..saving.serialization import serialize_keras_object
    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """A new layer from ``serialize``'s entry. Example: ``keras.layers.deserialize(keras.layers.serialize(d))``."""
    from ..saving.serialization import deserialize_keras_object
    return deserialize_keras_object(config, custom_objects=custom_objects)
