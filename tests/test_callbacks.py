"""Callbacks: EarlyStopping and ReduceLROnPlateau decisions against real Keras 3 on the same log
sequences; hook order, History, ModelCheckpoint, LearningRateScheduler, CSVLogger, TerminateOnNaN,
LambdaCallback, TensorBoard."""
from __future__ import annotations

import csv
import importlib.util

import numpy as np
import pytest

from kfunc_torch import Input, Model, callbacks, optimizers
from kfunc_torch.layers import Dense
from tests.keras_oracle import requires_keras, run_keras

SEQ = [1.0, 0.9, 0.95, 0.91, 0.89, 0.895, 0.96, 0.97, 0.5, 0.51, 0.52, 0.53, 0.54, 0.55]
ES_CASES = [dict(patience=0), dict(patience=2), dict(patience=2, min_delta=0.02), dict(patience=1, baseline=0.92),
            dict(patience=2, start_from_epoch=3), dict(patience=1, mode="max"),
            dict(patience=2, restore_best_weights=True), dict(patience=20, restore_best_weights=True)]
LR_CASES = [dict(factor=0.5, patience=1), dict(factor=0.5, patience=2, cooldown=2), dict(factor=0.1, patience=1,
                                                                                        min_lr=0.05),
            dict(factor=0.5, patience=1, min_delta=0.05)]

_ORACLE = r'''
import keras
seq = inputs["seq"]
def model():
    i = keras.Input((1,)); m = keras.Model(i, keras.layers.Dense(1)(i))
    m.compile(keras.optimizers.SGD(1.0), "mse"); m.optimizer.build(m.trainable_variables)
    return m
for k, case in enumerate(inputs["es"]):
    m = model(); cb = keras.callbacks.EarlyStopping(monitor="val_loss", **case); cb.set_model(m)
    cb.on_train_begin(); epochs = 0
    for e, v in enumerate(seq):
        m.set_weights([np.full((1, 1), float(e)), np.zeros(1)])
        cb.on_epoch_end(e, {"val_loss": v}); epochs = e + 1
        if m.stop_training: break
    cb.on_train_end()
    result[f"es{k}"] = (epochs, cb.stopped_epoch, float(m.get_weights()[0][0, 0]))
for k, case in enumerate(inputs["lr"]):
    m = model(); cb = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", **case); cb.set_model(m)
    cb.on_train_begin(); lrs = []
    for e, v in enumerate(seq):
        cb.on_epoch_end(e, {"val_loss": v}); lrs.append(float(keras.ops.convert_to_numpy(m.optimizer.learning_rate)))
    result[f"lr{k}"] = lrs
'''


class _FakeModel:
    def __init__(self):
        self.stop_training = False
        self.w = 0.0
        self.optimizer = optimizers.SGD(1.0)

    def get_weights(self):
        return [np.full((1, 1), self.w)]

    def set_weights(self, ws):
        self.w = float(ws[0][0, 0])


@pytest.fixture(scope="module")
def oracle():
    return run_keras(_ORACLE, {"seq": SEQ, "es": ES_CASES, "lr": LR_CASES})


@requires_keras
@pytest.mark.parametrize("k", range(len(ES_CASES)))
def test_early_stopping_matches_keras(oracle, k):
    m = _FakeModel()
    cb = callbacks.EarlyStopping(monitor="val_loss", **ES_CASES[k])
    cb.set_model(m)
    cb.on_train_begin()
    epochs = 0
    for e, v in enumerate(SEQ):
        m.w = float(e)
        cb.on_epoch_end(e, {"val_loss": v})
        epochs = e + 1
        if m.stop_training:
            break
    cb.on_train_end()
    assert (epochs, cb.stopped_epoch, m.w) == tuple(oracle[f"es{k}"])


@requires_keras
@pytest.mark.parametrize("k", range(len(LR_CASES)))
def test_reduce_lr_on_plateau_matches_keras(oracle, k):
    m = _FakeModel()
    cb = callbacks.ReduceLROnPlateau(monitor="val_loss", **LR_CASES[k])
    cb.set_model(m)
    cb.on_train_begin()
    lrs = []
    for e, v in enumerate(SEQ):
        cb.on_epoch_end(e, {"val_loss": v})
        lrs.append(m.optimizer.learning_rate)
    np.testing.assert_allclose(lrs, oracle[f"lr{k}"], rtol=1e-6)


def _model():
    i = Input((2,))
    m = Model(i, Dense(1)(i))
    m.compile(optimizers.SGD(0.1), "mse")
    return m


X, Y = np.random.random((20, 2)).astype("float32"), np.random.random((20, 1)).astype("float32")


def test_hook_order_fit_evaluate_predict():
    class Rec(callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.events = []

    rec = Rec()
    for hook in ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
                 "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
                 "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end"]:
        setattr(rec, hook, (lambda n: lambda *a: rec.events.append(n))(hook))
    m = _model()
    m.fit(X, Y, batch_size=10, epochs=1, verbose=0, callbacks=[rec])
    assert rec.events == ["on_train_begin", "on_epoch_begin", "on_train_batch_begin", "on_train_batch_end",
                          "on_train_batch_begin", "on_train_batch_end", "on_epoch_end", "on_train_end"]
    rec.events.clear()
    m.evaluate(X, Y, batch_size=20, verbose=0, callbacks=[rec])
    assert rec.events == ["on_test_begin", "on_test_batch_begin", "on_test_batch_end", "on_test_end"]
    rec.events.clear()
    m.predict(X, batch_size=20, callbacks=[rec])
    assert rec.events == ["on_predict_begin", "on_predict_batch_end", "on_predict_end"]


