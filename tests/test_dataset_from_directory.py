"""image_dataset_from_directory / text_dataset_from_directory / timeseries_dataset_from_array
without TensorFlow: files, labels, shuffles and splits against Keras 3's own index_directory (it
runs without TensorFlow), resizing against Keras 3's image resize, and the datasets in fit,
evaluate, predict and plain loops."""
import os

import numpy as np
import pytest

import kfunc_torch as K
from kfunc_torch.utils import (image_dataset_from_directory, save_img, text_dataset_from_directory,
                               timeseries_dataset_from_array)
from keras_oracle import requires_keras, run_keras


def _images(root, counts=(("cats", 6), ("dogs", 5)), size=(12, 10)):
    rng = np.random.RandomState(0)
    for c, n in counts:
        os.makedirs(os.path.join(root, c))
        for i in range(n):
            ext = "png" if i % 2 else "bmp"
            save_img(os.path.join(root, c, f"img{i}.{ext}"), rng.randint(0, 256, size + (3,)).astype("uint8"),
                     scale=False)
    os.makedirs(os.path.join(root, ".hidden"))
    open(os.path.join(root, counts[0][0], "readme.txt"), "w").write("skip me")
    return root


@requires_keras
def test_files_labels_and_splits_against_keras3(tmp_path):
    root = _images(str(tmp_path / "imgs"))
    ref = run_keras("""
from keras.src.utils import dataset_utils
out = {}
for shuffle, seed in ((True, 7), (False, None), (True, 123)):
    paths, labels, names = dataset_utils.index_directory(inputs["root"], "inferred",
        formats=(".bmp", ".gif", ".jpeg", ".jpg", ".png"), shuffle=shuffle, seed=seed)
    for subset in ("training", "validation"):
        out[shuffle, seed, subset] = dataset_utils.get_training_or_validation_split(paths, labels, 0.3, subset)
    out[shuffle, seed, "names"] = names
result["out"] = out
""", {"root": root})["out"]
    for shuffle, seed in ((True, 7), (False, None), (True, 123)):
        train, val = image_dataset_from_directory(root, shuffle=shuffle, seed=seed, validation_split=0.3,
                                                  subset="both", image_size=(4, 4), batch_size=3)
        assert train.class_names == val.class_names == ref[shuffle, seed, "names"] == ["cats", "dogs"]
        for ds, subset in ((train, "training"), (val, "validation")):
            paths, labels = ref[shuffle, seed, subset]
            assert ds.file_paths == list(paths), (shuffle, seed, subset)
            if not shuffle or subset == "validation":  # an unshuffled pass follows the file order
                got = np.concatenate([y.numpy() for _, y in ds])
                np.testing.assert_array_equal(got, labels)


@requires_keras
def test_resize_matches_keras3_bilinear(tmp_path):
    root = _images(str(tmp_path / "imgs"), counts=(("a", 1),), size=(13, 17))
    ds = image_dataset_from_directory(root, image_size=(6, 9), shuffle=False, batch_size=1, labels=None)
    img = K.utils.img_to_array(K.utils.load_img(ds.file_paths[0]))
    ref = run_keras("""
import keras
result["r"] = keras.ops.image.resize(inputs["img"], (6, 9), interpolation="bilinear", antialias=False)
""", {"img": img})["r"]
    got = next(iter(ds)).numpy()[0]
    np.testing.assert_allclose(got, ref, atol=1e-3)


def test_batches_label_modes_and_training(tmp_path):
    root = _images(str(tmp_path / "imgs"))
    ds = image_dataset_from_directory(root, image_size=(12, 10), batch_size=4, shuffle=False)
    batches = list(ds)
    assert len(ds) == len(batches) == 3 and [len(x) for x, _ in batches] == [4, 4, 3]
    x, y = batches[0]
    assert tuple(x.shape) == (4, 12, 10, 3) and str(x.dtype) == "torch.float32" and str(y.dtype) == "torch.int32"
    # Native size: the pixels as stored.
    np.testing.assert_array_equal(x[0].numpy(), K.utils.img_to_array(K.utils.load_img(ds.file_paths[0])))
    cat = image_dataset_from_directory(root, image_size=(8, 8), label_mode="categorical", shuffle=False)
    assert next(iter(cat))[1].shape == (11, 2)
    binary = image_dataset_from_directory(root, image_size=(8, 8), label_mode="binary", color_mode="grayscale",
                                          batch_size=5, seed=1)
    bx, by = next(iter(binary))
    assert tuple(bx.shape) == (5, 8, 8, 1) and tuple(by.shape) == (5, 1)
    first, second = [np.concatenate([y.numpy() for _, y in binary]) for _ in range(2)]
    assert sorted(first.ravel()) == sorted(second.ravel()) and (first != second).any()  # reshuffled per epoch
    m = K.Sequential([K.Input((8, 8, 1)), K.layers.Rescaling(1 / 255.) if hasattr(K.layers, "Rescaling")
                      else K.layers.Lambda(lambda t: t / 255.), K.layers.Flatten(),
                      K.layers.Dense(1, activation="sigmoid")])
    m.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    hist = m.fit(binary, epochs=2, verbose=0, validation_data=binary)
    assert len(hist.history["val_loss"]) == 2
    assert m.predict(binary, verbose=0).shape == (11, 1)
    assert len(m.evaluate(binary, verbose=0)) == 2
    only = image_dataset_from_directory(root, labels=None, image_size=(8, 8), shuffle=False)
    assert tuple(next(iter(only)).shape) == (11, 8, 8, 3) and only.class_names is None
    explicit = image_dataset_from_directory(root, labels=[0, 1, 2] * 3 + [0, 1], image_size=(8, 8), shuffle=False)
    assert explicit.class_names == ["0", "1", "2"]
    assert [b[1].numpy().tolist() for b in explicit.take(1)] == [[0, 1, 2] * 3 + [0, 1]]
    assert len(list(ds.take(2))) == 2 and len(list(ds.skip(2))) == 1 and len(list(ds.unbatch())) == 11
    scaled = next(iter(ds.map(lambda a, b: (a / 255., b)).prefetch(2)))[0]
    assert float(scaled.max()) <= 1.0


