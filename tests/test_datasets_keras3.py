"""keras.datasets against real Keras 3: the same loader calls on the same small files, in the published
formats, written here; and the get_file calls each loader makes (file name, URL, published hash, cache
folder), recorded on both sides.

The files' bytes are not the published ones, so in the Keras process its hash check is turned off
(Keras would try to download, fail offline and delete the file); ours warns once and uses the file.
CIFAR's loaders hard-code 50,000 training images (150 MB), so for them only the get_file call is compared.
"""
import gzip
import json
import warnings

import numpy as np
import pytest

from keras_oracle import requires_keras, run_keras
from same_program import run_here

LOADS = """
import numpy as np
from keras.datasets import mnist, fashion_mnist, imdb, reuters, boston_housing, california_housing
def seqs(x):
    return [[int(w) for w in s] for s in x]
r = result
(a, b), (c, d) = mnist.load_data()
r["mnist"] = [a, b, c, d, str(a.dtype), str(b.dtype)]
(a, b), (c, d) = fashion_mnist.load_data()
r["fashion_mnist"] = [a, b, c, d, str(a.dtype)]
IMDB = [{}, {"num_words": 12}, {"num_words": 12, "skip_top": 4}, {"maxlen": 5}, {"start_char": None},
        {"oov_char": None, "num_words": 10}, {"index_from": 0, "seed": 7}, {"start_char": 9, "oov_char": 7, "num_words": 14}]
for i, kw in enumerate(IMDB):
    (a, b), (c, d) = imdb.load_data(**kw)
    r["imdb", i] = [seqs(a), b, seqs(c), d, str(b.dtype), type(a).__name__, str(a.dtype)]
r["imdb word index"] = sorted(imdb.get_word_index().items())
REUTERS = [{}, {"num_words": 12, "test_split": 0.3}, {"maxlen": 4, "seed": 3}, {"skip_top": 3, "oov_char": None}]
for i, kw in enumerate(REUTERS):
    (a, b), (c, d) = reuters.load_data(**kw)
    r["reuters", i] = [seqs(a), b, seqs(c), d, str(b.dtype)]
r["reuters word index"] = sorted(reuters.get_word_index().items())
r["reuters labels"] = list(reuters.get_label_names())
for i, kw in enumerate([{}, {"test_split": 0.5, "seed": 1}]):
    (a, b), (c, d) = boston_housing.load_data(**kw)
    r["boston", i] = [a, b, c, d, str(a.dtype)]
for i, kw in enumerate([{}, {"version": "small"}, {"version": "small", "test_split": 0.25, "seed": 4}]):
    (a, b), (c, d) = california_housing.load_data(**kw)
    r["california", i] = [a, b, c, d, str(a.dtype)]
"""

# Record each loader's get_file call, then stop it (no file needed); MODULE names the loaders' package.
CALLS = """
import importlib, inspect, sys
class Stop(Exception):
    pass
def recorder(name, real):
    sig = inspect.signature(real)
    def get_file(*args, **kwargs):
        bound = sig.bind(*args, **kwargs)
        result.setdefault("calls: " + name, []).append({k: bound.arguments.get(k) for k in
            ("fname", "origin", "file_hash", "cache_subdir", "extract", "untar", "cache_dir")})
        raise Stop()
    return get_file
for name in ["mnist", "fashion_mnist", "imdb", "reuters", "boston_housing", "california_housing", "cifar10",
             "cifar100"]:
    mod = importlib.import_module(MODULE + "." + name)
    real = importlib.import_module(FILE_UTILS).get_file
    # every loader module that imported get_file by name (our CIFAR loaders call it from a shared helper)
    users = [m for m in list(sys.modules.values())
             if getattr(m, "__name__", "").startswith(MODULE) and getattr(m, "get_file", None) is real]
    for m in users:
        m.get_file = recorder(name, real)
    try:
        for call in (mod.load_data, getattr(mod, "get_word_index", None)):
            if call is not None:
                try:
                    call()
                except Stop:
                    pass
    finally:
        for m in users:
            m.get_file = real
"""

_KERAS_PRELUDE = """
import keras.src.utils.file_utils as _fu
_fu.validate_file = lambda *a, **k: True   # the files here are not the published bytes
"""


