"""keras.ops coverage: every name of Keras 3's ``keras.ops`` (and ``.numpy``, ``.nn``, ``.linalg``,
``.image``) exists here, and a sample call of each op gives Keras 3's numbers (1e-5), eagerly and,
for a subset, symbolically through a recorded op layer.

The cases are expressions evaluated on both sides with ``ops`` bound to ``keras.ops`` (in the
oracle process) and to ``kfunc_torch.ops`` (here), over the same input arrays."""
import numpy as np
import pytest
import torch

from kfunc_torch import Input, Model, ops
from keras_oracle import requires_keras, run_keras

rng = np.random.default_rng(7)
_m = rng.normal(size=(4, 4)).astype("float32")
ARRAYS = {
    "x": rng.normal(size=(3, 4, 5)).astype("float32"),
    "y": rng.normal(size=(3, 4, 5)).astype("float32"),
    "p": (np.abs(rng.normal(size=(3, 4, 5))) + 0.1).astype("float32"),
    "u": rng.uniform(-0.9, 0.9, size=(3, 4)).astype("float32"),
    "v": rng.normal(size=(7,)).astype("float32"),
    "w": rng.normal(size=(3,)).astype("float32"),
    "i": rng.integers(0, 5, size=(3, 4)).astype("int32"),
    "j": rng.integers(1, 9, size=(3, 4)).astype("int32"),
    "m": (_m @ _m.T + 4 * np.eye(4)).astype("float32"),
    "a2": rng.normal(size=(4, 6)).astype("float32"),
    "img": rng.uniform(size=(2, 8, 8, 3)).astype("float32"),
    "ker": rng.normal(size=(3, 3, 3, 4)).astype("float32"),
    "dk": rng.normal(size=(3, 3, 3, 2)).astype("float32"),
    "pk": rng.normal(size=(1, 1, 6, 5)).astype("float32"),
    "tk": rng.normal(size=(3, 3, 4, 3)).astype("float32"),
    "sig": rng.normal(size=(2, 64)).astype("float32"),
    "seg": np.array([0, 0, 1, 2, 2, 2], "int32"),
    "data": rng.normal(size=(6, 3)).astype("float32"),
    "q4": rng.normal(size=(2, 5, 3, 4)).astype("float32"),
    "k4": rng.normal(size=(2, 6, 3, 4)).astype("float32"),
    "n": np.array([1.0, np.nan, 3.0, np.inf, -2.0, np.nan], "float32").reshape(2, 3),
    "logits": rng.normal(size=(4, 6)).astype("float32"),
    "lab": np.array([1, 0, 5, 3], "int32"),
    "bits": rng.integers(0, 64, size=(3, 4)).astype("int32"),
}