def test_argument_errors(tmp_path):
    root = _images(str(tmp_path / "imgs"))
    with pytest.raises(ValueError, match="must provide a `seed`"):
        image_dataset_from_directory(root, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="`validation_split` must be set"):
        image_dataset_from_directory(root, subset="training", seed=1)
    with pytest.raises(ValueError, match="exactly 2 class_names"):
        image_dataset_from_directory(root, label_mode="binary", class_names=["cats"])
    with pytest.raises(ValueError, match="did not match"):
        image_dataset_from_directory(root, class_names=["cats", "birds"])
    with pytest.raises(FileNotFoundError, match="is not a directory"):
        image_dataset_from_directory(str(tmp_path / "nope"))


def test_text_dataset(tmp_path):
    root = tmp_path / "texts"
    for c, texts in (("neg", ["bad movie", "awful"]), ("pos", ["great film", "loved it", "fine"])):
        (root / c).mkdir(parents=True)
        for i, t in enumerate(texts):
            (root / c / f"{i}.txt").write_text(t)
    ds = text_dataset_from_directory(str(root), batch_size=2, shuffle=False, max_length=5)
    (x, y), *_ = list(ds)
    assert ds.class_names == ["neg", "pos"] and x.tolist() == ["bad m", "awful"] and y.tolist() == [0, 0]
    train, val = text_dataset_from_directory(str(root), validation_split=0.4, subset="both", seed=3)
    assert len(train.file_paths) == 3 and len(val.file_paths) == 2
    assert not set(train.file_paths) & set(val.file_paths)


def test_timeseries_windows_and_targets():
    data = np.arange(100).reshape(50, 2)
    targets = np.arange(50) * 10
    ds = timeseries_dataset_from_array(data, targets, sequence_length=4, sequence_stride=3, sampling_rate=2,
                                       batch_size=5, start_index=2, end_index=40)
    xs = np.concatenate([x.numpy() for x, _ in ds])
    ys = np.concatenate([y.numpy() for _, y in ds])
    starts = np.arange(0, 40 - 2 - 3 * 2, 3)  # Keras: end - start - (length - 1) * rate window starts
    assert len(xs) == len(starts) == len(ys)
    for k, s in enumerate(starts):
        np.testing.assert_array_equal(xs[k], data[2 + s:2 + s + 8:2])
        assert ys[k] == targets[2 + s]
    windows = timeseries_dataset_from_array(data[:-3], None, sequence_length=3, batch_size=None)
    first = next(iter(windows)).numpy()
    np.testing.assert_array_equal(first, data[:3])
    shuffled = timeseries_dataset_from_array(data, targets, sequence_length=4, shuffle=True, seed=0, batch_size=8)
    got = np.concatenate([y.numpy() for _, y in shuffled])
    assert sorted(got.tolist()) == sorted(targets[:47].tolist())
    m = K.Sequential([K.Input((4, 2)), K.layers.Flatten(), K.layers.Dense(1)])
    m.compile("sgd", "mse")
    assert len(m.fit(timeseries_dataset_from_array(data / 100., targets / 500., 4, batch_size=16), epochs=2,
                     verbose=0).history["loss"]) == 2


def test_reachable_under_keras_names():
    assert K.preprocessing.image_dataset_from_directory is image_dataset_from_directory
    assert K.preprocessing.image.image_dataset_from_directory is image_dataset_from_directory
    assert K.preprocessing.timeseries_dataset_from_array is timeseries_dataset_from_array
