"""``keras.utils.image_dataset_from_directory``, ``text_dataset_from_directory`` and
``timeseries_dataset_from_array`` without TensorFlow: they return a ``BatchedDataset`` (a torch
``IterableDataset`` of batches) that fit / evaluate / predict and ``for`` loops take.

Files are found, labelled, shuffled and split exactly as Keras 3 does (``index_directory``: sorted
class sub-folders, ``np.random.RandomState(seed)`` shuffle, the validation subset taken from the
end), so a seed gives Keras's training / validation files.

Example::

    >>> train, val = image_dataset_from_directory("photos/", validation_split=0.2, subset="both", seed=1337,
    ...                                           image_size=(180, 180), batch_size=32)
    Found 120 files belonging to 2 classes.
    Using 96 files for training.
    Using 24 files for validation.
    >>> train.class_names
    ['cats', 'dogs']
"""
from __future__ import annotations

import os

import numpy as np

from .batched_dataset import BatchedDataset

__all__ = ["image_dataset_from_directory", "text_dataset_from_directory", "timeseries_dataset_from_array",
           "index_directory"]

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_INTERPOLATIONS = {"bilinear": "bilinear", "nearest": "nearest", "bicubic": "bicubic", "area": "area"}


def check_validation_split_arg(validation_split, subset, shuffle, seed):
    """Keras's rules: both or neither of validation_split / subset, and a seed when shuffling a split."""
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"validation_split must be between 0 and 1; received {validation_split}.")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f"subset must be 'training', 'validation' or 'both'; received {subset!r}.")
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide a `seed` argument, "
                         "to make sure that there is no overlap between the training and validation subset.")


