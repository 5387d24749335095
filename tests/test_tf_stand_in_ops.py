"""The TensorFlow stand-in's ops (kfunc_torch.tf_stand_in) against numpy and real Keras 3 ops on the same
inputs: dtype rules, reductions, math, array ops, tf.nn (moments, conv2d, pooling, losses), linalg,
nest, TensorShape, and the ops recording layers on symbolic tensors."""
import collections

import numpy as np
import pytest
import torch

import kfunc_torch.tf_stand_in as tf
from kfunc_torch import Input, Model
from tests.keras_oracle import requires_keras, run_keras

RNG = np.random.default_rng(7)
X = RNG.standard_normal((3, 4, 5)).astype(np.float32)


def np_(t):
    return t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)


# ---------------------------------------------------------------- conversion and dtypes
def test_dtype_rules_follow_tensorflow():
    assert tf.constant(1.5).dtype == torch.float32 and tf.constant(2).dtype == torch.int32
    assert tf.constant(np.zeros(2)).dtype == torch.float64  # numpy keeps its dtype
    assert tf.constant([1, 2.5]).dtype == torch.float32 and tf.constant(True).dtype == torch.bool
    assert tf.constant(3.0).shape == () and tf.constant(0.5, shape=(2, 3)).tolist() == [[0.5] * 3] * 2
    assert tf.constant([1, 2, 3, 4], shape=(2, 2)).tolist() == [[1, 2], [3, 4]]
    with pytest.raises(TypeError, match="float value for an integer"):
        tf.constant(1.5, dtype=tf.int32)
    assert tf.cast(tf.constant([1.7, -1.7]), tf.int32).tolist() == [1, -1]  # truncation toward zero
    strings = tf.constant(["a", "bc"])
    assert isinstance(strings, np.ndarray) and strings.tolist() == ["a", "bc"]


def test_dtype_objects_compare_and_describe():
    assert tf.float32 == "float32" and tf.float32 == torch.float32 and tf.float32 == np.float32
    assert torch.float32 == tf.float32 and tf.float32 != tf.float64 and tf.as_dtype(np.int64) is tf.int64
    assert tf.float32.is_floating and not tf.int32.is_floating and tf.int32.is_integer and tf.bool.is_bool
    assert tf.int8.max == 127 and tf.uint8.min == 0 and tf.float16.size == 2
    assert tf.float64.as_numpy_dtype is np.float64 and repr(tf.int64) == "tf.int64"
    assert tf.as_dtype("float") is tf.float32 and {tf.float32: 1}["float32"] == 1
    with pytest.raises(TypeError, match="Cannot convert"):
        tf.as_dtype("not_a_dtype")


def test_shape_rank_size_and_variable():
    x = tf.zeros((2, 5, 3))
    assert tf.shape(x).tolist() == [2, 5, 3] and tf.shape(x).dtype == torch.int32
    assert int(tf.rank(x)) == 3 and int(tf.size(x)) == 30
    v = tf.Variable([1.0, 2.0], name="v")
    assert isinstance(v, tf.Variable) and isinstance(v, torch.nn.Parameter) and v.trainable
    assert v.assign_add([1.0, 1.0]).numpy().tolist() == [2.0, 3.0]
    assert tf.Variable(0).trainable is False  # integer variables take no gradient
    assert tf.Variable(lambda: tf.ones((2,))).numpy().tolist() == [1.0, 1.0]
    assert tf.range(5).dtype == torch.int32 and tf.range(1, 2, 0.5).tolist() == [1.0, 1.5]
    np.testing.assert_allclose(np_(tf.linspace(0.0, 1.0, 5)), np.linspace(0, 1, 5), rtol=1e-6)
    assert tf.fill((2, 2), 7).tolist() == [[7, 7], [7, 7]]


