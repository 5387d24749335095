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
