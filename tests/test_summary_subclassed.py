"""summary() of subclassed models as Keras 3 prints it: rows in attribute order, a layer's shape from
the shape its build() received through compute_output_shape ("?" for a user's layer without one, a
layer without a build() of its own, or one never called), "0 (unbuilt)" for an unused layer. The golden
text is real Keras 3.15's output; the oracle test keeps it honest against the installed Keras."""
from pathlib import Path

import kfunc_torch as keras
from tests.keras_oracle import requires_keras, run_keras
from tests.same_program import run_here

GOLDEN = Path(__file__).parent / "golden" / "summary_subclassed_keras3.txt"

_PROGRAM = """import numpy as np
import keras
from keras import layers, ops

class Linear(layers.Layer):
    def __init__(self, units=3, **kw):
        super().__init__(**kw)
        self.units = units
    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="ones")
    def call(self, x):
        return ops.matmul(x, self.w)

class Shaped(Linear):
    def compute_output_shape(self, input_shape):
        return input_shape[:-1] + (self.units,)

class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.lin = Linear(5)
        self.shaped = Shaped(4)
        self.bn = layers.BatchNormalization()
        self.drop = layers.Dropout(0.5)
        self.block = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Dense(2)])
        self.out = layers.Dense(1)
        self.unused = layers.Dense(7)
    def call(self, x):
        x = self.shaped(self.lin(x))
        return self.out(self.block(self.drop(self.bn(x))))

texts = []
net = Net()
net(np.ones((2, 6), "float32"))
net.summary(print_fn=lambda s, line_break=None: texts.append(s))
class Wide(keras.Model):
    def __init__(self):
        super().__init__()
        self.emb = layers.Embedding(50, 8)
        self.lstm = layers.LSTM(4, return_sequences=True)
        self.pool = layers.GlobalAveragePooling1D()
        self.head = layers.Dense(3, activation="softmax")
    def call(self, x):
        return self.head(self.pool(self.lstm(self.emb(x))))
w = Wide()
w(np.ones((5, 7), "int32"))
w.summary(print_fn=lambda s, line_break=None: texts.append(s), show_trainable=True)
result["texts"] = texts
"""


def _text(result) -> str:
    return "\n".join(result["texts"]) + "\n"


def test_subclassed_summary_matches_keras3_golden():
    keras.set_compat("keras3")
    assert _text(run_here(_PROGRAM, {})) == GOLDEN.read_text()


@requires_keras
def test_golden_is_what_keras3_prints():
    assert _text(run_keras(_PROGRAM, {})) == GOLDEN.read_text()
