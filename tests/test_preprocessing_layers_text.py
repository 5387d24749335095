"""String preprocessing layers: Hashing, StringLookup, IntegerLookup, TextVectorization.

Keras 3 refuses all four without TensorFlow ("Layer Hashing requires TensorFlow"), so these tests
hold us to Keras's documented behaviour instead: the expected values below are the ones Keras's
own docstrings and tests (keras/src/layers/preprocessing/*_test.py, 3.15) state, and for the hashes
of long strings the values of independent FarmHash/SipHash implementations (pyfarmhash 0.5.1,
siphashc 2.9.1; Keras's Hashing uses TensorFlow's FarmHash Fingerprint64 and SipHash-2-4).
"""
import os

import numpy as np
import pytest
import torch

import kfunc_torch
from kfunc_torch import Input, Model
from kfunc_torch.layers import Dense, Embedding, Flatten, Hashing
from kfunc_torch.layers.preprocessing._hash import fingerprint64, siphash24

from keras_oracle import keras3_version, run_keras

WIRE = [["omar"], ["stringer"], ["marlo"], ["wire"], ["skywalker"]]


# ---------------------------------------------------------------- Hashing
@pytest.mark.parametrize("kwargs, inp, expected", [
    # Keras's docstring examples
    ({"num_bins": 3}, [["A"], ["B"], ["C"], ["D"], ["E"]], [[1], [0], [1], [1], [2]]),
    ({"num_bins": 3, "mask_value": ""}, [["A"], ["B"], [""], ["C"], ["D"]], [[1], [1], [0], [2], [2]]),
    ({"num_bins": 3, "salt": [133, 137]}, [["A"], ["B"], ["C"], ["D"], ["E"]], [[1], [2], [1], [0], [2]]),
    ({"num_bins": 3, "salt": 133}, [["A"], ["B"], ["C"], ["D"], ["E"]], [[0], [0], [2], [1], [0]]),
    # Keras's hashing_test.py
    ({"num_bins": 1}, [["A"], ["B"], ["C"]], [[0], [0], [0]]),
    ({"num_bins": 2}, WIRE, [[0], [0], [1], [0], [0]]),
    ({"num_bins": 3, "mask_value": ""}, WIRE, [[1], [1], [2], [1], [1]]),
    ({"num_bins": 3, "mask_value": "omar"}, WIRE, [[0], [1], [2], [1], [1]]),
    ({"num_bins": 2}, ["omar", "stringer", "marlo", "wire", "skywalker"], [0, 0, 1, 0, 0]),
    ({"num_bins": 3}, np.array([[0], [1], [2], [3], [4]]), [[1], [0], [1], [0], [2]]),
    ({"num_bins": 2, "salt": [133, 137]}, WIRE, [[0], [1], [0], [1], [0]]),
    ({"num_bins": 2, "salt": [211, 137]}, WIRE, [[1], [0], [1], [0], [1]]),
    ({"num_bins": 3, "salt": [133, 137]}, np.array([[0], [1], [2], [3], [4]]), [[1], [1], [2], [0], [1]]),
    ({"num_bins": 3, "output_mode": "multi_hot"}, np.array([[0, 1, 2, 3, 4]]), [[1.0, 1.0, 1.0]]),
    ({"num_bins": 3, "output_mode": "count"}, np.array([[0, 1, 2, 3, 4]]), [[2.0, 2.0, 1.0]]),
])
def test_hashing_matches_keras_documented_values(kwargs, inp, expected):
    out = Hashing(**kwargs)(inp)
    np.testing.assert_array_equal(out.numpy(), np.array(expected))
    assert out.dtype == (torch.int64 if kwargs.get("output_mode", "int") == "int" else torch.float32)


@pytest.mark.parametrize("text, farm, sip", [
    ("a" * 20, 0xD1128F7D2CDB832E, 0xAE4F8DD6A41D7F12),
    ("the quick brown fox jumps over the lazy dog", 0xAC6A07C674DC13D3, 0x0FAE043DEBD23460),
    ("x" * 65, 0x447CB9FD96F25F39, 0x2DAB57FED2EE293E),
    ("keras " * 40, 0x6330E0398CF4E037, 0x5841AEC462C2A268),
])
def test_hashes_of_long_strings_match_reference_implementations(text, farm, sip):
    assert fingerprint64(text.encode()) == farm
    assert siphash24((133, 137), text.encode()) == sip
    assert fingerprint64(b"") == 0x9AE16A3B2F90404F  # FarmHash's value for the empty string


