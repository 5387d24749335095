"""Keras 1/2 spellings as data (KERAS_FACTS §5), keyed per class and per call: which old argument
names each took, the modern name each became, and how its value converts. ``rename.py`` applies
them; ``layers/legacy/arguments.py`` wraps each layer class's ``__init__`` with its table.

Every name a layer table writes is an argument of that class (``tests/test_legacy.py`` fails
otherwise): Keras 2's own converters were per class too, e.g. SeparableConvolution2D's ``init``
set both ``depthwise_initializer`` and ``pointwise_initializer``.

Example::

    >>> spec_for("Dense")["renames"]["output_dim"]
    'units'
    >>> CALLS["Model"]
    {'input': 'inputs', 'output': 'outputs'}
"""
from __future__ import annotations

import re

from .rename import GONE, To

# ---------------------------------------------------------------- value conversions
# Keras 1 spelled image layouts after the framework they came from.
DIM_ORDERING = {"th": "channels_first", "tf": "channels_last", "default": None}


def dim_ordering_to_data_format(value):
    """Keras 1 ``dim_ordering`` to Keras 2 ``data_format``. Example: ``'th'`` -> ``'channels_first'``."""
    if value not in DIM_ORDERING and value not in ("channels_first", "channels_last", None):
        raise ValueError(f"Unknown dim_ordering {value!r}: expected 'th' (channels_first), 'tf' (channels_last) "
                         "or 'default'. In Keras 2+ write data_format='channels_first' or 'channels_last'.")
    return DIM_ORDERING.get(value, value)


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


# ---------------------------------------------------------------- layer families
_FORMAT = {"dim_ordering": ("data_format", dim_ordering_to_data_format)}
_BIAS = {"b_regularizer": "bias_regularizer", "b_constraint": "bias_constraint", "bias": "use_bias"}
_KERNEL = {"init": "kernel_initializer", "W_regularizer": "kernel_regularizer", "W_constraint": "kernel_constraint"}
_CONV_ARGS = {"nb_filter": "filters", "filter_length": "kernel_size", "subsample_length": "strides",
              "subsample": "strides", "border_mode": "padding", "atrous_rate": "dilation_rate", **_FORMAT}

DENSE = {"output_dim": "units", **_KERNEL, **_BIAS}
CONV = {**_CONV_ARGS, **_KERNEL, **_BIAS}
# Keras 2's separable_conv2d_args_preprocessor: one init for both kernels; W_* had no separable meaning.
SEPARABLE_CONV = {**_CONV_ARGS, "init": To(("depthwise_initializer", "pointwise_initializer")), **_BIAS}
# Depthwise layers have no `filters` (depth_multiplier instead); their one kernel is the depthwise one.
DEPTHWISE_CONV = {**{k: v for k, v in _CONV_ARGS.items() if k != "nb_filter"},
                  "init": "depthwise_initializer", "W_regularizer": "depthwise_regularizer",
                  "W_constraint": "depthwise_constraint", **_BIAS}
POOL = {"pool_length": "pool_size", "stride": "strides", "border_mode": "padding", **_FORMAT}
_RECURRENT_COMMON = {"init": "kernel_initializer", "inner_init": "recurrent_initializer",
                     "W_regularizer": "kernel_regularizer", "U_regularizer": "recurrent_regularizer",
                     "b_regularizer": "bias_regularizer", "dropout_W": "dropout", "dropout_U": "recurrent_dropout"}
RECURRENT = {"output_dim": "units", **_RECURRENT_COMMON, "W_constraint": "kernel_constraint",
             "U_constraint": "recurrent_constraint", "b_constraint": "bias_constraint",
             "consume_less": ("implementation", _consume_less)}
GATED = {**RECURRENT, "inner_activation": "recurrent_activation"}
# Keras 2's legacy_convlstm2d_support: conv spellings plus the recurrent ones.
CONV_LSTM = {**_CONV_ARGS, **_RECURRENT_COMMON, "inner_activation": "recurrent_activation", "bias": "use_bias",
             "forget_bias_init": ("unit_forget_bias", _forget_bias)}
EMBEDDING = {"init": "embeddings_initializer", "W_regularizer": "embeddings_regularizer",
             "W_constraint": "embeddings_constraint", "dropout": GONE}
DROPOUT = {"p": "rate"}
NOISE = {"sigma": "stddev"}
BATCHNORM = {"beta_init": "beta_initializer", "gamma_init": "gamma_initializer", "mode": GONE}
UPSAMPLING1D = {"length": "size"}
PRELU = {"init": "alpha_initializer"}

# Why an argument that is gone is dropped (with the warning) rather than translated.
GONE_WHY = {
    "Embedding": {"dropout": "Embedding(dropout=...) no longer exists; to drop whole words, put a "
                             "SpatialDropout1D(rate) layer right after the Embedding."},
    "BatchNormalization": {"mode": "BatchNormalization(mode=0) is the only mode left; omit mode."},
    "Conv2DTranspose": {"output_shape": "Deconvolution2D's output_shape is computed from the input now; omit it."},
}


def _names(prefixes, dims):
    return [f"{p}{d}D" for p in prefixes for d in dims]


# class name -> spec: "renames"; "rank" (spatial dims); "image": the layer lays out images (Keras 1
# 'th'); "kernel_dims": how many leading ints after `filters` form kernel_size (Convolution2D(64, 3, 3)).
_SPECS: dict[str, dict] = {}


