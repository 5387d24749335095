"""Keras 1 spellings as data (KERAS_FACTS §5): which old argument names each layer family took, the
new name each maps to, and how its value converts. ``legacy.py`` applies these tables.

A table entry is ``old: new`` or ``old: (new, convert)``; ``convert`` maps the old value to the
new one. ``new=None`` marks an argument that is gone (``GONE`` explains what to do instead).

Example::

    >>> from kfunc_torch.layers.legacy_tables import spec_for
    >>> spec_for("Dense")["renames"]["output_dim"]
    'units'
"""
from __future__ import annotations

import re

# Keras 1 spelled image layouts after the framework they came from.
_DIM_ORDERING = {"th": "channels_first", "tf": "channels_last", "default": None}


def dim_ordering_to_data_format(value):
    """Keras 1 ``dim_ordering`` to Keras 2 ``data_format``. Example: ``'th'`` -> ``'channels_first'``."""
    if value not in _DIM_ORDERING and value not in ("channels_first", "channels_last", None):
        raise ValueError(f"Unknown dim_ordering {value!r}: expected 'th' (channels_first), 'tf' (channels_last) "
                         "or 'default'. In Keras 2+ write data_format='channels_first' or 'channels_last'.")
    return _DIM_ORDERING.get(value, value)


def _forget_bias(value):
    # Keras 1 chose the forget-gate bias initializer; Keras 2 kept only "start at one" as a flag.
    return value in ("one", "ones")


# Keras 1 consume_less modes; Keras 2.2+ merged mode 0 into 1.
_CONSUME_LESS = {"cpu": 1, "mem": 1, "gpu": 2}


def _consume_less(value):
    if value not in _CONSUME_LESS:
        raise ValueError(f"Unknown consume_less {value!r}: expected 'cpu', 'mem' or 'gpu' "
                         "(Keras 2: implementation=1 or 2).")
    return _CONSUME_LESS[value]


_WEIGHTS = {"init": "kernel_initializer", "W_regularizer": "kernel_regularizer",
            "b_regularizer": "bias_regularizer", "W_constraint": "kernel_constraint",
            "b_constraint": "bias_constraint", "bias": "use_bias"}
_FORMAT = {"dim_ordering": ("data_format", dim_ordering_to_data_format)}

DENSE = {"output_dim": "units", **_WEIGHTS}
CONV = {"nb_filter": "filters", "filter_length": "kernel_size", "subsample_length": "strides",
        "subsample": "strides", "border_mode": "padding", "atrous_rate": "dilation_rate", **_WEIGHTS, **_FORMAT}
POOL = {"pool_length": "pool_size", "stride": "strides", "border_mode": "padding", **_FORMAT}
RECURRENT = {"output_dim": "units", "init": "kernel_initializer", "inner_init": "recurrent_initializer",
             "inner_activation": "recurrent_activation", "W_regularizer": "kernel_regularizer",
             "U_regularizer": "recurrent_regularizer", "b_regularizer": "bias_regularizer",
             "W_constraint": "kernel_constraint", "U_constraint": "recurrent_constraint",
             "b_constraint": "bias_constraint", "dropout_W": "dropout", "dropout_U": "recurrent_dropout",
             "consume_less": ("implementation", _consume_less),
             "forget_bias_init": ("unit_forget_bias", _forget_bias)}
EMBEDDING = {"init": "embeddings_initializer", "W_regularizer": "embeddings_regularizer",
             "W_constraint": "embeddings_constraint", "dropout": None}
DROPOUT = {"p": "rate"}
NOISE = {"sigma": "stddev"}
BATCHNORM = {"beta_init": "beta_initializer", "gamma_init": "gamma_initializer", "mode": None}
UPSAMPLING1D = {"length": "size"}
PRELU = {"init": "alpha_initializer"}

# Why an argument that is gone is dropped (with the warning) rather than translated.
GONE = {
    ("Embedding", "dropout"): "Embedding(dropout=...) no longer exists; to drop whole words, put a "
                              "SpatialDropout1D(rate) layer right after the Embedding.",
    ("BatchNormalization", "mode"): "BatchNormalization(mode=0) is the only mode left; omit mode.",
    ("Conv2DTranspose", "output_shape"): "Deconvolution2D's output_shape is computed from the input now; omit it.",
}


def _rank_of(class_name: str) -> int:
    m = re.search(r"(\d)D", class_name)
    return int(m.group(1)) if m else 0


