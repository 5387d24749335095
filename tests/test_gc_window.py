"""Graph building holds the cyclic garbage collector; the first real computation releases it
(engine/gc_window.py). Also: the lean layer construction keeps every attribute torch's nn.Module has.

Every test restores the collector's state it found (the fixture), since it is process-wide."""
import gc
import weakref

import numpy as np
import pytest
import torch
from torch import nn

import kfunc_torch as k
from kfunc_torch.engine import gc_window


@pytest.fixture(autouse=True)
def restore_gc():
    was = gc.isenabled()
    gc_window.release()
    gc.enable()
    yield
    gc_window.release()
    (gc.enable if was else gc.disable)()


def test_building_holds_the_collector_and_a_forward_pass_releases_it():
    inputs = k.Input(shape=(4,))
    x = k.layers.Dense(3)(inputs)
    assert not gc.isenabled()  # held by the symbolic call
    model = k.Model(inputs, k.layers.Dense(2)(x))
    model.summary(print_fn=lambda *a, **kw: None)
    assert not gc.isenabled()  # Model() and summary() are part of building
    model(torch.ones(1, 4))
    assert gc.isenabled()


def test_predict_and_an_eager_layer_call_release_it():
    inputs = k.Input(shape=(4,))
    model = k.Model(inputs, k.layers.Dense(2)(inputs))
    assert not gc.isenabled()
    model.predict(np.ones((3, 4), np.float32), verbose=0)
    assert gc.isenabled()
    k.layers.Dense(2)(k.Input(shape=(4,)))
    assert not gc.isenabled()
    k.layers.Dense(2)(np.ones((1, 4), np.float32))  # numpy in: the general eager path
    assert gc.isenabled()


def test_fit_releases_it():
    inputs = k.Input(shape=(4,))
    model = k.Model(inputs, k.layers.Dense(1)(inputs))
    model.compile("sgd", "mse")
    assert not gc.isenabled()
    model.fit(np.ones((8, 4), np.float32), np.ones((8, 1), np.float32), verbose=0)
    assert gc.isenabled()


def test_clear_session_releases_it():
    k.layers.Dense(2)(k.Input(shape=(4,)))
    assert not gc.isenabled()
    k.backend.clear_session()
    assert gc.isenabled()


def test_shape_inference_on_the_meta_device_does_not_release_it():
    # A Lambda has no compute_output_shape: its call runs on meta tensors while the graph is built.
    y = k.layers.Lambda(lambda t: t * 2.0)(k.layers.Dense(3)(k.Input(shape=(4,))))
    assert y.shape == (None, 3)
    assert not gc.isenabled()


def test_a_collector_the_program_disabled_stays_disabled():
    gc.disable()
    inputs = k.Input(shape=(4,))
    model = k.Model(inputs, k.layers.Dense(2)(inputs))
    model(torch.ones(1, 4))
    assert not gc.isenabled()  # not ours to enable


def test_a_long_build_still_collects_its_young_cyclic_garbage(monkeypatch):
    monkeypatch.setattr(gc_window, "YOUNG_LIMIT", 50)

    class Cycle:
        pass

    x = k.Input(shape=(4,))
    x = k.layers.Dense(4)(x)  # held from here on
    assert not gc.isenabled()
    c = Cycle()
    c.self = c  # only the collector frees it
    ref = weakref.ref(c)
    del c
    for _ in range(5):
        x = k.layers.Dense(4)(x)
    assert ref() is None
    assert not gc.isenabled()


def test_layers_carry_every_attribute_of_torch_modules():
    layer = k.layers.Dense(2)
    reference = nn.Module()
    for key, value in reference.__dict__.items():
        assert key in layer.__dict__, key
        assert type(layer.__dict__[key]) is type(value), key
        if isinstance(value, dict):  # fresh containers per layer, never shared
            assert layer.__dict__[key] is not k.layers.Dense(2).__dict__[key], key
    assert layer.training is False  # Keras: inference unless training


def test_hooks_on_layers_built_the_lean_way_fire():
    inputs = k.Input(shape=(4,))
    dense = k.layers.Dense(2)
    model = k.Model(inputs, dense(inputs))
    seen = []
    dense.register_forward_pre_hook(lambda mod, args: seen.append("pre"), prepend=True)  # an OrderedDict op
    dense.register_forward_hook(lambda mod, args, out: seen.append(tuple(out.shape)))
    model(torch.ones(3, 4))
    assert seen == ["pre", (3, 2)]
    names = [n for n, _ in model.named_parameters()]
    assert names == [f"{dense.name}.kernel", f"{dense.name}.bias"]


def test_weights_are_one_parameter_each_on_the_initializers_tensor():
    layer = k.layers.Dense(3, kernel_initializer="ones")
    layer.build((None, 2))
    kernel = layer.kernel
    assert isinstance(kernel, nn.Parameter) and kernel.requires_grad
    assert kernel.path == f"{layer.name}/kernel"
    assert [p is kernel for p in layer.parameters()].count(True) == 1
    np.testing.assert_array_equal(layer.get_weights()[0], np.ones((2, 3), np.float32))


def test_jit_releases_it_before_the_compiled_step_and_traced_code_leaves_it_alone(monkeypatch):
    """TorchDynamo cannot trace gc.enable: jit_compile releases the collector before calling its compiled
    function, and a forward pass being traced (torch.compiler.is_compiling()) does not release it."""
    from kfunc_torch.engine import jit as _jit

    inputs = k.Input(shape=(4,))
    model = k.Model(inputs, k.layers.Dense(1)(inputs))
    monkeypatch.setattr(torch.compiler, "is_compiling", lambda: True)
    model(torch.ones(2, 4))
    assert not gc.isenabled()  # "traced": left held
    monkeypatch.undo()
    seen = []

    def fake_compile(fn, dynamic=False):
        def compiled(*args):
            seen.append(gc.isenabled())
            return fn(*args)
        return compiled

    monkeypatch.setattr(_jit.torch, "compile", fake_compile)
    model.compile("sgd", "mse", jit_compile=True)
    model.fit(np.ones((4, 4), np.float32), np.ones((4, 1), np.float32), batch_size=2, verbose=0)
    assert seen and seen[0] is True
