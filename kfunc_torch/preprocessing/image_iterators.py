"""The batch iterators that ``ImageDataGenerator.flow*`` return: ``NumpyArrayIterator`` (arrays in
memory), ``DirectoryIterator`` (one sub-folder per class) and ``DataFrameIterator`` (file names and
labels in a pandas DataFrame). Each is a ``Sequence`` (``it[i]``, ``len(it)``, what ``fit`` takes)
and an endless Python iterator (``next(it)``), as in Keras 2.

Example::

    >>> it = ImageDataGenerator(rescale=1/255).flow_from_directory("photos/", target_size=(64, 64))
    Found 120 images belonging to 3 classes.
    >>> x, y = next(it)          # (32, 64, 64, 3), one-hot (32, 3)
"""
from __future__ import annotations

import os
import threading
import warnings

import numpy as np

from ..utils import Sequence
from ..utils.image_utils import array_to_img, img_to_array, load_img

__all__ = ["Iterator", "NumpyArrayIterator", "DirectoryIterator", "DataFrameIterator"]

IMAGE_FORMATS = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")


class Iterator(Sequence):
    """Index bookkeeping shared by the iterators: a permutation per epoch when shuffling, and
    ``np.random.seed(seed + batches seen)`` before each batch when a seed is given (Keras's
    reproducibility recipe, so the same seed gives Keras's augmentations)."""

    white_list_formats = IMAGE_FORMATS

    def __init__(self, n, batch_size, shuffle, seed):
        self.n, self.batch_size, self.shuffle, self.seed = n, batch_size, shuffle, seed
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array = None
        self.index_generator = self._flow_index()

    def _set_index_array(self):
        self.index_array = np.random.permutation(self.n) if self.shuffle else np.arange(self.n)

    def __getitem__(self, idx):
        if idx >= len(self):
            raise IndexError(f"{type(self).__name__}: asked for batch {idx}, but there are {len(self)} batches.")
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        return self._get_batches_of_transformed_samples(
            self.index_array[self.batch_size * idx:self.batch_size * (idx + 1)])

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size

    def on_epoch_end(self):
        self._set_index_array()

    def reset(self):
        self.batch_index = 0

    def _flow_index(self):
        # Endless: batches wrap around the samples, reshuffling at the start of each pass.
        self.reset()
        while True:
            if self.seed is not None:
                np.random.seed(self.seed + self.total_batches_seen)
            if self.batch_index == 0:
                self._set_index_array()
            start = (self.batch_index * self.batch_size) % self.n if self.n else 0
            self.batch_index = self.batch_index + 1 if self.n > start + self.batch_size else 0
            self.total_batches_seen += 1
            yield self.index_array[start:start + self.batch_size]

    def __iter__(self):
        return self

    def __next__(self):
        with self.lock:
            index_array = next(self.index_generator)
        return self._get_batches_of_transformed_samples(index_array)

    def _get_batches_of_transformed_samples(self, index_array):
        raise NotImplementedError

    def _save_batch(self, batch_x, index_array, data_format, hash_top):
        for i, j in enumerate(index_array):
            img = array_to_img(batch_x[i], data_format, scale=True)
            name = f"{self.save_prefix}_{j}_{np.random.randint(hash_top)}.{self.save_format}"
            img.save(os.path.join(self.save_to_dir, name))


def _split_for(generator, subset):
    """``(start, stop)`` fractions of the files that ``subset`` takes (validation first, as Keras)."""
    if subset is None:
        return None
    fraction = generator._validation_split if generator is not None else 0.0
    if subset == "validation":
        return (0, fraction)
    if subset == "training":
        return (fraction, 1)
    raise ValueError(f"Invalid subset {subset!r}; expected 'training' or 'validation'.")