def _rank_of(class_name: str) -> int:
    m = re.search(r"(\d)D", class_name)
    return int(m.group(1)) if m else 0


def _add(classes, renames, *, image=None, kernel_dims=False, rank=None):
    for c in classes:
        r = _rank_of(c) if rank is None else rank
        _SPECS[c] = {"renames": dict(renames), "rank": r, "image": r >= 2 if image is None else image,
                     "kernel_dims": r if kernel_dims and r >= 2 else 0}


_add(_names(("Conv",), (1, 2, 3)), CONV, kernel_dims=True)
_add([f"Conv{d}DTranspose" for d in (1, 2, 3)], {**CONV, "output_shape": GONE}, kernel_dims=True)
_add(_names(("SeparableConv",), (1, 2)), SEPARABLE_CONV, kernel_dims=True)
_add(_names(("DepthwiseConv",), (1, 2)), DEPTHWISE_CONV)
_add(_names(("MaxPooling", "AveragePooling"), (1, 2, 3)), POOL)
_add(_names(("GlobalMaxPooling", "GlobalAveragePooling", "UpSampling", "ZeroPadding", "Cropping"), (2, 3))
     + ["GlobalMaxPooling1D", "GlobalAveragePooling1D", "ZeroPadding1D"], _FORMAT)
_add(["UpSampling1D"], UPSAMPLING1D)
_add(["Dense"], DENSE)
_add(["SimpleRNN"], RECURRENT)
_add(["GRU"], GATED)
_add(["LSTM"], {**GATED, "forget_bias_init": ("unit_forget_bias", _forget_bias)})
_add(["ConvLSTM2D"], CONV_LSTM, image=False, rank=0)
_add(["Embedding"], EMBEDDING)
_add(["Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianDropout", "AlphaDropout"],
     DROPOUT, rank=0)
_add(["GaussianNoise"], NOISE)
_add(["BatchNormalization"], BATCHNORM)
_add(["PReLU"], PRELU)

# Keras 1 positional order of a conv layer's arguments after (nb_filter, nb_row, nb_col).
CONV_POSITIONAL = ("init", "activation", "weights", "border_mode", "subsample", "dim_ordering", "W_regularizer",
                   "b_regularizer", "activity_regularizer", "W_constraint", "b_constraint", "bias")
# Keywords only Keras 1 image code wrote (they may switch a session to Keras 1's 'th' layout).
KERAS1_IMAGE_ONLY = frozenset({"border_mode", "subsample", "subsample_length", "nb_row", "nb_col", "kernel_dim1"})

# Keras 1/2 class names that are the same class as a modern one.
CLASS_ALIASES = {
    "Convolution1D": "Conv1D", "Convolution2D": "Conv2D", "Convolution3D": "Conv3D",
    "Deconvolution2D": "Conv2DTranspose", "Deconvolution3D": "Conv3DTranspose",
    "SeparableConvolution1D": "SeparableConv1D", "SeparableConvolution2D": "SeparableConv2D",
    "MaxPool1D": "MaxPooling1D", "MaxPool2D": "MaxPooling2D", "MaxPool3D": "MaxPooling3D",
    "AvgPool1D": "AveragePooling1D", "AvgPool2D": "AveragePooling2D", "AvgPool3D": "AveragePooling3D",
    "GlobalMaxPool1D": "GlobalMaxPooling1D", "GlobalMaxPool2D": "GlobalMaxPooling2D",
    "GlobalMaxPool3D": "GlobalMaxPooling3D", "GlobalAvgPool1D": "GlobalAveragePooling1D",
    "GlobalAvgPool2D": "GlobalAveragePooling2D", "GlobalAvgPool3D": "GlobalAveragePooling3D",
}

# ---------------------------------------------------------------- calls that are not layers
# Keras 2's legacy_model_constructor_support, legacy_input_support, the fit/generator method
# conversions and the optimizers' `lr`. (samples_per_epoch / nb_val_samples / val_samples count
# samples, not steps: engine/generator_methods.py converts them with the batch size.)
CALLS: dict[str, dict] = {
    "Model": {"input": "inputs", "output": "outputs"},
    "Input": {"input_dtype": "dtype"},
    "fit": {"nb_epoch": "epochs"},
    "fit_generator": {"nb_epoch": "epochs", "nb_worker": "workers", "pickle_safe": "use_multiprocessing",
                      "max_q_size": "max_queue_size"},
    "evaluate_generator": {"nb_worker": "workers", "pickle_safe": "use_multiprocessing",
                           "max_q_size": "max_queue_size"},
    "predict_generator": {"nb_worker": "workers", "pickle_safe": "use_multiprocessing",
                          "max_q_size": "max_queue_size"},
    "Optimizer": {"lr": "learning_rate"},
}


def spec_for(class_name: str) -> dict | None:
    """The Keras 1 spec of a layer class name, or None if it had no renamed arguments.

    Example: ``spec_for("Dropout")["renames"]`` -> ``{'p': 'rate'}``
    """
    return _SPECS.get(class_name)


def all_specs() -> dict[str, dict]:
    """Every class name with a spec (for tests and docs). Example: ``"LSTM" in all_specs()``."""
    return dict(_SPECS)