def _names(prefixes, dims):
    return {f"{p}{d}D" for p in prefixes for d in dims}


_CONV_CLASSES = (_names(("Conv", "SeparableConv", "DepthwiseConv", "LocallyConnected"), (1, 2, 3))
                 | {f"Conv{d}DTranspose" for d in (1, 2, 3)})
_POOL_CLASSES = _names(("MaxPooling", "AveragePooling"), (1, 2, 3))
_FORMAT_ONLY = (_names(("GlobalMaxPooling", "GlobalAveragePooling", "UpSampling", "ZeroPadding", "Cropping"),
                       (1, 2, 3)) - {"UpSampling1D"})

# class name -> spec: renames; "positional": Keras 1 names of positional arguments after the first
# (conv: Convolution2D(nb_filter, nb_row, nb_col, init, activation, ...)); "kernel_dims": how many
# leading ints after `filters` form kernel_size; "image": the layer lays out images (Keras 1 'th').
_SPECS: dict[str, dict] = {}
for _c in _CONV_CLASSES:
    _rank = _rank_of(_c)
    _spec = {"renames": dict(CONV), "image": _rank >= 2, "rank": _rank, "kernel_dims": _rank if _rank >= 2 and not _c.startswith("Depthwise") else 0}
    if _c.endswith("Transpose"):
        _spec["renames"]["output_shape"] = None
    _SPECS[_c] = _spec
for _c in _POOL_CLASSES:
    _SPECS[_c] = {"renames": dict(POOL), "image": _rank_of(_c) >= 2, "rank": _rank_of(_c)}
for _c in _FORMAT_ONLY:
    _SPECS[_c] = {"renames": dict(_FORMAT), "image": _rank_of(_c) >= 2, "rank": _rank_of(_c)}
_SPECS["UpSampling1D"] = {"renames": dict(UPSAMPLING1D), "rank": 1}
_SPECS["Dense"] = {"renames": dict(DENSE)}
for _c in ("SimpleRNN", "LSTM", "GRU", "ConvLSTM2D"):
    _SPECS[_c] = {"renames": dict(RECURRENT)}
_SPECS["Embedding"] = {"renames": dict(EMBEDDING)}
for _c in ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianDropout",
           "AlphaDropout"):
    _SPECS[_c] = {"renames": dict(DROPOUT)}
_SPECS["GaussianNoise"] = {"renames": dict(NOISE)}
_SPECS["BatchNormalization"] = {"renames": dict(BATCHNORM)}
_SPECS["PReLU"] = {"renames": dict(PRELU)}

# Keras 1 positional order of a conv layer's arguments after (nb_filter, nb_row, nb_col).
CONV_POSITIONAL = ("init", "activation", "weights", "border_mode", "subsample", "dim_ordering", "W_regularizer",
                   "b_regularizer", "activity_regularizer", "W_constraint", "b_constraint", "bias")

# Keras 1/2 class names that are the same class as a modern one.
CLASS_ALIASES = {
    "Convolution1D": "Conv1D", "Convolution2D": "Conv2D", "Convolution3D": "Conv3D",
    "Deconvolution2D": "Conv2DTranspose", "Deconvolution3D": "Conv3DTranspose",
"SeparableConvolution1D": "SeparableConv1D",
    "SeparableConvolution2D": "SeparableConv2D",
    "MaxPool1D": "MaxPooling1D", "MaxPool2D": "MaxPooling2D", "MaxPool3D": "MaxPooling3D",
    "AvgPool1D": "AveragePooling1D", "AvgPool2D": "AveragePooling2D", "AvgPool3D": "AveragePooling3D",
    "GlobalMaxPool1D": "GlobalMaxPooling1D", "GlobalMaxPool2D": "GlobalMaxPooling2D",
    "GlobalMaxPool3D": "GlobalMaxPooling3D", "GlobalAvgPool1D": "GlobalAveragePooling1D",
    "GlobalAvgPool2D": "GlobalAveragePooling2D", "GlobalAvgPool3D": "GlobalAveragePooling3D",
}


def spec_for(class_name: str) -> dict | None:
    """The Keras 1 spec of a layer class name, or None if it had no renamed arguments.

    Example: ``spec_for("Dropout")["renames"]`` -> ``{'p': 'rate'}``
    """
    return _SPECS.get(class_name)


def all_specs() -> dict[str, dict]:
    """Every class name with a spec (for tests and docs). Example: ``"LSTM" in all_specs()``."""
    return dict(_SPECS)