class NumpyArrayIterator(Iterator):
    """Batches of augmented images from a 4D array ``x`` (with ``y``, ``sample_weight``; ``x`` may be
    ``(images, extra_array_or_list)`` for extra model inputs passed through unchanged)."""

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False, sample_weight=None, seed=None,
                 data_format=None, save_to_dir=None, save_prefix="", save_format="png", subset=None,
                 ignore_class_split=False, dtype=None):
        from .. import backend
        data_format = data_format or backend.image_data_format()
        self.dtype = dtype or backend.floatx()
        misc = []
        if isinstance(x, (tuple, list)):
            misc = [np.asarray(a) for a in (x[1] if isinstance(x[1], list) else [x[1]])]
            x = x[0]
            for a in misc:
                if len(a) != len(x):
                    raise ValueError(f"flow(): every array in x needs the same number of samples; the images have "
                                     f"{len(x)}, another array {len(a)}.")
        if y is not None and len(x) != len(y):
            raise ValueError(f"flow(): x (images) and y (labels) need the same length; received x.shape = "
                             f"{np.asarray(x).shape}, y.shape = {np.asarray(y).shape}.")
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError(f"flow(): x and sample_weight need the same length; received {len(x)} and "
                             f"{len(sample_weight)}.")
        if subset is not None:
            if subset not in ("training", "validation"):
                raise ValueError(f"Invalid subset {subset!r}; expected 'training' or 'validation'.")
            cut = int(len(x) * image_data_generator._validation_split)
            if y is not None and not ignore_class_split and \
                    not np.array_equal(np.unique(y[:cut]), np.unique(y[cut:])):
                raise ValueError("flow(subset=...): the training and validation subsets hold different classes "
                                 "after the split. If the arrays are sorted by label, shuffle them first (or pass "
                                 "ignore_class_split=True).")
            part = slice(None, cut) if subset == "validation" else slice(cut, None)
            x, misc = x[part], [a[part] for a in misc]
            y = None if y is None else y[part]
            sample_weight = None if sample_weight is None else sample_weight[part]
        self.x = np.asarray(x, dtype=self.dtype)
        if self.x.ndim != 4:
            raise ValueError(f"flow(): x must be a 4D array of images (samples, ...); received shape {self.x.shape}.")
        channel_axis = 3 if data_format == "channels_last" else 1
        if self.x.shape[channel_axis] not in (1, 3, 4):
            warnings.warn(f"flow(): with data_format={data_format!r} the channels are on axis {channel_axis}, which "
                          f"has {self.x.shape[channel_axis]} entries (x.shape {self.x.shape}); images have 1, 3 or 4.",
                          stacklevel=3)
        self.x_misc = misc
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        self.image_data_generator, self.data_format = image_data_generator, data_format
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        super().__init__(self.x.shape[0], batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array):
        gen = self.image_data_generator
        batch_x = np.zeros((len(index_array),) + self.x.shape[1:], dtype=self.dtype)
        for i, j in enumerate(index_array):
            x = self.x[j]
            x = gen.apply_transform(x.astype(self.dtype), gen.get_random_transform(x.shape))
            batch_x[i] = gen.standardize(x)
        if self.save_to_dir:
            self._save_batch(batch_x, index_array, self.data_format, 10_000)
        xs = [batch_x] + [a[index_array] for a in self.x_misc] if self.x_misc else batch_x
        if self.y is None:
            return xs
        out = (xs, self.y[index_array])
        return out if self.sample_weight is None else out + (self.sample_weight[index_array],)


class _FilesMixin:
    """Loading, augmenting and labelling batches of image files (directory and DataFrame iterators)."""

    def _set_processing(self, generator, target_size, color_mode, data_format, save_to_dir, save_prefix,
                        save_format, subset, interpolation, keep_aspect_ratio):
        if color_mode not in ("rgb", "rgba", "grayscale"):
            raise ValueError(f"Invalid color_mode {color_mode!r}; expected 'rgb', 'rgba' or 'grayscale'.")
        self.image_data_generator = generator
        self.target_size = tuple(target_size)
        self.color_mode, self.data_format = color_mode, data_format
        self.keep_aspect_ratio, self.interpolation = keep_aspect_ratio, interpolation
        channels = {"rgb": 3, "rgba": 4, "grayscale": 1}[color_mode]
        self.image_shape = self.target_size + (channels,) if data_format == "channels_last" else \
            (channels,) + self.target_size
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        self.split, self.subset = _split_for(generator, subset), subset

    def _get_batches_of_transformed_samples(self, index_array):
        gen = self.image_data_generator
        batch_x = np.zeros((len(index_array),) + self.image_shape, dtype=self.dtype)
        for i, j in enumerate(index_array):
            img = load_img(self.filepaths[j], color_mode=self.color_mode, target_size=self.target_size,
                           interpolation=self.interpolation, keep_aspect_ratio=self.keep_aspect_ratio)
            x = img_to_array(img, data_format=self.data_format)
            img.close()
            if gen:
                x = gen.standardize(gen.apply_transform(x, gen.get_random_transform(x.shape)))
            batch_x[i] = x
        if self.save_to_dir:
            self._save_batch(batch_x, index_array, self.data_format, 10_000_000)
        mode = self.class_mode
        if mode == "input":
            batch_y = batch_x.copy()
        elif mode in ("binary", "sparse"):
            batch_y = np.asarray([self.classes[j] for j in index_array], dtype=self.dtype)
        elif mode == "categorical":
            batch_y = np.zeros((len(batch_x), len(self.class_indices)), dtype=self.dtype)
            for i, j in enumerate(index_array):
                batch_y[i, self.classes[j]] = 1.0  # a list of ids (multi-label) sets several
        elif mode == "multi_output":
            batch_y = [out[index_array] for out in self.labels]
        elif mode == "raw":
            batch_y = self.labels[index_array]
        else:
            return batch_x
        if self.sample_weight is None:
            return batch_x, batch_y
        return batch_x, batch_y, self.sample_weight[index_array]


