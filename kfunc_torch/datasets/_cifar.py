"""The CIFAR archives: find the cached tarball under Keras 3's or Keras 2's name, unpack it once, and
read its pickled batches (bytes keys, uint8 ``data`` rows of 3072 = 3x32x32).

Example: ``folder = cached_archive('cifar-10', ORIGIN_10, HASH_10)`` -> a folder with cifar-10-batches-py/
"""
from __future__ import annotations

import os
import pickle

import numpy as np

from ..backend import image_data_format
from ..utils.file_utils import cache_folder, extract_archive, get_file


class _BatchUnpickler(pickle.Unpickler):
    """A CIFAR batch is a dict of bytes, lists and one uint8 array: nothing else may be named."""
    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}

    def find_class(self, module, name):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"a CIFAR batch names {module}.{name}; refusing to load it (it could run code).")
        return super().find_class(module, name)


def load_batch(fpath, label_key="labels"):
    """(data uint8 (n, 3, 32, 32), labels list) of one pickled CIFAR batch."""
    with open(fpath, "rb") as f:
        d = {k.decode("utf8") if isinstance(k, bytes) else k: v
             for k, v in _BatchUnpickler(f, encoding="bytes").load().items()}
    data = np.asarray(d["data"], dtype="uint8")
    return data.reshape(data.shape[0], 3, 32, 32), d[label_key]


def unpacked_folder(stem: str, origin: str, file_hash: str) -> str:
    """The folder holding ``<stem>-batches-py`` / ``<stem>-python`` after unpacking the cached archive.

    Keras 3 caches it as ``<target>_archive`` (unpacked into ``<target>/``); Keras 2 as
    ``<dir>.tar.gz`` (unpacked beside it). An existing copy under either name is used; otherwise it is
    downloaded under Keras 3's name."""
    datadir = cache_folder("datasets")
    inner = "cifar-10-batches-py" if stem == "cifar-10" else "cifar-100-python"
    k3_target = f"{inner}-target"
    for archive, folder in ((os.path.join(datadir, k3_target + "_archive"), os.path.join(datadir, k3_target)),
                            (os.path.join(datadir, inner + ".tar.gz"), datadir)):
        if os.path.isdir(os.path.join(folder, inner)):
            return folder
        if os.path.exists(archive):
            extract_archive(archive, folder)
            return folder
    archive = get_file(fname=k3_target + "_archive", origin=origin, file_hash=file_hash)
    folder = os.path.join(datadir, k3_target)
    extract_archive(archive, folder)
    return folder


def to_layout(x):
    """(n, 3, 32, 32) -> (n, 32, 32, 3) under channels_last, as Keras's loaders return."""
    return x.transpose(0, 2, 3, 1) if image_data_format() == "channels_last" else x
