"""tf.data.Dataset in the TensorFlow stand-in: pipeline semantics as TensorFlow documents them (its doc
examples for interleave / flat_map / padded_batch), shuffle's buffer, cardinality, from_generator's
signature, and datasets fed to fit / evaluate / predict giving the same losses as the same numpy data."""
import numpy as np
import pytest
import torch

import kfunc_torch.tf_stand_in as tf
from kfunc_torch import Input, Model, layers, optimizers

Dataset = tf.data.Dataset


def as_list(ds):
    return [np.asarray(v).tolist() if not isinstance(v, tuple) else tuple(np.asarray(p).tolist() for p in v)
            for v in ds.as_numpy_iterator()]


# ---------------------------------------------------------------- sources and structure
def test_from_tensor_slices_structures():
    x, y = np.arange(6).reshape(3, 2), np.array([10, 20, 30])
    assert as_list(Dataset.from_tensor_slices((x, y))) == [([0, 1], 10), ([2, 3], 20), ([4, 5], 30)]
    assert as_list(Dataset.from_tensor_slices([1, 2, 3])) == [1, 2, 3]  # a list is one tensor, as in tf.data
    first = next(iter(Dataset.from_tensor_slices({"a": x, "b": y})))
    assert set(first) == {"a", "b"} and first["b"].item() == 10
    assert next(iter(Dataset.from_tensor_slices([1.5]))).dtype == torch.float32
    assert next(iter(Dataset.from_tensor_slices(np.zeros(2)))).dtype == torch.float64
    assert next(iter(Dataset.from_tensor_slices(np.array(["ab", "c"])))) == "ab"
    with pytest.raises(ValueError, match="same first dimension"):
        Dataset.from_tensor_slices((np.zeros(3), np.zeros(4)))
    assert as_list(Dataset.from_tensors([1, 2])) == [[1, 2]]
    assert as_list(Dataset.range(2, 8, 3)) == [2, 5] and next(iter(Dataset.range(1))).dtype == torch.int64


def test_batch_take_skip_repeat_cardinality():
    ds = Dataset.range(10)
    assert as_list(ds.batch(4)) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert as_list(ds.batch(4, drop_remainder=True)) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(ds.batch(4)) == 3 and len(ds.batch(4, drop_remainder=True)) == 2
    assert as_list(ds.skip(7)) == [7, 8, 9] and as_list(ds.take(2)) == [0, 1] and len(ds.take(-1)) == 10
    assert as_list(Dataset.range(2).repeat(3)) == [0, 1] * 3 and len(Dataset.range(2).repeat(3)) == 6
    inf = Dataset.range(2).repeat()
    assert int(inf.cardinality()) == tf.data.INFINITE_CARDINALITY and as_list(inf.take(5)) == [0, 1, 0, 1, 0]
    with pytest.raises(TypeError, match="infinite"):
        len(inf)
    flt = ds.filter(lambda v: v % 3 == 0)
    assert as_list(flt) == [0, 3, 6, 9] and int(flt.cardinality()) == tf.data.UNKNOWN_CARDINALITY
    with pytest.raises(TypeError, match="unknown"):
        len(flt)
    assert len(flt.apply(tf.data.experimental.assert_cardinality(4))) == 4
    assert as_list(ds.shard(3, 1)) == [1, 4, 7] and len(ds.shard(3, 1)) == 3
    assert as_list(ds.batch(3).unbatch()) == list(range(10))


def test_map_zip_concatenate_enumerate_reduce():
    a, b = Dataset.range(3), Dataset.range(10, 13)
    pairs = Dataset.zip((a, b))
    assert as_list(pairs) == [(0, 10), (1, 11), (2, 12)]
    assert as_list(pairs.map(lambda x, y: x + y)) == [10, 12, 14]  # a tuple element spreads over the arguments
    assert as_list(Dataset.zip({"p": a, "q": b}).map(lambda d: d["q"] - d["p"])) == [10, 10, 10]
    assert as_list(a.map(lambda v: [v, v * 2])) == [(0, 0), (1, 2), (2, 4)]  # a returned list: a tuple element
    assert as_list(a.concatenate(b)) == [0, 1, 2, 10, 11, 12] and len(a.concatenate(b)) == 6
    assert as_list(b.enumerate(start=5)) == [(5, 10), (6, 11), (7, 12)]
    assert b.reduce(0, lambda s, v: s + v).item() == 33
    assert Dataset.range(1).get_single_element().item() == 0
    assert len(Dataset.zip((a, Dataset.range(100)))) == 3  # the shortest


