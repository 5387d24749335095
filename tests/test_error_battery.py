"""The error battery: realistic mistakes get what happened, what was expected, what was received and the fix,
at the earliest point (before a step runs), and valid Keras input one axis off the Input's shape is accepted
exactly where Keras accepts it."""
import base64
import marshal

import numpy as np
import pytest
import torch

from kfunc_torch import Input, Model, initializers, layers
from kfunc_torch.engine.lambda_code import UnsafeLoadError
from kfunc_torch.engine.layer_config import clean_layer_config
from tests.keras_oracle import requires_keras, run_keras


def _binary_model(width=1):
    i = Input((4,))
    m = Model(i, layers.Dense(width, activation="sigmoid")(i))
    m.compile("sgd", "binary_crossentropy")
    return m


def test_one_target_array_for_two_outputs_names_both_counts():
    i = Input((4,))
    m = Model(i, [layers.Dense(1, name="a")(i), layers.Dense(1, name="b")(i)])
    m.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"has 2 outputs \['a', 'b'\], but 1 array was passed") as e:
        m.fit(np.zeros((8, 4)), np.zeros((8, 1)), verbose=0)
    assert "a list in this order, or a dict by name" in str(e.value)


@pytest.mark.parametrize("bad_id, fix", [(10, "at least the largest id + 1 (11)"), (-1, "ids must be >= 0")])
def test_embedding_id_out_of_range_names_layer_size_and_id(bad_id, fix):
    i = Input((3,))
    m = Model(i, layers.Embedding(10, 2, name="words")(i))
    with pytest.raises(ValueError) as e:
        m.predict(np.array([[1, 2, bad_id]]), verbose=0)
    msg = str(e.value)
    assert "'words'" in msg and "input_dim=10" in msg and f"received id {bad_id}" in msg and fix in msg


def test_embedding_in_range_ids_are_untouched():
    emb = layers.Embedding(10, 2)
    out = emb(torch.tensor([[0, 9]]))
    assert torch.equal(out[0, 1], emb.embeddings[9])


def test_direct_call_on_wrong_shape_names_model_input_and_shapes():
    i = Input((4,), name="features")
    m = Model(i, layers.Dense(2)(i))
    with pytest.raises(ValueError, match=r"called on data of shape \(2, 5\) for input 'features', which "
                                         r"expects shape \(None, 4\)"):
        m(torch.zeros(2, 5))


def test_data_on_meta_device_is_refused_with_the_devices():
    i = Input((4,))
    m = Model(i, layers.Dense(1)(i))
    with pytest.raises(ValueError, match="is on cpu, but input .* is a tensor on meta"):
        m(torch.zeros(2, 4, device="meta"))
    m.compile("sgd", "mse")
    with pytest.raises(ValueError, match="'meta' device"):
        m.fit(torch.zeros(8, 4, device="meta"), np.zeros((8, 1)), verbose=0)


@pytest.mark.parametrize("call", ["fit", "evaluate", "predict"])
def test_empty_data_is_refused(call):
    m = _binary_model()
    args = (np.zeros((0, 4)),) if call == "predict" else (np.zeros((0, 4)), np.zeros((0, 1)))
    with pytest.raises(ValueError, match="0 samples"):
        getattr(m, call)(*args, verbose=0)


@pytest.mark.parametrize("call", ["fit", "evaluate", "predict"])
@pytest.mark.parametrize("batch_size", [0, -3, 2.5, "32", True])
def test_bad_batch_size_is_refused(batch_size, call):
    args = (np.zeros((8, 4)),) if call == "predict" else (np.zeros((8, 4)), np.zeros((8, 1)))
    with pytest.raises(ValueError, match=f"batch_size must be a positive integer .* received batch_size={batch_size!r}"):
        getattr(_binary_model(), call)(*args, batch_size=batch_size, verbose=0)


def test_binary_targets_of_the_wrong_width_say_which_output_and_both_shapes():
    with pytest.raises(ValueError, match=r"shape \(8, 3\), but the output has shape \(None, 1\); binary_crossentropy"):
        _binary_model().fit(np.zeros((8, 4)), np.zeros((8, 3)), verbose=0)


def test_categorical_targets_of_the_wrong_width_suggest_to_categorical():
    i = Input((4,))
    m = Model(i, layers.Dense(5, activation="softmax")(i))
    m.compile("sgd", "categorical_crossentropy")
    with pytest.raises(ValueError, match=r"to_categorical\(y, 5\)"):
        m.fit(np.zeros((8, 4)), np.zeros((8, 3)), verbose=0)


@pytest.mark.parametrize("labels", [np.array(["cat", "dog"] * 4), np.array(["cat", "dog"] * 4, dtype=object),
                                    ["cat", "dog"] * 4])
def test_string_labels_ask_for_class_ids(labels):
    with pytest.raises(TypeError, match=r"are strings \(e.g. \['cat', 'dog', 'cat'\]\).*np.unique"):
        _binary_model().fit(np.zeros((8, 4)), labels, verbose=0)


def test_a_layer_class_is_not_an_initializer_but_an_initializer_class_is():
    with pytest.raises(TypeError, match="'Dense': it is a class that is not an Initializer"):
        layers.Dense(2, kernel_initializer=layers.Dense)
    assert isinstance(initializers.get(initializers.HeNormal), initializers.HeNormal)
    with pytest.raises(TypeError, match="it is a layer \\(a Dense instance\\), not an Initializer.*'he_normal'"):
        layers.Dense(2, kernel_initializer=layers.Dense(3))
    fn = lambda shape, dtype=None: torch.ones(shape)  # noqa: E731 -- a plain callable stays accepted
    assert float(layers.Dense(2, kernel_initializer=fn)(torch.ones(1, 3)).sum().detach()) == 6.0


