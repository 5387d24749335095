"""TensorBoard callback through torch.utils.tensorboard: scalars per epoch and batch, learning rate,
histograms, graph; event files read back with tensorboard's reader; works with keras aliased."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

from kfunc_torch import Input, Model, callbacks, layers  # noqa: E402


def _events(path):
    acc = EventAccumulator(str(path), size_guidance={"scalars": 0, "histograms": 0, "graph": 0})
    acc.Reload()
    return acc


def _fit(log_dir, **kwargs):
    x = Input((4,))
    model = Model(x, layers.Dense(1, name="out")(layers.BatchNormalization(name="bn")(x)))
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    rng = np.random.default_rng(0)
    data = rng.random((20, 4), dtype=np.float32), rng.random((20, 1), dtype=np.float32)
    return model.fit(*data, batch_size=5, epochs=3, validation_split=0.2, verbose=0,
                     callbacks=[callbacks.TensorBoard(log_dir, **kwargs)])


def test_epoch_batch_scalars_learning_rate_histograms_graph(tmp_path):
    history = _fit(tmp_path, histogram_freq=2, update_freq="batch")
    train, val = _events(tmp_path / "train"), _events(tmp_path / "validation")
    tags = train.Tags()
    assert {"epoch_loss", "epoch_mae", "epoch_learning_rate", "batch_loss", "batch_mae"} <= set(tags["scalars"])
    assert [e.value for e in train.Scalars("epoch_loss")] == pytest.approx(history.history["loss"], rel=1e-6)
    assert [e.step for e in train.Scalars("epoch_loss")] == [0, 1, 2]
    assert [e.value for e in val.Scalars("epoch_loss")] == pytest.approx(history.history["val_loss"], rel=1e-6)
    assert [e.value for e in train.Scalars("epoch_learning_rate")] == pytest.approx([0.01] * 3)
    assert [e.step for e in train.Scalars("batch_loss")] == list(range(1, 13))  # 16 samples / 5 -> 4 per epoch
    assert {"out/kernel/histogram", "out/bias/histogram", "bn/moving_mean/histogram"} <= set(tags["histograms"])
    assert [e.step for e in train.Histograms("out/kernel/histogram")] == [0, 2]
    assert tags["graph"] and len(train.Graph().node) > 0


def test_update_freq_n_and_no_extras(tmp_path):
    _fit(tmp_path, update_freq=3, write_graph=False)
    train = _events(tmp_path / "train")
    assert [e.step for e in train.Scalars("batch_loss")] == [3, 6, 9, 12]
    assert not train.Tags()["histograms"] and not train.Tags()["graph"]


def test_bad_update_freq_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="update_freq"):
        callbacks.TensorBoard(tmp_path, update_freq="step")


def test_works_with_keras_aliased(tmp_path):
    # A fresh interpreter: alias first (the tensorflow stand-in is installed), then TensorBoard.
    script = textwrap.dedent(f"""
        import json, numpy as np, kfunc_torch
        kfunc_torch.alias_keras()
        import keras, tensorflow as tf
        from tensorflow import keras as tfk
        assert tfk is keras
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        model.compile("sgd", "mse")
        model.fit(np.ones((4, 2), "f"), np.ones((4, 1), "f"), epochs=2, verbose=0,
                  callbacks=[keras.callbacks.TensorBoard({str(tmp_path)!r})])
        from tensorboard.compat import tf as tb_tf
        print(json.dumps({{"tb_uses": tb_tf.__name__, "has_io": hasattr(tf, "io")}}))
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out == {"tb_uses": "tensorboard.compat.tensorflow_stub", "has_io": False}
    assert [e.step for e in _events(tmp_path / "train").Scalars("epoch_loss")] == [0, 1]