def _idx(path, array, magic):
    header = magic.to_bytes(4, "big") + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def _ragged(rows):
    out = np.empty(len(rows), dtype=object)
    out[:] = [[int(v) for v in r] for r in rows]  # Python ints, as the published files hold
    return out


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A Keras home whose datasets/ holds small files in each loader's format."""
    home = tmp_path_factory.mktemp("keras_home")
    d = home / "datasets"
    (d / "fashion-mnist").mkdir(parents=True)
    rng = np.random.default_rng(5)
    np.savez(d / "mnist.npz", x_train=rng.integers(0, 256, (7, 28, 28), dtype=np.uint8),
             y_train=rng.integers(0, 10, 7).astype(np.uint8), x_test=rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
             y_test=rng.integers(0, 10, 3).astype(np.uint8))
    for stem, n in (("train", 6), ("t10k", 2)):
        _idx(d / "fashion-mnist" / f"{stem}-labels-idx1-ubyte.gz", rng.integers(0, 10, n), 2049)
        _idx(d / "fashion-mnist" / f"{stem}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)), 2051)

    def reviews(n):
        return _ragged([rng.integers(1, 20, rng.integers(2, 9)) for _ in range(n)])
    np.savez(d / "imdb.npz", x_train=reviews(9), y_train=rng.integers(0, 2, 9), x_test=reviews(5),
             y_test=rng.integers(0, 2, 5))
    np.savez(d / "reuters.npz", x=reviews(12), y=rng.integers(0, 46, 12))
    words = {f"w{i}": i for i in range(1, 20)}
    (d / "imdb_word_index.json").write_text(json.dumps(words))
    (d / "reuters_word_index.json").write_text(json.dumps({k: v + 1 for k, v in words.items()}))
    np.savez(d / "boston_housing.npz", x=rng.normal(size=(11, 13)), y=rng.normal(size=11))
    np.savez(d / "california_housing.npz", x=rng.normal(size=(700, 8)).astype(np.float32),
             y=rng.normal(size=700).astype(np.float32))
    return home


@pytest.fixture(scope="module")
def both(cache):
    mp = pytest.MonkeyPatch()
    mp.setenv("KERAS_HOME", str(cache))  # read by both processes (run_keras passes the environment on)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "does not match the published hash ... offline"
            ours = run_here(LOADS, {})
            ours.update(run_here("MODULE, FILE_UTILS = 'kfunc_torch.datasets', 'kfunc_torch.utils.file_utils'\n"
                                 + CALLS, {}))
        ref = run_keras(_KERAS_PRELUDE + LOADS + "\nMODULE, FILE_UTILS = 'keras.src.datasets', "
                        "'keras.src.utils.file_utils'\n" + CALLS)  # one Keras process: it imports slowly
    finally:
        mp.undo()
    return ours, ref


def _same(ours, ref, where):
    if isinstance(ref, np.ndarray):
        ours = np.asarray(ours)
        assert ours.dtype == ref.dtype and ours.shape == ref.shape, (where, ours.dtype, ref.dtype, ours.shape, ref.shape)
        np.testing.assert_array_equal(ours, ref, err_msg=str(where))
    elif isinstance(ref, (list, tuple)):
        assert len(ours) == len(ref), where
        for i, (o, r) in enumerate(zip(ours, ref)):
            _same(o, r, (where, i))
    else:
        assert ours == ref, (where, ours, ref)


@requires_keras
def test_every_loader_returns_what_keras3_returns_from_the_same_files(both):
    ours, ref = both
    loads = [k for k in ref if not (isinstance(k, str) and k.startswith("calls: "))]
    assert loads and set(loads) <= set(ours)
    for key in loads:
        _same(ours[key], ref[key], key)


@requires_keras
@pytest.mark.parametrize("name", ["mnist", "fashion_mnist", "imdb", "reuters", "boston_housing", "california_housing",
                                  "cifar10", "cifar100"])
def test_loaders_ask_get_file_for_keras3s_file_url_hash_and_folder(both, name):
    ours, ref = both
    mine, theirs = ours["calls: " + name], ref["calls: " + name]
    assert len(mine) == len(theirs)
    for m, t in zip(mine, theirs):
        assert m["origin"] == t["origin"] and m["file_hash"] == t["file_hash"]
        assert t["file_hash"] or name == "fashion_mnist"  # Keras publishes no hash for Fashion-MNIST
        if not name.startswith("cifar"):  # CIFAR: our helper keeps Keras 3's archive name itself
            assert (m["fname"], m["cache_subdir"] or "datasets", bool(m["extract"]), bool(m["untar"])) == \
                   (t["fname"], t["cache_subdir"] or "datasets", bool(t["extract"]), bool(t["untar"]))