def test_hashing_one_hot_shapes_config_and_errors():
    layer = Hashing(5, output_mode="one_hot")
    assert tuple(layer(np.array([["a"], ["b"]])).shape) == (2, 5)
    assert layer(Input((1,), dtype="string")).shape == (None, 5)
    assert Hashing(5)(Input((3,), dtype="string")).dtype == "int64"
    cfg = Hashing(4, mask_value="", salt=7).get_config()
    assert cfg["salt"] == [7, 7] and cfg["mask_value"] == ""
    assert Hashing.from_config(cfg).get_config() == cfg
    with pytest.raises(ValueError, match="num_bins"):
        Hashing(0)
    with pytest.raises(ValueError, match="salt"):
        Hashing(2, salt="x")
    with pytest.raises(ValueError, match="salt"):
        Hashing(2, salt=[1, 2, 3])


def test_string_input_model_fits_and_predicts_through_hashing(tmp_path):
    inp = Input((1,), dtype="string")
    out = Dense(1)(Flatten()(Embedding(8, 2)(Hashing(8)(inp))))
    model = Model(inp, out)
    model.compile("adam", "mse")
    x = np.array([["cat"], ["dog"], ["bird"], ["cat"]])
    model.fit(x, np.array([[1.0], [0.0], [0.5], [1.0]]), epochs=2, batch_size=2, verbose=0)
    pred = model.predict(x, verbose=0)
    assert pred.shape == (4, 1) and pred[0, 0] == pred[3, 0]
    path = os.path.join(tmp_path, "h.keras")
    model.save(path)
    np.testing.assert_allclose(kfunc_torch.models.load_model(path).predict(x, verbose=0), pred, atol=1e-6)


# ---------------------------------------------------------------- StringLookup / IntegerLookup (Keras's docstrings)
from kfunc_torch.layers import IntegerLookup, StringLookup  # noqa: E402

SVOCAB = ["a", "b", "c", "d"]
SDATA = [["a", "c", "d"], ["d", "z", "b"]]
SDATA4 = [["a", "c", "d", "d"], ["d", "z", "b", "z"]]
IVOCAB = [12, 36, 1138, 42]
IDATA = np.array([[12, 1138, 42], [42, 1000, 36]])
IDATA4 = np.array([[12, 1138, 42, 42], [42, 7, 36, 7]])
HOT = [[0., 1., 0., 1., 1.], [1., 0., 1., 0., 1.]]
COUNT = [[0., 1., 0., 1., 2.], [2., 0., 1., 0., 1.]]
TFIDF = [[0., 0.25, 0., 0.6, 0.8], [1.0, 0., 0.75, 0., 0.4]]
TFIDF_OOV = [[0., 0.25, 0., 0.6, 0.8], [1.8, 0., 0.75, 0., 0.4]]
EYE5 = np.eye(5)[[1, 2, 3, 4, 0]]


@pytest.mark.parametrize("make, data, expected", [
    (lambda: StringLookup(vocabulary=SVOCAB), SDATA, [[1, 3, 4], [4, 0, 2]]),
    (lambda: StringLookup(vocabulary=SVOCAB, num_oov_indices=2), [["a", "c", "d"], ["m", "z", "b"]],
     [[2, 4, 5], [0, 1, 3]]),
    (lambda: StringLookup(vocabulary=SVOCAB, output_mode="one_hot"), ["a", "b", "c", "d", "z"], EYE5),
    (lambda: StringLookup(vocabulary=SVOCAB, output_mode="multi_hot"), SDATA4, HOT),
    (lambda: StringLookup(vocabulary=SVOCAB, output_mode="count"), SDATA4, COUNT),
    (lambda: StringLookup(vocabulary=SVOCAB, output_mode="tf_idf", idf_weights=[0.25, 0.75, 0.6, 0.4]), SDATA4, TFIDF),
    (lambda: StringLookup(vocabulary=["[UNK]"] + SVOCAB, output_mode="tf_idf", idf_weights=[0.9, 0.25, 0.75, 0.6, 0.4]),
     SDATA4, TFIDF_OOV),
    (lambda: IntegerLookup(vocabulary=IVOCAB), IDATA, [[1, 3, 4], [4, 0, 2]]),
    (lambda: IntegerLookup(vocabulary=IVOCAB, num_oov_indices=2), np.array([[12, 1138, 42], [37, 1000, 36]]),
     [[2, 4, 5], [1, 0, 3]]),
    (lambda: IntegerLookup(vocabulary=[10, 20, 30], num_oov_indices=4, oov_method="floormod"),
     np.array([100, 300, 700, 1100, 1700, 2000]), [0, 0, 0, 0, 0, 0]),
    (lambda: IntegerLookup(vocabulary=[10, 20, 30], num_oov_indices=4, oov_method="farmhash"),
     np.array([100, 300, 700, 1100, 1700, 2000]), [3, 3, 2, 2, 0, 1]),
    (lambda: IntegerLookup(vocabulary=IVOCAB, output_mode="one_hot"), np.array([12, 36, 1138, 42, 7]), EYE5),
    (lambda: IntegerLookup(vocabulary=IVOCAB, output_mode="multi_hot"), IDATA4, HOT),
    (lambda: IntegerLookup(vocabulary=IVOCAB, output_mode="count"), IDATA4, COUNT),
    (lambda: IntegerLookup(vocabulary=IVOCAB, output_mode="tf_idf", idf_weights=[0.25, 0.75, 0.6, 0.4]), IDATA4, TFIDF),
    (lambda: IntegerLookup(vocabulary=[-1] + IVOCAB, output_mode="tf_idf", idf_weights=[0.9, 0.25, 0.75, 0.6, 0.4]),
     IDATA4, TFIDF_OOV),
    (lambda: IntegerLookup(vocabulary=IVOCAB, invert=True), np.array([[1, 3, 4], [4, 0, 2]]),
     [[12, 1138, 42], [42, -1, 36]]),
])
def test_lookups_match_keras_documented_values(make, data, expected):
    out = make()(data)
    np.testing.assert_allclose(np.asarray(out, dtype=np.float64), np.asarray(expected, dtype=np.float64), atol=1e-6)


