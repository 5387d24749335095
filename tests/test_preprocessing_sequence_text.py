"""keras.preprocessing.sequence / .text against Keras 3's own copies of them
(keras.src.legacy.preprocessing), run in the oracle subprocess on the same inputs."""
import json
import random
import subprocess
import sys

import numpy as np
import pytest

from kfunc_torch.preprocessing import sequence, text
from kfunc_torch.preprocessing.sequence import TimeseriesGenerator, make_sampling_table, pad_sequences, skipgrams
from kfunc_torch.preprocessing.text import Tokenizer, hashing_trick, text_to_word_sequence, tokenizer_from_json
from keras_oracle import requires_keras, run_keras

TEXTS = ["The cat sat on the mat.", "The dog ate my homework!", "A cat, a dog; and THE bird?",
         "tab\tseparated\nlines here", "the the the end"]
QUERIES = ["the cat and the fish", "unknown words only", "", "dog dog bird"]


def _ours():
    out = {}
    for cfg in ({}, {"num_words": 5}, {"num_words": 6, "oov_token": "<oov>"}, {"oov_token": "<oov>"},
                {"char_level": True, "num_words": 8}, {"lower": False, "filters": "."}):
        tok = Tokenizer(**cfg)
        tok.fit_on_texts(TEXTS)
        key = json.dumps(cfg, sort_keys=True)
        seqs = tok.texts_to_sequences(QUERIES)
        out[key] = {"word_index": tok.word_index, "word_counts": dict(tok.word_counts), "seqs": seqs,
                    "texts": tok.sequences_to_texts(seqs + [[1, 2, 99]]),
                    "mats": {m: tok.texts_to_matrix(QUERIES, mode=m) for m in ("binary", "count", "freq", "tfidf")}}
    return out


ORACLE_TOKENIZER = """
import json
from keras.src.legacy.preprocessing.text import Tokenizer, text_to_word_sequence, hashing_trick
from keras.src.legacy.preprocessing.sequence import TimeseriesGenerator, make_sampling_table, skipgrams
from keras.src.utils import pad_sequences
T, Q = inputs["texts"], inputs["queries"]
out = {}
for cfg in inputs["cfgs"]:
    tok = Tokenizer(**cfg)
    tok.fit_on_texts(T)
    seqs = tok.texts_to_sequences(Q)
    out[json.dumps(cfg, sort_keys=True)] = {"word_index": tok.word_index, "word_counts": dict(tok.word_counts),
        "seqs": seqs, "texts": tok.sequences_to_texts(seqs + [[1, 2, 99]]),
        "mats": {m: tok.texts_to_matrix(Q, mode=m) for m in ("binary", "count", "freq", "tfidf")}}
result["tok"] = out
result["words"] = [text_to_word_sequence(t) for t in T]
result["md5"] = [hashing_trick(t, 17, hash_function="md5") for t in T]
data, targets = inputs["series"], inputs["targets"]
ts = {}
for i, kw in enumerate(inputs["ts_cfgs"]):
    g = TimeseriesGenerator(data, targets, **kw)
    ts[i] = {"len": len(g), "batches": [g[j] for j in range(len(g))]}
result["ts"] = ts
result["table"] = make_sampling_table(20, sampling_factor=0.01)
import random
sk = {}
for i, kw in enumerate(inputs["sk_cfgs"]):
    random.seed(7)
    sk[i] = skipgrams(inputs["seq"], **kw)
result["sk"] = sk
result["pad"] = [pad_sequences(inputs["ragged"], **kw) for kw in inputs["pad_cfgs"]]
"""
TS_CFGS = [dict(length=3, batch_size=2), dict(length=4, sampling_rate=2, stride=3, batch_size=3),
           dict(length=2, start_index=2, end_index=15, reverse=True, batch_size=4), dict(length=5, batch_size=100)]
SK_CFGS = [dict(vocabulary_size=10, window_size=2, shuffle=False), dict(vocabulary_size=10, window_size=1),
           dict(vocabulary_size=10, window_size=2, negative_samples=0.5, categorical=True, seed=3),
           dict(vocabulary_size=10, window_size=3, sampling_table=make_sampling_table(10, 0.05), shuffle=False)]
PAD_CFGS = [{}, dict(maxlen=3), dict(maxlen=3, padding="post", truncating="post"), dict(maxlen=4, value=-1)]
RAGGED = [[1, 2, 3, 4, 5], [6], [], [7, 8]]


