"""summary(show_mult_adds=True): mult-adds cross-checked with torchinfo on the same network written in torch."""
import pytest
import torch
from torch import nn

from kfunc_torch import Input, Model, layers
from kfunc_torch.summary.torch_stats import count_mult_adds, torch_statistics

torchinfo = pytest.importorskip("torchinfo")


def _keras_and_torch():
    i = Input((12, 12, 3))
    h = layers.Conv2D(8, 3, strides=2, padding="same")(i)
    h = layers.DepthwiseConv2D(3, depth_multiplier=2)(h)
    h = layers.Flatten()(h)
    m = Model(i, layers.Dense(5)(h))
    ref = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.Conv2d(8, 16, 3, groups=8), nn.Flatten(),
                        nn.Linear(16 * 4 * 4, 5))
    return m, ref


def test_mult_adds_equal_torchinfos_count_of_the_same_torch_network():
    m, ref = _keras_and_torch()
    expected = torchinfo.summary(ref, input_size=(1, 3, 12, 12), verbose=0).total_mult_adds
    assert count_mult_adds(m) == expected  # kernels and biases, counted as torchinfo counts torch's layers


def test_summary_prints_mult_adds_and_memory_after_the_table():
    m, _ = _keras_and_torch()
    lines = []
    m.summary(print_fn=lines.append, show_mult_adds=True)
    table_end = max(i for i, line in enumerate(lines) if line.startswith("Non-trainable params"))
    extra = lines[table_end + 2:]
    assert extra[0] == f"Total mult-adds: {count_mult_adds(m):,}"
    assert [line.split(":")[0] for line in extra[1:]] == ["Input size (MB)", "Forward/backward pass size (MB)",
                                                          "Params size (MB)", "Estimated Total Size (MB)"]
    plain = []
    m.summary(print_fn=plain.append)
    assert lines[:len(plain)] == plain  # the Keras table itself is unchanged


def test_torchinfo_parameter_totals_agree_with_ours_including_non_trainable():
    i = Input((6,))
    h = layers.BatchNormalization()(layers.Dense(4)(i))
    m = Model(i, h)
    assert torch_statistics(m).total_params == m.count_params() == 6 * 4 + 4 + 4 * 4


def test_unknown_input_dimensions_are_refused_clearly():
    i = Input((None, 3))
    m = Model(i, layers.Dense(2)(i))
    with pytest.raises(ValueError, match=r"unknown dimensions \(None, None, 3\). Give the Input a full shape"):
        m.summary(show_mult_adds=True)