def test_lookup_adapt_order_invert_and_round_trip():
    layer = StringLookup()
    layer.adapt(SDATA)
    assert layer.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]  # by count, ties high to low
    assert layer(SDATA).tolist() == [[5, 3, 1], [1, 2, 4]]
    ilayer = IntegerLookup()
    ilayer.adapt(IDATA)
    assert ilayer.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    assert ilayer(IDATA).tolist() == [[5, 2, 1], [1, 3, 4]]
    inv = StringLookup(vocabulary=SVOCAB, invert=True)
    assert inv(StringLookup(vocabulary=SVOCAB)(SDATA)).tolist() == [["a", "c", "d"], ["d", "[UNK]", "b"]]
    masked = StringLookup(vocabulary=SVOCAB, mask_token="")
    assert masked.get_vocabulary() == ["", "[UNK]"] + SVOCAB and masked.vocabulary_size() == 6
    assert masked([["a", "", "q"]]).tolist() == [[2, 0, 1]]
    assert masked.get_vocabulary(include_special_tokens=False) == SVOCAB
    capped = StringLookup(max_tokens=3)
    capped.adapt(np.array(["x", "y", "y", "z", "z", "z"]))
    assert capped.get_vocabulary() == ["[UNK]", "z", "y"]
    tf_idf = StringLookup(output_mode="tf_idf")
    tf_idf.adapt([["a", "b"], ["a", "a"]])  # a: 2 documents of 2, b: 1
    np.testing.assert_allclose(tf_idf.idf_weights.numpy()[1:], np.log(1 + 2 / (1 + np.array([2.0, 1.0]))), rtol=1e-6)
    for layer in (layer, ilayer, masked, tf_idf, IntegerLookup(vocabulary=IVOCAB, mask_token=0, num_oov_indices=2)):
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_vocabulary() == layer.get_vocabulary()
        assert clone.get_config() == layer.get_config()


def test_lookup_config_keys_match_keras():
    keys = {"invert", "max_tokens", "num_oov_indices", "oov_token", "mask_token", "output_mode", "sparse",
            "pad_to_max_tokens", "vocabulary_dtype", "idf_weights", "vocabulary", "vocabulary_size", "oov_method",
            "salt", "name", "trainable", "dtype"}  # Keras 3.15's IndexLookup.get_config
    string_cfg = StringLookup(vocabulary=SVOCAB).get_config()
    assert keys - {"vocabulary_dtype"} <= set(string_cfg) and "encoding" in string_cfg
    assert "vocabulary_dtype" not in string_cfg  # Keras's StringLookup config leaves it out
    assert keys <= set(IntegerLookup().get_config())
    keras_cfg = {"name": "string_lookup", "trainable": True, "dtype": "string", "invert": False, "max_tokens": None,
                 "num_oov_indices": 1, "oov_token": "[UNK]", "mask_token": None, "output_mode": "int",
                 "sparse": False, "pad_to_max_tokens": False, "idf_weights": None,
                 "vocabulary": ["a", "b"], "vocabulary_size": 3, "oov_method": "floormod", "salt": None,
                 "encoding": "utf-8"}
    assert StringLookup.from_config(keras_cfg)(["b"]).tolist() == [2]


