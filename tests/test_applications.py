"""kfunc_torch.applications against real Keras 3.15.1.

Structure: for each network, the parameter counts, layer count, model name, output shape and a
digest of the per-layer table (name, class, parameter count) equal what real Keras 3.15.1 gives for
``keras.applications.X(weights=None, include_top=...)`` (recorded with the snippet in
``_KERAS_TABLE_SNIPPET``; Keras takes ~1 minute to build them all, so the numbers are inlined).
Numerics: small MobileNet / MobileNetV2 / EfficientNet variants get real Keras's weights (moved
layer by layer, by name) and must give Keras's outputs to 1e-4; that runs Keras once, in a subprocess.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import urllib.error

import numpy as np
import pytest
import torch

import kfunc_torch
from kfunc_torch import Input, applications
from kfunc_torch import layers
from kfunc_torch.applications import imagenet_utils
from kfunc_torch.utils import file_utils
from keras_oracle import requires_keras, run_keras

# How the table below was produced (real Keras 3.15.1, torch backend):
_KERAS_TABLE_SNIPPET = """
m = getattr(keras.applications, NAME)(weights=None, include_top=TOP)
table = [[l.name, type(l).__name__, l.count_params()] for l in m.layers]
digest = hashlib.sha1(json.dumps(table).encode()).hexdigest()[:16]
row = (m.count_params(), sum(int(np.prod(w.shape)) for w in m.trainable_weights), len(m.layers), m.name,
       m.output_shape, digest)
