"""``keras.ops.numpy``: the Keras 3 names of this namespace (the same functions as ``keras.ops.*``).

Example: ``from keras.ops import numpy as knumpy``.
"""
from ._collect import collect as _collect
from ._names import NUMPY as _NAMES

globals().update(_collect(_NAMES))
__all__ = sorted(n for n in _NAMES if n in globals())
