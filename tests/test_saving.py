"""Saving and loading: configs, .keras archives, .weights.h5 and Keras 2 HDF5 files, safety.

Round trips compare predictions with the original model (not stored numbers); Keras 2 HDF5 files
are written here with h5py in tf.keras's layout and checked against an independent torch computation.
"""
import inspect
import io
import json
import os
import zipfile

import h5py
import numpy as np
import pytest
import torch

import kfunc_torch
from kfunc_torch import Input, Model, Sequential, layers
from kfunc_torch.engine.layer import Layer
from kfunc_torch.saving import (CustomObjectScope, SavedFileError, UnsafeLoadError, custom_object_scope,
                                register_keras_serializable)
from kfunc_torch.models import load_model, model_from_json

# ---------------------------------------------------------------------------- helpers


def _x(shape, dtype=torch.float32, seed=0):
    g = torch.Generator().manual_seed(seed)
    if dtype.is_floating_point:
        return torch.rand((3,) + tuple(shape), generator=g)
    return torch.randint(0, 9, (3,) + tuple(shape), generator=g).to(dtype)


def _outs(model, xs):
    with torch.no_grad():
        out = model(xs if len(xs) > 1 else xs[0])
    return [o.numpy() for o in (out if isinstance(out, (list, tuple)) else [out])]


def _summary(model):
    lines = []
    model.summary(print_fn=lines.append)
    return "\n".join(lines)


def _check_same(m1, m2, xs, atol=1e-6):
    for a, b in zip(_outs(m1, xs), _outs(m2, xs)):
        np.testing.assert_allclose(a, b, atol=atol, rtol=0)
    assert _summary(m1) == _summary(m2)


def _randomize(model):
    # Non-default weights (biases included) so that a load that silently did nothing would show.
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.rand(p.shape, generator=g) * 0.5 + 0.1)


# ---------------------------------------------------------------------------- every exported layer class
# Constructor arguments and input shapes for classes that need them; any other exported class is tried
# with no arguments on a few input shapes, and skipped when that does not build.
_TABLE = {
    "Dense": ((4,), {}, [(6,)]), "Activation": (("tanh",), {}, [(6,)]), "Dropout": ((0.5,), {}, [(6,)]),
    "Reshape": (((3, 2),), {}, [(6,)]), "Lambda": None, "Dot": ((1,), {}, [(5,), (5,)]),
    "Concatenate": ((), {}, [(5,), (3,)]), "Embedding": ((10, 3), {}, [(4,)], torch.int64),
    "Conv1D": ((2, 3), {}, [(6, 3)]), "Conv2D": ((2, 3), {}, [(6, 6, 3)]), "Conv3D": ((2, 2), {}, [(4, 4, 4, 2)]),
    "Conv1DTranspose": ((2, 3), {}, [(6, 3)]), "Conv2DTranspose": ((2, 3), {"strides": 2}, [(5, 5, 3)]),
    "Conv3DTranspose": ((2, 2), {}, [(3, 3, 3, 2)]), "DepthwiseConv1D": ((3,), {}, [(6, 3)]),
    "DepthwiseConv2D": ((3,), {"depth_multiplier": 2}, [(6, 6, 3)]), "SeparableConv1D": ((2, 3), {}, [(6, 3)]),
    "SeparableConv2D": ((2, 3), {}, [(6, 6, 3)]), "LSTM": ((3,), {}, [(5, 4)]), "GRU": ((3,), {}, [(5, 4)]),
    "SimpleRNN": ((3,), {}, [(5, 4)]), "Masking": ((), {}, [(5, 4)]),
    "Bidirectional": "wrapper", "TimeDistributed": "wrapper", "Wrapper": None, "Merge": None,
    "Layer": None, "InputLayer": None,
    "ConvLSTM2D": ((2, 3), {}, [(3, 5, 5, 2)]), "ConvLSTM1D": ((2, 3), {}, [(3, 5, 2)]),
    "Cropping1D": ((1,), {}, [(6, 3)]), "Cropping2D": ((1,), {}, [(6, 6, 3)]),
    "ZeroPadding1D": ((1,), {}, [(6, 3)]), "ZeroPadding2D": ((1,), {}, [(6, 6, 3)]),
    "RepeatVector": ((3,), {}, [(4,)]), "Permute": (((2, 1),), {}, [(5, 4)]),
    "GaussianNoise": ((0.1,), {}, [(6,)]), "GaussianDropout": ((0.1,), {}, [(6,)]),
    "AlphaDropout": ((0.1,), {}, [(6,)]), "SpatialDropout1D": ((0.1,), {}, [(5, 4)]),
    "SpatialDropout2D": ((0.1,), {}, [(5, 5, 4)]), "UpSampling1D": ((), {}, [(5, 4)]),
    "MultiHeadAttention": ((2, 4), {}, "mha"), "Attention": ((), {}, [(5, 4), (6, 4)], "list"),
    "AdditiveAttention": ((), {}, [(5, 4), (6, 4)], "list"),
}
_GENERIC_SHAPES = [[(6,)], [(5, 4)], [(6, 6, 3)], [(4, 4, 4, 2)], [(5,), (5,)]]


def _exported_classes():
    seen, out = set(), []
    for name in sorted(dir(layers)):
        obj = getattr(layers, name)
        if inspect.isclass(obj) and issubclass(obj, Layer) and obj.__name__ not in seen:
            seen.add(obj.__name__)
            out.append(obj.__name__)
    return out


def _build_one(class_name):
    """(model, inputs) wrapping one layer of ``class_name``; None if it cannot be built generically."""
    cls = getattr(layers, class_name)
    spec = _TABLE.get(class_name, "generic")
    if spec is None:
        return None
    if spec == "wrapper":
        inner = layers.LSTM(3, return_sequences=True) if class_name == "Bidirectional" else layers.Dense(2)
        spec = ((inner,), {}, [(5, 4)])
    candidates = [((), {}, s) for s in _GENERIC_SHAPES] if spec == "generic" else [spec]
    for args, kwargs, shapes, *rest in candidates:
        if shapes == "mha":
            shapes, call = [(5, 4), (6, 4)], "mha"
        else:
            call = rest[-1] if rest and isinstance(rest[-1], str) else None
        dtype = rest[0] if rest and isinstance(rest[0], torch.dtype) else torch.float32
        try:
            kfunc_torch.backend.clear_session()
            layer = cls(*args, **kwargs)
            ins = [Input(shape=s, dtype="int64" if dtype == torch.int64 else None) for s in shapes]
            if call == "mha":
                out = layer(ins[0], ins[1])
            elif len(ins) > 1 or call == "list":
                out = layer(ins)
            else:
                out = layer(ins[0])
            model = Model(ins if len(ins) > 1 else ins[0], out)
        except (TypeError, ValueError, NotImplementedError, RuntimeError):
            continue
        return model, [_x(s, dtype, seed=i) for i, s in enumerate(shapes)]
    return None


@pytest.mark.parametrize("class_name", _exported_classes())
def test_every_exported_layer_round_trips_through_keras_archive(class_name, tmp_path):
    built = _build_one(class_name)
    if built is None:
        pytest.skip(f"{class_name} cannot be constructed generically")
    model, xs = built
    _randomize(model)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = load_model(path)
    assert [type(l).__name__ for l in loaded.layers] == [type(l).__name__ for l in model.layers]
    _check_same(model, loaded, xs)
    # The config round trip alone (fresh weights) gives the same architecture and config.
    clone = model_from_json(model.to_json())
    assert clone.get_config() == model.get_config()