# ---------------------------------------------------------------- math
@pytest.mark.parametrize("name,ref", [
    ("reduce_sum", np.sum), ("reduce_mean", np.mean), ("reduce_max", np.max), ("reduce_min", np.min),
    ("reduce_prod", np.prod), ("reduce_std", np.std), ("reduce_variance", np.var),
])
@pytest.mark.parametrize("axis", [None, 0, -1, [0, 2], []])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_match_numpy(name, ref, axis, keepdims):
    fn = getattr(tf.math, name)
    got = np_(fn(X, axis=axis, keepdims=keepdims))
    np_axis = tuple(axis) if isinstance(axis, list) else axis
    want = X if np_axis == () else ref(X, axis=np_axis, keepdims=keepdims)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_integer_mean_truncates_and_logical_reductions():
    assert tf.reduce_mean(tf.constant([1, 2])).item() == 1  # TensorFlow's integer mean
    assert tf.reduce_mean(tf.constant([-1, -2])).item() == -1
    m = np.array([[True, False], [True, True]])
    assert tf.reduce_all(m, axis=1).tolist() == [False, True] and tf.reduce_any(m).item() is True
    np.testing.assert_allclose(np_(tf.reduce_logsumexp(X, axis=1)), np.log(np.exp(X).sum(1)), rtol=1e-5)
    assert tf.math.count_nonzero(np.array([0, 3, 0, 1])).item() == 2
    with pytest.raises(TypeError, match="bool"):
        tf.reduce_sum(tf.constant([True]))


def test_elementwise_math_and_scalar_dtypes():
    a, b = X[0], X[1]
    for name, ref in [("add", np.add), ("subtract", np.subtract), ("multiply", np.multiply),
                      ("maximum", np.maximum), ("minimum", np.minimum), ("squared_difference", lambda p, q: (p - q) ** 2),
                      ("atan2", np.arctan2)]:
        np.testing.assert_allclose(np_(getattr(tf.math, name)(a, b)), ref(a, b), rtol=1e-5, atol=1e-6)
    for name, ref in [("abs", np.abs), ("exp", np.exp), ("tanh", np.tanh), ("sign", np.sign), ("square", np.square),
                      ("sigmoid", lambda v: 1 / (1 + np.exp(-v))), ("log1p", lambda v: np.log1p(np.abs(v)))]:
        arg = np.abs(a) if name == "log1p" else a
        np.testing.assert_allclose(np_(getattr(tf.math, name)(arg)), ref(arg), rtol=1e-5, atol=1e-6)
    assert tf.divide(tf.constant([3]), tf.constant([2])).dtype == torch.float64  # int32 / int32
    assert tf.add(tf.constant([1], dtype=tf.int64), 2).dtype == torch.int64  # the number takes the tensor's dtype
    assert tf.math.floormod(tf.constant([-3]), 2).tolist() == [1] and tf.math.floordiv(-3, 2).item() == -2
    assert tf.math.divide_no_nan(tf.constant([1.0, 2.0]), tf.constant([0.0, 4.0])).tolist() == [0.0, 0.5]
    assert tf.round(tf.constant([0.5, 1.5, 2.5])).tolist() == [0.0, 2.0, 2.0]  # half to even


def test_argmax_cumsum_topk_segments():
    v = np.array([[1.0, 9.0, 3.0], [7.0, 2.0, 8.0]], np.float32)
    assert tf.argmax(v).tolist() == [1, 0, 1] and tf.argmax(v).dtype == torch.int64  # axis 0 by default
    assert tf.argmin(v, axis=1).tolist() == [0, 1]
    np.testing.assert_allclose(np_(tf.cumsum(v, axis=1)), np.cumsum(v, axis=1))
    assert tf.cumsum([1, 2, 3], exclusive=True).tolist() == [0, 1, 3]
    assert tf.cumsum([1, 2, 3], reverse=True).tolist() == [6, 5, 3]
    assert tf.math.cumsum([1, 2, 3], exclusive=True, reverse=True).tolist() == [5, 3, 0]
    top = tf.math.top_k(v, k=2)
    assert top.values.tolist() == [[9.0, 3.0], [8.0, 7.0]] and top.indices.tolist() == [[1, 2], [2, 0]]
    assert top.indices.dtype == torch.int32
    assert tf.math.in_top_k([1, 1], v, 1).tolist() == [True, False]
    seg = tf.math.unsorted_segment_sum(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0, 2, 0, 2]), 3)
    assert seg.tolist() == [4.0, 0.0, 6.0]
    assert tf.math.segment_max(np.array([5, 1, 7]), np.array([0, 0, 1])).tolist() == [5, 7]
    cm = tf.math.confusion_matrix([0, 1, 1, 2], [0, 2, 1, 2], num_classes=3)
    assert cm.tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    np.testing.assert_allclose(np_(tf.math.l2_normalize(v, axis=1)), v / np.linalg.norm(v, axis=1, keepdims=True),
                               rtol=1e-6)


