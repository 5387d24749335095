"""``keras.ops.linalg``: the Keras 3 names of this namespace (the same functions as ``keras.ops.*``).

Example: ``from keras.ops import linalg as klinalg``.
"""
from ._collect import collect as _collect
from ._names import LINALG as _NAMES

globals().update(_collect(_NAMES))
__all__ = sorted(n for n in _NAMES if n in globals())