def test_tensorflow_doc_examples_interleave_flat_map_padded_batch():
    ds = Dataset.range(1, 6).interleave(lambda x: Dataset.from_tensors(x).repeat(6), cycle_length=2,
                                        block_length=4)
    assert as_list(ds) == [1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 4, 4, 5, 5, 5, 5, 5, 5]
    flat = Dataset.from_tensor_slices([[1, 2, 3], [4, 5, 6]]).flat_map(Dataset.from_tensor_slices)
    assert as_list(flat) == [1, 2, 3, 4, 5, 6]
    A = Dataset.range(1, 5).map(lambda x: tf.fill([x], x))
    assert as_list(A.padded_batch(2)) == [[[1, 0], [2, 2]], [[3, 3, 3, 0], [4, 4, 4, 4]]]
    assert as_list(A.padded_batch(2, padded_shapes=5)) == [[[1, 0, 0, 0, 0], [2, 2, 0, 0, 0]],
                                                           [[3, 3, 3, 0, 0], [4, 4, 4, 4, 0]]]
    assert as_list(A.padded_batch(2, padded_shapes=(None,), padding_values=-1)) == \
        [[[1, -1], [2, 2]], [[3, 3, 3, -1], [4, 4, 4, 4]]]
    with pytest.raises(ValueError, match="padded_batch"):
        list(A.batch(2))


def test_shuffle_buffer_semantics():
    tf.random.set_seed(3)
    ds = Dataset.range(100).shuffle(100)
    first, second = as_list(ds), as_list(ds)
    assert sorted(first) == list(range(100)) and first != list(range(100)) and first != second  # reshuffled
    fixed = Dataset.range(100).shuffle(100, reshuffle_each_iteration=False)
    assert as_list(fixed) == as_list(fixed)
    assert as_list(Dataset.range(20).shuffle(1)) == list(range(20))  # a buffer of one cannot reorder
    # A buffer of 10: the element emitted at position k was among the first k + 10 of the input.
    for _ in range(5):
        order = as_list(Dataset.range(200).shuffle(10))
        assert all(v < k + 10 for k, v in enumerate(order)) and sorted(order) == list(range(200))
    tf.random.set_seed(8)
    again = as_list(Dataset.range(50).shuffle(50))
    tf.random.set_seed(8)
    assert as_list(Dataset.range(50).shuffle(50)) == again  # tf.random.set_seed makes it reproducible
    assert as_list(Dataset.range(30).shuffle(30, seed=1)) == as_list(Dataset.range(30).shuffle(30, seed=1))


def test_cache_runs_the_map_once():
    calls = []

    def f(v):
        calls.append(int(v))
        return v * 2
    ds = Dataset.range(4).map(f).cache()
    assert as_list(ds) == as_list(ds) == [0, 2, 4, 6] and calls == [0, 1, 2, 3]
    assert ds.prefetch(tf.data.AUTOTUNE) is ds and ds.with_options(tf.data.Options()) is ds


def test_from_generator_signature():
    def gen():
        for i in range(3):
            yield np.full((2,), i, np.float64), i

    ds = Dataset.from_generator(gen, output_signature=(tf.TensorSpec((None,), tf.float32),
                                                       tf.TensorSpec((), tf.int32)))
    x, y = next(iter(ds))
    assert x.dtype == torch.float32 and y.dtype == torch.int32 and len(list(ds)) == 3  # called afresh per pass
    legacy = Dataset.from_generator(gen, output_types=(tf.float32, tf.int64), output_shapes=((2,), ()))
    assert [t.dtype for t in next(iter(legacy))] == [torch.float32, torch.int64]
    bad = Dataset.from_generator(gen, output_signature=(tf.TensorSpec((3,), tf.float32), tf.TensorSpec((), tf.int32)))
    with pytest.raises(TypeError, match="shape"):
        next(iter(bad))
    with pytest.raises(TypeError, match="output_signature"):
        Dataset.from_generator(gen)
    spec = Dataset.from_tensor_slices((np.zeros((5, 3), "f"), np.arange(5))).batch(2).element_spec
    assert spec[0].shape == (None, 3) and spec[0].dtype == tf.float32 and spec[1].dtype == tf.int64


# ---------------------------------------------------------------- feeding fit / evaluate / predict
def _model(seed=0, inputs=1):
    torch.manual_seed(seed)
    if inputs == 1:
        x = Input((4,), name="x")
        out = layers.Dense(3, activation="softmax")(layers.Dense(6, activation="relu")(x))
        model = Model(x, out)
    else:
        a, b = Input((4,), name="a"), Input((2,), name="b")
        out = layers.Dense(3, activation="softmax")(layers.Concatenate()([a, b]))
        model = Model([a, b], out)
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


DATA_RNG = np.random.default_rng(1)
XS = DATA_RNG.standard_normal((40, 4)).astype("f")
X2 = DATA_RNG.standard_normal((40, 2)).astype("f")
YS = DATA_RNG.integers(0, 3, 40)
SW = DATA_RNG.random(40).astype("f")