def _files_under(folder, follow_links, formats):
    for root, _, files in sorted(os.walk(folder, followlinks=follow_links), key=lambda w: w[0]):
        for name in sorted(files):
            if name.lower().endswith(formats):
                yield os.path.join(root, name)


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None, follow_links=False,
                    verbose=True):
    """``(file_paths, labels, class_names)`` as Keras 3 finds them (see the module docstring)."""
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"{directory!r} is not a directory. Expected a folder holding one sub-folder per "
                                "class (labels='inferred') or the files themselves.")
    if labels == "inferred":
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(subdirs):
                raise ValueError(f"The `class_names` passed did not match the names of the subdirectories of the "
                                 f"target directory. Expected: {subdirs} (or a subset of it), but received: "
                                 f"class_names={class_names}")
            subdirs = list(class_names)  # the order given
    else:
        if class_names is not None:
            raise ValueError("class_names can only be given with labels='inferred' (with explicit labels the class "
                             "names are the sorted labels; with labels=None there are none).")
        subdirs = [""]
    paths, found = [], []
    for i, sub in enumerate(subdirs):
        files = list(_files_under(os.path.join(directory, sub), follow_links, formats))
        paths += files
        found += [i] * len(files)
    if labels == "inferred":
        labels, class_names = np.asarray(found, dtype="int32"), subdirs
    elif labels is None:
        class_names = None
    else:
        if len(labels) != len(paths):
            raise ValueError(f"Expected the lengths of `labels` to match the number of files in the target "
                             f"directory. len(labels) is {len(labels)} while we found {len(paths)} files in "
                             f"directory {directory}.")
        class_names = [str(v) for v in sorted(set(labels))]
        labels = np.asarray(labels)
    if verbose:
        print(f"Found {len(paths)} files." if labels is None else
              f"Found {len(paths)} files belonging to {len(class_names)} classes.")
    if shuffle:
        seed = np.random.randint(1e6) if seed is None else seed
        np.random.RandomState(seed).shuffle(paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return paths, labels, class_names


def _split(paths, labels, validation_split, subset):
    """Keras's split: the last ``int(validation_split * n)`` samples are the validation subset."""
    if not validation_split:
        return paths, labels
    n_val = int(validation_split * len(paths))
    if subset == "training":
        print(f"Using {len(paths) - n_val} files for training.")
        cut = slice(None, -n_val) if n_val else slice(None)
    else:
        print(f"Using {n_val} files for validation.")
        cut = slice(-n_val, None) if n_val else slice(0, 0)
    return paths[cut], None if labels is None else labels[cut]


def _encode_labels(labels, label_mode, num_classes):
    if label_mode == "binary":
        return labels.astype("float32")[:, None]
    if label_mode == "categorical":
        return np.eye(num_classes, dtype="float32")[labels]
    return labels.astype("int32")


def _build(paths, labels, label_mode, num_classes, load_one, batch_size, shuffle, seed, class_names, what,
           directory, subsets, validation_split):
    """One dataset per subset (a list for subset='both'), each with class_names and file_paths."""
    out = []
    for subset in subsets:
        p, y = _split(paths, labels, validation_split, subset)
        if not p:
            raise ValueError(f"No {what} found in directory {directory!r}" +
                             (f" for the {subset} subset." if subset else "."))

        def load(idx, p=p, y=y):
            xs = np.stack([load_one(p[i]) for i in idx]) if what == "images" else \
                np.asarray([load_one(p[i]) for i in idx], dtype=object)
            if y is None or label_mode is None:
                return xs
            return xs, _encode_labels(np.asarray(y)[idx], label_mode, num_classes)
        # With subset='both' the validation half is not shuffled (Keras); a lone subset follows `shuffle`.
        ds = BatchedDataset(len(p), load, batch_size=batch_size,
                            shuffle=shuffle and not (len(subsets) > 1 and subset == "validation"), seed=seed)
        ds.class_names, ds.file_paths = class_names, list(p)
        out.append(ds)
    return out if len(out) > 1 else out[0]


def _image_loader(num_channels, image_size, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio,
                  data_format):
    import torch
    from .image_utils import require_pillow
    Image = require_pillow("image_dataset_from_directory")
    mode = {1: "L", 3: "RGB", 4: "RGBA"}[num_channels]

    def load_one(path):
        with Image.open(path) as img:
            if getattr(img, "is_animated", False):
                img.seek(0)  # GIFs: the first frame
            a = np.asarray(img.convert(mode), dtype="float32")
        t = torch.from_numpy(a.reshape(a.shape[0], a.shape[1], num_channels)).permute(2, 0, 1)[None]
        h, w = t.shape[-2:]
        th, tw = image_size
        if crop_to_aspect_ratio:  # the largest centred window of the target aspect ratio
            ch, cw = max(min(h, int(w * th / tw)), 1), max(min(w, int(h * tw / th)), 1)
            top, left = (h - ch) // 2, (w - cw) // 2
            t = t[..., top:top + ch, left:left + cw]
        elif pad_to_aspect_ratio:  # zero-pad evenly to the target aspect ratio
            ph, pw = max(h, int(w * th / tw)), max(w, int(h * tw / th))
            top, left = (ph - h) // 2, (pw - w) // 2
            t = torch.nn.functional.pad(t, (left, pw - w - left, top, ph - h - top))
        kw = {"align_corners": False} if interpolation in ("bilinear", "bicubic") else {}
        # torch's bilinear (half-pixel centres, no antialiasing) is TensorFlow's tf.image.resize.
        t = torch.nn.functional.interpolate(t, size=tuple(image_size), mode=_INTERPOLATIONS[interpolation], **kw)
        t = t[0] if data_format == "channels_first" else t[0].permute(1, 2, 0)
        return t.numpy()
    return load_one


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, color_mode="rgb",
                                 batch_size=32, image_size=(256, 256), shuffle=True, seed=None, validation_split=None,
                                 subset=None, interpolation="bilinear", follow_links=False,
                                 crop_to_aspect_ratio=False, pad_to_aspect_ratio=False, data_format=None,
                                 format="tf", verbose=True):
    """Batches ``(images, labels)`` from ``directory/<class>/*.jpg|png|bmp|gif``: images float32 in
    [0, 255] of ``image_size`` (channels last unless ``data_format``), labels per ``label_mode``
    ('int': int32 ids, 'categorical': one-hot float32, 'binary': float32 (batch, 1), None: images only).

    Example: ``ds = image_dataset_from_directory("flowers/", image_size=(180, 180), batch_size=32)``.
    """
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple)):
        raise ValueError("labels must be 'inferred' (from the sub-folder names), None (images only), or a list of "
                         f"integer labels, one per image file in sorted order; received labels={labels!r}.")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(f"label_mode must be 'int', 'categorical', 'binary' or None; received {label_mode!r}.")
    if labels is None or label_mode is None:
        labels = label_mode = None
    channels = {"rgb": 3, "rgba": 4, "grayscale": 1}.get(color_mode)
    if channels is None:
        raise ValueError(f"color_mode must be 'rgb', 'rgba' or 'grayscale'; received {color_mode!r}.")
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    if not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError(f"image_size must be a tuple of 2 integers (height, width); received {image_size!r}.")
    interpolation = interpolation.lower()
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"interpolation {interpolation!r} is not available without TensorFlow; use one of "
                         f"{sorted(_INTERPOLATIONS)}.")
    from .. import backend
    data_format = data_format or backend.image_data_format()
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    seed = np.random.randint(1e6) if seed is None else seed
    paths, labels, class_names = index_directory(directory, labels, IMAGE_FORMATS, class_names, shuffle, seed,
                                                 follow_links, verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f"When passing `label_mode=\"binary\"`, there must be exactly 2 class_names. Received: "
                         f"class_names={class_names}")
    load_one = _image_loader(channels, image_size, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio,
                             data_format)
    subsets = ("training", "validation") if subset == "both" else (subset,)
    return _build(paths, labels, label_mode, len(class_names or ()), load_one, batch_size, shuffle, seed,
                  class_names, "images", directory, subsets, validation_split)


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, batch_size=32,
                                max_length=None, shuffle=True, seed=None, validation_split=None, subset=None,
                                follow_links=False, format="tf", verbose=True):
    """Batches ``(texts, labels)`` from ``directory/<class>/*.txt``: texts a numpy array of Python
    strings (cut to ``max_length`` characters when given), labels as in ``image_dataset_from_directory``.

    Example: ``raw_train = text_dataset_from_directory("aclImdb/train", batch_size=32, validation_split=0.2,
    subset="training", seed=1337)``.
    """
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple)):
        raise ValueError("labels must be 'inferred', None, or a list of integer labels (one per .txt file); "
                         f"received labels={labels!r}.")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(f"label_mode must be 'int', 'categorical', 'binary' or None; received {label_mode!r}.")
    if labels is None or label_mode is None:
        labels = label_mode = None
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    seed = np.random.randint(1e6) if seed is None else seed
    paths, labels, class_names = index_directory(directory, labels, (".txt",), class_names, shuffle, seed,
                                                 follow_links, verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f"When passing `label_mode=\"binary\"`, there must be exactly 2 class_names. Received: "
                         f"class_names={class_names}")

    def load_one(path):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        return text if max_length is None else text[:max_length]
    subsets = ("training", "validation") if subset == "both" else (subset,)
    return _build(paths, labels, label_mode, len(class_names or ()), load_one, batch_size, shuffle, seed,
                  class_names, "text files", directory, subsets, validation_split)


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1,
                                  batch_size=128, shuffle=False, seed=None, start_index=None, end_index=None,
                                  format="tf"):
    """Sliding windows over ``data`` (axis 0 is time) in batches: window ``i`` holds
    ``data[s + i*stride : s + i*stride + sequence_length*sampling_rate : sampling_rate]`` (``s`` =
    ``start_index``) and its target is ``targets[s + i*stride]`` (the target of the window that
    starts there); ``targets=None`` yields windows only.

    Example: ``timeseries_dataset_from_array(x[:-10], x[10:], sequence_length=10)`` predicts 10 steps ahead.
    """
    n = len(data)
    if start_index is not None and not 0 <= start_index < n:
        raise ValueError(f"start_index must be in [0, len(data)={n}); received start_index={start_index}.")
    if end_index is not None:
        if start_index and end_index <= start_index:
            raise ValueError(f"end_index must be higher than start_index; received start_index={start_index}, "
                             f"end_index={end_index}.")
        if not 0 < end_index < n:
            raise ValueError(f"end_index must be in (0, len(data)={n}); received end_index={end_index}.")
    for name, v in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if not 0 < v < n:
            raise ValueError(f"{name} must be higher than 0 and lower than the length of the data ({n}); received "
                             f"{name}={v}.")
    start = start_index or 0
    stop = n if end_index is None else end_index
    num = stop - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num = min(num, len(targets))
    starts = np.arange(0, max(num, 0), sequence_stride)
    if shuffle:  # Keras's RandomState(seed) shuffle of the window starts (then each epoch reorders them)
        seed = np.random.randint(1e6) if seed is None else seed
        np.random.RandomState(seed).shuffle(starts)
    data_part = np.asarray(data[start:stop])
    target_part = None if targets is None else np.asarray(targets[start:])
    offsets = np.arange(0, sequence_length * sampling_rate, sampling_rate)

    def load(idx):
        pos = starts[idx]
        windows = data_part[pos[:, None] + offsets]
        return windows if target_part is None else (windows, target_part[pos])
    return BatchedDataset(len(starts), load, batch_size=batch_size, shuffle=shuffle, seed=seed)