# ---------------------------------------------------------------- array ops
def test_array_ops_match_numpy():
    np.testing.assert_array_equal(np_(tf.concat([X, X * 2], axis=-1)), np.concatenate([X, X * 2], -1))
    np.testing.assert_array_equal(np_(tf.stack([X, X], axis=1)), np.stack([X, X], 1))
    assert [tuple(t.shape) for t in tf.unstack(X, axis=1)] == [(3, 5)] * 4
    np.testing.assert_array_equal(np_(tf.reshape(X, [tf.shape(X)[0], -1])), X.reshape(3, -1))
    np.testing.assert_array_equal(np_(tf.transpose(X)), X.T)
    np.testing.assert_array_equal(np_(tf.transpose(X, perm=[1, 0, 2])), X.transpose(1, 0, 2))
    assert tuple(tf.expand_dims(X, 0).shape) == (1, 3, 4, 5) and tuple(tf.squeeze(X[:1], 0).shape) == (4, 5)
    with pytest.raises(ValueError, match="squeeze"):
        tf.squeeze(X, axis=0)
    np.testing.assert_array_equal(np_(tf.tile(X[0], [2, 1])), np.tile(X[0], (2, 1)))
    np.testing.assert_array_equal(np_(tf.gather(X, [2, 0], axis=1)), X[:, [2, 0]])
    np.testing.assert_array_equal(np_(tf.gather(X, np.array([[0, 1], [1, 1]]))), X[[[0, 1], [1, 1]]])
    idx = np.array([[1, 0], [3, 2], [0, 0]])
    np.testing.assert_array_equal(np_(tf.gather(X, idx, axis=1, batch_dims=1)),
                                  np.stack([X[b][idx[b]] for b in range(3)]))
    np.testing.assert_array_equal(np_(tf.gather_nd(X, [[0, 1], [2, 3]])), X[[0, 2], [1, 3]])
    np.testing.assert_array_equal(np_(tf.slice(X, [1, 0, 2], [-1, 2, 3])), X[1:, 0:2, 2:5])
    parts = tf.split(X, [1, -1, 2], axis=2)
    assert [p.shape[2] for p in parts] == [1, 2, 2]
    assert len(tf.split(X, 5, axis=2)) == 5
    np.testing.assert_array_equal(np_(tf.reverse(X, [0, 2])), X[::-1, :, ::-1])


@pytest.mark.parametrize("mode,np_mode", [("CONSTANT", "constant"), ("REFLECT", "reflect"),
                                          ("SYMMETRIC", "symmetric")])
def test_pad_modes_match_numpy(mode, np_mode):
    pads = [[1, 2], [0, 0], [2, 1]]
    np.testing.assert_array_equal(np_(tf.pad(X, pads, mode=mode)), np.pad(X, pads, mode=np_mode))


