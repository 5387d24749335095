"""Activity regularizers add regularizer(output) / batch_size to the loss on each call (Keras)."""
import numpy as np
import torch

import kfunc_torch as kt
from kfunc_torch import regularizers
from kfunc_torch.layers import Dense, add


def test_activity_loss_is_recorded_per_call_and_not_accumulated():
    i = kt.Input((4,))
    d = Dense(3, activity_regularizer=regularizers.l2(0.1))
    m = kt.Model(i, Dense(1)(d(i)))
    x = torch.randn(5, 4)
    for _ in range(3):
        m(x)
    assert len(m.losses) == 1
    h = d(x)
    torch.testing.assert_close(m.losses[0], 0.1 * (h ** 2).sum() / 5)


def test_shared_layer_counts_each_call_and_fit_adds_it_to_the_loss():
    a, b = kt.Input((4,)), kt.Input((4,))
    d = Dense(3, activity_regularizer=regularizers.l1(0.5), kernel_initializer="ones")
    out = Dense(1, kernel_initializer="zeros", use_bias=False)(add([d(a), d(b)]))
    m = kt.Model([a, b], out)
    m.compile("sgd", "mse")
    xa, xb, y = np.ones((8, 4)), 2 * np.ones((8, 4)), np.zeros((8, 1))
    loss = m.test_on_batch([xa, xb], y)
    assert len(m.losses) == 2
    # outputs are 0, so mse is 0 and the loss is the two activity terms: 0.5 * sum|h| / 8 each
    expected = 0.5 * (4 * 3 * 8) / 8 + 0.5 * (8 * 3 * 8) / 8
    assert abs(float(np.ravel(loss)[0]) - expected) < 1e-4
