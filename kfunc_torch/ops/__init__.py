"""Keras 3's ``keras.ops``: numpy-style tensor functions for custom layers and Lambda bodies.

They compute on torch tensors and record an operation layer when given KerasTensors.
``tensor_functions`` and ``tensor_creation`` hold the bodies shared with Keras 2's ``K.*`` (``backend``);
``numpy_api`` the ones whose Keras 3 names, arguments or defaults differ from ``K.*``; ``numpy_more``
and ``numpy_layout`` the rest of ``keras.ops.numpy``; ``nn_ops``, ``core_math`` (core, math, linalg)
and ``image_ops`` the other namespaces. ``_names`` lists Keras 3's names; ``keras.ops.numpy``,
``.nn``, ``.linalg`` and ``.image`` are the submodules of the same names.

Example::

    >>> from kfunc_torch import ops
    >>> ops.matmul(torch.ones(2, 3), torch.ones(3, 4)).shape
    torch.Size([2, 4])
    >>> ops.mean(Input(shape=(5, 8)), axis=1).shape       # symbolic: records a layer
    (None, 8)
    >>> ops.nn.conv(images, kernel, padding="same")
"""
from ._collect import collect as _collect
from ._names import CORE as _CORE, LINALG as _LINALG, NN as _NN, NUMPY as _NUMPY
from .numpy_api import *  # noqa: F401,F403
from .numpy_api import __all__ as _numpy_api_all

globals().update(_collect(_CORE + _NUMPY + _NN + _LINALG))
from . import image, linalg, nn, numpy  # noqa: E402,F401  Keras 3's submodules

__all__ = sorted(set(_numpy_api_all) | {n for n in _CORE + _NUMPY + _NN + _LINALG if n in globals()}
                 | {"image", "linalg", "nn", "numpy"})
