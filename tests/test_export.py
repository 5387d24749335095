"""model.export (ONNX through both torch exporters, torch.export programs), torch.export / jit.trace /
torch.compile(fullgraph) on our models, and models that survive pickle, deepcopy and torch.save."""
import copy
import pickle
import warnings

import numpy as np
import pytest
import torch

from kfunc_torch import Input, Model, Sequential, layers


def _two_in_two_out():
    torch.manual_seed(0)
    a, b = Input((4,), name="a"), Input((3,), name="b")
    h = layers.Dense(5, activation="relu")(layers.Concatenate()([a, b]))
    return Model([a, b], [layers.Dense(2, name="o1")(h), layers.Dense(1, activation="sigmoid", name="o2")(h)])


def _cnn():
    torch.manual_seed(0)
    return Sequential([Input((8, 8, 3), name="image"), layers.Conv2D(4, 3, padding="same"),
                       layers.BatchNormalization(), layers.Activation("relu"), layers.MaxPooling2D(),
                       layers.Dropout(0.5), layers.Flatten(), layers.Dense(3, activation="softmax", name="probs")])


def _feeds(model, batch, seed=0):
    rng = np.random.default_rng(seed)
    return {n: rng.random((batch, *t.shape[1:]), dtype=np.float32)
            for n, t in zip(model.input_names, model.inputs)}


def _reference(model, feeds):
    with torch.no_grad():
        out = model([torch.from_numpy(v) for v in feeds.values()] if len(feeds) > 1
                    else torch.from_numpy(next(iter(feeds.values()))))
    return [o.numpy() for o in (out if isinstance(out, (list, tuple)) else [out])]


@pytest.mark.parametrize("dynamo", [True, False], ids=["dynamo", "torchscript"])
@pytest.mark.parametrize("build", [_two_in_two_out, _cnn])
def test_onnx_export_runs_in_onnxruntime_with_names_and_dynamic_batch(tmp_path, build, dynamo):
    ort = pytest.importorskip("onnxruntime")
    if dynamo:
        pytest.importorskip("onnxscript")
    model = build()
    path = tmp_path / "m.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.export(path, format="onnx", dynamo=dynamo)
    sess = ort.InferenceSession(str(path))
    assert [i.name for i in sess.get_inputs()] == model.input_names
    assert [o.name for o in sess.get_outputs()] == model.output_names
    assert all(i.shape[0] == "batch" for i in sess.get_inputs())
    for batch in (1, 5):  # neither is the size the exporter saw (2)
        feeds = _feeds(model, batch)
        got = sess.run(None, feeds)
        for g, r in zip(got, _reference(model, feeds), strict=True):
            np.testing.assert_allclose(g, r, atol=1e-5, rtol=1e-5)
    assert not model.training


def test_torch_format_is_a_torch_export_program(tmp_path):
    model = _two_in_two_out()
    model.export(tmp_path / "m.pt2", format="torch")
    program = torch.export.load(str(tmp_path / "m.pt2"))
    feeds = _feeds(model, 7)
    got = program.module()(*[torch.from_numpy(v) for v in feeds.values()])
    for g, r in zip(got, _reference(model, feeds), strict=True):
        np.testing.assert_allclose(g.detach().numpy(), r, atol=1e-5)


def test_unsupported_formats_say_what_to_use(tmp_path):
    with pytest.raises(ValueError, match="format='onnx'"):
        _cnn().export(tmp_path / "m", format="tf_saved_model")


def test_torch_export_trace_and_fullgraph_compile_on_the_model_directly():
    model = _cnn()
    model.eval()
    x = torch.rand(2, 8, 8, 3)
    ref = model(x)
    batch = torch.export.Dim("batch")
    program = torch.export.export(model, (x,), dynamic_shapes={"args": ({0: batch},)})
    x5 = torch.rand(5, 8, 8, 3)
    torch.testing.assert_close(program.module()(x5), model(x5), atol=1e-5, rtol=1e-5)
    traced = torch.jit.trace(model, (x,))
    torch.testing.assert_close(traced(x), ref, atol=1e-5, rtol=1e-5)
    torch._dynamo.reset()
    compiled = torch.compile(model, fullgraph=True, backend="eager")  # fullgraph: a graph break raises
    torch.testing.assert_close(compiled(x), ref, atol=1e-5, rtol=1e-5)


def _fitted():
    model = _two_in_two_out()
    model.compile(optimizer="adam", loss=["mse", "binary_crossentropy"], metrics=[["mae"], ["accuracy"]])
    rng = np.random.default_rng(0)
    xs = [rng.random((8, 4), dtype=np.float32), rng.random((8, 3), dtype=np.float32)]
    ys = [rng.random((8, 2), dtype=np.float32), (rng.random((8, 1)) > 0.5).astype(np.float32)]
    model.fit(xs, ys, epochs=1, verbose=0)
    return model, xs, ys


@pytest.mark.parametrize("how", ["pickle", "deepcopy", "torch.save"])
def test_fitted_model_survives_copying_and_keeps_training(tmp_path, how):
    model, xs, ys = _fitted()
    if how == "pickle":
        clone = pickle.loads(pickle.dumps(model))
    elif how == "deepcopy":
        clone = copy.deepcopy(model)
    else:
        torch.save(model, tmp_path / "m.pt")
        clone = torch.load(tmp_path / "m.pt", weights_only=False)
    for a, b in zip(model.predict(xs, verbose=0), clone.predict(xs, verbose=0)):
        np.testing.assert_allclose(a, b, atol=1e-6)
    assert clone.optimizer.iterations == model.optimizer.iterations
    assert clone.optimizer is not model.optimizer
    before = [p.detach().clone() for p in model.parameters()]
    clone.fit(xs, ys, epochs=1, verbose=0)  # the clone's optimizer drives the clone's weights only
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(before, clone.parameters()))
