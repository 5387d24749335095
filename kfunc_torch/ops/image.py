"""``keras.ops.image``: the Keras 3 names of this namespace (the same functions as ``keras.ops.*``).

Example: ``from keras.ops import image as kimage``.
"""
from ._collect import collect as _collect, IMAGE_SOURCES as _IMAGE
from ._names import IMAGE as _NAMES

globals().update(_collect(_NAMES, _IMAGE))
__all__ = sorted(n for n in _NAMES if n in globals())
