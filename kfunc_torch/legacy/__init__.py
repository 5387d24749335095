"""Keras 1 and 2 spellings, as data: rename tables per class and per call (``tables``) and the one
function that applies a table (``rename``). It imports nothing else of kfunc_torch: every entry point
reads it (``Input``, ``Model``, ``fit``, the optimizers, the layer constructors), from below.

The code built on these tables lives with what it extends: the Keras 1 layer classes and the
constructor translation in ``layers/legacy/``, the generator methods in ``engine/generator_methods.py``.

Example::

    >>> from kfunc_torch.legacy import CALLS, rename
    >>> kwargs = {"input": x, "output": y}
    >>> rename("Model", CALLS["Model"], kwargs)         # DeprecationWarning: Model(inputs=..., outputs=...)
    ['inputs', 'outputs']
"""
from .rename import GONE, To, rename, rename_call
from .tables import CALLS, all_specs, spec_for

__all__ = ["GONE", "To", "rename", "rename_call", "CALLS", "all_specs", "spec_for"]
