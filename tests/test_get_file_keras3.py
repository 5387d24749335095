"""keras.utils.get_file against real Keras 3, downloading from file:// URLs (no network needed): the
returned paths, what lands in the cache (archive names, extraction folders), hash checks on a download
and on a cached file, md5_hash, fname taken from the URL, cache_dir/cache_subdir, untar; and ours alone
for what Keras cannot show offline (a cached file with the wrong hash is used with one warning; an
interrupted download leaves no file).
"""
import hashlib
import io
import os
import tarfile
import warnings
import zipfile

import pytest

from keras_oracle import requires_keras, run_keras
from same_program import run_here

PROGRAM = """
import os
from keras.utils import get_file
src, cache = inputs["src"], inputs["cache"]
url = lambda name: "file://" + os.path.join(src, name)
def tree():
    out = []
    for folder, _, files in os.walk(cache):
        out += sorted(os.path.relpath(os.path.join(folder, f), cache) for f in files)
    return sorted(out)
def call(key, **kw):
    try:
        path = get_file(cache_dir=cache, **kw)
        result[key] = ("ok", os.path.relpath(path, cache), os.path.isdir(path))
    except Exception as e:
        result[key] = ("error", type(e).__name__)
    result[key + " tree"] = tree()
call("plain", fname="a.txt", origin=url("a.txt"), file_hash=inputs["sha_a"])
call("plain again", fname="a.txt", origin=url("a.txt"), file_hash=inputs["sha_a"])
call("md5", fname="b.txt", origin=url("a.txt"), md5_hash=inputs["md5_a"])
call("md5 algorithm", fname="c.txt", origin=url("a.txt"), file_hash=inputs["md5_a"], hash_algorithm="md5")
call("name from url", origin=url("a.txt"))
call("subdir", fname="m.bin", origin=url("a.txt"), cache_subdir="models")
call("bad hash download", fname="bad.txt", origin=url("a.txt"), file_hash="0" * 64)
call("tar with dot", fname="t.tar.gz", origin=url("t.tar.gz"), extract=True)
call("tar without dot", fname="tdir", origin=url("t.tar.gz"), extract=True)
call("zip without dot", fname="zdir", origin=url("z.zip"), extract=True)
call("untar", fname="udir", origin=url("t.tar.gz"), untar=True)
with open(os.path.join(cache, "datasets", "a.txt"), "w") as f:
    f.write("stale")
call("stale cached file", fname="a.txt", origin=url("a.txt"), file_hash=inputs["sha_a"])
result["stale content"] = open(os.path.join(cache, "datasets", "a.txt")).read()
call("force", fname="a.txt", origin=url("a.txt"), force_download=True)
"""


def _sources(folder):
    folder.mkdir()
    data = b"hello keras\n" * 100
    (folder / "a.txt").write_bytes(data)
    with tarfile.open(folder / "t.tar.gz", "w:gz") as t:
        for name, body in (("inner/one.txt", b"1"), ("inner/two.txt", b"22")):
            info = tarfile.TarInfo(name)
            info.size = len(body)
            t.addfile(info, io.BytesIO(body))
    with zipfile.ZipFile(folder / "z.zip", "w") as z:
        z.writestr("zi/three.txt", "333")
    return {"src": str(folder), "sha_a": hashlib.sha256(data).hexdigest(), "md5_a": hashlib.md5(data).hexdigest()}


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    root = tmp_path_factory.mktemp("get_file")
    common = _sources(root / "src")
    (root / "ours").mkdir()
    (root / "keras").mkdir()
    from kfunc_torch import generations
    before = generations.get_compat()
    generations.set_compat("keras3")  # Keras 3's cache layout for archives (Keras 2's differs: _layout)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = run_here(PROGRAM, {**common, "cache": str(root / "ours")})
    finally:
        generations.set_compat(before)
    ref = run_keras(PROGRAM, {**common, "cache": str(root / "keras")})
    return ours, ref


CASES = ["plain", "plain again", "md5", "md5 algorithm", "name from url", "subdir", "bad hash download",
         "tar with dot", "tar without dot", "zip without dot", "untar", "stale cached file", "force"]


@requires_keras
@pytest.mark.parametrize("case", CASES)
def test_get_file_returns_and_caches_what_keras3_does(both, case):
    ours, ref = both
    assert ours[case] == ref[case]
    assert ours[case + " tree"] == ref[case + " tree"]


@requires_keras
def test_a_stale_cached_file_is_downloaded_again_as_keras3_does(both):
    ours, ref = both
    assert ref["stale content"] != "stale"
    assert ours["stale content"] == ref["stale content"]


def test_offline_a_cached_file_with_the_wrong_hash_is_used_with_one_warning(tmp_path):
    from kfunc_torch.utils import get_file
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "x.npz").write_bytes(b"not the published bytes")
    origin = "file://" + str(tmp_path / "nowhere" / "x.npz")  # cannot be fetched
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        path = get_file("x.npz", origin=origin, file_hash="1" * 64, cache_dir=tmp_path)
        again = get_file("x.npz", origin=origin, file_hash="1" * 64, cache_dir=tmp_path)
    assert path == again == str(tmp_path / "datasets" / "x.npz")
    hits = [w for w in seen if "does not match" in str(w.message)]
    assert len(hits) == 1 and "x.npz" in str(hits[0].message) and "sha256" in str(hits[0].message)


def test_an_interrupted_download_leaves_no_file(tmp_path, monkeypatch):
    from kfunc_torch.utils import file_utils
    src = tmp_path / "big.bin"
    src.write_bytes(b"x" * (1 << 18))
    real_urlopen = file_utils.urllib.request.urlopen

    class Dies:
        def __init__(self, response):
            self.response, self.headers, self.reads = response, response.headers, 0

        def read(self, n):
            self.reads += 1
            if self.reads == 2:
                raise KeyboardInterrupt  # Ctrl-C in the middle of the download
            return self.response.read(n)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.response.close()

    monkeypatch.setattr(file_utils.urllib.request, "urlopen", lambda *a, **k: Dies(real_urlopen(*a, **k)))
    with pytest.raises(KeyboardInterrupt):
        file_utils.get_file("big.bin", origin="file://" + str(src), cache_dir=tmp_path / "cache")
    assert os.listdir(tmp_path / "cache" / "datasets") == []  # neither the file nor a partial one


def test_missing_and_offline_names_the_file_the_url_and_where_to_put_it(tmp_path):
    from kfunc_torch.utils import get_file
    origin = "file://" + str(tmp_path / "nowhere" / "y.npz")
    with pytest.raises(FileNotFoundError) as info:
        get_file("y.npz", origin=origin, cache_dir=tmp_path)
    text = str(info.value)
    assert "y.npz" in text and origin in text and str(tmp_path / "datasets" / "y.npz") in text