@pytest.mark.parametrize("labels, match", [
    (np.arange(8) % 5 + 1, r"class id 5 \(ids from 1 to 5\), but the output has 5 classes \(ids 0\.\.4\).*y - 1"),
    (np.arange(8) % 5 - 1, r"class id -1 \(ids from -1 to 3\).*re-index the labels from 0")])
def test_sparse_labels_out_of_range_are_refused_before_a_step(labels, match):
    i = Input((4,))
    m = Model(i, layers.Dense(5, activation="softmax", name="probs")(i))
    m.compile("sgd", "sparse_categorical_crossentropy")
    before = m.get_weights()
    with pytest.raises(ValueError, match=match):
        m.fit(np.zeros((8, 4)), labels, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, m.get_weights()))  # refused before any step
    from kfunc_torch import losses
    m.compile("sgd", losses.SparseCategoricalCrossentropy(ignore_class=-1))  # -1 is padding there: accepted
    m.fit(np.zeros((8, 4)), np.arange(8) % 5 - 1, verbose=0)


def test_unpadded_sequences_ask_for_pad_sequences():
    i = Input((4,))
    m = Model(i, layers.Dense(1)(i))
    m.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"list of 2 sequences of different lengths \(\[4, 2\]\).*pad_sequences"):
        m.fit([[1, 2, 3, 4], [1, 2]], np.zeros((2, 1)), verbose=0)


def _keras2_lambda_config():
    fn = lambda x: x * 2.0  # noqa: E731 -- Keras 2 stores the lambda's bytecode, base64 with newlines
    code = base64.encodebytes(marshal.dumps(fn.__code__)).decode("ascii")
    return {"name": "double", "function": [code, None, None], "function_type": "lambda", "module": "__main__",
            "output_shape": None, "output_shape_type": "raw", "arguments": {}}


def test_keras2_hdf5_lambda_is_refused_in_safe_mode_and_loaded_on_request():
    with pytest.raises(UnsafeLoadError, match="bytecode"):
        clean_layer_config(layers.Lambda, _keras2_lambda_config())
    cfg = clean_layer_config(layers.Lambda, _keras2_lambda_config(), safe_mode=False)
    assert float(layers.Lambda(**cfg)(torch.tensor(3.0))) == 6.0


def test_keras2_hdf5_lambda_model_file_loads_on_request(tmp_path):
    """The whole file, as Keras 2 wrote it (tests/error_cases.py builds it): refused, then loaded and run."""
    import h5py
    from kfunc_torch.models import load_model
    from tests.error_cases import _KERAS2_LAMBDA
    ns = {"h5py": h5py, "tmp": str(tmp_path)}
    exec(_KERAS2_LAMBDA, ns)
    with pytest.raises(UnsafeLoadError, match="safe_mode=False"):
        load_model(ns["path"])
    m = load_model(ns["path"], safe_mode=False)
    np.testing.assert_array_equal(m.predict(np.full((2, 4), 1.5), verbose=0), np.full((2, 4), 3.0))


@requires_keras
def test_one_axis_off_inputs_accepted_exactly_where_keras_accepts_them():
    """x of shape (N,) for Input((1,)) and (N, 8, 1) for Input((8,)): both Kerases adjust the size-1 axis."""
    rng = np.random.default_rng(0)
    cases = {"short": ((1,), rng.normal(size=(6,)).astype("float32")),
             "long": ((8,), rng.normal(size=(6, 8, 1)).astype("float32")),
             "image": ((5, 5, 1), rng.normal(size=(6, 5, 5)).astype("float32")),
             "two_off": ((8,), rng.normal(size=(6, 8, 1, 1)).astype("float32"))}
    ours, kernels = {}, {}
    for name, (shape, x) in cases.items():
        i = Input(shape)
        m = Model(i, layers.Dense(2)(layers.Flatten()(i)))
        kernels[name] = m.get_weights()
        for how, run in (("predict", lambda: m.predict(x, verbose=0)), ("call", lambda: m(x).detach().numpy()),
                         ("call_torch", lambda: m(torch.from_numpy(x)).detach().numpy())):
            try:
                ours[name + how] = run()
            except ValueError:
                ours[name + how] = None
    res = run_keras('''
        import keras, torch
        for name, shape in [("short", (1,)), ("long", (8,)), ("image", (5, 5, 1)), ("two_off", (8,))]:
            i = keras.Input(shape)
            m = keras.Model(i, keras.layers.Dense(2)(keras.layers.Flatten()(i)))
            m.set_weights([inputs[name + "_k"], inputs[name + "_b"]])
            for how, run in (("predict", lambda: m.predict(inputs[name], verbose=0)),
                             ("call", lambda: m(inputs[name])), ("call_torch", lambda: m(torch.from_numpy(inputs[name])))):
                try:
                    result[name + how] = run()
                except Exception:
                    result[name + how] = None
    ''', arrays={**{n: x for n, (_, x) in cases.items()}, **{n + "_k": w[0] for n, w in kernels.items()},
                 **{n + "_b": w[1] for n, w in kernels.items()}})
    assert set(ours) == set(res)
    for name in ours:
        assert (ours[name] is None) == (res[name] is None), name
        if res[name] is not None:
            np.testing.assert_allclose(ours[name], res[name], atol=1e-5)
    assert all(ours[n + how] is not None for n in ("short", "long") for how in ("predict", "call", "call_torch"))