def test_lookup_errors_and_symbolic_use():
    with pytest.raises(ValueError, match="num_oov_indices=0"):
        StringLookup(vocabulary=SVOCAB, num_oov_indices=0)(["q"])
    with pytest.raises(ValueError, match="num_oov_indices=0"):
        IntegerLookup(vocabulary=IVOCAB, num_oov_indices=0)(np.array([5]))
    with pytest.raises(ValueError, match="repeats"):
        StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="invert"):
        StringLookup(invert=True, output_mode="count")
    with pytest.raises(RuntimeError, match="vocabulary"):
        StringLookup(output_mode="multi_hot")(["a"])
    inp = Input((3,), dtype="string")
    ids = StringLookup(vocabulary=SVOCAB)(inp)
    assert ids.shape == (None, 3) and ids.dtype == "int64"
    hot = StringLookup(vocabulary=SVOCAB, output_mode="multi_hot")(inp)
    assert hot.shape == (None, 5) and hot.dtype == "float32"
    model = Model(inp, Dense(1)(Flatten()(Embedding(5, 2)(ids))))
    model.compile("adam", "mse")
    model.fit(np.array(SDATA * 4), np.zeros((8, 1)), epochs=1, batch_size=3, verbose=0)
    assert model.predict(np.array(SDATA), verbose=0).shape == (2, 1)


# ---------------------------------------------------------------- TextVectorization (Keras's docstring and tests)
from kfunc_torch.layers import TextVectorization  # noqa: E402

CORPUS = ["foo bar", "bar baz", "baz bada boom"]


def test_text_vectorization_documented_examples():
    layer = TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4)
    layer.adapt(CORPUS)
    assert layer([["foo qux bar"], ["qux baz"]]).tolist() == [[4, 1, 3, 0], [1, 2, 0, 0]]
    assert "foo" in layer.get_vocabulary()
    given = TextVectorization(max_tokens=5000, output_sequence_length=4, vocabulary=["earth", "wind", "and", "fire"])
    assert given.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]
    gen = TextVectorization()
    gen.adapt(x for x in [["hello world"], ["foo bar"]])  # a generator of batches
    assert {"hello", "foo"} <= set(gen.get_vocabulary())
    inf = TextVectorization()
    inf.adapt((np.array(["hello"]) for _ in iter(int, 1)), steps=3)
    assert "hello" in inf.get_vocabulary()


def test_standardize_split_ngrams_and_lengths():
    layer = TextVectorization(vocabulary=["hello", "world", "it's"])
    # ASCII lower-casing and Keras's punctuation set (the apostrophe included): "It's" -> "its"
    assert layer(["Hello, WORLD!  it's"]).tolist() == [[2, 3, 1]]
    assert TextVectorization(standardize=None, vocabulary=["Hi"])(["Hi hi"]).tolist() == [[2, 1]]
    chars = TextVectorization(split="character", standardize="lower", vocabulary=["a", "b"])
    assert chars(["Ab c"]).tolist() == [[2, 3, 1, 1]]
    grams = TextVectorization(ngrams=2, output_mode="count")
    grams.adapt(["a b c"])
    vocab = grams.get_vocabulary()
    assert set(vocab) == {"[UNK]", "a", "b", "c", "a b", "b c"}
    counts = grams(["a b a b"]).numpy()[0]  # 1-grams a, b, a, b; 2-grams a b, b a (OOV), a b
    assert counts[vocab.index("a")] == 2 and counts[vocab.index("a b")] == 2 and counts[0] == 1
    short = TextVectorization(output_sequence_length=2, vocabulary=["x"])
    assert short(np.array(["x x x", ""])).tolist() == [[2, 2], [0, 0]]
    ragged_free = TextVectorization(vocabulary=["x"])
    assert ragged_free(np.array(["x", "x q x"])).tolist() == [[2, 0, 0], [2, 1, 2]]  # padded to the longest
    custom = TextVectorization(standardize=lambda a: np.char.replace(a.astype(str), "<br />", " "), vocabulary=["a"])
    assert custom(["a<br />a"]).tolist() == [[2, 2]]


