"""Saving and loading: Keras 3 ``.keras`` archives, ``.weights.h5``, Keras 2 HDF5, JSON configs.

Example::

    >>> model.save("m.keras")                      # Keras 3 can load this file too
    >>> model = kfunc_torch.models.load_model("m.keras")
    >>> model.save_weights("m.weights.h5"); model.load_weights("m.weights.h5")
    >>> clone = kfunc_torch.models.model_from_json(model.to_json())
"""
from __future__ import annotations

import os

from ..engine.functional import Model
from .archive import load_model, save_model
from .config import enable_unsafe_deserialization, model_from_json, to_json
from .files import SavedFileError, SavedFileNotFoundError
from .lambda_code import UnsafeLoadError, deserialize_function, serialize_function
from .layer_config import deserialize_layer, serialize_layer
from .registry import (CustomObjectScope, custom_object_scope, get_custom_objects, get_registered_name,
                       register_keras_serializable)
from .weights_h5 import load_weights_h5, save_weights_h5


def save_weights(model, filepath, overwrite: bool = True) -> None:
    """Write the weights: Keras 3 layout for ``*.weights.h5``, Keras 2 (tf.keras) layout for other ``.h5``.

    Example: ``model.save_weights("m.weights.h5")``."""
    path = os.fspath(filepath)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path} exists and overwrite=False. Pass overwrite=True to replace it.")
    if not path.endswith((".h5", ".hdf5")):
        raise ValueError(f"save_weights: the filename must end in '.weights.h5' (Keras 3) or '.h5' (Keras 2 "
                         f"layout); received {path!r}.")
    save_weights_h5(model, path)


def load_weights(model, filepath, skip_mismatch: bool = False, by_name: bool = False) -> None:
    """Load weights from ``.weights.h5``, a Keras 2 ``.h5`` (by order, or ``by_name=True``) or a ``.keras`` archive.

    Example: ``model.load_weights("m.weights.h5")``."""
    from .files import check_exists, file_kind, open_h5
    path = check_exists(filepath, "model's weights")
    if file_kind(path) == "zip":
        import io

        from .archive import _read_archive
        from .weights_h5 import apply_plan, read_keras3
        _, weights, _ = _read_archive(path)
        with open_h5(io.BytesIO(weights)) as f:
            apply_plan(read_keras3(f, model, f"{path} (model.weights.h5)"), skip_mismatch=skip_mismatch)
        return
    load_weights_h5(model, path, by_name=by_name, skip_mismatch=skip_mismatch)


# Model lives in engine/functional.py, owned by the graph core; the saving methods are attached here
# (this package is imported by kfunc_torch/__init__.py) so the engine does not depend on h5py/zip code.
def _save_method(self, filepath, overwrite=True, include_optimizer=True, **kwargs):
    """Save the model (``.keras`` archive or Keras 2 ``.h5``). Example: ``model.save("m.keras")``."""
    save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer, **kwargs)


def _save_weights_method(self, filepath, overwrite=True):
    """Save the weights. Example: ``model.save_weights("m.weights.h5")``."""
    save_weights(self, filepath, overwrite=overwrite)


def _load_weights_method(self, filepath, skip_mismatch=False, by_name=False):
    """Load weights saved by us, Keras 3 or Keras 2. Example: ``model.load_weights("m.weights.h5")``."""
    load_weights(self, filepath, skip_mismatch=skip_mismatch, by_name=by_name)


def _to_json_method(self, **kwargs):
    """The architecture as Keras 3 JSON. Example: ``model_from_json(model.to_json())``."""
    return to_json(self, **kwargs)


Model.save = _save_method
Model.save_weights = _save_weights_method
Model.load_weights = _load_weights_method
Model.to_json = _to_json_method

__all__ = ["CustomObjectScope", "SavedFileError", "SavedFileNotFoundError", "UnsafeLoadError", "custom_object_scope",
           "deserialize_function", "deserialize_layer", "enable_unsafe_deserialization", "get_custom_objects",
           "get_registered_name", "load_model", "load_weights", "model_from_json", "register_keras_serializable",
           "save_model", "save_weights", "serialize_function", "serialize_layer", "to_json"]