def test_one_hot_where_masks_clip():
    assert tf.one_hot([0, 2, 5], 3).tolist() == [[1, 0, 0], [0, 0, 1], [0, 0, 0]]  # out of range: all off
    assert tf.one_hot([1], 2, on_value=5, off_value=-1).tolist() == [[-1, 5]]
    assert tuple(tf.one_hot([[0, 1]], 3, axis=0).shape) == (3, 1, 2)
    assert tf.where([[True, False], [False, True]]).tolist() == [[0, 0], [1, 1]]
    assert tf.where([True, False], [1, 2], [3, 4]).tolist() == [1, 4]
    assert tf.boolean_mask(np.arange(6).reshape(3, 2), [True, False, True]).tolist() == [[0, 1], [4, 5]]
    assert tf.sequence_mask([1, 3], 4).tolist() == [[True, False, False, False], [True, True, True, False]]
    assert tf.clip_by_value(tf.constant([-2.0, 0.5, 3.0]), -1, 1).tolist() == [-1.0, 0.5, 1.0]
    clipped = tf.clip_by_norm(tf.constant([3.0, 4.0]), 1.0)
    np.testing.assert_allclose(np_(clipped), [0.6, 0.8], rtol=1e-6)
    (a, b), norm = tf.clip_by_global_norm([tf.constant([3.0]), tf.constant([4.0])], 2.5)
    assert norm.item() == pytest.approx(5.0) and [a.item(), b.item()] == pytest.approx([1.5, 2.0])
    upd = tf.tensor_scatter_nd_update(tf.zeros((3, 2)), [[1], [2]], [[1.0, 2.0], [3.0, 4.0]])
    assert upd.tolist() == [[0, 0], [1, 2], [3, 4]]
    assert tf.scatter_nd([[0], [0], [2]], [1.0, 2.0, 5.0], [3]).tolist() == [3.0, 0.0, 5.0]
    y, idx = tf.unique([4, 1, 4, 2, 1])
    assert y.tolist() == [4, 1, 2] and idx.tolist() == [0, 1, 0, 2, 1]


def test_matmul_einsum_norm():
    a, b = RNG.standard_normal((2, 3, 4)).astype("f"), RNG.standard_normal((2, 5, 4)).astype("f")
    np.testing.assert_allclose(np_(tf.matmul(a, b, transpose_b=True)), a @ b.transpose(0, 2, 1), rtol=1e-5)
    k = RNG.standard_normal((4, 5, 2, 3)).astype("f")
    x = RNG.standard_normal((6, 4, 5)).astype("f")
    np.testing.assert_allclose(np_(tf.einsum("bij,ijkl->bkl", x, k)), np.einsum("bij,ijkl->bkl", x, k), rtol=1e-4,
                               atol=1e-5)
    np.testing.assert_allclose(np_(tf.norm(a)), np.linalg.norm(a.reshape(-1)), rtol=1e-5)
    np.testing.assert_allclose(np_(tf.norm(a, ord=1, axis=-1)), np.abs(a).sum(-1), rtol=1e-5)
    np.testing.assert_allclose(np_(tf.tensordot(a[0], b[0], axes=[[1], [1]])), a[0] @ b[0].T, rtol=1e-5)
    with pytest.raises(TypeError, match="same dtype"):
        tf.matmul(tf.ones((2, 2)), tf.ones((2, 2), dtype=tf.float64))
    m = np.array([[4.0, 1.0], [1.0, 3.0]], np.float32)
    np.testing.assert_allclose(np_(tf.linalg.inv(m)), np.linalg.inv(m), rtol=1e-5)
    np.testing.assert_allclose(np_(tf.linalg.det(m)), np.linalg.det(m), rtol=1e-5)
    assert tf.linalg.band_part(tf.ones((3, 3)), -1, 0).tolist() == np.tril(np.ones((3, 3))).tolist()
    np.testing.assert_allclose(np_(tf.linalg.logdet(m)), np.log(np.linalg.det(m)), rtol=1e-5)