"""
KERAS = {
    ("Xception", True): (22910480, 22855952, 134, "xception", (None, 1000), "2ffe650190f4877b"),
    ("Xception", False): (20861480, 20806952, 132, "xception", (None, None, None, 2048), "7446a369ed02081d"),
    ("VGG16", True): (138357544, 138357544, 23, "vgg16", (None, 1000), "95545a080c65686c"),
    ("VGG16", False): (14714688, 14714688, 19, "vgg16", (None, None, None, 512), "bbe3c220e1f86cad"),
    ("VGG19", True): (143667240, 143667240, 26, "vgg19", (None, 1000), "5638b525e4224474"),
    ("VGG19", False): (20024384, 20024384, 22, "vgg19", (None, None, None, 512), "ba9f6643e23a07aa"),
    ("ResNet50", True): (25636712, 25583592, 177, "resnet50", (None, 1000), "ee4bc73b06e9a3e6"),
    ("ResNet50", False): (23587712, 23534592, 175, "resnet50", (None, None, None, 2048), "606c9e750e1ebfa1"),
    ("ResNet50V2", True): (25613800, 25568360, 192, "resnet50v2", (None, 1000), "342672ec381c9823"),
    ("ResNet50V2", False): (23564800, 23519360, 190, "resnet50v2", (None, None, None, 2048), "5c4eebfee27d84ce"),
    ("InceptionV3", True): (23851784, 23817352, 313, "inception_v3", (None, 1000), "104d6789bb9ae9df"),
    ("InceptionV3", False): (21802784, 21768352, 311, "inception_v3", (None, None, None, 2048), "53fe454728083039"),
    ("MobileNet", True): (4253864, 4231976, 91, "mobilenet_1.00_224", (None, 1000), "57919c4ead4d789f"),
    ("MobileNet", False): (3228864, 3206976, 86, "mobilenet_1.00_None", (None, None, None, 1024), "e4dbc347d9c4a0ac"),
    ("MobileNetV2", True): (3538984, 3504872, 156, "mobilenetv2_1.00_224", (None, 1000), "225e4d3560cb7d65"),
    ("MobileNetV2", False): (2257984, 2223872, 154, "mobilenetv2_1.00_None", (None, None, None, 1280),
                             "748adab89ee844f2"),
    ("DenseNet121", True): (8062504, 7978856, 429, "densenet121", (None, 1000), "b5fe54267f26d69c"),
    ("DenseNet121", False): (7037504, 6953856, 427, "densenet121", (None, None, None, 1024), "fa5627d1f64c928a"),
    ("EfficientNetB0", True): (5330571, 5288548, 240, "efficientnetb0", (None, 1000), "1eeb4ae2e78e3b1b"),
    ("EfficientNetB0", False): (4049571, 4007548, 237, "efficientnetb0", (None, None, None, 1280),
                                "ae9d27a8dd793bf4"),
}
# Building all twenty costs too much on 2 cores: every network with its top, and Xception (seed 001)
# without.
CASES = [(n, True) for n in ("Xception", "VGG16", "VGG19", "ResNet50", "ResNet50V2", "InceptionV3", "MobileNet",
                             "MobileNetV2", "DenseNet121", "EfficientNetB0")]
CASES += [("Xception", False)]   # no-top graphs of MobileNet(V2)/EfficientNet: see the numerics test


def _digest(model):
    table = [[l.name, type(l).__name__, l.count_params() if l.built else 0] for l in model.layers]
    return hashlib.sha1(json.dumps(table).encode()).hexdigest()[:16]


@pytest.mark.parametrize("name,top", CASES, ids=[f"{n}-{'top' if t else 'notop'}" for n, t in CASES])
def test_structure_matches_keras(name, top):
    kfunc_torch.set_compat("keras3")  # Keras 3's automatic names (conv2d, add_1, ...) are in the digest
    model = getattr(applications, name)(weights=None, include_top=top)
    count, trainable, n_layers, model_name, out_shape, digest = KERAS[(name, top)]
    assert model.count_params() == count
    assert sum(w.numel() for w in model.trainable_weights) == trainable
    assert len(model.layers) == n_layers
    assert model.name == model_name
    assert tuple(model.output_shape) == out_shape
    assert _digest(model) == digest, [(l.name, type(l).__name__) for l in model.layers][:12]
    assert isinstance(model, torch.nn.Module)


# The other family members, without top (same snippet; count, layers, name, output shape, digest).
KERAS_MORE = {
    "ResNet101": (42658176, 345, "resnet101", (None, None, None, 2048), "a5e01ecab48f577a"),
    "ResNet152": (58370944, 515, "resnet152", (None, None, None, 2048), "b8641989aa0d8d4a"),
    "ResNet101V2": (42626560, 377, "resnet101v2", (None, None, None, 2048), "57f8b4f86410f058"),
    "ResNet152V2": (58331648, 564, "resnet152v2", (None, None, None, 2048), "30894e159ab54948"),
    "DenseNet169": (12642880, 595, "densenet169", (None, None, None, 1664), "88315169ceeb7108"),
    "DenseNet201": (18321984, 707, "densenet201", (None, None, None, 1920), "377087c32da90b11"),
    "EfficientNetB1": (6575239, 339, "efficientnetb1", (None, None, None, 1280), "780a95e9bfef6d47"),
    "EfficientNetB3": (10783535, 384, "efficientnetb3", (None, None, None, 1536), "f56b8eb8c14e609b"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(KERAS_MORE))
def test_more_family_members_match_keras(name):
    kfunc_torch.set_compat("keras3")
    model = getattr(applications, name)(weights=None, include_top=False)
    assert (model.count_params(), len(model.layers), model.name, tuple(model.output_shape), _digest(model)) == \
        KERAS_MORE[name]


def test_named_layers_keep_keras_names_under_keras2_compat():
    model = applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    assert [l.name for l in model.layers[1:4]] == ["block1_conv1", "block1_conv2", "block1_pool"]
    assert model.layers[0].name == "input_1"   # automatic names follow the compat (keras2 here)


def test_seed_001_xception_base_shared_by_two_inputs():
    xception_base = applications.Xception(weights=None, include_top=False)
    left_input = Input(shape=(250, 250, 3))
    right_input = Input(shape=(250, 250, 3))
    left_features = xception_base(left_input)
    right_features = xception_base(right_input)
    assert left_features.shape == (None, 8, 8, 2048)
    merged = layers.concatenate([left_features, right_features], axis=-1)
    assert merged.shape == (None, 8, 8, 4096)
    both = kfunc_torch.Model([left_input, right_input], merged)
    assert both.count_params() == 20861480          # one shared set of weights
    x = torch.rand(2, 250, 250, 3) * 2 - 1
    with torch.no_grad():
        y = xception_base(x)
    assert tuple(y.shape) == (2, 8, 8, 2048)
    assert torch.isfinite(y).all() and (y >= 0).all()   # ends in a ReLU


def test_pooling_options_and_classes():
    kw = dict(weights=None, alpha=0.25, input_shape=(96, 96, 3))
    avg = applications.MobileNetV2(include_top=False, pooling="avg", **kw)
    mx = applications.MobileNet(include_top=False, pooling="max", weights=None, alpha=0.25, input_shape=(64, 64, 3))
    assert avg.output_shape == (None, 1280) and type(avg.layers[-1]).__name__ == "GlobalAveragePooling2D"
    assert avg.layers[-2].output_shape == (None, 3, 3, 1280)     # what pooling=None returns
    assert mx.output_shape == (None, 256) and type(mx.layers[-1]).__name__ == "GlobalMaxPooling2D"
    ten = applications.MobileNetV2(include_top=True, classes=10, classifier_activation=None, **kw)
    assert ten.output_shape == (None, 10) and ten.name == "mobilenetv2_0.25_96"
    out = ten(torch.rand(2, 96, 96, 3)).detach()
    assert not torch.allclose(out.sum(-1), torch.ones(2))   # logits, not probabilities
    with pytest.raises(ValueError, match="pooling='mean'.*'avg'"):
        applications.MobileNetV2(include_top=False, pooling="mean", **kw)


def test_input_shape_validation_errors():
    with pytest.raises(ValueError, match="at least 71x71.*input_shape=\\(64, 64, 3\\)"):
        applications.Xception(weights=None, include_top=False, input_shape=(64, 64, 3))
    with pytest.raises(ValueError, match="static `input_shape`.*include_top=False"):
        applications.ResNet50(weights=None, include_top=True, input_shape=(None, None, 3))
    with pytest.raises(ValueError, match="three integers.*Received: input_shape=\\(224, 224\\)"):
        applications.VGG16(weights=None, input_shape=(224, 224))
    with pytest.raises(TypeError, match="symbolic tensor.*input_shape=\\(32, 32, 3\\)"):
        applications.VGG16(weights=None, include_top=False, input_tensor=torch.zeros(1, 32, 32, 3))


def test_weights_argument(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setattr(file_utils, "_download", _offline)
    with pytest.raises(FileNotFoundError, match="Xception\\(weights='imagenet'\\).*weights=None") as e:
        applications.Xception(weights="imagenet")
    # Offline and missing: the file, the URL and the folder to put it in.
    for part in ("xception_weights_tf_dim_ordering_tf_kernels.h5",
                 "https://storage.googleapis.com/tensorflow/keras-applications/xception/",
                 os.path.join(str(tmp_path / "keras_home"), "models")):
        assert part in str(e.value)
    with pytest.raises(ValueError, match="`classes` should be 1000. Received classes=10"):
        applications.ResNet50(weights="imagenet", classes=10)
    with pytest.raises(ValueError, match="path to the weights file.*no_such_file.h5"):
        applications.VGG16(weights=str(tmp_path / "no_such_file.h5"))
    path = tmp_path / "w.weights.h5"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="classifier_activation=relu"):
        applications.MobileNet(weights=str(path), alpha=0.25, input_shape=(128, 128, 3), classifier_activation="relu")


def _offline(origin, target):
    raise urllib.error.URLError("no network in this test")


def _write_keras2_weights(path, model):
    """A Keras 2 weights file as Keras's ImageNet files are laid out, written with h5py directly:
    root attrs layer_names / backend / keras_version, one group per layer with weight_names."""
    import h5py
    with_weights = [l for l in model.layers if l.weights]
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [l.name.encode() for l in with_weights]
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.2.4"
        for layer in with_weights:
            g = f.create_group(layer.name)
            names = [f"{layer.name}/{w.name.split('/')[-1].split(':')[0]}:0" for w in layer.weights]
            g.attrs["weight_names"] = [n.encode() for n in names]
            for n, value in zip(names, layer.get_weights()):
                g.create_dataset(n, data=value)


def test_imagenet_weights_come_from_the_keras_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(file_utils, "_download", _offline)
    source = applications.MobileNet(weights=None, alpha=0.25, input_shape=(128, 128, 3), include_top=False)
    rng = np.random.default_rng(0)
    source.set_weights([rng.normal(0, 0.1, w.shape).astype("float32") + (1 if "variance" in str(v.name) else 0)
                        for v, w in zip(source.weights, source.get_weights())])
    os.makedirs(tmp_path / "models")
    _write_keras2_weights(str(tmp_path / "models" / "mobilenet_2_5_128_tf_no_top.h5"), source)
    kfunc_torch.backend.clear_session()
    model = applications.MobileNet(weights="imagenet", alpha=0.25, input_shape=(128, 128, 3), include_top=False)
    for a, b in zip(model.get_weights(), source.get_weights()):
        np.testing.assert_array_equal(a, b)
    x = rng.uniform(-1, 1, (1, 128, 128, 3)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), source.predict(x, verbose=0), rtol=1e-6)


def test_weights_path_loads_a_local_file(tmp_path):
    kw = dict(alpha=0.25, input_shape=(32, 32, 3), include_top=False)
    src = applications.MobileNet(weights=None, **kw)
    path = str(tmp_path / "mobilenet.weights.h5")
    src.save_weights(path)
    dst = applications.MobileNet(weights=path, **kw)
    for a, b in zip(src.get_weights(), dst.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_input_tensor_builds_on_the_users_graph():
    inp = Input(shape=(64, 64, 3), name="image")
    x = layers.Activation("linear", name="pre")(inp)
    model = applications.MobileNet(weights=None, alpha=0.25, include_top=False, input_tensor=x, pooling="avg")
    assert model.inputs[0] is inp
    assert [l.name for l in model.layers[:2]] == ["image", "pre"]
    assert model.output_shape == (None, 256)


def test_frozen_base_trains_a_new_head():
    """Transfer learning as the tutorials do it: a frozen application base under a new classifier."""
    base = applications.MobileNet(weights=None, alpha=0.25, include_top=False, input_shape=(32, 32, 3))
    base.trainable = False
    inp = Input(shape=(32, 32, 3))
    x = layers.GlobalAveragePooling2D()(base(inp, training=False))
    model = kfunc_torch.Model(inp, layers.Dense(3, activation="softmax")(x))
    model.compile("adam", "sparse_categorical_crossentropy")
    before = base.get_weights()
    head_before = model.layers[-1].get_weights()
    rng = np.random.default_rng(0)
    hist = model.fit(rng.random((16, 32, 32, 3), dtype=np.float32), rng.integers(0, 3, 16), epochs=1, batch_size=8,
                     verbose=0)
    assert np.isfinite(hist.history["loss"][0])
    assert base.trainable_weights == []
    assert all(np.array_equal(a, b) for a, b in zip(before, base.get_weights()))   # BN statistics included
    assert not np.array_equal(head_before[1], model.layers[-1].get_weights()[1])   # the head's bias learns


def test_decode_predictions(tmp_path):
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    path = tmp_path / "imagenet_class_index.json"
    path.write_text(json.dumps(index))
    preds = np.zeros((2, 1000), dtype=np.float32)
    preds[0, [7, 3, 999]] = [0.5, 0.3, 0.2]
    preds[1, 42] = 1.0
    out = applications.vgg16.decode_predictions(preds, top=3, class_index_path=str(path))
    assert [c[:2] for c in out[0]] == [("n00000007", "class_7"), ("n00000003", "class_3"), ("n00000999", "class_999")]
    assert out[0][0][2] == pytest.approx(0.5) and out[1][0][:2] == ("n00000042", "class_42") and len(out[1]) == 3
    with pytest.raises(FileNotFoundError, match="cannot be downloaded.*class_index_path="):
        applications.xception.decode_predictions(preds, class_index_path=str(tmp_path / "missing.json"))
    with pytest.raises(ValueError, match="shape \\(samples, 1000\\).*\\(2, 10\\)"):
        imagenet_utils.decode_predictions(np.zeros((2, 10)), class_index_path=str(path))


_ORACLE = """
import keras
from keras import applications as A

