"""Safe file handling shared by every writer and reader.

Writes go to a temporary file in the destination folder and are moved over the destination with
``os.replace`` only when complete, so a crash or an exception midway leaves the previous file intact.
Readers turn low-level failures (missing, truncated, foreign files) into errors naming the file.

Example::

    >>> with atomic_write("m.keras") as tmp:
    ...     write_everything_to(tmp)        # m.keras appears (or is replaced) only if this succeeds
"""
from __future__ import annotations

import atexit
import contextlib
import errno
import os
import re
import shutil
import stat


class SavedFileError(ValueError):
    """A file cannot be read as what it claims to be (truncated, corrupt, or another format).

    Example: ``load_model("notes.txt")`` raises it, naming the file."""


class SavedFileNotFoundError(SavedFileError, FileNotFoundError):
    """The file does not exist (a ValueError as in Keras 3, and a FileNotFoundError).

    Example: ``load_model("missing.keras")``."""


# Temp files being written now: removed at interpreter exit too (an exit from another thread, or
# sys.exit inside a callback), so normal exit paths never leave one behind.
_ACTIVE: set = set()


@atexit.register
def _remove_active_temps() -> None:
    for tmp in list(_ACTIVE):
        with contextlib.suppress(OSError):
            os.remove(tmp)


def temp_path(path) -> str:
    """The one temporary file a save to ``path`` writes first: ``.NAME.tmp`` in the same folder.

    A fixed name (not a random one) means a save killed midway leaves at most one leftover per
    target, and the next save to the same target removes it. Example: ``temp_path("a/m.keras")``
    → ``"a/.m.keras.tmp"``."""
    path = os.fspath(path)
    folder, base = os.path.split(os.path.abspath(path))
    return os.path.join(folder, f".{base}.tmp")


def _stale_temps(path) -> list:
    """Leftovers of interrupted saves to ``path``: our fixed temp name and the random names that
    ``tempfile.mkstemp`` gave them before (``.NAME.<8 characters>.tmp``)."""
    folder, base = os.path.split(os.path.abspath(path))
    old = re.compile(r"\." + re.escape(base) + r"\.[A-Za-z0-9_]{8}\.tmp\Z")
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return [os.path.join(folder, n) for n in names if n == f".{base}.tmp" or old.match(n)]


def _is_disk_full(e: BaseException) -> bool:
    # h5py reports a full disk as a plain OSError whose text carries the C errno.
    return isinstance(e, OSError) and (e.errno == errno.ENOSPC or "errno = 28" in str(e)
                                       or "No space left" in str(e))


def _size(p) -> int:
    try:
        return os.path.getsize(p)
    except OSError:
        return 0


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n} bytes"


@contextlib.contextmanager
def atomic_write(path):
    """Yield a temporary path next to ``path``; move it over ``path`` only if the block succeeds.

    The file gets the mode a plain ``open(path, "w")`` would give (0666 less the umask, or the mode
    of the file it replaces), as Keras's files do. Failures name ``path``: a full disk says how much
    was written and how much is free; an unwritable folder says so.

    Example: ``with atomic_write("m.h5") as tmp: h5py.File(tmp, "w").close()``."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise SavedFileNotFoundError(f"Cannot save to {path!r}: the folder {folder!r} does not exist. Create it first.")
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, f"Cannot save: the target is a folder; pass a file name such as "
                                f"{os.path.join(path, 'model.keras')!r}", path)
    from ..distributed.context import is_main_process
    if not is_main_process():  # data parallelism: rank 0 writes the file, the other ranks write nothing
        import tempfile
        with tempfile.TemporaryDirectory() as scratch:
            yield os.path.join(scratch, os.path.basename(path))
        return
    for stale in _stale_temps(path):  # leftovers of a save that was killed midway
        with contextlib.suppress(OSError):
            os.remove(stale)
    tmp = temp_path(path)
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode) if os.path.exists(path) else None
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # 0666 & ~umask, like open()
    except PermissionError:
        raise PermissionError(errno.EACCES, f"Cannot save to {path!r}: the folder {folder!r} is not writable "
                              "by this user. Save into a folder you can write to, or fix its permissions",
                              path) from None
    os.close(fd)
    if mode is not None:
        with contextlib.suppress(OSError):
            os.chmod(tmp, mode)  # replacing a file keeps its mode, as open(path, "w") does
    _ACTIVE.add(tmp)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as e:
        if not _is_disk_full(e):
            raise
        written = _size(tmp)
        with contextlib.suppress(OSError):
            os.remove(tmp)
        free = shutil.disk_usage(folder).free
        raise OSError(errno.ENOSPC, f"Cannot save to {path!r}: the disk is full. The save had written "
                      f"{_mb(written)} before it failed and needs at least that much, more likely "
                      f"{_mb(max(written, _size(path)))} or more; {_mb(free)} is free in {folder!r}. Free some "
                      "space or save elsewhere; the previous file (if any) is intact", path) from None
    finally:
        _ACTIVE.discard(tmp)
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