# ---------------------------------------------------------------- tf.nn
def _np_conv2d(x, k, strides, padding):
    """Direct NHWC / HWIO convolution with TensorFlow's padding (the extra pixel after)."""
    n, h, w, c = x.shape
    kh, kw, _, co = k.shape
    sh, sw = strides
    if padding == "SAME":
        oh, ow = -(-h // sh), -(-w // sw)
        ph, pw = max((oh - 1) * sh + kh - h, 0), max((ow - 1) * sw + kw - w, 0)
        x = np.pad(x, [(0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)])
    else:
        oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    out = np.zeros((n, oh, ow, co), np.float64)
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
            out[:, i, j, :] = np.tensordot(patch, k, axes=([1, 2, 3], [0, 1, 2]))
    return out


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize("strides", [1, [2, 2], [1, 2, 1, 1]])
def test_conv2d_matches_direct_convolution(padding, strides):
    x = RNG.standard_normal((2, 7, 6, 3)).astype("f")
    k = RNG.standard_normal((3, 2, 3, 4)).astype("f")
    s = {1: (1, 1), 2: (2, 2)}.get(strides if isinstance(strides, int) else None) or \
        ((2, 2) if strides == [2, 2] else (2, 1))
    got = np_(tf.nn.conv2d(x, k, strides=strides, padding=padding))
    np.testing.assert_allclose(got, _np_conv2d(x, k, s, padding), rtol=1e-4, atol=1e-4)


def test_explicit_padding_and_conv1d_and_transpose_shapes():
    x = RNG.standard_normal((1, 5, 5, 2)).astype("f")
    k = RNG.standard_normal((3, 3, 2, 1)).astype("f")
    explicit = np_(tf.nn.conv2d(x, k, 1, [[0, 0], [1, 1], [1, 1], [0, 0]]))
    np.testing.assert_allclose(explicit, np_(tf.nn.conv2d(x, k, 1, "SAME")), rtol=1e-5, atol=1e-5)
    seq = RNG.standard_normal((2, 9, 3)).astype("f")
    k1 = RNG.standard_normal((3, 3, 4)).astype("f")
    got = np_(tf.nn.conv1d(seq, k1, stride=1, padding="VALID"))
    want = _np_conv2d(seq[:, None], k1[None], (1, 1), "VALID")[:, 0]
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    # conv2d_transpose is conv2d's gradient with respect to its input (TensorFlow's definition).
    y = torch.tensor(RNG.standard_normal((1, 3, 3, 1)).astype("f"))
    xin = torch.tensor(x, requires_grad=True)
    out = tf.nn.conv2d(xin, k, strides=2, padding="SAME")
    (grad,) = torch.autograd.grad(out, xin, grad_outputs=y)
    np.testing.assert_allclose(np_(tf.nn.conv2d_transpose(y, k, (1, 5, 5, 2), strides=2, padding="SAME")),
                               np_(grad), rtol=1e-4, atol=1e-5)


def _np_pool(x, size, stride, padding, kind):
    n, h, w, c = x.shape
    if padding == "SAME":
        oh, ow = -(-h // stride), -(-w // stride)
        ph, pw = max((oh - 1) * stride + size - h, 0), max((ow - 1) * stride + size - w, 0)
        fill = -np.inf if kind == "max" else np.nan
        x = np.pad(x, [(0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)], constant_values=fill)
    else:
        oh, ow = (h - size) // stride + 1, (w - size) // stride + 1
    out = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            win = x[:, i * stride:i * stride + size, j * stride:j * stride + size, :]
            out[:, i, j] = win.max((1, 2)) if kind == "max" else np.nanmean(win, (1, 2))
    return out


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize("size,stride,width", [(2, 2, 5), (3, 2, 8)])
def test_pooling_matches_numpy(padding, size, stride, width):
    # "SAME" average pooling averages the real elements of each window only (TensorFlow's rule).
    x = RNG.standard_normal((2, width, width, 3)).astype("f")
    np.testing.assert_allclose(np_(tf.nn.max_pool2d(x, size, stride, padding)),
                               _np_pool(x, size, stride, padding, "max"), rtol=1e-6)
    got = tf.nn.avg_pool2d(x, ksize=[1, size, size, 1], strides=[1, stride, stride, 1], padding=padding)
    np.testing.assert_allclose(np_(got), _np_pool(x, size, stride, padding, "avg"), rtol=1e-5, atol=1e-6)


def test_moments_batch_norm_activations_losses():
    k = RNG.standard_normal((3, 3, 2, 4)).astype("f")
    mean, var = tf.nn.moments(k, axes=[0, 1, 2], keepdims=True)
    assert tuple(mean.shape) == (1, 1, 1, 4)
    np.testing.assert_allclose(np_(mean), k.mean((0, 1, 2), keepdims=True), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np_(var), k.var((0, 1, 2), keepdims=True), rtol=1e-5)
    m2, v2 = tf.nn.moments(k, axes=[0])
    assert tuple(m2.shape) == (3, 2, 4)
    bn = tf.nn.batch_normalization(k, mean, var, offset=1.0, scale=2.0, variance_epsilon=1e-3)
    np.testing.assert_allclose(np_(bn), 2 * (k - k.mean((0, 1, 2))) / np.sqrt(k.var((0, 1, 2)) + 1e-3) + 1,
                               rtol=1e-4, atol=1e-5)
    v = X[0]
    np.testing.assert_allclose(np_(tf.nn.relu(-v)), np.maximum(-v, 0))
    np.testing.assert_allclose(np_(tf.nn.leaky_relu(v)), np.where(v > 0, v, 0.2 * v), rtol=1e-6)
    np.testing.assert_allclose(np_(tf.nn.softmax(v)), np.exp(v) / np.exp(v).sum(-1, keepdims=True), rtol=1e-5)
    from scipy.special import erf
    np.testing.assert_allclose(np_(tf.nn.gelu(v)), 0.5 * v * (1 + erf(v / np.sqrt(2))), rtol=1e-5, atol=1e-6)
    labels = np.array([1, 0, 4])
    logits = RNG.standard_normal((3, 5)).astype("f")
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    np.testing.assert_allclose(np_(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)),
                               -logp[np.arange(3), labels], rtol=1e-5)
    onehot = np.eye(5, dtype="f")[labels]
    np.testing.assert_allclose(np_(tf.nn.softmax_cross_entropy_with_logits(onehot, logits)),
                               -logp[np.arange(3), labels], rtol=1e-5)
    z = (RNG.random((3, 5)) > 0.5).astype("f")
    np.testing.assert_allclose(np_(tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=logits)),
                               np.maximum(logits, 0) - logits * z + np.log1p(np.exp(-np.abs(logits))), rtol=1e-5)
    table = RNG.standard_normal((6, 2)).astype("f")
    np.testing.assert_array_equal(np_(tf.nn.embedding_lookup(table, [[5, 0]])), table[[[5, 0]]])
    kept = np_(tf.nn.dropout(tf.ones((1000,)), rate=0.25, seed=3))
    assert np.allclose(kept[kept > 0], 4 / 3) and 0.6 < (kept > 0).mean() < 0.9