CASES = [
    # numpy: elementwise
    "ops.arccos(u)", "ops.arcsin(u)", "ops.arctan(x)", "ops.arctanh(u)", "ops.arccosh(p + 1)", "ops.arcsinh(x)",
    "ops.cosh(x)", "ops.sinh(x)", "ops.tan(u)", "ops.exp2(x)", "ops.expm1(x)", "ops.log1p(p)", "ops.log2(p)",
    "ops.log10(p)", "ops.deg2rad(x)", "ops.rad2deg(x)", "ops.reciprocal(p)", "ops.fabs(x)", "ops.trunc(x * 3)",
    "ops.sinc(x)", "ops.cbrt(x)", "ops.signbit(x)", "ops.isfinite(n)", "ops.isinf(n)", "ops.isnan(n)",
    "ops.isneginf(n)", "ops.isposinf(n)", "ops.nan_to_num(n)", "ops.logical_not(x > 0)", "ops.copy(x)",
    "ops.conj(x)", "ops.real(x)", "ops.i0(u)", "ops.angle(x)", "ops.isreal(x)",
    "ops.arctan2(x, y)", "ops.hypot(x, y)", "ops.logaddexp(x, y)", "ops.logaddexp2(x, y)",
    "ops.floor_divide(j, 3)", "ops.fmod(x, 0.7)", "ops.fmax(n, 0.5)", "ops.fmin(n, 0.5)", "ops.true_divide(x, p)",
    "ops.heaviside(x, 0.5)", "ops.logical_and(x > 0, y > 0)", "ops.logical_or(x > 0, y > 0)",
    "ops.logical_xor(x > 0, y > 0)", "ops.bitwise_and(bits, 12)", "ops.bitwise_or(bits, 5)",
    "ops.bitwise_xor(bits, 7)", "ops.bitwise_not(bits)", "ops.bitwise_invert(bits)", "ops.left_shift(bits, 2)",
    "ops.right_shift(bits, 1)", "ops.bitwise_left_shift(bits, 1)", "ops.bitwise_right_shift(bits, 2)",
    "ops.gcd(j, 6)", "ops.lcm(j, 4)", "ops.divide_no_nan(x, ops.where(y > 0, y, 0.0))", "ops.isclose(x, x + 1e-9)",
    "ops.allclose(x, x)", "ops.ldexp(u, i)", "ops.nextafter(x, y)",
    # numpy: reductions
    "ops.amax(x, axis=1)", "ops.amin(x, axis=(0, 2))", "ops.ptp(x, axis=-1)", "ops.average(x, axis=1)",
    "ops.average(x, axis=2, weights=ops.arange(5, dtype='float32') + 1)",
    "ops.count_nonzero(i, axis=0)", "ops.median(x, axis=1)", "ops.median(x)", "ops.quantile(x, 0.3, axis=2)",
    "ops.quantile(x, [0.1, 0.9], axis=(1, 2))", "ops.percentile(x, 75, axis=0)", "ops.trace(m)",
    "ops.nansum(n, axis=1)", "ops.nanmean(n, axis=0)", "ops.nanmax(n, axis=1)", "ops.nanmin(n)", "ops.nanprod(n)",
    "ops.nanvar(n, axis=1)", "ops.nanstd(n, axis=1)", "ops.nanargmax(n, axis=1)", "ops.nanargmin(n, axis=1)",
    "ops.nancumsum(n, axis=1)", "ops.nancumprod(n, axis=1)", "ops.nanmedian(n, axis=1)",
    "ops.nanquantile(n, 0.5, axis=1)", "ops.nanpercentile(n, 40, axis=1)", "ops.diff(x, axis=1)",
    "ops.diff(v, n=2)", "ops.isin(i, [1, 3])",
    # numpy: layout
    "ops.hstack([x, y])", "ops.vstack([x, y])", "ops.dstack([x, y])", "ops.append(x, y, axis=1)",
    "ops.append(w, v)", "ops.array_split(v, 3)", "ops.hsplit(a2, 3)", "ops.vsplit(a2, 2)", "ops.dsplit(x, 5)",
    "ops.moveaxis(x, 0, -1)", "ops.swapaxes(x, 0, 2)", "ops.ravel(x)", "ops.broadcast_to(w, (4, 3))",
    "ops.flip(x, axis=1)", "ops.flip(x)", "ops.fliplr(a2)", "ops.flipud(a2)", "ops.roll(x, 2, axis=-1)",
    "ops.roll(v, 3)", "ops.rot90(a2)", "ops.rot90(x, k=3, axes=(1, 2))",
    "ops.take_along_axis(x, ops.argsort(x, axis=-1), axis=-1)", "ops.tril(a2)", "ops.triu(a2, k=1)",
    "ops.tri(3, 4, k=1)", "ops.diag(w)", "ops.diag(a2, k=1)", "ops.diagflat(a2[:2, :2])",
    "ops.diagonal(x, axis1=1, axis2=2)",
    # numpy: products
    "ops.tensordot(x, y, axes=([1, 2], [1, 2]))", "ops.tensordot(a2, a2, axes=([1], [1]))",
    "ops.tensordot(x, ops.ones((5, 3)), axes=1)", "ops.dot(a2, ops.transpose(a2))", "ops.dot(x, ops.ones((5,)))", "ops.dot(x, ops.ones((5, 2)))",
    "ops.inner(x, y)", "ops.outer(w, v)", "ops.vdot(v, v * 2)", "ops.kron(a2[:2, :2], m[:2, :2])",
    "ops.cross(x[:2, :, :3], y[:2, :, :3])", "ops.correlate(v, w, mode='full')", "ops.correlate(v, w, mode='same')",
    "ops.correlate(v, w)", "ops.corrcoef(a2)", "ops.trapezoid(x, axis=1)", "ops.trapezoid(v, dx=0.5)",
    "ops.einsum('ijk,ijk->ij', x, y)",
    # numpy: padding, selection, sorting, searching, creation
    "ops.pad(a2, ((1, 2), (0, 3)))", "ops.pad(a2, ((1, 1), (2, 2)), mode='reflect')",
    "ops.pad(a2, ((1, 1), (1, 1)), mode='symmetric')", "ops.pad(a2, ((1, 1), (2, 2)), constant_values=3.0)",
    "ops.select([x < -0.5, x > 0.5], [-x, x * 2], 7.0)", "ops.argsort(x, axis=1)", "ops.argsort(v)",
    "ops.searchsorted(ops.sort(v), w)", "ops.searchsorted(ops.sort(v), w, side='right')",
    "ops.digitize(v, [-1.0, 0.0, 1.0])", "ops.bincount(ops.ravel(i))", "ops.bincount(ops.ravel(i), minlength=8)",
    "ops.nonzero(i > 2)", "ops.unique(ops.ravel(i))", "ops.histogram(v, bins=4)",
    "ops.unravel_index([3, 7, 11], (3, 4))", "ops.full_like(x, 2.5)", "ops.empty_like(x) * 0",
    "ops.identity(3)", "ops.array([[1.0, 2.0], [3.0, 4.0]])", "ops.size(x)", "ops.linspace(0.0, 1.0, 7)",
    "ops.linspace(0.0, 2.0, 4, endpoint=False)", "ops.logspace(0.0, 2.0, 5)", "ops.geomspace(1.0, 1000.0, 4)",
    "ops.vander(w, 4)", "ops.meshgrid(w, v[:4])", "ops.meshgrid(w, v[:4], indexing='ij')", "ops.bartlett(6)",
    "ops.blackman(6)", "ops.hamming(6)", "ops.hanning(6)", "ops.kaiser(6, 3.0)", "ops.get_item(x, 1)",
    "ops.amax(ops.empty((2, 3)) * 0)", "ops.view(x, 'int32')", "ops.vectorize(lambda a, b: a * b + 1)(x, y)",
    "ops.slogdet(m)",
    # core
    "ops.cond(True, lambda: x, lambda: y)", "ops.fori_loop(0, 4, lambda k, s: s + x * k, ops.zeros_like(x))",
    "ops.while_loop(lambda k, s: k < 3, lambda k, s: (k + 1, s * 2), (0, x))[1]",
    "ops.scan(lambda c, e: (c + e, c * e), ops.zeros((6,)), a2)",
    "ops.associative_scan(ops.add, a2, axis=1)", "ops.associative_scan(ops.maximum, v, reverse=True)",
    "ops.map(lambda r: ops.sum(r ** 2), a2)", "ops.vectorized_map(lambda r: r * 2 + 1, a2)",
    "ops.switch(1, [lambda t: t * 2, lambda t: t - 1], x)", "ops.is_tensor(ops.convert_to_tensor(x))",
    "ops.saturate_cast(x * 300, 'uint8')", "ops.scatter([[0, 1], [2, 0], [0, 1]], [5.0, 7.0, 1.0], (3, 2))",
    "ops.scatter_update(a2, [[0, 0], [3, 5]], [9.0, -9.0])", "ops.slice(x, (0, 1, 2), (2, 2, 3))",
    "ops.slice_update(a2, (1, 2), ops.ones((2, 3)))", "ops.unstack(x, axis=1)",
    "ops.rearrange(x, 'a b c -> c (a b)')", "ops.rearrange(ops.reshape(x, (3, 20)), 'a (b c) -> c a b', b=4)",
    # math
    "ops.rsqrt(p)", "ops.erfc(x)", "ops.erfinv(u)", "ops.logdet(m)", "ops.segment_sum(data, seg)",
    "ops.segment_max(data, seg, num_segments=3)", "ops.segment_min(data, seg)", "ops.segment_prod(data, seg)",
    "ops.in_top_k(lab, logits, 2)", "ops.extract_sequences(sig, 16, 8)", "ops.fft((sig, ops.zeros_like(sig)))",
    "ops.fft2((a2, ops.zeros_like(a2)))", "ops.ifft2((a2, a2))", "ops.rfft(sig)", "ops.rfft(sig, fft_length=32)",
    "ops.irfft(ops.rfft(sig))", "ops.stft(sig, 16, 8, 16)", "ops.stft(sig, 12, 4, 16, window='hamming')",
    "ops.istft(ops.stft(sig, 16, 4, 16), 16, 4, 16, length=64)", "ops.view_as_real(ops.view_as_complex(x[..., :2]))",
    "ops.cdist(a2, a2 * 2)", "ops.logsumexp(x, axis=1)", "ops.top_k(v, 3)",
    # linalg
    "ops.linalg.cholesky(m)", "ops.linalg.cholesky_inverse(ops.linalg.cholesky(m))", "ops.linalg.det(m)",
    "ops.linalg.inv(m)", "ops.linalg.eigh(m)[0]", "ops.sort(ops.real(ops.linalg.eig(m)[0]))",
    "ops.linalg.lu_factor(m)", "ops.matmul(*ops.linalg.qr(a2))", "ops.linalg.svd(a2, compute_uv=False)",
    "ops.linalg.pinv(a2)", "ops.linalg.solve(m, a2)", "ops.linalg.solve_triangular(ops.tril(m), a2, lower=True)",
    "ops.linalg.lstsq(ops.transpose(a2), ops.ones((6, 2)))",
    "ops.linalg.matrix_rank(a2)", "ops.linalg.norm(x, axis=-1)", "ops.linalg.norm(m, ord='fro')",
    "ops.linalg.jvp(ops.sin, (w,), (ops.ones_like(w),))",
    # nn: activations and normalisation
    "ops.relu6(x * 4)", "ops.selu(x)", "ops.silu(x)", "ops.swish(x)", "ops.hard_sigmoid(x * 3)",
    "ops.hard_silu(x * 3)", "ops.hard_swish(x)", "ops.hard_tanh(x * 2)", "ops.log_sigmoid(x)",
    "ops.tanh_shrink(x)", "ops.sparse_plus(x)", "ops.sparse_sigmoid(x)", "ops.elu(x, 0.5)", "ops.celu(x, 0.7)",
    "ops.leaky_relu(x)", "ops.glu(x[..., :4])", "ops.hard_shrink(x)", "ops.soft_shrink(x, 0.3)",
    "ops.squareplus(x)", "ops.threshold(x, 0.1, -1.0)", "ops.sparsemax(x)", "ops.sparsemax(x, axis=1)",
    "ops.nn.gelu(x)", "ops.nn.gelu(x, approximate=False)", "ops.nn.softmax(x, axis=1)",
    "ops.nn.log_softmax(x)", "ops.moments(x, axes=[0, 1])", "ops.moments(x, axes=[2], keepdims=True)",
    "ops.batch_normalization(x, ops.mean(x, axis=(0, 1)), ops.var(x, axis=(0, 1)), axis=-1, offset=ops.ones((5,)), scale=ops.ones((5,)) * 2)",
    "ops.layer_normalization(x, ops.ones((5,)) * 2, ops.ones((5,)))", "ops.layer_normalization(x, axis=(1, 2))",
    "ops.rms_normalization(x, ops.arange(5, dtype='float32'))", "ops.normalize(x)", "ops.normalize(x, order=1, axis=1)",
    "ops.multi_hot([[0, 2], [1, 1]], 4)", "ops.multi_hot([0, 3], 5)", "ops.psnr(img, img * 0.9, 1.0)",
    "ops.nn.one_hot(lab, 6)",
    # nn: losses
    "ops.binary_crossentropy(ops.cast(x > 0, 'float32'), ops.sigmoid(y))",
    "ops.binary_crossentropy(ops.cast(x > 0, 'float32'), y, from_logits=True)",
    "ops.categorical_crossentropy(ops.one_hot(lab, 6), ops.softmax(logits))",
    "ops.categorical_crossentropy(ops.one_hot(lab, 6), logits, from_logits=True)",
    "ops.sparse_categorical_crossentropy(lab, ops.softmax(logits))",
    "ops.sparse_categorical_crossentropy(lab, logits, from_logits=True)",
    # nn: convolution and pooling
    "ops.conv(img, ker)", "ops.conv(img, ker, strides=2, padding='same')",
    "ops.conv(img, ker, padding='same', dilation_rate=2)", "ops.conv(sig[..., None], ker[0, :, :1, :])",
    "ops.depthwise_conv(img, dk, padding='same')", "ops.depthwise_conv(img, dk, strides=2)",
    "ops.separable_conv(img, dk, pk, padding='same')", "ops.conv_transpose(img, tk, strides=2)",
    "ops.conv_transpose(img, tk, strides=2, padding='same')", "ops.conv_transpose(img, tk, padding='same')",
    "ops.max_pool(img, 2)", "ops.max_pool(img, 3, strides=2, padding='same')", "ops.average_pool(img, 2)",
    "ops.average_pool(img, 3, strides=1, padding='same')", "ops.max_pool(sig[..., None], 4)",
    "ops.adaptive_average_pool(img, (3, 3))", "ops.adaptive_max_pool(img, (2, 4))", "ops.depth_to_space(ops.concatenate([img, img[..., :1]], axis=-1), 2)",
    "ops.space_to_depth(img, 2)", "ops.unfold(ops.transpose(img, (0, 3, 1, 2)), 3)",
    "ops.fold(ops.unfold(ops.transpose(img, (0, 3, 1, 2)), 2, stride=2), (8, 8), 2, stride=2)",
    "ops.dot_product_attention(q4, k4, k4)", "ops.dot_product_attention(q4, q4, q4, is_causal=True)",
    "ops.dot_product_attention(q4, k4, k4, scale=0.3)",
    "ops.ctc_loss(ops.array([[1, 2, 0], [3, 0, 0]]), ops.stack([logits[:, :5], logits[:, 1:]]), ops.array([2, 1]), ops.array([4, 4]))",
    "ops.ctc_decode(ops.stack([logits[:, :5], logits[:, 1:]]), ops.array([4, 3]))",
    # image
    "ops.image.resize(img, (4, 6))", "ops.image.resize(img, (16, 12), interpolation='nearest')",
    "ops.image.resize(img, (5, 5), interpolation='bicubic')", "ops.image.crop_images(img, 1, 2, target_height=4, target_width=5)",
    "ops.image.pad_images(img, 1, 2, target_height=12, target_width=11)", "ops.image.rgb_to_grayscale(img)",
    "ops.image.rgb_to_hsv(img)", "ops.image.hsv_to_rgb(img)", "ops.image.extract_patches(img, 4)",
    "ops.image.extract_patches(img, 3, strides=2, padding='same')", "ops.image.gaussian_blur(img, (3, 3), (1.0, 1.0), data_format='channels_last')",
    "ops.image.sobel_edges(img)",
]

