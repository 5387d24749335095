"""``keras.layers.experimental.preprocessing``: the preprocessing layers under their TF 2.2-2.5 path
(the same classes as ``keras.layers``). Example: ``preprocessing.RandomFlip("horizontal")``."""
from ..preprocessing import *  # noqa: F401,F403
from ..preprocessing import __all__ as _all

__all__ = list(_all)
