"""Keras's preprocessing layers, one file per family (they live in ``keras.layers``).

| file | layers |
|---|---|
| ``numerical`` | Normalization, Rescaling, Discretization |
| ``image`` (+ ``_image_ops``: resize, affine sampling) | Resizing, CenterCrop |
| ``category`` (+ ``_hash``: FarmHash64, SipHash-2-4) | CategoryEncoding, Hashing |
| ``lookup`` | StringLookup, IntegerLookup |
| ``text_vectorization`` | TextVectorization |
| ``image_random`` | RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomContrast, RandomCrop, RandomBrightness |

Shared: ``_base`` (inputs as arrays/lists/strings, adapt batches, seeds), ``_encoding`` (one_hot/multi_hot/count).
"""
from .numerical import *  # noqa: F401,F403
from .image import *  # noqa: F401,F403
from .image_random import *  # noqa: F401,F403
from .category import *  # noqa: F401,F403
from .lookup import *  # noqa: F401,F403
from .text_vectorization import *  # noqa: F401,F403

from . import category, image, image_random, lookup, numerical, text_vectorization

__all__ = [n for m in (numerical, image, image_random, category, lookup, text_vectorization) for n in m.__all__]
