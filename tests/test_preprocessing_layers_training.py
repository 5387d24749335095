"""When the random image layers augment, against real Keras 3: one program runs here and under Keras.

Keras 3 declares ``call(data, training=True)``: a direct call without ``training`` augments (the
keras.io tutorials plot ``data_augmentation(images)``), ``model(x)`` and a custom layer calling
``self.aug(x)`` augment too, while fit() passes True and predict/evaluate/predict_on_batch pass False;
an explicit ``training=None`` or ``training=False`` (also given to an outer layer whose call has no
``training``) passes images through. Each case records whether the output differs from the layer's
inference output, so the test does not depend on either framework's random numbers.
"""
import numpy as np
import pytest

from keras_oracle import requires_keras, run_keras
from same_program import run_here

PROGRAM = """
import numpy as np
import keras
x = inputs["x"]
def arr(y):
    return np.asarray(keras.ops.convert_to_numpy(y), dtype=np.float64)
MAKERS = {
    "RandomFlip": lambda: keras.layers.RandomFlip(seed=1),
    "RandomRotation": lambda: keras.layers.RandomRotation(0.3, seed=1),
    "RandomZoom": lambda: keras.layers.RandomZoom(0.3, seed=1),
    "RandomTranslation": lambda: keras.layers.RandomTranslation(0.3, 0.3, seed=1),
    "RandomContrast": lambda: keras.layers.RandomContrast(0.5, seed=1),
    "RandomBrightness": lambda: keras.layers.RandomBrightness(0.5, seed=1),
    "RandomCrop": lambda: keras.layers.RandomCrop(6, 6, seed=1),
}
class PassesTraining(keras.layers.Layer):
    def __init__(self, inner, **kw):
        super().__init__(**kw)
        self.inner = inner
    def call(self, x, training=None):
        return self.inner(x, training=training)
class NoTrainingArg(keras.layers.Layer):
    def __init__(self, inner, **kw):
        super().__init__(**kw)
        self.inner = inner
    def call(self, x):
        return self.inner(x)
for name, make in MAKERS.items():
    ref = arr(make()(x, training=False))
    def changed(y):
        y = arr(y)
        return bool(y.shape != ref.shape or np.abs(y - ref).max() > 1e-3)
    r = {}
    r["layer(x)"] = changed(make()(x))
    r["layer(x, training=None)"] = changed(make()(x, training=None))
    r["layer(x, training=True)"] = changed(make()(x, training=True))
    seq = keras.Sequential([keras.Input(x.shape[1:]), make()])
    r["sequential(x)"] = changed(seq(x))
    r["sequential(x, training=False)"] = changed(seq(x, training=False))
    r["sequential.predict"] = changed(seq.predict(x, verbose=0))
    r["sequential.predict_on_batch"] = changed(seq.predict_on_batch(x))
    inp = keras.Input(x.shape[1:])
    functional = keras.Model(inp, make()(inp))
    r["functional(x)"] = changed(functional(x))
    r["functional.predict_on_batch"] = changed(functional.predict_on_batch(x))
    r["custom layer passing training=None"] = changed(PassesTraining(make())(x))
    r["custom layer without training arg"] = changed(NoTrainingArg(make())(x))
    r["custom layer without training arg, called with False"] = changed(NoTrainingArg(make())(x, training=False))
    result[name] = r
# fit augments, evaluate does not: the mean brightness of an image is what the model outputs
inp = keras.Input(x.shape[1:])
out = keras.layers.RandomBrightness(0.5, seed=1)(inp)
out = keras.layers.Lambda(lambda t: keras.ops.mean(t, axis=(1, 2, 3)))(out)
model = keras.Model(inp, out)
model.compile(loss="mae")
y = x.mean(axis=(1, 2, 3))
result["evaluate loss"] = float(model.evaluate(x, y, verbose=0))
result["fit loss"] = float(model.fit(x, y, verbose=0, epochs=1).history["loss"][0])
"""

INPUTS = {"x": np.random.default_rng(0).uniform(0, 255, (4, 16, 16, 3)).astype(np.float32)}


@pytest.fixture(scope="module")
def both():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no trainable weights" in fit
        ours = run_here(PROGRAM, INPUTS)
    return ours, run_keras(PROGRAM, arrays=INPUTS)


@requires_keras
@pytest.mark.parametrize("name", ["RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation",
                                  "RandomContrast", "RandomBrightness", "RandomCrop"])
def test_random_layers_augment_in_the_same_calls_as_keras(both, name):
    ours, ref = both
    assert ours[name] == ref[name]
    # the rule itself, so that a Keras change shows here too
    assert ref[name]["layer(x)"] and ref[name]["sequential(x)"] and not ref[name]["sequential.predict"]


@requires_keras
def test_fit_augments_and_evaluate_does_not_as_keras(both):
    ours, ref = both
    assert ours["evaluate loss"] < 1e-3 and ref["evaluate loss"] < 1e-3
    assert ours["fit loss"] > 1.0 and ref["fit loss"] > 1.0
