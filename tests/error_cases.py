"""The error battery's cases as plain Keras code, run unchanged on kfunc_torch and on real Keras 3.

Each case is a snippet that makes one realistic mistake through the public API only (``keras``, ``np``,
``h5py`` and ``tmp``, a fresh folder, are in scope), and the facts a clear message states about it, as
regular expressions (case-insensitive):

* ``what``: names what went wrong where: the layer, model, argument or loss concerned.
* ``expected``: states what would have been valid (the size, shape, range or kind).
* ``received``: quotes what was actually passed (the bad value or shape).
* ``fix``: a remedy of this case (besides the generic remedy words in ``test_error_scores.FIX_WORDS``).

Example::

    >>> sorted(CASES["batch_size_zero"])
    ['code', 'expected', 'received', 'what']
"""
from __future__ import annotations

_TWO_OUT = """
i = keras.Input((4,))
m = keras.Model(i, [keras.layers.Dense(1, name="a")(i), keras.layers.Dense(1, name="b")(i)])
m.compile("sgd", "mse")
"""
_BINARY = """
i = keras.Input((4,))
m = keras.Model(i, keras.layers.Dense(1, activation="sigmoid", name="out")(i))
m.compile("sgd", "binary_crossentropy")
"""
_EMB = """
i = keras.Input((3,), dtype="int32")
m = keras.Model(i, keras.layers.Embedding(10, 2, name="words")(i))
"""
_DENSE4 = """
i = keras.Input((4,), name="features")
m = keras.Model(i, keras.layers.Dense(2, name="out")(i))
m.compile("sgd", "mse")
"""
# A Keras 2 (TF 2.x) HDF5 model file whose Lambda holds marshalled bytecode, as Keras 2 wrote it.
_KERAS2_LAMBDA = """
import base64, json, marshal
fn = lambda x: x * 2.0
code = base64.encodebytes(marshal.dumps(fn.__code__)).decode("ascii")
cfg = {"class_name": "Functional", "config": {"name": "m", "layers": [
    {"class_name": "InputLayer", "name": "input_1", "inbound_nodes": [],
     "config": {"batch_input_shape": [None, 4], "dtype": "float32", "sparse": False, "name": "input_1"}},
    {"class_name": "Lambda", "name": "double", "inbound_nodes": [[["input_1", 0, 0, {}]]],
     "config": {"name": "double", "trainable": True, "dtype": "float32", "function": [code, None, None],
                "function_type": "lambda", "module": "__main__", "output_shape": None,
                "output_shape_type": "raw", "output_shape_module": None, "arguments": {}}}],
    "input_layers": [["input_1", 0, 0]], "output_layers": [["double", 0, 0]]}}
path = tmp + "/keras2_lambda.h5"
with h5py.File(path, "w") as f:
    f.attrs["model_config"] = json.dumps(cfg)
    f.attrs["keras_version"] = "2.4.0"
    f.attrs["backend"] = "tensorflow"
    g = f.create_group("model_weights")
    g.attrs["layer_names"] = [b"input_1", b"double"]
    g.attrs["backend"] = b"tensorflow"
    g.attrs["keras_version"] = b"2.4.0"
    for n in ("input_1", "double"):
        g.create_group(n).attrs["weight_names"] = []
"""

