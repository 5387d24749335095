"""The Keras 2 / Keras 3 surface that published programs call beyond layers and models:
``keras.config``, ``Sequential.predict_classes/predict_proba``, ``K.function``, ``K.gradients``,
``custom_object_scope``. Names and numerics are checked against real Keras 3 where it has them."""
import logging
import subprocess
import sys

import numpy as np
import pytest

import kfunc_torch
from kfunc_torch import backend as K, config, mixed_precision
from kfunc_torch.layers import Dense
from kfunc_torch.models import Sequential
from keras_oracle import requires_keras, run_keras


# ---------------------------------------------------------------- keras.config
@requires_keras
def test_config_names_match_keras3():
    res = run_keras("""
        import keras
        result["names"] = sorted(n for n in dir(keras.config) if not n.startswith("_"))
        result["defaults"] = [keras.config.floatx(), keras.config.epsilon(), keras.config.image_data_format(),
                              keras.config.is_interactive_logging_enabled(),
                              keras.config.is_traceback_filtering_enabled(),
                              keras.config.is_flash_attention_enabled(), keras.config.max_epochs(),
                              keras.config.dtype_policy().name]
    """)
    ours = sorted(n for n in config.__all__)
    assert ours == res["names"]
    assert [config.floatx(), config.epsilon(), config.image_data_format(), config.is_interactive_logging_enabled(),
            config.is_traceback_filtering_enabled(), config.is_flash_attention_enabled(), config.max_epochs(),
            config.dtype_policy().name] == res["defaults"]


def test_config_shares_state_with_backend_and_mixed_precision():
    config.set_floatx("float64")
    assert K.floatx() == "float64"
    K.set_epsilon(1e-5)
    assert config.epsilon() == 1e-5
    config.set_image_data_format("channels_first")
    assert K.image_data_format() == "channels_first"
    try:
        config.set_dtype_policy("mixed_bfloat16")
        assert mixed_precision.global_policy().compute_dtype == "bfloat16"
        assert config.dtype_policy().name == "mixed_bfloat16"
    finally:
        mixed_precision.set_global_policy("float32")
    with pytest.raises(ValueError, match="float16, bfloat16, float32 or float64"):
        config.set_floatx("int8")
    assert config.backend() == "torch"
    config.set_backend("torch")
    with pytest.raises(ValueError, match="PyTorch only"):
        config.set_backend("jax")


def test_config_reachable_under_the_alias():
    # A fresh process: the alias changes sys.modules (and real Keras is installed here).
    code = ("import kfunc_torch; keras = kfunc_torch.alias_keras()\n"
            "import keras.config as mod\nfrom keras import config as attr\n"
            "assert mod is attr is keras.config is kfunc_torch.config\n"
            "keras.config.set_image_data_format('channels_first')\n"
            "print(keras.backend.image_data_format())")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split() == ["channels_first"]


def test_unsafe_deserialization_is_the_saving_switch():
    from kfunc_torch.engine import layer_config as saving_config
    saved = dict(saving_config._SAFE)
    try:
        config.enable_unsafe_deserialization()
        assert saving_config._safe(None) is False
    finally:
        saving_config._SAFE.update(saved)


def _tiny_model():
    model = Sequential([Dense(2, input_shape=(3,))])
    model.compile("sgd", "mse")
    return model


def test_max_epochs_and_steps_cap_fit():
    x, y = np.zeros((64, 3), "float32"), np.zeros((64, 2), "float32")
    config.set_max_epochs(2)
    config.set_max_steps_per_epoch(3)
    seen = []

    class Count(kfunc_torch.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)

    hist = _tiny_model().fit(x, y, batch_size=8, epochs=10, verbose=0, callbacks=[Count()])
    assert len(hist.history["loss"]) == 2
    assert seen == [0, 1, 2, 0, 1, 2]


def test_disable_interactive_logging_sends_progress_to_logging(capsys, caplog):
    x, y = np.zeros((8, 3), "float32"), np.zeros((8, 2), "float32")
    model = _tiny_model()
    config.disable_interactive_logging()
    assert not config.is_interactive_logging_enabled()
    with caplog.at_level(logging.INFO, logger="keras"):
        model.fit(x, y, epochs=1, verbose=1)
        model.summary()
    assert capsys.readouterr().out == ""
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "Epoch 1/1" in text and "loss:" in text and "Total params: 8" in text
    config.enable_interactive_logging()
    model.fit(x, y, epochs=1, verbose=2)
    assert "Epoch 1/1" in capsys.readouterr().out


def test_traceback_and_flash_attention_flags():
    config.disable_traceback_filtering()
    assert not config.is_traceback_filtering_enabled()
    config.enable_traceback_filtering()
    assert config.is_traceback_filtering_enabled()
    config.enable_flash_attention()
    assert config.is_flash_attention_enabled() is True
    config.disable_flash_attention()
    assert config.is_flash_attention_enabled() is False
    assert config.is_nnx_enabled() is False


