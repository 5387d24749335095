"""Conv's convolution_op() (Keras 3's hook, which x_subclassing_conv_layers overrides with tf.nn ops): a
subclass that overrides convolution_op or call reads self.kernel in Keras's layout, against real Keras 3
running the same classes on the same weights; built-in Conv layers keep their torch-layout kernels."""
import numpy as np
import pytest

import kfunc_torch.tf_stand_in as tf
from kfunc_torch import Input, Model, layers
from tests.keras_oracle import requires_keras, run_keras

CLASSES = '''
class StandardizedOverride(layers.Conv2D):
    def convolution_op(self, inputs, kernel):
        mean = ops.mean(kernel, axis=[0, 1, 2], keepdims=True)
        var = ops.var(kernel, axis=[0, 1, 2], keepdims=True)
        return ops.conv(inputs, (kernel - mean) / ops.sqrt(var + 1e-10), padding="valid", strides=list(self.strides))


class StandardizedCall(layers.Conv2D):
    def call(self, inputs):
        mean = ops.mean(self.kernel, axis=[0, 1, 2], keepdims=True)
        var = ops.var(self.kernel, axis=[0, 1, 2], keepdims=True)
        result = self.convolution_op(inputs, (self.kernel - mean) / ops.sqrt(var + 1e-10))
        if self.use_bias:
            result = result + self.bias
        return result


class Causal(layers.Conv1D):  # Keras 3's Conv1D.call does not call convolution_op: this changes nothing
    def convolution_op(self, inputs, kernel):
        return super().convolution_op(inputs, kernel * 0.5)


def build(layers):
    a = layers.Input((9, 9, 2))
    y = StandardizedCall(4, 3, strides=2, activation="relu", bias_initializer="ones")(a)
    y = StandardizedOverride(3, 2, activation="relu")(y)
    b = layers.Input((7, 3))
    z = Causal(2, 3, padding="causal", dilation_rate=2, bias_initializer="ones")(b)
    return [a, b], [y, z]
'''


def _ours():
    import kfunc_torch
    namespace = {"layers": layers, "ops": kfunc_torch.ops}
    exec(CLASSES, namespace)
    inputs, outputs = namespace["build"](layers)
    return Model(inputs, outputs)


def test_subclass_kernels_are_in_keras_layout_and_builtins_unchanged():
    model = _ours()
    by_class = {type(layer).__name__: layer for layer in model.layers}
    call_layer, override_layer = by_class["StandardizedCall"], by_class["StandardizedOverride"]
    causal = by_class["Causal"]
    assert tuple(call_layer.kernel.shape) == (3, 3, 2, 4) and tuple(override_layer.kernel.shape) == (2, 2, 4, 3)
    assert tuple(causal.kernel.shape) == (3, 3, 2)
    assert [tuple(w.shape) for w in call_layer.get_weights()] == [(3, 3, 2, 4), (4,)]
    plain = layers.Conv2D(4, 3)
    plain.build((None, 9, 9, 2))
    assert tuple(plain.kernel.shape) == (4, 2, 3, 3)  # torch's layout, behind get_weights' Keras layout
    assert [tuple(w.shape) for w in plain.get_weights()] == [(3, 3, 2, 4), (4,)]


def test_tf_ops_in_convolution_op_match_keras_ops():
    class TfStandardized(layers.Conv2D):
        def convolution_op(self, inputs, kernel):
            mean, var = tf.nn.moments(kernel, axes=[0, 1, 2], keepdims=True)
            return tf.nn.conv2d(inputs, (kernel - mean) / tf.sqrt(var + 1e-10), padding="valid",
                                strides=list(self.strides), name=self.__class__.__name__)

    x = Input((9, 9, 2))
    ours = TfStandardized(4, 3, strides=2)
    model = Model(x, ours(x))
    data = np.random.default_rng(0).standard_normal((2, 9, 9, 2)).astype("f")
    k, b = ours.get_weights()
    ks = (k - k.mean((0, 1, 2), keepdims=True)) / np.sqrt(k.var((0, 1, 2), keepdims=True) + 1e-10)
    want = np.stack([[[np.tensordot(data[n, 2 * i:2 * i + 3, 2 * j:2 * j + 3], ks, 3) for j in range(4)]
                      for i in range(4)] for n in range(2)]) + b
    np.testing.assert_allclose(model.predict(data, verbose=0), want, rtol=1e-4, atol=1e-4)


@requires_keras
def test_convolution_op_subclasses_agree_with_keras3():
    model = _ours()
    rng = np.random.default_rng(3)
    xa, xb = rng.standard_normal((2, 9, 9, 2)).astype("f"), rng.standard_normal((2, 7, 3)).astype("f")
    weights = model.get_weights()
    res = run_keras("import keras\nfrom keras import layers, ops\n" + CLASSES + '''
ins, outs = build(layers)
model = keras.Model(ins, outs)
result["shapes"] = [tuple(w.shape) for w in model.get_weights()]
model.set_weights(inputs["weights"])
result["out"] = model.predict([inputs["xa"], inputs["xb"]], verbose=0)
''', arrays={"weights": weights, "xa": xa, "xb": xb})
    assert res["shapes"] == [tuple(w.shape) for w in weights]
    for got, want in zip(model.predict([xa, xb], verbose=0), res["out"]):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    assert pytest.approx(0) != float(np.abs(res["out"][0]).sum())
