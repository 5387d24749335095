"""Safe file handling shared by every writer and reader.

Writes go to a temporary file in the destination folder and are moved over the destination with
``os.replace`` only when complete, so a crash or an exception midway leaves the previous file intact.
Readers turn low-level failures (missing, truncated, foreign files) into errors naming the file.

Example::

    >>> with atomic_write("m.keras") as tmp:
    ...     write_everything_to(tmp)        # m.keras appears (or is replaced) only if this succeeds
"""
from __future__ import annotations

import contextlib
import os
import tempfile


class SavedFileError(ValueError):
    """A file cannot be read as what it claims to be (truncated, corrupt, or another format).

    Example: ``load_model("notes.txt")`` raises it, naming the file."""


class SavedFileNotFoundError(SavedFileError, FileNotFoundError):
    """The file does not exist (a ValueError as in Keras 3, and a FileNotFoundError).

    Example: ``load_model("missing.keras")``."""


@contextlib.contextmanager
def atomic_write(path):
    """Yield a temporary path next to ``path``; move it over ``path`` only if the block succeeds.

    Example: ``with atomic_write("m.h5") as tmp: h5py.File(tmp, "w").close()``."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise SavedFileNotFoundError(f"Cannot save to {path!r}: the folder {folder!r} does not exist. Create it first.")
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def check_exists(path, what: str = "model") -> str:
    """``path`` as a string; a clear error if it is missing or a folder.

    Example: ``check_exists("m.keras")``."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise SavedFileNotFoundError(f"File not found: filepath={path}. Please ensure the file is an accessible "
                                     f"'.keras' zip file or an HDF5 file holding a {what}.")
    if os.path.isdir(path):
        raise SavedFileError(f"{path!r} is a folder (perhaps a TensorFlow SavedModel). kfunc_torch reads '.keras' "
                             "archives and HDF5 files ('.h5', '.weights.h5').")
    return path


def file_kind(path) -> str:
    """'zip', 'hdf5' or 'unknown', from the file's first bytes (not its name).

    Example: ``file_kind("m.keras")`` → ``"zip"``."""
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(b"PK"):
        return "zip"
    if head == b"\x89HDF\r\n\x1a\n":
        return "hdf5"
    return "unknown"


def open_h5(path_or_file, mode="r"):
    """``h5py.File(path_or_file, mode)``, with unreadable files reported as SavedFileError naming the file.

    Example: ``with open_h5("m.weights.h5") as f: list(f)``."""
    import h5py
    try:
        return h5py.File(path_or_file, mode)
    except OSError as e:
        name = path_or_file if isinstance(path_or_file, (str, os.PathLike)) else "the archive's model.weights.h5"
        raise SavedFileError(f"Cannot read {name!s} as HDF5: the file is truncated, corrupt or not HDF5 ({e}).") from None