CASES = {
    # ---------------------------------------------------------------- issue 15's list
    "one_y_for_two_outputs": {
        "code": _TWO_OUT + "m.fit(np.zeros((8, 4)), np.zeros((8, 1)), verbose=0)",
        "what": [r"\boutputs?\b"], "expected": [r"\b2 outputs\b", r"\btwo\b"],
        "received": [r"\b1 array\b", r"\bone array\b", r"\(8, 1\)"], "fix": [r"\bdict\b", r"\blist\b"]},
    "embedding_id_equal_to_size": {
        "code": _EMB + "m.predict(np.array([[1, 2, 10]]), verbose=0)",
        "what": [r"[\"'`]words[\"'`]", r"\bembedding\b"], "expected": [r"input_dim\s*=\s*10\b", r"0\s*\.\.\s*9\b"],
        "received": [r"\bid 10\b", r"\bindex 10\b", r"\b10 is out\b"], "fix": [r"input_dim"]},
    "embedding_id_negative": {
        "code": _EMB + "m.predict(np.array([[1, -1, 2]]), verbose=0)",
        "what": [r"[\"'`]words[\"'`]", r"\bembedding\b"], "expected": [r">= ?0", r"0\s*\.\.\s*9\b", r"non-negative"],
        "received": [r"(?<![\w.])-1\b"], "fix": [r"re-?index"]},
    "direct_call_wrong_shape": {
        "code": _DENSE4 + "m(np.zeros((2, 5), dtype='float32'))",
        "what": [r"[\"'`]features[\"'`]", r"\binput\b"], "expected": [r"\(None, 4\)"], "received": [r"\(2, 5\)"],
        "fix": [r"\breshape\b"]},
    "fit_on_empty_arrays": {
        "code": _BINARY + "h = m.fit(np.zeros((0, 4)), np.zeros((0, 1)), verbose=0)",
        "what": [r"\bdata\b", r"\bdataset\b", r"\bsamples\b"],
        "expected": [r"at least one", r"\bnon-?empty\b", r"positive integer"],
        "received": [r"\b0 samples\b", r"\bempty\b", r"\blength 0\b", r"=\s*0\b"]},
    "batch_size_zero": {
        "code": _BINARY + "m.fit(np.zeros((8, 4)), np.zeros((8, 1)), batch_size=0, verbose=0)",
        "what": [r"batch_size"], "expected": [r"positive integer", r"\b>= ?1\b"],
        "received": [r"batch_size=0\b", r"\breceived:? 0\b"]},
    "binary_targets_wrong_width": {
        "code": _BINARY + "m.fit(np.zeros((8, 4)), np.zeros((8, 3)), verbose=0)",
        "what": [r"binary_crossentropy", r"[\"'`]out[\"'`]", r"\btarget\b"],
        "expected": [r"\(None, 1\)", r"\(8, 1\)", r"\[8, 1\]"], "received": [r"\(8, 3\)", r"\[8, 3\]"], "fix": [r"softmax", r"targets? of width"]},
    "string_labels": {
        "code": _BINARY + "m.fit(np.zeros((8, 4)), np.array(['cat', 'dog'] * 4), verbose=0)",
        "what": [r"\btargets?\b", r"\blabels?\b"], "expected": [r"\bnumbers?\b", r"\bnumeric\b", r"\bint"],
        "received": [r"\bstrings?\b", r"'cat'", r"<U3", r"\bstr\d*\b"], "fix": [r"np\.unique", r"StringLookup"]},
    "data_on_meta_device": {
        "code": _DENSE4 + "import torch\nm(torch.zeros(2, 4, device='meta'))",
        "what": [r"\binput\b", r"\bmodel\b"], "expected": [r"\bcpu\b"], "received": [r"\bmeta\b"],
        "fix": [r"\.to\("]},
    "keras2_h5_lambda": {
        "code": _KERAS2_LAMBDA + "keras.models.load_model(path)",
        "what": [r"\blambda\b"], "expected": [r"safe_mode"], "received": [r"bytecode", r"python `?lambda"],
        "fix": [r"safe_mode\s*=\s*False"]},
    "layer_class_as_initializer": {
        "code": "keras.layers.Dense(2, kernel_initializer=keras.layers.Dense)",
        "what": [r"\binitializer\b"], "expected": [r"initializer name", r"Initializer instance", r"'glorot_uniform'"],
        "received": [r"\bDense\b"]},
}

_TWO_IN = """
a, b = keras.Input((4,), name="left"), keras.Input((3,), name="right")
m = keras.Model([a, b], keras.layers.Dense(1)(keras.layers.Concatenate()([a, b])))
m.compile("sgd", "mse")
"""
_SOFTMAX5 = """
i = keras.Input((4,))
m = keras.Model(i, keras.layers.Dense(5, activation="softmax", name="probs")(i))
"""

