"""backend (Keras 2 ``K.*``) and ops (Keras 3 ``keras.ops``): numerics against real Keras 3 ops (one
oracle subprocess) or numpy, Keras argument names, and recording op layers on KerasTensors."""
import numpy as np
import pytest
import torch

from kfunc_torch import Input, Model, backend as K, ops
from kfunc_torch.layers import Lambda
from keras_oracle import requires_keras, run_keras

rng = np.random.default_rng(0)
X = rng.normal(size=(3, 4, 5)).astype("float32")
Y = rng.normal(size=(3, 4, 5)).astype("float32")
P = np.abs(X) + 0.1

# name -> (our call on torch tensors, the same op in Keras 3, written for the oracle)
OPS_CASES = {
    "mean": (lambda x, y, p: ops.mean(x, axis=1), "ops.mean(x, axis=1)"),
    "sum_keep": (lambda x, y, p: ops.sum(x, axis=(1, 2), keepdims=True), "ops.sum(x, axis=(1, 2), keepdims=True)"),
    "max": (lambda x, y, p: ops.max(x, axis=-1), "ops.max(x, axis=-1)"),
    "min": (lambda x, y, p: ops.min(x), "ops.min(x)"),
    "std": (lambda x, y, p: ops.std(x, axis=0), "ops.std(x, axis=0)"),
    "var": (lambda x, y, p: ops.var(x, axis=2), "ops.var(x, axis=2)"),
    "prod": (lambda x, y, p: ops.prod(x, axis=1), "ops.prod(x, axis=1)"),
    "concat0": (lambda x, y, p: ops.concatenate([x, y]), "ops.concatenate([x, y])"),
    "stack": (lambda x, y, p: ops.stack([x, y], axis=1), "ops.stack([x, y], axis=1)"),
    "matmul": (lambda x, y, p: ops.matmul(x, ops.transpose(y, (0, 2, 1))), "ops.matmul(x, ops.transpose(y, (0, 2, 1)))"),
    "transpose": (lambda x, y, p: ops.transpose(x), "ops.transpose(x)"),
    "where": (lambda x, y, p: ops.where(x > 0, x, y), "ops.where(x > 0, x, y)"),
    "softmax": (lambda x, y, p: ops.softmax(x, axis=1), "ops.softmax(x, axis=1)"),
    "sqrt_log": (lambda x, y, p: ops.sqrt(p) + ops.log(p), "ops.sqrt(p) + ops.log(p)"),
    "clip": (lambda x, y, p: ops.clip(x, -0.5, 0.5), "ops.clip(x, -0.5, 0.5)"),
    "argmax": (lambda x, y, p: ops.argmax(x, axis=-1), "ops.argmax(x, axis=-1)"),
    "cumsum": (lambda x, y, p: ops.cumsum(x, axis=1), "ops.cumsum(x, axis=1)"),
    "expand_squeeze": (lambda x, y, p: ops.squeeze(ops.expand_dims(x, 1), 1), "ops.squeeze(ops.expand_dims(x, 1), 1)"),
    "reshape": (lambda x, y, p: ops.reshape(x, (3, -1)), "ops.reshape(x, (3, -1))"),
    "one_hot": (lambda x, y, p: ops.one_hot(ops.argmax(x, axis=-1), 5), "ops.one_hot(ops.argmax(x, axis=-1), 5)"),
    "tile": (lambda x, y, p: ops.tile(x, (1, 2, 1)), "ops.tile(x, (1, 2, 1))"),
    "repeat": (lambda x, y, p: ops.repeat(x, 2, axis=1), "ops.repeat(x, 2, axis=1)"),
    "logsumexp": (lambda x, y, p: ops.logsumexp(x, axis=-1), "ops.logsumexp(x, axis=-1)"),
    "relu_sig_tanh": (lambda x, y, p: ops.relu(x) + ops.sigmoid(x) + ops.tanh(y), "ops.relu(x) + ops.sigmoid(x) + ops.tanh(y)"),
    "einsum": (lambda x, y, p: ops.einsum("bij,bkj->bik", x, y), "ops.einsum('bij,bkj->bik', x, y)"),
    "take": (lambda x, y, p: ops.take(x, torch.tensor([2, 0]), axis=1), "ops.take(x, np.array([2, 0]), axis=1)"),
    "norm": (lambda x, y, p: ops.norm(x, axis=-1), "ops.norm(x, axis=-1)"),
}


@pytest.fixture(scope="module")
def keras_results():
    if requires_keras.args[0]:
        pytest.skip("real Keras 3 is not installed")
    lines = "\n".join(f"result[{k!r}] = ops.convert_to_numpy({v[1]})" for k, v in OPS_CASES.items())
    return run_keras("from keras import ops\nx, y, p = inputs['x'], inputs['y'], inputs['p']\n" + lines,
                     arrays={"x": X, "y": Y, "p": P})


@pytest.mark.parametrize("name", sorted(OPS_CASES))
def test_ops_match_keras3(name, keras_results):
    ours = OPS_CASES[name][0](torch.tensor(X), torch.tensor(Y), torch.tensor(P))
    np.testing.assert_allclose(ops.convert_to_numpy(ours), keras_results[name], rtol=1e-5, atol=1e-5)