# ---------------------------------------------------------------- Sequential.predict_classes / predict_proba
def _with_weights(units, activation, rng):
    model = Sequential([Dense(units, activation=activation, input_shape=(4,))])
    kernel, bias = rng.normal(size=(4, units)).astype("float32"), rng.normal(size=(units,)).astype("float32")
    model.set_weights([kernel, bias])
    return model, kernel, bias


def test_predict_classes_multiclass_is_argmax_with_the_keras2_warning():
    rng = np.random.default_rng(1)
    model, kernel, bias = _with_weights(5, "softmax", rng)
    x = rng.normal(size=(40, 4)).astype("float32")
    with pytest.warns(UserWarning, match=r"`model.predict_classes\(\)` is deprecated and will be removed after "
                                          r"2021-01-01. Please use instead:\* `np.argmax\(model.predict\(x\), axis=-1\)`"):
        classes = model.predict_classes(x, batch_size=7)
    np.testing.assert_array_equal(classes, np.argmax(x @ kernel + bias, axis=-1))
    assert classes.shape == (40,)


def test_predict_classes_binary_thresholds_at_half_as_int32_column():
    rng = np.random.default_rng(2)
    model, kernel, bias = _with_weights(1, "sigmoid", rng)
    x = rng.normal(size=(30, 4)).astype("float32")
    with pytest.warns(UserWarning):
        classes = model.predict_classes(x)
    assert classes.dtype == np.int32 and classes.shape == (30, 1)
    np.testing.assert_array_equal(classes, (x @ kernel + bias > 0).astype("int32"))


def test_predict_proba_returns_predict_and_warns_on_values_outside_0_1(recwarn):
    rng = np.random.default_rng(3)
    model, kernel, bias = _with_weights(3, "softmax", rng)
    x = rng.normal(size=(6, 4)).astype("float32")
    probs = model.predict_proba(x)
    np.testing.assert_allclose(probs, model.predict(x), atol=1e-6)
    messages = [str(w.message) for w in recwarn]
    assert any("`model.predict_proba()` is deprecated" in m for m in messages)
    assert not any("invalid probability" in m for m in messages)
    linear, _, _ = _with_weights(3, None, rng)
    with pytest.warns(UserWarning, match="Network returning invalid probability values"):
        linear.predict_proba(x * 10)


# ---------------------------------------------------------------- serialize_keras_object, custom objects
SERIAL = """
def serial_cases(keras):
    ser = keras.saving.serialize_keras_object

    @keras.saving.register_keras_serializable(package="k2s", name="Doubler")
    class Scale(keras.layers.Layer):
        def __init__(self, factor=2.0, inner=None, **kwargs):
            super().__init__(**kwargs)
            self.factor, self.inner = factor, inner

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor, "inner": self.inner}

    @keras.saving.register_keras_serializable(package="k2s")
    def cube(x):
        return x ** 3

    out = {}
    for key, obj in [("l1", keras.regularizers.L1(0.005)), ("l1l2", keras.regularizers.L1L2(l1=1e-5, l2=1e-4)),
                     ("ones", keras.initializers.Ones()), ("fn", cube),
                     ("scale", Scale(3.0, inner=Scale(0.5, name="inner_scale"), name="outer"))]:
        cfg = ser(obj)
        out[key] = {"module": cfg["module"], "class_name": cfg["class_name"],
                    "registered_name": cfg["registered_name"],
                    "config": cfg["config"] if key != "scale" else
                    {k: v for k, v in cfg["config"].items() if k in ("factor", "name")},
                    "inner": None if key != "scale" else
                    {k: cfg["config"]["inner"][k] for k in ("module", "class_name", "registered_name")}}
    back = keras.saving.deserialize_keras_object(ser(keras.regularizers.L1(0.005)))
    out["back_l1"] = [type(back).__name__, float(back.l1)]
    out["back_fn"] = keras.saving.deserialize_keras_object(ser(cube)) is cube
    layer = keras.layers.deserialize(keras.layers.serialize(Scale(4.0, name="s4")))
    out["back_layer"] = [type(layer).__name__, layer.factor, layer.name]
    saved = dict(keras.saving.get_custom_objects())  # other test modules registered theirs at import
    keras.saving.get_custom_objects().clear()
    try:
        with keras.saving.custom_object_scope({"k2s>Doubler": Scale}):
            again = keras.layers.deserialize(keras.layers.serialize(Scale(5.0, name="s5")))
    finally:
        keras.saving.get_custom_objects().update(saved)
    out["scoped"] = [type(again).__name__, again.factor]
    return out
"""