def _image_files(directory, follow_links):
    """(root, name) of the image files under ``directory``, walked in sorted order."""
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links), key=lambda w: w[0]):
        for name in sorted(files):
            if name.lower().endswith(IMAGE_FORMATS):
                yield root, name


class DirectoryIterator(_FilesMixin, Iterator):
    """Images from ``directory/<class>/...`` (sub-folders in sorted order are the classes, unless
    ``classes`` lists them), each class's files split by ``subset`` before they are pooled."""

    allowed_class_modes = ("categorical", "binary", "sparse", "input", None)

    def __init__(self, directory, image_data_generator, target_size=(256, 256), color_mode="rgb", classes=None,
                 class_mode="categorical", batch_size=32, shuffle=True, seed=None, data_format=None,
                 save_to_dir=None, save_prefix="", save_format="png", follow_links=False, subset=None,
                 interpolation="nearest", keep_aspect_ratio=False, dtype=None):
        from .. import backend
        data_format = data_format or backend.image_data_format()
        self._set_processing(image_data_generator, target_size, color_mode, data_format, save_to_dir, save_prefix,
                             save_format, subset, interpolation, keep_aspect_ratio)
        if class_mode not in self.allowed_class_modes:
            raise ValueError(f"Invalid class_mode {class_mode!r}; expected one of {self.allowed_class_modes}.")
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"flow_from_directory: {directory!r} is not a directory. Pass a folder that "
                                    "holds one sub-folder of images per class.")
        self.directory, self.class_mode = directory, class_mode
        self.dtype = dtype or backend.floatx()
        if not classes:
            classes = [d for d in sorted(os.listdir(directory)) if os.path.isdir(os.path.join(directory, d))]
        self.num_classes = len(classes)
        self.class_indices = {c: i for i, c in enumerate(classes)}
        self.filenames, labels = [], []
        for c in classes:
            folder = os.path.join(directory, c)
            files = list(_image_files(folder, follow_links))
            if self.split:
                files = files[int(self.split[0] * len(files)):int(self.split[1] * len(files))]
            for root, name in files:
                self.filenames.append(os.path.join(c, os.path.relpath(os.path.join(root, name), folder)))
                labels.append(self.class_indices[c])
        self.samples = len(self.filenames)
        self.classes = np.asarray(labels, dtype="int32")
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        self._filepaths = [os.path.join(directory, f) for f in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def filepaths(self):
        return self._filepaths

    @property
    def labels(self):
        return self.classes

    @property
    def sample_weight(self):
        return None


class DataFrameIterator(_FilesMixin, Iterator):
    """Images named in ``dataframe[x_col]`` (relative to ``directory``), labels from ``y_col``:
    class names (strings; lists of them for multi-label 'categorical'), or raw values ('raw',
    'multi_output' with a list of columns). Missing or non-image files are dropped with a warning."""

    allowed_class_modes = ("binary", "categorical", "input", "multi_output", "raw", "sparse", None)

    def __init__(self, dataframe, directory=None, image_data_generator=None, x_col="filename", y_col="class",
                 weight_col=None, target_size=(256, 256), color_mode="rgb", classes=None, class_mode="categorical",
                 batch_size=32, shuffle=True, seed=None, data_format="channels_last", save_to_dir=None,
                 save_prefix="", save_format="png", subset=None, interpolation="nearest", keep_aspect_ratio=False,
                 dtype="float32", validate_filenames=True):
        self._set_processing(image_data_generator, target_size, color_mode, data_format, save_to_dir, save_prefix,
                             save_format, subset, interpolation, keep_aspect_ratio)
        df = dataframe.copy()
        self.directory, self.class_mode, self.dtype = directory or "", class_mode, dtype
        self._check(df, x_col, y_col, weight_col, classes)
        if validate_filenames:
            df = self._existing_files(df, x_col)
        labelled = class_mode not in ("input", "multi_output", "raw", None)
        if labelled:
            df, classes = self._filter_classes(df, y_col, classes)
            self.class_indices = {c: i for i, c in enumerate(classes)}
        if self.split:
            df = df.iloc[int(self.split[0] * len(df)):int(self.split[1] * len(df)), :]
        if labelled:
            self.classes = [[self.class_indices[c] for c in v] if isinstance(v, (list, tuple))
                            else self.class_indices[v] for v in df[y_col]]
        self.filenames = df[x_col].tolist()
        self._sample_weight = df[weight_col].values if weight_col else None
        if class_mode == "multi_output":
            self._targets = [np.array(df[c].tolist()) for c in y_col]
        elif class_mode == "raw":
            self._targets = df[y_col].values
        self.samples = len(self.filenames)
        what = "validated" if validate_filenames else "non-validated"
        print(f"Found {self.samples} {what} image filenames" +
              (f" belonging to {len(classes)} classes." if labelled else "."))
        self._filepaths = [os.path.join(self.directory, f) for f in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    def _check(self, df, x_col, y_col, weight_col, classes):
        mode = self.class_mode
        if mode not in self.allowed_class_modes:
            raise ValueError(f"Invalid class_mode {mode!r}; expected one of {self.allowed_class_modes}.")
        if mode == "multi_output" and not isinstance(y_col, list):
            raise TypeError(f"class_mode='multi_output' needs y_col to be a list of columns; received "
                            f"{type(y_col).__name__}.")
        if not all(isinstance(v, str) for v in df[x_col]):
            raise TypeError(f"flow_from_dataframe: every value of x_col={x_col!r} must be a file name (a string).")
        if mode in ("binary", "sparse") and not all(isinstance(v, str) for v in df[y_col]):
            raise TypeError(f"class_mode={mode!r} needs the y_col={y_col!r} values to be class names (strings); "
                            "for numeric targets use class_mode='raw'.")
        if mode == "binary":
            found = len(set(classes)) if classes else df[y_col].nunique()
            if found != 2:
                raise ValueError(f"class_mode='binary' needs exactly 2 classes; found {found}.")
        if mode == "categorical" and not all(isinstance(v, (str, list, tuple)) for v in df[y_col]):
            raise TypeError(f"class_mode='categorical' needs the y_col={y_col!r} values to be strings, lists or "
                            "tuples of class names.")
        if classes and mode in ("input", "multi_output", "raw", None):
            warnings.warn(f"flow_from_dataframe: classes is ignored with class_mode={mode!r}.", stacklevel=4)
        if weight_col and not np.issubdtype(df[weight_col].dtype, np.number):
            raise TypeError(f"flow_from_dataframe: weight_col={weight_col!r} must be a numeric column.")

    @staticmethod
    def _filter_classes(df, y_col, classes):
        df = df.copy()
        if classes:
            classes = list(dict.fromkeys(classes))
            keep = set(classes)

            def only_known(v):
                if isinstance(v, (list, tuple)):
                    return [c for c in v if c in keep] or None
                return v if v in keep else None
            df[y_col] = df[y_col].apply(only_known)
        else:
            found = set()
            for v in df[y_col]:
                found.update(v) if isinstance(v, (list, tuple)) else found.add(v)
            classes = sorted(found)
        return df.dropna(subset=[y_col]), classes

    def _existing_files(self, df, x_col):
        paths = df[x_col].map(lambda f: os.path.join(self.directory, f))
        ok = paths.map(lambda p: p.lower().endswith(IMAGE_FORMATS) and os.path.isfile(p))
        if (~ok).sum():
            warnings.warn(f"Found {(~ok).sum()} invalid image filename(s) in x_col={x_col!r}. These filename(s) "
                          "will be ignored.", stacklevel=4)
        return df[ok]

    @property
    def filepaths(self):
        return self._filepaths

    @property
    def labels(self):
        return self._targets if self.class_mode in ("multi_output", "raw") else self.classes

    @property
    def sample_weight(self):
        return self._sample_weight
