"""``keras.utils.get_file``: a file from the Keras cache (``~/.keras/<cache_subdir>``), downloaded when
missing and the network answers.

Rules, as Keras has them:

- The cache folder is ``cache_dir``, else ``$KERAS_HOME``, else ``~/.keras`` (``/tmp/.keras`` when that
  is not writable).
- A download goes to a temporary file beside the target and is renamed over it only when complete, so
  an interrupted download leaves no half file behind.
- A cached file whose hash does not match ``file_hash`` is downloaded again; when the network does not
  answer, the cached file is used, with one warning naming it.
- Missing and offline: an error naming the file, the URL and where to put it.
- ``extract`` / ``untar``: which file holds the archive and which path is returned differ between
  Keras generations (``_ARCHIVE_LAYOUT``); the compat in use (``kfunc_torch.set_compat``) picks one.

Example::

    >>> from kfunc_torch.utils import get_file
    >>> path = get_file("nietzsche.txt", origin="https://s3.amazonaws.com/text-datasets/nietzsche.txt")
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile

_CHUNK = 1 << 16
_warned: set = set()  # cached files already warned about (one warning per file and process)


def keras_home() -> str:
    """The Keras folder: ``$KERAS_HOME`` or ``~/.keras``. Example: ``keras_home()`` -> '/root/.keras'."""
    return os.path.expanduser(os.environ.get("KERAS_HOME") or os.path.join("~", ".keras"))


def cache_folder(cache_subdir: str = "datasets", cache_dir=None) -> str:
    """The folder ``get_file`` reads and writes (created if needed). Example: ``cache_folder('models')``."""
    base = os.path.expanduser(os.fspath(cache_dir)) if cache_dir is not None else keras_home()
    os.makedirs(base, exist_ok=True) if not os.path.exists(base) else None
    if not os.access(base, os.W_OK):
        base = os.path.join(tempfile.gettempdir(), ".keras")
    folder = os.path.join(base, cache_subdir)
    os.makedirs(folder, exist_ok=True)
    return folder


def hash_file(fpath, algorithm: str = "sha256") -> str:
    """Hex digest of a file. ``algorithm``: 'sha256', 'md5' or 'auto' (sha256). Example: ``hash_file('a.npz')``."""
    algorithm = "sha256" if algorithm in ("auto", None) else algorithm
    if algorithm not in ("sha256", "md5"):
        raise ValueError(f"hash_algorithm must be 'auto', 'sha256' or 'md5'; received {algorithm!r}.")
    h = hashlib.new(algorithm)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def validate_file(fpath, file_hash: str, algorithm: str = "auto") -> bool:
    """Whether the file's hash is ``file_hash``; 'auto' picks sha256 for 64 hex digits, else md5 (as Keras).

    Example: ``validate_file('a.npz', '5d41...')``"""
    if algorithm == "auto":
        algorithm = "sha256" if len(file_hash) == 64 else "md5"
    return hash_file(fpath, algorithm) == str(file_hash)


def _download(origin: str, target: str) -> None:
    """Download ``origin`` to ``target`` atomically, with a progress bar. Raises URLError/OSError offline."""
    from ..progbar import Progbar
    with urllib.request.urlopen(origin, timeout=30) as response:
        print(f"Downloading data from {origin}")  # only once the server answers (offline runs stay quiet)
        total = response.headers.get("Content-Length")
        bar = Progbar(int(total) if total else None, unit_name="byte")
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".part",
                                   dir=os.path.dirname(target))
        try:
            with os.fdopen(fd, "wb") as out:
                done = 0
                for chunk in iter(lambda: response.read(_CHUNK), b""):
                    out.write(chunk)
                    done += len(chunk)
                    bar.update(done)
            bar.update(done, finalize=True)
            os.replace(tmp, target)
        finally:  # an interrupted or failed download leaves nothing behind
            if os.path.exists(tmp):
                os.remove(tmp)


def extract_archive(file_path, path=".", archive_format="auto") -> bool:
    """Extract a tar (.tar, .tar.gz, .tar.bz2) or zip archive into ``path``; False when it is neither.

    ``archive_format``: 'auto' (tar then zip), 'tar', 'zip', a list of those, or None (no extraction).
    A failed extraction removes what it wrote. Example: ``extract_archive('a.tar.gz', 'out/')``
    """
    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else (
        [archive_format] if isinstance(archive_format, str) else list(archive_format))
    openers = {"tar": (tarfile.is_tarfile, tarfile.open), "zip": (zipfile.is_zipfile, zipfile.ZipFile)}
    for kind in formats:
        if kind not in openers:
            raise ValueError(f"archive_format must be 'auto', 'tar', 'zip', a list of those or None; received {kind!r}.")
        is_kind, open_archive = openers[kind]
        if not is_kind(file_path):
            continue
        existed = os.path.exists(path)
        try:
            with open_archive(file_path) as archive:
                if kind == "tar" and hasattr(tarfile, "data_filter"):
                    archive.extractall(path, filter="data")  # no absolute paths or links out of `path`
                else:
                    archive.extractall(path)
        except (tarfile.TarError, zipfile.BadZipFile, RuntimeError, KeyboardInterrupt):
            if not existed and os.path.isdir(path):
                shutil.rmtree(path)
            raise
        return True
    return False


def _layout(datadir: str, fname: str, provided: bool, extract: bool, untar: bool):
    """(archive or file path, extraction folder or None, returned path) for the compat in use.

    Keras 3 (keras.src.utils.file_utils): an archive named without a dot is kept as '<fname>_archive'
    and unpacked into '<fname>/'; one named with a dot keeps its name and is unpacked into
    '<stem>_extracted/'; the folder is returned. Keras 2 (tf_keras): untar keeps '<fname>.tar.gz',
    unpacks into the cache folder and returns '<fname>'; extract unpacks beside the archive and returns
    the archive's path.
    """
    from ..generations import current
    if not (extract or untar):
        target = os.path.join(datadir, fname)
        return target, None, target
    if current().download_layout == "keras3":
        if provided and "." in fname:
            stem = fname[:fname.find(".")]
            folder = os.path.join(datadir, f"{stem}_extracted")
            return os.path.join(datadir, fname), folder, folder
        folder = os.path.join(datadir, fname)
        return os.path.join(datadir, f"{fname}_archive"), folder, folder
    if untar:
        return os.path.join(datadir, fname + ".tar.gz"), datadir, os.path.join(datadir, fname)
    target = os.path.join(datadir, fname)
    return target, datadir, target


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None, force_download=False):
    """Path of ``fname`` in the Keras cache, downloading it from ``origin`` when it is missing.

    Arguments as in Keras: ``file_hash`` (sha256 or md5 hex; ``md5_hash`` is the old spelling),
    ``hash_algorithm`` ('auto', 'sha256', 'md5'), ``extract``/``untar`` + ``archive_format``,
    ``cache_subdir`` (under the cache folder; may be absolute), ``cache_dir``, ``force_download``.

    Example: ``get_file("mnist.npz", origin="https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz")``
    """
    if origin is None:
        raise ValueError('get_file: please specify the "origin" argument (the URL of the file to download), e.g. '
                         "get_file('mnist.npz', origin='https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
                         "mnist.npz').")
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    datadir = cache_folder(cache_subdir, cache_dir)
    provided = bool(fname)
    fname = os.fspath(fname) if fname else os.path.basename(urllib.parse.urlsplit(origin).path)
    if not fname:
        raise ValueError(f"get_file: cannot read a file name from origin={origin!r}; pass fname='name.ext'.")
    if os.sep in fname:
        raise ValueError(f"get_file: fname must be a file name, not a path (received fname={fname!r}); pass the "
                         "folder as cache_dir=... (and cache_subdir=...).")
    target, folder, result = _layout(datadir, fname, provided, extract, untar)

    stale = os.path.exists(target) and file_hash is not None and not validate_file(target, file_hash, hash_algorithm)
    if force_download or stale or not os.path.exists(target):
        try:
            _download(origin, target)
        except (urllib.error.URLError, OSError, ValueError) as e:
            if not os.path.exists(target):
                raise FileNotFoundError(
                    f"get_file: {fname!r} is not in the Keras cache and could not be downloaded from {origin} "
                    f"({e}). Download it yourself and save it as {target}, then run again.") from None
            if stale and target not in _warned:
                _warned.add(target)
                algorithm = hash_algorithm if hash_algorithm != "auto" else (
                    "sha256" if len(str(file_hash)) == 64 else "md5")
                warnings.warn(f"get_file: the cached {target} does not match the published {algorithm} hash, and "
                              f"{origin} cannot be reached ({getattr(e, 'reason', e)}); using the cached file as it "
                              "is.", stacklevel=2)
        else:
            if file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
                raise ValueError(f"get_file: the file downloaded from {origin} to {target} does not match the "
                                 f"expected hash {file_hash}; the download may be corrupt or the file changed.")
    # Keras 3 and Keras 2's untar unpack once (when the folder is missing); Keras 2's extract unpacks each call.
    if folder is not None and (result == target or not os.path.exists(result)):
        extract_archive(target, folder, archive_format)
    return result