def test_multi_hot_count_and_tf_idf():
    multi = TextVectorization(output_mode="multi_hot")
    multi.adapt(CORPUS)
    v = multi.get_vocabulary()
    assert v[0] == "[UNK]" and "" not in v  # no padding entry outside int mode
    out = multi(["baz baz zzz"]).numpy()[0]
    assert out[v.index("baz")] == 1 and out[0] == 1 and out.sum() == 2
    tfidf = TextVectorization(output_mode="tf_idf")
    tfidf.adapt(CORPUS)
    v = tfidf.get_vocabulary()
    out = tfidf(["baz baz"]).numpy()[0]
    # idf = log(1 + documents / (1 + documents containing the token)); baz is in 2 of 3
    assert out[v.index("baz")] == pytest.approx(2 * np.log(1 + 3 / 3), rel=1e-6)
    assert tfidf(Input((1,), dtype="string")).shape == (None, len(v))


def test_text_model_fits_predicts_and_saves(tmp_path):
    vectorize = TextVectorization(max_tokens=20, output_sequence_length=5)
    vectorize.adapt(CORPUS)
    inp = Input((1,), dtype="string")
    x = vectorize(inp)
    assert x.shape == (None, 5) and x.dtype == "int64"
    out = Dense(1, activation="sigmoid")(Flatten()(Embedding(20, 4)(x)))
    model = Model(inp, out)
    model.compile("adam", "binary_crossentropy")
    texts = np.array([["foo bar"], ["bar baz"], ["baz bada boom"], ["foo"]])
    hist = model.fit(texts, np.array([1.0, 0.0, 0.0, 1.0]), epochs=2, batch_size=2, verbose=0)
    assert len(hist.history["loss"]) == 2
    pred = model.predict(texts, verbose=0)
    assert pred.shape == (4, 1)
    np.testing.assert_allclose(model.predict(["foo bar", "bar baz", "baz bada boom", "foo"], verbose=0), pred)
    path = os.path.join(tmp_path, "text.keras")
    model.save(path)
    loaded = kfunc_torch.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(texts, verbose=0), pred, atol=1e-6)
    assert loaded.layers[1].get_vocabulary() == vectorize.get_vocabulary()


def test_text_vectorization_config_and_errors():
    layer = TextVectorization(max_tokens=10, ngrams=(1, 3), output_sequence_length=7, vocabulary=["a", "b"])
    cfg = layer.get_config()
    for key in ("max_tokens", "standardize", "split", "ngrams", "output_mode", "output_sequence_length",
                "pad_to_max_tokens", "sparse", "ragged", "vocabulary", "idf_weights", "encoding", "vocabulary_size"):
        assert key in cfg, key  # Keras 3.15's TextVectorization.get_config keys
    clone = TextVectorization.from_config({**cfg, "ngrams": [1, 3]})  # JSON turns the tuple into a list
    assert clone(["a b"]).tolist() == layer(["a b"]).tolist()
    with pytest.raises(ValueError, match="output_sequence_length"):
        TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="standardize"):
        TextVectorization(standardize="upper")
    with pytest.raises(ValueError, match="ragged"):
        TextVectorization(ragged=True)
    with pytest.raises(ValueError, match="shape"):
        TextVectorization(vocabulary=["a"])(np.array([["a", "b"]]))


def test_adapt_and_end_to_end_model_on_text_dataset_from_directory(tmp_path):
    """The keras.io text-classification flow: adapt on ds.map(lambda x, y: x), then a string-input model
    evaluates and predicts on the raw (texts, labels) dataset."""
    for label, texts in (("neg", ["a bad film", "bad, bad!"]), ("pos", ["a good film", "so good"])):
        os.makedirs(tmp_path / label)
        for i, t in enumerate(texts):
            (tmp_path / label / f"{i}.txt").write_text(t)
    raw = kfunc_torch.utils.text_dataset_from_directory(str(tmp_path), batch_size=2, seed=1)
    vectorize = TextVectorization(max_tokens=50, output_sequence_length=4)
    vectorize.adapt(raw.map(lambda x, y: x))
    assert {"bad", "good", "film", "a", "so"} <= set(vectorize.get_vocabulary())
    inp = Input((1,), dtype="string")
    out = Dense(1, activation="sigmoid")(Flatten()(Embedding(50, 3)(vectorize(inp))))
    model = Model(inp, out)
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    model.fit(raw, epochs=1, verbose=0)
    loss, acc = model.evaluate(raw, verbose=0)
    assert np.isfinite(loss) and 0 <= acc <= 1
    assert model.predict(raw, verbose=0).shape == (4, 1)
