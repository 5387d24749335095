"""Subclassed models saved and loaded with get_config, as the serialization guide writes them: the
configs (get_config, the archive's config.json and build_config) and the loaded model's predictions
match real Keras 3; Keras 3's automatic config for a subclass without get_config, and its refusals."""
import numpy as np
import pytest

import kfunc_torch as keras
from tests.keras_oracle import requires_keras, run_keras
from tests.same_program import run_here

_PROGRAM = """
import json, os, tempfile, zipfile
import numpy as np
import keras
from keras import layers

@keras.saving.register_keras_serializable(package="subcls_test")
class WithConfig(keras.Model):
    def __init__(self, units=3, **kw):
        super().__init__(**kw)
        self.units = units
        self.d1 = layers.Dense(units, activation="tanh")
        self.d2 = layers.Dense(1)
    def call(self, x):
        return self.d2(self.d1(x))
    def get_config(self):
        return {**super().get_config(), "units": self.units}

@keras.saving.register_keras_serializable(package="subcls_test")
class GuideModel(keras.Model):  # the guide's: get_config without super(), name passed through
    def __init__(self, output_dim, name=None):
        super().__init__(name=name)
        self.output_dim = output_dim
        self.dense_1 = layers.Dense(8, activation="relu", name="dense_1")
        self.dense_2 = layers.Dense(output_dim, name="predictions")
    def call(self, inputs):
        return self.dense_2(self.dense_1(inputs))
    def get_config(self):
        return {"output_dim": self.output_dim, "name": self.name}

x, y = inputs["x"], inputs["y"]
folder = tempfile.mkdtemp()
def strip(c):
    return {k: v for k, v in c.items() if k != "dtype"}

for how in ("call", "fit"):
    for cls, args in ((WithConfig, {"units": 5, "name": f"with_config_{how}"}), (GuideModel, {"output_dim": 2})):
        m = cls(**args)
        if how == "call":
            m(x)
        else:
            m.compile(optimizer="sgd", loss="mse")
            m.fit(x, np.repeat(y, 2, axis=1)[:, :1 if cls is WithConfig else 2], epochs=2, batch_size=4, verbose=0)
        key = f"{cls.__name__}_{how}"
        cfg = strip(m.get_config())
        if "name" in cfg:
            cfg["name"] = cfg["name"].rstrip("_0123456789") or cfg["name"]
        result[key + "_config"] = cfg
        path = os.path.join(folder, key + ".keras")
        m.save(path)
        with zipfile.ZipFile(path) as z:
            saved = json.loads(z.read("config.json"))
        result[key + "_saved"] = [saved["class_name"], saved["registered_name"], saved["build_config"],
                                  sorted(strip(saved["config"]))]
        back = keras.models.load_model(path)
        result[key + "_loaded"] = [type(back).__name__, len(back.weights), back.count_params()]
        result[key + "_pred"] = [m.predict(x, verbose=0), back.predict(x, verbose=0)]
        result[key + "_from_config"] = type(cls.from_config(m.get_config())).__name__

# Keras 3's automatic config of a subclass without get_config, and what it refuses.
class AutoConfig(keras.Model):
    def __init__(self, units=3, act="relu", **kw):
        super().__init__(**kw)
        self.units = units
        self.d1 = layers.Dense(units, activation=act)
    def call(self, x):
        return self.d1(x)

class TakesALayer(keras.Model):
    def __init__(self, layer):
        super().__init__()
        self.inner = layer
    def call(self, x):
        return self.inner(x)

auto = AutoConfig(5, act="tanh", name="auto_m")
result["auto_config"] = strip(auto.get_config())
revived = AutoConfig.from_config(auto.get_config())
result["auto_revived"] = [revived.units]
try:
    TakesALayer(layers.Dense(2)).get_config()
    result["layer_arg"] = "no error"
except NotImplementedError:
    result["layer_arg"] = "NotImplementedError"
class Strict(keras.Model):
    def __init__(self, units):
        super().__init__()
        self.units = units
    def call(self, x):
        return x
    def get_config(self):
        return {"width": self.units}
try:
    Strict.from_config(Strict(3).get_config())
    result["strict"] = "no error"
except TypeError:
    result["strict"] = "TypeError"
"""


def _data():
    rng = np.random.default_rng(5)
    return {"x": rng.normal(size=(8, 4)).astype("float32"), "y": rng.normal(size=(8, 1)).astype("float32")}


@requires_keras
def test_subclassed_save_load_matches_keras3():
    keras.set_compat("keras3")
    data = _data()
    ours, ref = run_here(_PROGRAM, data), run_keras(_PROGRAM, data)
    assert ref["WithConfig_fit_loaded"][1] == 4 and ref["strict"] == "TypeError"  # the oracle itself
    for key in sorted(ref):
        if key.endswith("_pred"):
            np.testing.assert_allclose(ours[key][1], ours[key][0], rtol=1e-6, atol=1e-6, err_msg=key)  # round trip
        else:
            assert ours[key] == ref[key], f"{key}: ours {ours[key]!r}, Keras 3 {ref[key]!r}"
    assert sorted(ours) == sorted(ref)


def test_subclass_without_plain_defaults_is_asked_for_a_get_config():
    class M(keras.Model):
        def __init__(self, layer=keras.layers.Dense(2)):
            super().__init__()
            self.inner = layer

        def call(self, x):
            return self.inner(x)

    with pytest.raises(NotImplementedError, match=r"get_config\(\)"):
        M().get_config()