# Keras names here that raise NotImplementedError with a pointer to torch (see ops/image_ops.py).
NOT_IMPLEMENTED = {"affine_transform", "perspective_transform", "map_coordinates", "elastic_transform",
                   "scale_and_translate", "extract_patches_3d", "ssim"}

_EVAL = """
def _np(v):
    if isinstance(v, (list, tuple)):
        return [_np(t) for t in v]
    if hasattr(v, "detach"):
        v = v.detach().cpu()
        if v.is_complex():
            v = torch.view_as_real(v)
        return v.numpy()
    return np.asarray(v)

def evaluate(ops, cases, env):
    out = {}
    for expr in cases:
        try:
            out[expr] = _np(eval(expr, {"ops": ops, "np": np, **env}))
        except Exception as e:
            out[expr] = "error: " + type(e).__name__ + ": " + str(e)[:200]
    return out
"""


def _ours():
    scope = {"np": np, "torch": torch}
    exec(_EVAL, scope)
    env = {k: torch.as_tensor(v) for k, v in ARRAYS.items()}
    return scope["evaluate"](ops, CASES, env)


def _close(a, b, expr):
    if isinstance(b, list):
        assert isinstance(a, list) and len(a) == len(b), expr
        for x, y in zip(a, b):
            _close(x, y, expr)
        return
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, f"{expr}: shape {a.shape} != Keras {b.shape}"
    if b.dtype == bool or a.dtype == bool:
        np.testing.assert_array_equal(a.astype(bool), b.astype(bool), err_msg=expr)
        return
    np.testing.assert_allclose(a.astype("float64"), b.astype("float64"), rtol=1e-5, atol=1e-5, equal_nan=True,
                               err_msg=expr)


