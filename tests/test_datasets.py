"""keras.datasets loaders on small files written here in the published formats (the cache is KERAS_HOME)."""
import warnings

import numpy as np
import pytest

from kfunc_torch.datasets import imdb, mnist


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    return tmp_path / "datasets"


def test_mnist_reads_the_cached_npz_with_keras_shapes_and_dtypes(keras_home):
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8), "y_train": np.arange(6, dtype=np.uint8),
              "x_test": rng.integers(0, 256, (2, 28, 28), dtype=np.uint8), "y_test": np.arange(2, dtype=np.uint8)}
    np.savez(keras_home / "mnist.npz", **arrays)
    with warnings.catch_warnings(record=True):  # our file's hash is not the published one: warned, then used
        warnings.simplefilter("always")
        (x, y), (xt, yt) = mnist.load_data()
    assert x.dtype == np.uint8 and x.shape == (6, 28, 28) and xt.shape == (2, 28, 28)
    np.testing.assert_array_equal(x, arrays["x_train"])
    np.testing.assert_array_equal(yt, arrays["y_test"])


def test_imdb_shifts_ids_and_maps_rare_words_to_oov(keras_home):
    seqs = [[1, 2, 3, 10], [4, 5], [9, 9, 9]]
    obj = np.empty(len(seqs), dtype=object)
    obj[:] = seqs
    np.savez(keras_home / "imdb.npz", x_train=obj, y_train=np.array([0, 1, 0]), x_test=obj[:1], y_test=np.array([1]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (x, y), (xt, yt) = imdb.load_data(num_words=8)
    everything = [w for s in list(x) + list(xt) for w in s]
    assert all(s[0] == 1 for s in list(x) + list(xt))       # start_char first
    assert max(everything) < 8 and 2 in everything           # ids >= num_words became oov_char=2
    assert sorted(len(s) for s in x) == [3, 4, 5]            # one start_char added per review
    assert sorted(y.tolist()) == [0, 0, 1]


def test_missing_file_offline_names_the_file_and_the_url(keras_home, monkeypatch):
    import urllib.request

    def offline(*a, **k):
        raise OSError("network is unreachable")
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    monkeypatch.setattr(urllib.request, "urlretrieve", offline, raising=False)
    with pytest.raises(Exception) as info:
        mnist.load_data()
    text = str(info.value)
    assert "mnist.npz" in text and "https://" in text