@requires_keras
def test_nn_ops_agree_with_keras3_ops():
    x = RNG.standard_normal((2, 8, 8, 3)).astype("f")
    k = RNG.standard_normal((3, 3, 3, 5)).astype("f")
    res = run_keras("""
        from keras import ops
        x, k = inputs["x"], inputs["k"]
        result["conv_same"] = ops.conv(x, k, strides=2, padding="same")
        result["conv_valid"] = ops.conv(x, k, strides=1, padding="valid")
        result["depthwise"] = ops.depthwise_conv(x, k[..., :1], strides=1, padding="same")
        result["max_pool"] = ops.max_pool(x, 3, 2, padding="same")
        result["avg_pool"] = ops.average_pool(x, 2, 2, padding="same")
        result["moments"] = ops.moments(k, axes=[0, 1, 2], keepdims=True)
        result["logsumexp"] = ops.logsumexp(x, axis=-1)
        result["l2"] = ops.normalize(x, axis=-1)
    """, arrays={"x": x, "k": k})
    close = lambda a, b: np.testing.assert_allclose(np_(a), b, rtol=1e-4, atol=1e-5)  # noqa: E731
    close(tf.nn.conv2d(x, k, strides=2, padding="SAME"), res["conv_same"])
    close(tf.nn.conv2d(x, k, strides=[1, 1, 1, 1], padding="VALID"), res["conv_valid"])
    close(tf.nn.depthwise_conv2d(x, k[..., :1], strides=[1, 1, 1, 1], padding="SAME"), res["depthwise"])
    close(tf.nn.max_pool2d(x, 3, 2, "SAME"), res["max_pool"])
    # Pool 2 / stride 2 on 8 pixels pads nothing. Where "same" windows do pad (pool 3 / stride 2), Keras 3's
    # torch backend gives other values than TensorFlow's average of the real elements, which
    # test_pooling_matches_numpy checks.
    close(tf.nn.avg_pool2d(x, 2, 2, "SAME"), res["avg_pool"])
    mean, var = tf.nn.moments(k, axes=[0, 1, 2], keepdims=True)
    close(mean, res["moments"][0])
    close(var, res["moments"][1])
    close(tf.reduce_logsumexp(x, axis=-1), res["logsumexp"])
    close(tf.math.l2_normalize(x, axis=-1), res["l2"])