@requires_keras
def test_every_keras3_op_name_exists():
    res = run_keras("""
        import keras
        result["top"] = sorted(n for n in dir(keras.ops) if not n.startswith("_"))
        for sub in ("numpy", "nn", "linalg", "image"):
            result[sub] = sorted(n for n in dir(getattr(keras.ops, sub)) if not n.startswith("_"))
    """)
    missing = {"top": sorted(set(res["top"]) - set(dir(ops)))}
    for sub in ("numpy", "nn", "linalg", "image"):
        missing[sub] = sorted(set(res[sub]) - set(dir(getattr(ops, sub))))
    assert missing == {"top": [], "numpy": [], "nn": [], "linalg": [], "image": []}
    for name in NOT_IMPLEMENTED:
        with pytest.raises(NotImplementedError, match="not implemented in kfunc_torch"):
            getattr(ops.image, name)(np.zeros((1, 4, 4, 3), "float32"))


@requires_keras
def test_ops_match_keras3_numerics():
    ref = run_keras(_EVAL + """
import torch
env = {k: torch.as_tensor(v) for k, v in inputs["arrays"].items()}
result.update(evaluate(keras.ops, inputs["cases"], env))
""".replace("import torch\n", "import torch, keras\n", 1), arrays={"arrays": ARRAYS, "cases": CASES})
    ours = _ours()
    failures = []
    for expr in CASES:
        if isinstance(ref[expr], str):
            failures.append(f"{expr}: Keras 3 itself failed ({ref[expr]})")
            continue
        if isinstance(ours[expr], str):
            failures.append(f"{expr}: {ours[expr]}")
            continue
        try:
            _close(ours[expr], ref[expr], expr)
        except AssertionError as e:
            failures.append(" ".join(str(e).split())[:300] or expr)
    assert not failures, "\n".join(failures)