# ---------------------------------------------------------------- common mistakes where Keras's wording counts
CASES.update({
    "fit_before_compile": {
        "code": _SOFTMAX5 + "m.fit(np.zeros((8, 4)), np.zeros((8, 5)), verbose=0)",
        "what": [r"\bfit\b", r"\btrain", r"\bmodel\b"], "expected": [r"compile"],
        "received": [r"not (been )?compiled", r"\bbefore\b", r"uncompiled"], "fix": [r"compile\("]},
    "x_y_lengths_differ": {
        "code": _BINARY + "m.fit(np.zeros((8, 4)), np.zeros((7, 1)), verbose=0)",
        "what": [r"\bx\b", r"\by\b", r"\bsamples\b", r"\bdata\b"], "expected": [r"\bsame number\b", r"\bsame length\b"],
        "received": [r"\b8\b[\s\S]{0,40}\b7\b"]},
    "fit_wrong_feature_count": {
        "code": _DENSE4 + "m.fit(np.zeros((8, 5)), np.zeros((8, 2)), verbose=0)",
        "what": [r"[\"'`]features[\"'`]", r"\binput\b"], "expected": [r"\(None, 4\)", r"\b4 features\b"],
        "received": [r"\((None|8), 5\)", r"\b5 features\b"]},
    "predict_wrong_rank": {
        "code": _DENSE4 + "m.predict(np.zeros((8, 2, 4)), verbose=0)",
        "what": [r"[\"'`]features[\"'`]", r"\binput\b"], "expected": [r"\(None, 4\)"], "received": [r"\((None|8), 2, 4\)"]},
    "two_inputs_one_x": {
        "code": _TWO_IN + "m.fit(np.zeros((8, 4)), np.zeros((8, 1)), verbose=0)",
        "what": [r"\binputs?\b"], "expected": [r"\b2 inputs\b", r"'left'.*'right'", r"\btwo\b"],
        "received": [r"\b1 array\b", r"\bone array\b", r"\(8, 4\)", r"\(None, 4\)"]},
    "dict_x_unknown_name": {
        "code": _TWO_IN + "m.fit({'left': np.zeros((8, 4)), 'rigth': np.zeros((8, 3))}, np.zeros((8, 1)), verbose=0)",
        "what": [r"\binputs?\b"], "expected": [r"'right'"], "received": [r"'rigth'"]},
    "unknown_loss_name": {
        "code": _DENSE4.replace('"mse"', '"mse2"') + "m.fit(np.zeros((8, 4)), np.zeros((8, 2)), verbose=0)",
        "what": [r"\bloss\b"], "expected": [r"'mse'", r"mean_squared_error", r"\bknown\b", r"\bone of\b"],
        "received": [r"mse2"]},
    "unknown_optimizer_name": {
        "code": _DENSE4.replace('"sgd"', '"adamm"') + "m.fit(np.zeros((8, 4)), np.zeros((8, 2)), verbose=0)",
        "what": [r"\boptimizer\b"], "expected": [r"'adam'", r"\bknown\b", r"\bone of\b"], "received": [r"adamm"]},
    "unknown_metric_name": {
        "code": _DENSE4.replace('"mse")', '"mse", metrics=["acc2"])') + "m.fit(np.zeros((8, 4)), np.zeros((8, 2)), verbose=0)",
        "what": [r"\bmetric\b"], "expected": [r"'accuracy'", r"\bknown\b", r"\bone of\b"], "received": [r"acc2"]},
    "unknown_activation_name": {
        "code": "keras.layers.Dense(2, activation='rellu')",
        "what": [r"\bactivation\b"], "expected": [r"'relu'", r"\bknown\b", r"\bone of\b"], "received": [r"rellu"]},
    "unknown_layer_keyword": {
        "code": "keras.layers.Dense(2, unit=3)",
        "what": [r"\bDense\b"], "expected": [r"\bunits\b", r"\baccepted\b", r"\bvalid\b"], "received": [r"\bunit\b"]},
    "dense_units_zero": {
        "code": "keras.layers.Dense(0)",
        "what": [r"\bunits\b"], "expected": [r"positive integer", r">= ?1"], "received": [r"units\s*=\s*0\b"]},
    "dropout_rate_above_one": {
        "code": "keras.layers.Dropout(1.5)",
        "what": [r"\brate\b"], "expected": [r"between 0 and 1", r"\[0, 1[\])]"], "received": [r"1\.5\b"]},
    "conv2d_on_flat_input": {
        "code": "keras.layers.Conv2D(4, 3, name='conv')(keras.Input((4,)))",
        "what": [r"[\"'`]conv[\"'`]", r"\bconv2d\b"], "expected": [r"ndim=4", r"\b4D\b", r"rank 4", r"\(batch, height"],
        "received": [r"ndim=2", r"\(None, 4\)", r"rank 2", r"\b2D\b"]},
    "lstm_on_flat_input": {
        "code": "keras.layers.LSTM(4, name='rnn')(keras.Input((10,)))",
        "what": [r"[\"'`]rnn[\"'`]", r"\blstm\b"], "expected": [r"ndim=3", r"\b3D\b", r"rank 3", r"\(batch, time"],
        "received": [r"ndim=2", r"\(None, 10\)", r"rank 2", r"\b2D\b"]},
    "concatenate_mismatched": {
        "code": "keras.layers.Concatenate()([keras.Input((3, 4)), keras.Input((5, 6))])",
        "what": [r"\bconcatenat"], "expected": [r"\bmatching\b", r"\bsame\b", r"\bexcept\b"],
        "received": [r"\(None, 3, 4\)[^\n]*\(None, 5, 6\)"]},
    "add_mismatched": {
        "code": "keras.layers.Add()([keras.Input((3,)), keras.Input((4,))])",
        "what": [r"\badd\b"], "expected": [r"\bsame shape\b", r"\bcompatible\b", r"\bbroadcast"],
        "received": [r"\(None, 3\)[^\n]*\(None, 4\)", r"\(3,\)[^\n]*\(4,\)"]},
    "reshape_wrong_size": {
        "code": "keras.layers.Reshape((5,))(keras.Input((4,)))",
        "what": [r"\breshape\b", r"target_shape"], "expected": [r"\bunchanged\b", r"\bsame (total )?(size|number)\b", r"\bmust equal\b"],
        "received": [r"\(5,\)"]},
    "duplicate_layer_names": {
        "code": "i = keras.Input((4,))\nh = keras.layers.Dense(3, name='d')(i)\n"
                "keras.Model(i, keras.layers.Dense(2, name='d')(h))",
        "what": [r"\bnames?\b"], "expected": [r"\bunique\b"], "received": [r"[\"'`]d[\"'`]"], "fix": [r"\brename\b"]},
    "too_many_losses": {
        "code": _DENSE4.replace('"mse")', '["mse", "mse", "mse"])') + "m.fit(np.zeros((8, 4)), np.zeros((8, 2)), verbose=0)",
        "what": [r"\bloss"], "expected": [r"\b1 output\b", r"\bone output\b", r"\bone (entry|loss) per\b"],
        "received": [r"\b3 losses\b", r"\b3 (entries|items|elements)\b", r"length 3\b"]},
    "set_weights_wrong_shape": {
        "code": _DENSE4 + "m.set_weights([np.zeros((3, 2)), np.zeros(2)])",
        "what": [r"[\"'`]out[\"'`]", r"\bkernel\b", r"\bweights?\b"], "expected": [r"\(4, 2\)"], "received": [r"\(3, 2\)"]},
    "get_layer_unknown_name": {
        "code": _DENSE4 + "m.get_layer('outt')",
        "what": [r"\blayer\b"], "expected": [r"[\"'`]out[\"'`]"], "received": [r"outt"]},
    "load_missing_file": {
        "code": "keras.models.load_model(tmp + '/nope.keras')",
        "what": [r"\bfile\b", r"\bpath\b"], "expected": [r"\bexist", r"\baccessible\b"], "received": [r"nope\.keras"]},
    "load_text_file": {
        "code": "open(tmp + '/m.keras', 'w').write('hello')\nkeras.models.load_model(tmp + '/m.keras')",
        "what": [r"\bfile\b", r"\barchive\b"], "expected": [r"\bzip\b", r"\.keras\b"], "received": [r"m\.keras"]},
    "sparse_labels_for_categorical": {
        "code": _SOFTMAX5 + "m.compile('sgd', 'categorical_crossentropy')\n"
                "m.fit(np.zeros((8, 4)), np.arange(8) % 5, verbose=0)",
        "what": [r"categorical_crossentropy", r"[\"'`]probs[\"'`]", r"\btarget"], "expected": [r"\(None, 5\)", r"\[8, 5\]", r"\(8, 5\)"],
        "received": [r"\(8,\)", r"\[8\]", r"\(8, 1\)", r"\[8, 1\]"], "fix": [r"sparse_categorical_crossentropy", r"to_categorical"]},
})