# ---------------------------------------------------------------- symbolic use, nest, TensorShape
def test_ops_on_symbolic_tensors_record_layers():
    inp = Input(shape=(6,))
    centered = inp - tf.reduce_mean(inp, axis=-1, keepdims=True)
    out = tf.concat([tf.nn.relu(centered), tf.nn.relu(-centered)], axis=-1)
    assert tuple(out.shape) == (None, 12)
    model = Model(inp, out)
    data = RNG.standard_normal((4, 6)).astype("f")
    c = data - data.mean(-1, keepdims=True)
    np.testing.assert_allclose(model.predict(data, verbose=0), np.concatenate([np.maximum(c, 0), np.maximum(-c, 0)],
                                                                               -1), rtol=1e-5, atol=1e-6)


def test_nest_flatten_pack_map():
    Point = collections.namedtuple("Point", "x y")
    s = {"b": [1, (2, 3)], "a": Point(4, 5), "c": None}
    assert tf.nest.flatten(s) == [4, 5, 1, 2, 3, None]
    packed = tf.nest.pack_sequence_as(s, list(range(6)))
    assert packed == {"b": [2, (3, 4)], "a": Point(0, 1), "c": 5} and list(packed) == ["b", "a", "c"]
    assert tf.nest.map_structure(lambda a, b: a + b, [1, (2,)], [10, (20,)]) == [11, (22,)]
    assert tf.nest.flatten(torch.ones(2)).__len__() == 1 and not tf.nest.is_nested("ab")
    with pytest.raises(ValueError, match="same nested structure"):
        tf.nest.assert_same_structure([1, [2]], [1, 2])
    with pytest.raises(TypeError, match="sequence type"):
        tf.nest.assert_same_structure([1, 2], (1, 2))
    with pytest.raises(ValueError, match="3 leaves"):
        tf.nest.pack_sequence_as([1, [2, 3]], [1, 2])
    t = (torch.ones(1), torch.zeros(2))
    a, b = tf.nest.flatten(t)
    assert a is t[0] and b is t[1]


def test_tensor_shape():
    s = tf.TensorShape([None, 20, 30])
    assert s.rank == 3 and s.as_list() == [None, 20, 30] and s[1:] == tf.TensorShape([20, 30]) and s[1] == 20
    assert not s.is_fully_defined() and s[1:].is_fully_defined() and s[1:].num_elements() == 600
    assert s == (None, 20, 30) and tuple(s) == (None, 20, 30) and len(s) == 3
    assert (64,) + tuple(tf.TensorShape([10])) == (64, 10) and (tf.TensorShape([2]) + [3]).as_list() == [2, 3]
    assert s.is_compatible_with((5, 20, 30)) and not s.is_compatible_with((5, 20))
    assert s.merge_with((7, None, 30)).as_list() == [7, 20, 30]
    assert tf.TensorShape(None).rank is None and tf.TensorShape(3).as_list() == [3]
    assert str(tf.TensorShape([None, 4])) == "(None, 4)"