def test_backend_reductions_and_layout_vs_numpy():
    x = torch.tensor(X)
    np.testing.assert_allclose(K.mean(x, axis=[1, 2]).numpy(), X.mean(axis=(1, 2)), rtol=1e-6)
    np.testing.assert_allclose(K.std(x, axis=-1).numpy(), X.std(axis=-1), rtol=1e-5)  # population std
    np.testing.assert_allclose(K.concatenate([x, x]).numpy(), np.concatenate([X, X], -1))  # Keras 2: axis -1
    np.testing.assert_allclose(K.permute_dimensions(x, (0, 2, 1)).numpy(), X.transpose(0, 2, 1))
    np.testing.assert_allclose(K.repeat_elements(x, 2, axis=1).numpy(), np.repeat(X, 2, axis=1))
    np.testing.assert_allclose(K.batch_flatten(x).numpy(), X.reshape(3, -1))
    np.testing.assert_allclose(K.repeat(torch.tensor(X[:, 0]), 4).numpy(), np.repeat(X[:, None, 0], 4, axis=1))
    np.testing.assert_allclose(K.sqrt(torch.tensor([-1.0, 4.0])).numpy(), [0.0, 2.0])  # clipped at 0
    l2 = K.l2_normalize(x, axis=-1).numpy()
    np.testing.assert_allclose(l2, X / np.sqrt((X ** 2).sum(-1, keepdims=True)), rtol=1e-5)
    np.testing.assert_allclose(K.switch(x > 0, x, 0.1 * x).numpy(), np.where(X > 0, X, 0.1 * X), rtol=1e-6)
    assert K.int_shape(x) == (3, 4, 5) and K.ndim(x) == 3 and K.dtype(x) == "float32"


def test_k_dot_and_batch_dot_keras2_semantics():
    a = rng.normal(size=(2, 3, 4)).astype("float32")
    w = rng.normal(size=(6, 4, 5)).astype("float32")
    np.testing.assert_allclose(K.dot(torch.tensor(a), torch.tensor(w)).numpy(), np.einsum("bik,jkl->bijl", a, w),
                               rtol=1e-4, atol=1e-5)
    x = rng.normal(size=(32, 20)).astype("float32")
    y = rng.normal(size=(32, 30, 20)).astype("float32")
    out = K.batch_dot(torch.tensor(x), torch.tensor(y), axes=(1, 2))
    assert tuple(out.shape) == (32, 30)  # the Keras 2 docstring example
    np.testing.assert_allclose(out.numpy(), np.einsum("bk,bjk->bj", x, y), rtol=1e-4, atol=1e-5)
    v = K.batch_dot(torch.tensor(x), torch.tensor(x), axes=1)
    assert tuple(v.shape) == (32, 1)  # rank-1 results get a length-1 axis
    np.testing.assert_allclose(v.numpy()[:, 0], (x * x).sum(1), rtol=1e-4)
    with pytest.raises(ValueError, match="equal sizes"):
        K.batch_dot(torch.tensor(x), torch.tensor(y), axes=(1, 1))


def test_functions_record_op_layers_on_keras_tensors():
    inp = Input(shape=(4, 5))
    out = K.sum(K.square(inp), axis=-1, keepdims=True)
    assert out.shape == (None, 4, 1)
    both = ops.concatenate([inp, out], axis=-1)
    assert both.shape == (None, 4, 6)
    model = Model(inp, both)
    got = model(torch.tensor(X)).detach().numpy()
    want = np.concatenate([X, (X ** 2).sum(-1, keepdims=True)], -1)
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_backend_inside_lambda_vae_sampling():
    z_mean, z_log_var = Input(shape=(2,)), Input(shape=(2,))

    def sampling(args):
        m, lv = args
        eps = K.random_normal(shape=(K.shape(m)[0], 2), mean=0.0, stddev=1.0)
        return m + K.exp(0.5 * lv) * eps
    z = Lambda(sampling)([z_mean, z_log_var])
    assert z.shape == (None, 2)
    out = Model([z_mean, z_log_var], z)([torch.zeros(7, 2), torch.full((7, 2), -100.0)])
    np.testing.assert_allclose(out.detach().numpy(), 0.0, atol=1e-12)  # exp(-50) noise is negligible


def test_settings_and_phase():
    saved = dict(K._settings)
    try:
        K.set_image_dim_ordering("th")
        assert K.image_data_format() == "channels_first"
        with pytest.raises(ValueError, match="'th'"):
            K.set_image_dim_ordering("theano")
        assert K.epsilon() == 1e-7 and K.floatx() == "float32"
        assert K.in_train_phase(lambda: 1, lambda: 2, training=True) == 1
        assert K.in_train_phase(1, 2) == 2  # learning phase 0 by default
    finally:
        K._settings.clear()
        K._settings.update(saved)


def test_k_function_gets_intermediate_outputs():
    from kfunc_torch.layers import Dense
    inp = Input(shape=(3,))
    hidden = Dense(4, kernel_initializer="ones", bias_initializer="zeros")(inp)
    Model(inp, Dense(1)(hidden))
    f = K.function([inp], [hidden])
    np.testing.assert_allclose(f([np.ones((2, 3), "float32")])[0], np.full((2, 4), 3.0))
