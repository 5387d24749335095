"""The weights files a model reads and writes: which reader or writer a path means (Keras 3's
``saving_api``). ``Model.save_weights``/``Model.load_weights`` call these.

Example::

    >>> save_weights(model, "m.weights.h5")        # Keras 3 layout ('.h5' alone: Keras 2's)
    >>> load_weights(model, "m.keras")             # the weights inside a '.keras' archive
"""
from __future__ import annotations

import io
import os

from .archive import read_archive
from .files import check_exists, file_kind, open_h5
from .weights_h5 import apply_plan, load_weights_h5, read_keras3, save_weights_h5


def save_weights(model, filepath, overwrite: bool = True) -> None:
    """Write the weights: Keras 3 layout for ``*.weights.h5``, Keras 2 (tf.keras) layout for other ``.h5``.

    Example: ``save_weights(model, "m.weights.h5")``."""
    path = os.fspath(filepath)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path} exists and overwrite=False. Pass overwrite=True to replace it.")
    if not path.endswith((".h5", ".hdf5")):
        raise ValueError(f"save_weights: the filename must end in '.weights.h5' (Keras 3) or '.h5' (Keras 2 "
                         f"layout); received {path!r}.")
    save_weights_h5(model, path)


def load_weights(model, filepath, skip_mismatch: bool = False, by_name: bool = False) -> None:
    """Load weights from ``.weights.h5``, a Keras 2 ``.h5`` (by order, or ``by_name=True``) or a ``.keras`` archive.

    Example: ``load_weights(model, "m.weights.h5")``."""
    path = check_exists(filepath, "model's weights")
    if file_kind(path) == "zip":
        _, weights, _ = read_archive(path)
        with open_h5(io.BytesIO(weights)) as f:
            apply_plan(read_keras3(f, model, f"{path} (model.weights.h5)"), skip_mismatch=skip_mismatch)
        return
    load_weights_h5(model, path, by_name=by_name, skip_mismatch=skip_mismatch)