def test_history_and_batch_logs():
    m = _model()
    batch_losses = []
    cb = callbacks.LambdaCallback(on_batch_end=lambda b, logs: batch_losses.append(logs["loss"]))
    h = m.fit(X, Y, batch_size=10, epochs=3, verbose=0, callbacks=[cb])
    assert h.epoch == [0, 1, 2] and h.params["epochs"] == 3 and h.params["steps"] == 2
    assert m.history is h and len(batch_losses) == 6
    # batch logs hold the running average: after the last batch it equals the epoch value
    assert batch_losses[-1] == pytest.approx(h.history["loss"][-1])


def test_early_stopping_in_fit_restores_best_weights():
    m = _model()
    seen = []

    class Spy(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(self.model.get_weights())
            logs["val_loss"] = [3.0, 1.0, 2.0, 2.5, 2.6, 2.7][epoch]

    es = callbacks.EarlyStopping(patience=2, restore_best_weights=True)
    h = m.fit(X, Y, epochs=6, verbose=0, callbacks=[Spy(), es])
    assert len(h.epoch) == 4 and es.stopped_epoch == 3
    np.testing.assert_array_equal(m.get_weights()[0], seen[1][0])


def test_model_checkpoint_best_only_and_filenames(tmp_path):
    m = _model()
    saved = []
    m.save_weights = lambda path: saved.append(path)

    class Val(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = [0.5, 0.7, 0.25][epoch]

    ck = callbacks.ModelCheckpoint(str(tmp_path / "w.{epoch:02d}-{val_loss:.2f}.weights.h5"),
                                   save_best_only=True, save_weights_only=True)
    m.fit(X, Y, epochs=3, verbose=0, callbacks=[Val(), ck])
    assert [p.split("/")[-1] for p in saved] == ["w.01-0.50.weights.h5", "w.03-0.25.weights.h5"]


def test_model_checkpoint_real_save_weights(tmp_path):
    m = _model()
    path = tmp_path / "w.{epoch:02d}.weights.h5"
    m.fit(X, Y, epochs=2, verbose=0, callbacks=[callbacks.ModelCheckpoint(str(path), monitor="loss",
                                                                           save_weights_only=True)])
    assert (tmp_path / "w.02.weights.h5").exists()


def test_learning_rate_scheduler_changes_updates():
    m = _model()
    before = [w.copy() for w in m.get_weights()]
    sched = callbacks.LearningRateScheduler(lambda epoch, lr: 0.0)
    h = m.fit(X, Y, epochs=2, verbose=0, callbacks=[sched])
    assert h.history["learning_rate"] == [0.0, 0.0]
    np.testing.assert_array_equal(m.get_weights()[0], before[0])
    # Keras 1/2 one-argument schedules work too
    m.fit(X, Y, epochs=1, verbose=0, callbacks=[callbacks.LearningRateScheduler(lambda epoch: 0.5)])
    assert m.optimizer.learning_rate == 0.5


def test_csv_logger(tmp_path):
    m = _model()
    path = tmp_path / "log.csv"
    h = m.fit(X, Y, epochs=2, verbose=0, callbacks=[callbacks.CSVLogger(str(path))], validation_data=(X, Y))
    rows = list(csv.DictReader(open(path)))
    assert list(rows[0]) == ["epoch", "loss", "val_loss"] and [r["epoch"] for r in rows] == ["0", "1"]
    assert float(rows[1]["val_loss"]) == pytest.approx(h.history["val_loss"][1])


def test_terminate_on_nan(capsys):
    m = _model()
    y = Y.copy()
    y[0] = np.nan
    h = m.fit(X, y, batch_size=10, epochs=3, verbose=0, callbacks=[callbacks.TerminateOnNaN()])
    assert len(h.epoch) == 1 and "Invalid loss" in capsys.readouterr().out


def test_tensorboard_needs_package(tmp_path):
    if importlib.util.find_spec("tensorboard") is None:
        with pytest.raises(ImportError, match="pip install tensorboard"):
            callbacks.TensorBoard(log_dir=str(tmp_path))
    else:
        m = _model()
        m.fit(X, Y, epochs=1, verbose=0, callbacks=[callbacks.TensorBoard(log_dir=str(tmp_path))])
        assert any(tmp_path.rglob("events.*"))


def test_stop_training_from_callback_and_bad_callback():
    m = _model()

    class Stop(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.model.stop_training = True

    h = m.fit(X, Y, batch_size=5, epochs=3, verbose=0, callbacks=[Stop()])
    assert len(h.epoch) == 1
    with pytest.raises(TypeError, match="Callback"):
        m.fit(X, Y, verbose=0, callbacks=[object()])
