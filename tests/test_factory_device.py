"""Tensors made inside a forward pass follow the model's device (the VAE sampling Lambda on a GPU),
and ``keras.random`` follows Keras 3's seeding rules. No GPU here: the 'meta' device stands in for
one (a CPU tensor mixed with meta tensors fails just as it would with CUDA tensors)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from kfunc_torch import Input, Model, backend as K, ops, random
from kfunc_torch.engine.factory_device import factory_device, running_on
from kfunc_torch.layers import Dense, Lambda


def _vae_encoder(latent_dim=2):
    x = Input((8,))
    h = Dense(16, activation="relu")(x)
    z_mean, z_log_var = Dense(latent_dim)(h), Dense(latent_dim)(h)

    def sampling(args):  # the Keras blog's VAE, verbatim
        z_mean, z_log_var = args
        epsilon = K.random_normal(shape=(K.shape(z_mean)[0], latent_dim), mean=0., stddev=1.0)
        return z_mean + K.exp(z_log_var / 2) * epsilon + ops.zeros((latent_dim,)) + K.constant(np.zeros(latent_dim))

    return Model(x, Lambda(sampling, output_shape=(latent_dim,))([z_mean, z_log_var]))


def test_factories_in_a_lambda_follow_the_model_device():
    m = _vae_encoder()
    assert m(torch.ones(3, 8)).device.type == "cpu"
    m.to("meta")
    out = m(torch.ones(3, 8, device="meta"))
    assert out.device.type == "meta" and tuple(out.shape) == (3, 2)
    assert factory_device() is None  # reset after the call


def test_factory_device_is_reset_after_an_error():
    with pytest.raises(RuntimeError):
        with running_on(torch.device("meta")):
            assert factory_device().type == "meta"
            raise RuntimeError("boom")
    assert factory_device() is None


def test_random_seeding_rules():
    assert random.uniform((4,), seed=7).equal(random.uniform((4,), seed=7))      # int: same numbers
    gen = random.SeedGenerator(1337)
    a, b = random.normal((4,), seed=gen), random.normal((4,), seed=gen)
    assert not a.equal(b)                                                          # advances per draw
    again = random.SeedGenerator(1337)
    assert random.normal((4,), seed=again).equal(a)                                # reproducible
    t = random.truncated_normal((20000,), mean=1.0, stddev=2.0, seed=0)
    assert float((t - 1.0).abs().max()) <= 4.0 + 1e-5 and abs(float(t.mean()) - 1.0) < 0.05
    r = random.randint((1000,), 3, 6, seed=0)
    assert r.dtype == torch.int32 and set(r.tolist()) == {3, 4, 5}


def test_random_dropout_and_shuffle():
    x = torch.ones(200, 50)
    y = random.dropout(x, 0.4, seed=1)
    kept = (y != 0).float().mean().item()
    assert abs(kept - 0.6) < 0.02 and torch.allclose(y[y != 0], torch.tensor(1 / 0.6))
    s = random.shuffle(torch.arange(10), seed=0)
    assert sorted(s.tolist()) == list(range(10)) and s.tolist() != list(range(10))


def test_keras_random_through_the_alias():
    import subprocess
    import sys
    code = ("import kfunc_torch; kfunc_torch.alias_keras(); import keras; "
            "g = keras.random.SeedGenerator(1); print(tuple(keras.random.normal((2, 3), seed=g).shape))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(2, 3)"