SYMBOLIC = [
    ("tensordot", lambda t: ops.tensordot(t, ops.ones((5, 2)), axes=1)),
    ("hstack", lambda t: ops.hstack([t, t])),
    ("flip", lambda t: ops.flip(t, axis=1)),
    ("pad", lambda t: ops.pad(t, ((0, 0), (1, 1), (0, 2)))),
    ("moveaxis", lambda t: ops.moveaxis(t, 1, 2)),
    ("nanmean", lambda t: ops.nanmean(t, axis=-1)),
    ("median", lambda t: ops.median(t, axis=1)),
    ("cosh", lambda t: ops.cosh(t)),
    ("layer_normalization", lambda t: ops.layer_normalization(t)),
    ("conv", lambda t: ops.conv(t, ops.ones((3, 5, 2)), padding="same")),
    ("max_pool", lambda t: ops.max_pool(t, 2)),
    ("dot_product_attention", lambda t: ops.dot_product_attention(t[:, :, None], t[:, :, None], t[:, :, None])),
    ("rearrange_like", lambda t: ops.swapaxes(t, 1, 2)),
    ("segment_sum", lambda t: ops.sum(t, axis=0, keepdims=True) + ops.rsqrt(ops.square(t) + 1)),
    ("take_along_axis", lambda t: ops.take_along_axis(t, ops.argsort(t, axis=-1), axis=-1)),
]


