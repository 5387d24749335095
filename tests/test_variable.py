"""add_weight returns a Variable: an nn.Parameter with Keras 3's variable API (assign, assign_add,
assign_sub, numpy(), value, name, path, trainable), checked against real Keras 3."""
import copy
import pickle

import numpy as np
import pytest
import torch

import kfunc_torch as keras
from kfunc_torch import layers, ops
from kfunc_torch.engine.variable import Variable
from tests.keras_oracle import requires_keras, run_keras
from tests.same_program import assert_same, run_here

# The same program runs here and under real Keras 3: weight names and paths (Sequential, a
# subclassed model with a custom layer, an unnamed weight), and a layer that accumulates into a
# non-trainable weight with assign_add inside call (the subclassing guide's ComputeSum).
_PROGRAM = """
import numpy as np
from keras import layers, ops
import keras

class Linear(layers.Layer):
    def __init__(self, units=3):
        super().__init__()
        self.units = units
    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="ones", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True, name="bias")
    def call(self, x):
        return ops.matmul(x, self.w) + self.b

class ComputeSum(layers.Layer):
    def __init__(self, input_dim):
        super().__init__()
        self.total = self.add_weight(initializer="zeros", shape=(input_dim,), trainable=False)
    def call(self, inputs):
        self.total.assign_add(ops.sum(inputs, axis=0))
        return self.total

class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.lin = Linear()
        self.out = layers.Dense(2, kernel_initializer="ones")
    def call(self, x):
        return self.out(self.lin(x))

seq = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.BatchNormalization()])
result["seq_paths"] = [w.path for w in seq.weights]
net = Net()
result["net_out"] = net(inputs["x"])
result["net_paths"] = [w.path for w in net.weights]
result["net_names"] = [w.name for w in net.weights]
result["net_trainable"] = [w.trainable for w in net.weights]
s = ComputeSum(4)
result["sum1"] = s(inputs["x"])
result["sum2"] = s(inputs["x"])
result["sum_weights"] = [w.numpy() for w in s.weights]
result["sum_trainable"] = [len(s.trainable_weights), len(s.non_trainable_weights)]
v = net.lin.w
v.assign(np.full((4, 3), 2.0, dtype="float32"))
v.assign_sub(np.ones((4, 3), dtype="float32"))
v.assign_add(0.5)
result["assigned"] = v.numpy()
result["after_assign_out"] = net(inputs["x"])
"""


@requires_keras
def test_variable_api_matches_keras3():
    keras.set_compat("keras3")
    x = np.arange(8, dtype="float32").reshape(2, 4) / 8
    ours = run_here(_PROGRAM, {"x": x})
    ref = run_keras(_PROGRAM, {"x": x})
    assert_same(ours, ref, exact=("seq_paths", "net_paths", "net_names", "net_trainable", "sum_trainable"),
                close=("net_out", "sum1", "sum2", "assigned", "after_assign_out"))
    for a, b in zip(ours["sum_weights"], ref["sum_weights"]):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_variable_is_a_parameter_with_keras_api():
    d = layers.Dense(3, name="d")
    d.build((None, 4))
    k = d.kernel
    assert isinstance(k, Variable) and isinstance(k, torch.nn.Parameter)
    assert k.name == "kernel" and k.path == "d/kernel" and k.trainable
    assert k.value is k and tuple(k.shape) == (4, 3) and k.keras_dtype == "float32"
    assert isinstance(k.numpy(), np.ndarray) and np.asarray(k).shape == (4, 3)  # numpy() on a leaf needing grad
    # Ops on a Variable give plain tensors (no subclass dispatch on the hot path).
    assert type(k * 2) is torch.Tensor
    # assign works under autograd (inside forward) and keeps the same storage.
    ptr = k.data_ptr()
    with torch.enable_grad():
        k.assign(torch.zeros(4, 3, requires_grad=True))
    assert k.data_ptr() == ptr and float(k.detach().abs().sum()) == 0.0 and k.grad_fn is None
    with pytest.raises(ValueError, match="shape \\(2,\\).*shape \\(4, 3\\)"):
        k.assign(np.zeros(2))
    k.trainable = False
    assert not k.requires_grad


def test_variable_survives_copy_pickle_and_optimizers():
    d = layers.Dense(2, name="dd")
    d.build((None, 3))
    for clone in (copy.deepcopy(d), pickle.loads(pickle.dumps(d))):
        assert isinstance(clone.kernel, Variable) and clone.kernel.path == "dd/kernel"
        np.testing.assert_array_equal(clone.kernel.numpy(), d.kernel.numpy())
    opt = torch.optim.SGD(d.parameters(), lr=0.1)
    before = d.kernel.numpy().copy()
    d(torch.ones(1, 3)).sum().backward()
    opt.step()
    assert isinstance(d.kernel, Variable) and not np.allclose(before, d.kernel.numpy())
    assert all(type(v) is torch.Tensor for v in d.state_dict().values())


def test_add_weight_keras3_positional_order_and_add_variable():
    class L(layers.Layer):
        def build(self, input_shape):
            self.a = self.add_weight((2, 3), "ones")                 # Keras 3: shape, initializer
            self.b = self.add_weight("b", (3,), "zeros")             # Keras 2: name, shape, initializer
            self.c = self.add_variable((4,), initializer="ones", trainable=False)

        def call(self, x):
            return x

    layer = L(name="l")
    layer(torch.ones(1, 2))
    assert tuple(layer.a.shape) == (2, 3) and float(layer.a.detach().sum()) == 6.0
    assert layer.b.name == "b" and tuple(layer.b.shape) == (3,)
    assert layer.c.path.startswith("l/variable") and not layer.c.trainable
    assert [w.name for w in layer.non_trainable_weights] == [layer.c.name]
