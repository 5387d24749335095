"""``%load_ext kfunc_torch``: turn on the keras alias in an IPython / Jupyter session.

Example (first cell of a notebook)::

    %load_ext kfunc_torch
    from keras.layers import Input, Dense      # now kfunc_torch
"""
from __future__ import annotations


def load_ipython_extension(ipython) -> None:
    """Called by IPython for ``%load_ext kfunc_torch``: runs ``alias_keras()`` once.

    Example: ``%load_ext kfunc_torch``
    """
    from .alias import alias_keras
    alias_keras()
    print("kfunc_torch: `import keras` now uses kfunc_torch (Keras API on PyTorch).")


def unload_ipython_extension(ipython) -> None:
    """``%unload_ext kfunc_torch``: remove the alias. Example: ``%unload_ext kfunc_torch``."""
    from .alias import unalias_keras
    unalias_keras()
