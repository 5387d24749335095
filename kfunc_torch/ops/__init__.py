"""Keras 3's ``keras.ops``: numpy-style tensor functions for custom layers and Lambda bodies.

They compute on torch tensors and record an operation layer when given KerasTensors.
``tensor_functions`` and ``tensor_creation`` hold the bodies shared with Keras 2's ``K.*`` (``backend``);
``numpy_api`` the ones whose Keras 3 names, arguments or defaults differ from ``K.*``.

Example::

    >>> from kfunc_torch import ops
    >>> ops.matmul(torch.ones(2, 3), torch.ones(3, 4)).shape
    torch.Size([2, 4])
    >>> ops.mean(Input(shape=(5, 8)), axis=1).shape       # symbolic: records a layer
    (None, 8)
"""
from .numpy_api import *  # noqa: F401,F403
from .numpy_api import __all__  # noqa: F401
