"""InputSpec: what a layer accepts (rank, fixed axis sizes), checked at graph-build time so that a
wrong shape fails when the layer is called, not in the middle of training.

Example::

    >>> layer.input_spec = InputSpec(min_ndim=2, axes={-1: 64})
"""
from __future__ import annotations


class InputSpec:
    """What a layer accepts: ``ndim``/``min_ndim``/``max_ndim``, fixed ``axes`` sizes or a full ``shape``. Example: ``InputSpec(min_ndim=2, axes={-1: 64})``."""
    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None,
                 allow_last_axis_squeeze=False, name=None):
        self.dtype = dtype
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})
        self.name = name

    def __repr__(self):
        parts = [f"{k}={v}" for k, v in (("ndim", self.ndim), ("min_ndim", self.min_ndim),
                                          ("max_ndim", self.max_ndim), ("axes", self.axes or None),
                                          ("shape", self.shape)) if v]
        return f"InputSpec({', '.join(parts)})"


def assert_input_compatibility(specs, shapes, layer_name: str) -> None:
    """Raise a ValueError when an input shape breaks the layer's InputSpec(s)."""
    if specs is None:
        return
    if not isinstance(specs, (list, tuple)):
        specs = [specs]
    if not isinstance(shapes, list) or (shapes and not isinstance(shapes[0], (tuple, list))):
        shapes = [shapes]
    for i, (spec, shape) in enumerate(zip(specs, shapes)):
        if spec is None or shape is None:
            continue
        shape = tuple(shape)
        ndim = len(shape)
        if spec.ndim is not None and ndim != spec.ndim:
            _fail(i, layer_name, shape, f"ndim={spec.ndim}, found ndim={ndim}")
        if spec.min_ndim is not None and ndim < spec.min_ndim:
            _fail(i, layer_name, shape, f"min_ndim={spec.min_ndim}, found ndim={ndim}")
        if spec.max_ndim is not None and ndim > spec.max_ndim:
            _fail(i, layer_name, shape, f"max_ndim={spec.max_ndim}, found ndim={ndim}")
        for axis, value in spec.axes.items():
            if value is None:
                continue
            if not -ndim <= axis < ndim:
                _fail(i, layer_name, shape, f"an axis {axis} of size {value}")
            if shape[axis] is not None and shape[axis] != value:
                _fail(i, layer_name, shape, f"axis {axis} of input shape to have value {value}")
        if spec.shape is not None:
            for a, b in zip(spec.shape, shape):
                if a is not None and b is not None and a != b:
                    _fail(i, layer_name, shape, f"shape={spec.shape}")


def _fail(i: int, layer_name: str, shape: tuple, expected: str):
    raise ValueError(
        f'Input {i} of layer "{layer_name}" is incompatible with the layer: expected {expected}, '
        f"but received input with shape {shape}. Check the shape of the tensor you pass to "
        f'"{layer_name}", or use a new layer instance for inputs of a different shape.')