def randomize(model, seed):
    # random but sane BatchNormalization / Normalization statistics, so they matter in the check
    rng = np.random.default_rng(seed)
    new = []
    for v in model.weights:
        w = np.asarray(v.numpy())
        leaf = v.path.split("/")[-1]
        if leaf in ("moving_variance", "variance", "gamma"):
            w = rng.uniform(0.5, 1.5, w.shape).astype(w.dtype)
        elif leaf in ("moving_mean", "mean", "beta"):
            w = rng.normal(0.0, 0.2, w.shape).astype(w.dtype)
        new.append(w)
    model.set_weights(new)

def record(key, model, x):
    result[key] = {
        "out": np.asarray(model(x, training=False).detach().cpu().numpy()),
        "weights": {l.name: [np.asarray(w) for w in l.get_weights()] for l in model.layers},
        "table": [[l.name, type(l).__name__, l.count_params(), str(l.output.shape)] for l in model.layers],
        "name": model.name,
    }

keras.utils.set_random_seed(0)
m = A.MobileNet(weights=None, alpha=0.25, input_shape=(128, 128, 3), classifier_activation=None)
randomize(m, 1); record("mobilenet", m, inputs["x128"])
m.save_weights(inputs["dir"] + "/mobilenet.weights.h5")           # Keras 3 weights file
import h5py
from keras.src.legacy.saving import legacy_h5_format
with h5py.File(inputs["dir"] + "/mobilenet_legacy.h5", "w") as f:  # the format of Keras's ImageNet files
    legacy_h5_format.save_weights_to_hdf5_group(f, m)