def test_fit_on_a_dataset_equals_fit_on_arrays():
    ds = Dataset.from_tensor_slices((XS, YS)).batch(8).prefetch(tf.data.AUTOTUNE)
    h_ds = _model().fit(ds, epochs=3, verbose=0).history
    h_np = _model().fit(XS, YS, batch_size=8, epochs=3, shuffle=False, verbose=0).history
    np.testing.assert_allclose(h_ds["loss"], h_np["loss"], rtol=1e-5)
    np.testing.assert_allclose(h_ds["accuracy"], h_np["accuracy"], rtol=1e-6)
    # With sample weights as the third element, and a validation dataset.
    wds = Dataset.from_tensor_slices((XS, YS, SW)).batch(8)
    val = Dataset.from_tensor_slices((XS[:16], YS[:16])).batch(8)
    h_w = _model().fit(wds, epochs=2, validation_data=val, verbose=0).history
    h_wn = _model().fit(XS, YS, sample_weight=SW, batch_size=8, epochs=2, shuffle=False,
                        validation_data=(XS[:16], YS[:16]), verbose=0).history
    for key in ("loss", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(h_w[key], h_wn[key], rtol=1e-5)


def test_evaluate_and_predict_on_datasets():
    model = _model()
    model.fit(XS, YS, batch_size=8, epochs=1, verbose=0)
    ds = Dataset.from_tensor_slices((XS, YS)).batch(16)
    np.testing.assert_allclose(model.evaluate(ds, verbose=0), model.evaluate(XS, YS, batch_size=16, verbose=0),
                               rtol=1e-6)
    want = model.predict(XS, verbose=0)
    np.testing.assert_allclose(model.predict(Dataset.from_tensor_slices(XS).batch(16), verbose=0), want, rtol=1e-6)
    np.testing.assert_allclose(model.predict(ds, verbose=0), want, rtol=1e-6)  # (x, y) elements: x is used
    np.testing.assert_allclose(model.evaluate(ds.take(1), verbose=0),
                               model.evaluate(XS[:16], YS[:16], verbose=0), rtol=1e-6)


def test_dict_inputs_unknown_length_and_infinite_datasets():
    ds = Dataset.from_tensor_slices(({"a": XS, "b": X2}, YS)).batch(10)
    h_ds = _model(inputs=2).fit(ds, epochs=2, verbose=0).history
    h_np = _model(inputs=2).fit({"a": XS, "b": X2}, YS, batch_size=10, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(h_ds["loss"], h_np["loss"], rtol=1e-5)
    # Unknown length (filter): fit runs each epoch until the dataset ends.
    keep = Dataset.from_tensor_slices((XS, YS)).filter(lambda x, y: y < 2)
    n_keep = int((YS < 2).sum())
    h_f = _model().fit(keep.batch(8), epochs=1, verbose=0).history
    h_fn = _model().fit(XS[YS < 2], YS[YS < 2], batch_size=8, epochs=1, shuffle=False, verbose=0).history
    assert n_keep < 40
    np.testing.assert_allclose(h_f["loss"], h_fn["loss"], rtol=1e-5)
    # Infinite (repeat()): steps_per_epoch decides the epoch.
    inf = Dataset.from_tensor_slices((XS, YS)).batch(8).repeat()
    h_i = _model().fit(inf, epochs=1, steps_per_epoch=5, verbose=0).history
    h_in = _model().fit(XS, YS, batch_size=8, epochs=1, shuffle=False, verbose=0).history
    np.testing.assert_allclose(h_i["loss"], h_in["loss"], rtol=1e-5)


def test_shuffled_dataset_trains_on_every_sample_once_per_epoch():
    seen = []
    ds = Dataset.from_tensor_slices((np.arange(40, dtype="f").reshape(40, 1), YS)).shuffle(16).batch(8)

    class Spy(layers.Layer):
        def call(self, x):
            seen.append(x.detach().reshape(-1).tolist())
            return x

    x = Input((1,))
    model = Model(x, layers.Dense(3, activation="softmax")(Spy()(x)))
    model.compile("sgd", "sparse_categorical_crossentropy")
    seen.clear()  # building the graph may have called the layer
    model.fit(ds, epochs=2, verbose=0)
    epochs = [sum(seen[:5], []), sum(seen[5:10], [])]
    assert all(sorted(e) == list(range(40)) for e in epochs) and epochs[0] != epochs[1]


def test_pydataset_subclass_passes_keras3_arguments_through():
    # The guide's ExamplePyDataset: super().__init__(**kwargs) with workers=4.
    from kfunc_torch.utils import PyDataset

    class Batches(PyDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y, self.batch_size = x, y, batch_size

        def __len__(self):
            return int(np.ceil(len(self.x) / self.batch_size))

        def __getitem__(self, i):
            s = slice(i * self.batch_size, (i + 1) * self.batch_size)
            return self.x[s], self.y[s]

    data = Batches(XS, YS, 8, workers=4, use_multiprocessing=False)
    assert data.workers == 4 and data.max_queue_size == 10
    h = _model().fit(data, epochs=1, shuffle=False, verbose=0).history  # (fit shuffles batch order by default)
    np.testing.assert_allclose(h["loss"], _model().fit(XS, YS, batch_size=8, shuffle=False, verbose=0).history["loss"],
                               rtol=1e-5)