@pytest.mark.parametrize("name,fn", SYMBOLIC, ids=[n for n, _ in SYMBOLIC])
def test_ops_on_keras_tensors_record_a_layer_with_the_eager_result(name, fn):
    inputs = Input((4, 5))
    out = fn(inputs)
    model = Model(inputs, out)
    x = torch.as_tensor(ARRAYS["x"])
    eager = fn(x)
    assert tuple(out.shape[1:]) == tuple(eager.shape[1:])
    np.testing.assert_allclose(model.predict(ARRAYS["x"], verbose=0), eager.numpy(), rtol=1e-5, atol=1e-6)


def test_hard_sigmoid_is_keras3s_in_ops_and_keras2s_in_backend():
    from kfunc_torch import backend as K
    x = torch.tensor([-3.0, -1.0, 0.0, 1.0, 3.0])
    np.testing.assert_allclose(ops.hard_sigmoid(x).numpy(), np.clip(x.numpy() / 6 + 0.5, 0, 1), atol=1e-7)
    np.testing.assert_allclose(K.hard_sigmoid(x).numpy(), np.clip(0.2 * x.numpy() + 0.5, 0, 1), atol=1e-7)


def test_data_dependent_ops_refuse_symbolic_tensors_clearly():
    with pytest.raises(ValueError, match="depends on the values"):
        ops.unique(Input((3,)))