_SPARSE5 = _SOFTMAX5 + 'm.compile("sgd", "sparse_categorical_crossentropy")\n'
CASES.update({
    "sparse_labels_counted_from_one": {
        "code": _SPARSE5 + "m.fit(np.zeros((8, 4)), np.arange(8) % 5 + 1, verbose=0)",
        "what": [r"[\"'`]probs[\"'`]", r"\btargets?\b", r"\blabels?\b"], "expected": [r"\b5 classes\b", r"0\s*\.\.\s*4\b"],
        "received": [r"\b(id|target) 5\b"], "fix": [r"y - 1"]},
    "sparse_labels_negative": {
        "code": _SPARSE5 + "m.fit(np.zeros((8, 4)), np.arange(8) % 5 - 1, verbose=0)",
        "what": [r"[\"'`]probs[\"'`]", r"\btargets?\b", r"\blabels?\b"], "expected": [r"\b5 classes\b", r"0\s*\.\.\s*4\b"],
        "received": [r"\b(id|target) -1\b"], "fix": [r"re-?index", r"ignore_class"]},
    "one_hot_labels_for_sparse_loss": {
        "code": _SPARSE5 + "m.fit(np.zeros((8, 4)), np.eye(5)[np.arange(8) % 5], verbose=0)",
        "what": [r"sparse_categorical_crossentropy", r"[\"'`]probs[\"'`]", r"\btarget"],
        "expected": [r"\(8,\)", r"one class id per sample"], "received": [r"\(8, 5\)", r"\[8, 5\]"],
        "fix": [r"'categorical_crossentropy'"]},
    "unpadded_sequences": {
        "code": _DENSE4 + "m.fit([[1, 2, 3, 4], [1, 2]], np.zeros((2, 2)), verbose=0)",
        "what": [r"\bdata\b", r"\bsequences\b", r"\bx\b"], "expected": [r"\bone length\b", r"\bsame length\b", r"shape \(samples"],
        "received": [r"\[4, 2\]", r"different lengths"], "fix": [r"pad_sequences"]},
})