@requires_keras
def test_serialize_keras_object_matches_keras3():
    ref = run_keras(SERIAL + "\nimport keras\nresult.update(serial_cases(keras))\n")
    scope = {}
    exec(SERIAL, scope)
    ours = scope["serial_cases"](kfunc_torch)
    for key in ("l1", "l1l2", "ones", "fn", "scale"):
        ref_entry = dict(ref[key])
        ours_entry = dict(ours[key])
        if key == "fn":  # the defining module is the test's own (different file names on the two sides)
            ref_entry.pop("module"), ours_entry.pop("module")
        if key in ("l1", "l1l2"):  # float32 on Keras's side
            for entry in (ref_entry, ours_entry):
                entry["config"] = {k: round(float(v), 9) for k, v in entry["config"].items()}
        assert ours_entry == ref_entry, key
    assert ours["back_l1"][0] == ref["back_l1"][0] and abs(ours["back_l1"][1] - ref["back_l1"][1]) < 1e-9
    for key in ("back_fn", "back_layer", "scoped"):
        assert ours[key] == ref[key], key


def test_serialize_plain_values_and_arrays_round_trip():
    from kfunc_torch.saving import deserialize_keras_object, serialize_keras_object
    value = {"a": [1, 2.5, "x", None], "arr": np.arange(6, dtype="int32").reshape(2, 3), "b": b"hi", "s": slice(1, 4)}
    back = deserialize_keras_object(serialize_keras_object(value))
    np.testing.assert_array_equal(back["arr"], value["arr"])
    assert back["arr"].dtype == np.int32 and back["a"] == value["a"] and back["b"] == b"hi" and back["s"] == slice(1, 4)
    with pytest.raises(ValueError, match="register_keras_serializable"):
        deserialize_keras_object({"module": "my_mod", "class_name": "Nope", "config": {}, "registered_name": "x>Nope"})


# ---------------------------------------------------------------- K.function, K.gradients, learning phase
def _dropout_model():
    import torch
    from kfunc_torch import Input, Model
    from kfunc_torch.layers import Dropout
    torch.manual_seed(0)
    inputs = Input((4,))
    hidden = Dense(8, activation="tanh")(inputs)
    out = Dense(3, activation="softmax")(Dropout(0.5)(hidden))
    return Model(inputs, out)


def test_k_function_reads_intermediate_outputs_and_the_learning_phase():
    model = _dropout_model()
    x = np.random.default_rng(0).normal(size=(6, 4)).astype("float32")
    f = K.function([model.input, K.learning_phase()], [model.layers[1].output, model.output])
    hidden, test_out = f([x, 0])
    kernel, bias = model.layers[1].get_weights()
    np.testing.assert_allclose(hidden, np.tanh(x @ kernel + bias), atol=1e-6)
    np.testing.assert_allclose(test_out, model.predict(x, verbose=0), atol=1e-6)
    _, train_out = f([x, 1])  # Dropout active: a different output
    assert not np.allclose(train_out, test_out)
    with pytest.raises(ValueError, match="takes 2 input value"):
        f([x])
    with pytest.raises(ValueError, match="no update ops"):
        K.function([model.input], [model.output], updates=[("w", 1)])


def test_k_gradients_symbolic_match_finite_differences():
    model = _dropout_model()
    x = np.random.default_rng(1).normal(size=(3, 4)).astype("float64").astype("float32")
    loss = K.mean(model.output[:, 1])
    grads = K.gradients(loss, model.input)[0]
    normalized = grads / (K.sqrt(K.mean(K.square(grads))) + 1e-5)  # the Keras 2 filter-visualisation idiom
    iterate = K.function([model.input], [loss, grads, normalized])
    loss_value, grad_value, norm_value = iterate([x])
    assert grad_value.shape == x.shape
    eps, numeric = 1e-3, np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += eps
        down[idx] -= eps
        numeric[idx] = (iterate([up])[0] - iterate([down])[0]) / (2 * eps)
    np.testing.assert_allclose(grad_value, numeric, atol=2e-3)
    np.testing.assert_allclose(norm_value, grad_value / (np.sqrt(np.mean(grad_value ** 2)) + 1e-5), rtol=1e-5)
    kernel_grad = K.function([model.input], K.gradients(loss, [model.layers[1].kernel]))([x])[0]
    assert kernel_grad.shape == (4, 8) and np.abs(kernel_grad).sum() > 0


def test_k_gradients_eager_and_errors():
    import torch
    from kfunc_torch import Input
    w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    unused = torch.nn.Parameter(torch.ones(1))
    with torch.enable_grad():
        grads = K.gradients((w ** 2).sum() * 3, [w, unused])
    np.testing.assert_allclose(grads[0].numpy(), [6.0, 12.0])
    assert grads[1] is None
    with pytest.raises(ValueError, match="not connected"):
        K.gradients(torch.ones(2), [w])
    a, b = Input((3,)), Input((3,))
    with pytest.raises(ValueError, match="not an input of the graph"):
        K.gradients(K.sum(a * 2.0), [b])
