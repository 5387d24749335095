"""Inputs tutorials pass to fit/evaluate/predict: pandas DataFrames and Series, dicts of columns for
multi-input models (Keras's one-axis rule turns (N,) columns into (N, 1)), and generators that end
early (Keras's "Your input ran out of data" warning, then training stops)."""
import warnings

import numpy as np
import pytest

import kfunc_torch as K
from keras_oracle import requires_keras, run_keras

pd = pytest.importorskip("pandas")


def _frame(n=40, seed=0):
    rng = np.random.RandomState(seed)
    return pd.DataFrame({"a": rng.rand(n), "b": rng.rand(n), "c": rng.randint(0, 5, n)}), pd.Series(rng.rand(n))


def _mlp(seed=0):
    K.utils.set_random_seed(seed)
    m = K.Sequential([K.Input((3,)), K.layers.Dense(4, activation="relu"), K.layers.Dense(1)])
    m.compile("sgd", "mse")
    return m


def test_dataframe_and_series_train_like_their_arrays():
    df, y = _frame()
    m1, m2 = _mlp(), _mlp()
    h1 = m1.fit(df, y, batch_size=8, epochs=2, shuffle=False, verbose=0, validation_data=(df, y))
    h2 = m2.fit(df.to_numpy(), y.to_numpy(), batch_size=8, epochs=2, shuffle=False, verbose=0,
                validation_data=(df.to_numpy(), y.to_numpy()))
    assert len(h1.history["loss"]) == 2  # epochs of 5 batches each, not a generator of 3 columns
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-6)
    np.testing.assert_allclose(h1.history["val_loss"], h2.history["val_loss"], rtol=1e-6)
    np.testing.assert_allclose(m1.predict(df, verbose=0), m2.predict(df.to_numpy(), verbose=0), rtol=1e-6)
    assert m1.predict(df, verbose=0).shape == (40, 1)
    np.testing.assert_allclose(m1.evaluate(df, y, verbose=0), m2.evaluate(df.to_numpy(), y.to_numpy(), verbose=0),
                               rtol=1e-6)


def test_non_numeric_dataframe_names_the_columns():
    df, y = _frame()
    df["city"] = ["x", "y"] * 20
    m = K.Sequential([K.Input((4,)), K.layers.Dense(1)])
    m.compile("sgd", "mse")
    with pytest.raises(TypeError, match=r"non-numeric columns \['city'\].*get_dummies"):
        m.fit(df, y, verbose=0)


def _two_inputs():
    a, b = K.Input((1,), name="a"), K.Input((1,), name="b")
    out = K.layers.Dense(1, name="out")(K.layers.concatenate([a, b]))
    return K.Model([a, b], out)


@requires_keras
def test_dict_of_columns_against_keras3():
    df, _ = _frame(12)
    m = _two_inputs()
    ours = m.predict({"a": df["a"], "b": df["b"]}, verbose=0)
    assert ours.shape == (12, 1)
    ref = run_keras("""
import keras, pandas as pd
a, b = keras.Input((1,), name="a"), keras.Input((1,), name="b")
m = keras.Model([a, b], keras.layers.Dense(1, name="out")(keras.layers.concatenate([a, b])))
m.get_layer("out").set_weights(inputs["w"])
df = pd.DataFrame({"a": inputs["a"], "b": inputs["b"]})
result["pred"] = m.predict({"a": df["a"], "b": df["b"]}, verbose=0)
result["dict_of_frame"] = m.predict(dict(df), verbose=0)
""", {"w": m.get_layer("out").get_weights(), "a": df["a"].to_numpy(), "b": df["b"].to_numpy()})
    np.testing.assert_allclose(ours, ref["pred"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m.predict(dict(df[["a", "b"]]), verbose=0), ref["dict_of_frame"], rtol=1e-5,
                               atol=1e-6)
    m.compile("sgd", "mse")
    hist = m.fit({"a": df["a"], "b": df["b"]}, df["c"], batch_size=4, epochs=1, verbose=0)
    assert len(hist.history["loss"]) == 1


def _batches(n):
    rng = np.random.RandomState(1)
    for _ in range(n):
        yield rng.rand(4, 3).astype("float32"), rng.rand(4, 1).astype("float32")


def test_generator_that_runs_out_mid_epoch_warns_and_stops():
    m = _mlp()
    with pytest.warns(UserWarning, match="Your input ran out of data; interrupting training") as rec:
        hist = m.fit(_batches(10), steps_per_epoch=4, epochs=5, verbose=0)
    assert len(hist.history["loss"]) == 3  # 4 + 4 + 2 batches, then no empty epochs
    assert sum("ran out of data" in str(w.message) for w in rec) == 1


def test_generator_without_steps_runs_one_pass_then_stops():
    m = _mlp()
    with pytest.warns(UserWarning, match="ran out of data"):
        hist = m.fit(_batches(5), epochs=3, verbose=0)
    assert len(hist.history["loss"]) == 1 and np.isfinite(hist.history["loss"][0])


def test_enough_data_or_a_sequence_gives_no_warning():
    m = _mlp()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hist = m.fit(_batches(6), steps_per_epoch=3, epochs=2, verbose=0)
        x, y = np.random.rand(16, 3), np.random.rand(16, 1)
        m2 = K.Sequential([K.Input((2, 3)), K.layers.Flatten(), K.layers.Dense(1)])
        m2.compile("sgd", "mse")
        hist2 = m2.fit(K.preprocessing.sequence.TimeseriesGenerator(x, y, length=2, batch_size=4), epochs=3,
                       verbose=0)
    assert len(hist.history["loss"]) == 2 and len(hist2.history["loss"]) == 3


def test_a_dataloader_is_a_fresh_pass_each_epoch_without_warning():
    import torch
    from torch.utils.data import DataLoader, TensorDataset
    m = _mlp()
    loader = DataLoader(TensorDataset(torch.rand(20, 3), torch.rand(20, 1)), batch_size=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not "ran out of data": a DataLoader is iterated anew each epoch
        hist = m.fit(loader, epochs=3, verbose=0)
    assert len(hist.history["loss"]) == 3
