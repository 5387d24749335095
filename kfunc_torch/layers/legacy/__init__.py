"""Keras 1 names in ``kfunc_torch.layers`` (``merge``, ``Convolution2D``, ``Dense(output_dim=...)``):
the Keras 1 layer classes (``keras1.py``) and the translation of Keras 1 constructor arguments
(``arguments.py``), both reading the spelling tables of ``kfunc_torch.legacy``.

Imported last by ``layers/__init__.py``: it binds the old class names to the modern classes and
wraps each class with a Keras 1 table once (``install_legacy_renames``).

Example: ``from kfunc_torch.layers import Convolution2D, merge``
"""
import sys

from .arguments import install_legacy_renames
from .keras1 import *  # noqa: F401,F403
from .keras1 import __all__ as _layers_all
from .keras1 import class_aliases

__all__ = [*_layers_all, "install_legacy_renames"]

if "kfunc_torch.layers" in sys.modules:
    _aliases = class_aliases(sys.modules["kfunc_torch.layers"].__dict__)
    globals().update(_aliases)
    __all__ += list(_aliases)
    install_legacy_renames()