def test_numpy_semantics_where_keras3_torch_backend_departs():
    """Keras 3's torch backend pads 'symmetric' as 'replicate', crosses over the first axis of size 3
    and counts zero padding in asymmetric 'same' average pools; numpy (and TF Keras) do not: we follow numpy/TF."""
    a = ARRAYS["a2"]
    np.testing.assert_allclose(ops.pad(torch.as_tensor(a), ((1, 2), (2, 1)), mode="symmetric").numpy(),
                               np.pad(a, ((1, 2), (2, 1)), mode="symmetric"))
    np.testing.assert_allclose(ops.pad(torch.as_tensor(a), ((1, 2), (2, 1)), mode="edge").numpy(),
                               np.pad(a, ((1, 2), (2, 1)), mode="edge"))
    x, y = ARRAYS["x"][..., :3], ARRAYS["y"][..., :3]
    np.testing.assert_allclose(ops.cross(torch.as_tensor(x), torch.as_tensor(y)).numpy(), np.cross(x, y), atol=1e-6)
    img = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    out = ops.average_pool(torch.as_tensor(img), 3, strides=2, padding="same").numpy()
    # TF's 'same' for 4 -> 2 windows pads (0, 1): the second window holds rows/cols 2..3 only.
    assert out.shape == (1, 2, 2, 1)
    np.testing.assert_allclose(out[0, 1, 1, 0], img[0, 2:4, 2:4, 0].mean())