m = A.MobileNetV2(weights=None, alpha=0.35, input_shape=(96, 96, 3), include_top=False, pooling="avg")
randomize(m, 2); record("mobilenetv2", m, inputs["x96"])
from keras.src.applications.efficientnet import EfficientNet   # B0's blocks at half width and depth
m = EfficientNet(0.5, 0.5, 64, name="efficientnet_small", weights=None, input_shape=(64, 64, 3),
                 include_top=False, pooling="avg")
randomize(m, 3); record("efficientnet_small", m, inputs["x64"])
for fam in ("vgg16", "xception", "densenet", "resnet50", "mobilenet_v2", "efficientnet"):
    mod = getattr(A, fam)
    result["pre_" + fam] = np.asarray(mod.preprocess_input(inputs["img"].copy()))
result["pre_uint8"] = np.asarray(A.vgg16.preprocess_input(inputs["img"].astype("uint8")))
"""


@pytest.fixture(scope="module")
def keras_results(tmp_path_factory):
    rng = np.random.default_rng(0)
    arrays = {"dir": str(tmp_path_factory.mktemp("keras_weights")),"x128": rng.uniform(-1, 1, (2, 128, 128, 3)).astype(np.float32),
              "x96": rng.uniform(-1, 1, (2, 96, 96, 3)).astype(np.float32),
              "x64": rng.uniform(0, 255, (2, 64, 64, 3)).astype(np.float32),
              "img": rng.uniform(0, 255, (2, 5, 4, 3)).astype(np.float32)}
    return arrays, run_keras(_ORACLE, arrays)


def _check_against_keras(model, ref, x):
    assert model.name == ref["name"]
    ours = [[l.name, type(l).__name__, l.count_params() if l.built else 0, str(tuple(l.output_shape))]
            for l in model.layers]
    assert ours == ref["table"]
    for layer in model.layers:
        if ref["weights"][layer.name]:
            layer.set_weights(ref["weights"][layer.name])
    with torch.no_grad():
        out = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(out, ref["out"], atol=1e-4, rtol=1e-4)


@requires_keras
def test_numerics_match_keras_given_keras_weights(keras_results):
    arrays, res = keras_results
    kfunc_torch.set_compat("keras3")
    _check_against_keras(applications.MobileNet(weights=None, alpha=0.25, input_shape=(128, 128, 3),
                                                classifier_activation=None), res["mobilenet"], arrays["x128"])
    _check_against_keras(applications.MobileNetV2(weights=None, alpha=0.35, input_shape=(96, 96, 3),
                                                  include_top=False, pooling="avg"), res["mobilenetv2"], arrays["x96"])
    small = applications.efficientnet.EfficientNet(0.5, 0.5, 64, name="efficientnet_small", weights=None,
                                                   input_shape=(64, 64, 3), include_top=False, pooling="avg")
    _check_against_keras(small, res["efficientnet_small"], arrays["x64"])


@requires_keras
def test_imagenet_weights_file_written_by_keras(keras_results, tmp_path, monkeypatch):
    # Keras's own legacy HDF5 writer, saved under the name Keras's MobileNet looks for.
    arrays, res = keras_results
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(file_utils, "_download", _offline)
    os.makedirs(tmp_path / "models")
    shutil.copy(os.path.join(arrays["dir"], "mobilenet_legacy.h5"), tmp_path / "models" / "mobilenet_2_5_128_tf.h5")
    model = applications.MobileNet(weights="imagenet", alpha=0.25, input_shape=(128, 128, 3),
                                   classifier_activation=None)
    with torch.no_grad():
        out = model(torch.from_numpy(arrays["x128"])).numpy()
    np.testing.assert_allclose(out, res["mobilenet"]["out"], atol=1e-4, rtol=1e-4)


@requires_keras
@pytest.mark.parametrize("filename", ["mobilenet.weights.h5", "mobilenet_legacy.h5"])
def test_weights_path_loads_keras_weight_files(keras_results, filename):
    arrays, res = keras_results
    model = applications.MobileNet(weights=os.path.join(arrays["dir"], filename), alpha=0.25,
                                   input_shape=(128, 128, 3), classifier_activation=None)
    with torch.no_grad():
        out = model(torch.from_numpy(arrays["x128"])).numpy()
    np.testing.assert_allclose(out, res["mobilenet"]["out"], atol=1e-4, rtol=1e-4)


@requires_keras
def test_preprocess_input_matches_keras(keras_results):
    arrays, res = keras_results
    img = arrays["img"]
    for fam in ("vgg16", "xception", "densenet", "resnet50", "mobilenet_v2", "efficientnet"):
        mod = getattr(applications, fam)
        ours = mod.preprocess_input(img)
        np.testing.assert_allclose(ours, res["pre_" + fam], rtol=1e-5, atol=1e-4, err_msg=fam)
    np.testing.assert_array_equal(img, arrays["img"])      # we never modify the caller's array
    ours = applications.vgg16.preprocess_input(img.astype("uint8"))
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, res["pre_uint8"], atol=1e-4)
    t = applications.densenet.preprocess_input(torch.from_numpy(img))
    np.testing.assert_allclose(t.numpy(), res["pre_densenet"], rtol=1e-5, atol=1e-4)


def test_preprocess_input_on_a_symbolic_tensor_runs_inside_the_model():
    inp = Input(shape=(4, 4, 3))
    model = kfunc_torch.Model(inp, applications.vgg16.preprocess_input(inp))
    img = np.random.default_rng(1).uniform(0, 255, (2, 4, 4, 3)).astype(np.float32)
    with torch.no_grad():
        out = model(torch.from_numpy(img)).numpy()
    expected = img[..., ::-1] - np.array([103.939, 116.779, 123.68], dtype=np.float32)   # BGR minus means
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-4)
    with pytest.raises(ValueError, match="unknown mode 'keras'"):
        imagenet_utils.preprocess_input(img, mode="keras")