@requires_keras
def test_against_keras3():
    cfgs = [{}, {"num_words": 5}, {"num_words": 6, "oov_token": "<oov>"}, {"oov_token": "<oov>"},
            {"char_level": True, "num_words": 8}, {"lower": False, "filters": "."}]
    series = np.arange(40, dtype="float32").reshape(20, 2)
    targets = np.arange(20) * 10
    seq = [1, 2, 0, 3, 4, 5, 1, 6]
    ref = run_keras(ORACLE_TOKENIZER, {"texts": TEXTS, "queries": QUERIES, "cfgs": cfgs, "series": series,
                                       "targets": targets, "ts_cfgs": TS_CFGS, "sk_cfgs": SK_CFGS, "seq": seq,
                                       "ragged": RAGGED, "pad_cfgs": PAD_CFGS})
    ours = _ours()
    assert set(ours) == set(ref["tok"])
    for key, r in ref["tok"].items():
        o = ours[key]
        assert o["word_index"] == r["word_index"], key
        assert list(o["word_index"]) == list(r["word_index"]), key  # the same order, too
        assert o["word_counts"] == r["word_counts"] and o["seqs"] == r["seqs"] and o["texts"] == r["texts"], key
        for m, mat in r["mats"].items():
            np.testing.assert_allclose(o["mats"][m], mat, rtol=1e-12, err_msg=f"{key} {m}")
    assert [text_to_word_sequence(t) for t in TEXTS] == ref["words"]
    assert [hashing_trick(t, 17, hash_function="md5") for t in TEXTS] == ref["md5"]
    for i, kw in enumerate(TS_CFGS):
        g = TimeseriesGenerator(series, targets, **kw)
        assert len(g) == ref["ts"][i]["len"], kw
        for j, (rx, ry) in enumerate(ref["ts"][i]["batches"]):
            x, y = g[j]
            np.testing.assert_array_equal(x, rx)
            np.testing.assert_array_equal(y, ry)
    np.testing.assert_allclose(make_sampling_table(20, sampling_factor=0.01), ref["table"], rtol=1e-12)
    for i, kw in enumerate(SK_CFGS):
        random.seed(7)
        couples, labels = skipgrams(seq, **kw)
        assert [couples, labels] == [list(v) for v in ref["sk"][i]], kw
    for kw, r in zip(PAD_CFGS, ref["pad"]):
        p = pad_sequences(RAGGED, **kw)
        assert p.dtype == r.dtype
        np.testing.assert_array_equal(p, r)


def test_tokenizer_json_round_trip_and_matrix_width():
    tok = Tokenizer(num_words=7, oov_token="?")
    tok.fit_on_texts(TEXTS)
    again = tokenizer_from_json(tok.to_json())
    assert again.word_index == tok.word_index and again.index_word == tok.index_word
    assert again.texts_to_sequences(QUERIES) == tok.texts_to_sequences(QUERIES)
    np.testing.assert_array_equal(again.texts_to_matrix(QUERIES, "tfidf"), tok.texts_to_matrix(QUERIES, "tfidf"))
    assert tok.texts_to_matrix(QUERIES).shape == (4, 7)
    with pytest.raises(ValueError, match="fit_on_texts"):
        Tokenizer().texts_to_matrix(["a"])
    with pytest.raises(ValueError, match="unknown vectorization mode 'bogus'"):
        tok.texts_to_matrix(["a"], mode="bogus")


def test_one_hot_is_stable_within_a_process_and_in_range():
    ids = text.one_hot("a b a c", 5)
    assert ids[0] == ids[2] and all(1 <= i <= 4 for i in ids)


def test_timeseries_generator_trains_a_model():
    import kfunc_torch as K
    x = np.random.rand(50, 3).astype("float32")
    gen = TimeseriesGenerator(x, x[:, 0], length=5, batch_size=8)
    m = K.Sequential([K.Input((5, 3)), K.layers.LSTM(4), K.layers.Dense(1)])
    m.compile("adam", "mse")
    hist = m.fit(gen, epochs=2, verbose=0)
    assert len(hist.history["loss"]) == 2
    with pytest.raises(ValueError, match="start_index \\+ length"):
        TimeseriesGenerator(x, x, length=60)


def test_keras_preprocessing_paths_resolve_to_the_package():
    code = """
import kfunc_torch, sys
kfunc_torch.alias_keras()
from keras.preprocessing import sequence, text
from keras.preprocessing.sequence import pad_sequences, TimeseriesGenerator
from keras.preprocessing.text import Tokenizer
from tensorflow.keras.preprocessing.text import Tokenizer as TfTok
import keras
print(sequence is kfunc_torch.preprocessing.sequence, Tokenizer is TfTok is kfunc_torch.preprocessing.text.Tokenizer,
      keras.preprocessing.sequence.pad_sequences is kfunc_torch.utils.pad_sequences)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["True", "True", "True"], out.stderr[-2000:]
