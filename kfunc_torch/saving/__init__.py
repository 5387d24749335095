"""Saving and loading files: Keras 3 ``.keras`` archives, ``.weights.h5``, Keras 2 HDF5.

What goes into a file comes from the engine (each class's ``get_config``, the registry in
``engine/registry.py``); this package only reads and writes files. ``Model.save``,
``Model.save_weights`` and ``Model.load_weights`` (in ``engine/functional.py``) call in here.

Example::

    >>> model.save("m.keras")                      # Keras 3 can load this file too
    >>> model = kfunc_torch.models.load_model("m.keras")
    >>> model.save_weights("m.weights.h5"); model.load_weights("m.weights.h5")
    >>> clone = kfunc_torch.models.model_from_json(model.to_json())
"""
from __future__ import annotations

from ..engine.registry import (CustomObjectScope, custom_object_scope, get_custom_objects, get_registered_name,
                               get_registered_object, register_keras_serializable)
from .archive import load_model, save_model
from ..engine.lambda_code import UnsafeLoadError, deserialize_function, serialize_function
from ..engine.layer_config import deserialize_layer, enable_unsafe_deserialization, serialize_layer
from ..engine.model_config import model_from_json, to_json
from .files import SavedFileError, SavedFileNotFoundError
from .saving_api import load_weights, save_weights
from .serialization import deserialize_keras_object, serialize_keras_object

__all__ = ["CustomObjectScope", "SavedFileError", "SavedFileNotFoundError", "UnsafeLoadError", "custom_object_scope",
           "deserialize_function", "deserialize_keras_object", "deserialize_layer", "enable_unsafe_deserialization",
           "get_custom_objects", "get_registered_name", "get_registered_object", "load_model", "load_weights",
           "model_from_json", "register_keras_serializable", "save_model", "save_weights", "serialize_function",
           "serialize_keras_object", "serialize_layer", "to_json"]
