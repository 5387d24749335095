"""Keras 1 and 2 spellings, as data: rename tables per class and per call (``tables``), the one
function that applies a table (``rename``), the layer-constructor wrapper (``layer_args``), the
Keras 1 layer classes (``layers``: Merge, merge, AtrousConvolution, TimeDistributedDense) and the
generator methods (``generators``: fit_generator & co as a mixin over fit/evaluate/predict).

This package face imports only the leaf modules (``rename``, ``tables``), so the engine can read
its tables without importing the layers.

Example::

    >>> from kfunc_torch.legacy import CALLS, rename
    >>> kwargs = {"input": x, "output": y}
    >>> rename("Model", CALLS["Model"], kwargs)         # DeprecationWarning: Model(inputs=..., outputs=...)
    ['inputs', 'outputs']
"""
from .rename import GONE, To, rename, rename_call
from .tables import CALLS, all_specs, spec_for

__all__ = ["GONE", "To", "rename", "rename_call", "CALLS", "all_specs", "spec_for"]
