"""``keras.preprocessing.sequence`` (Keras 2): padding, sliding windows over a time series, and
word2vec-style skipgram pairs.

Example::

    >>> from kfunc_torch.preprocessing.sequence import pad_sequences, TimeseriesGenerator
    >>> pad_sequences([[1, 2, 3], [4]], maxlen=2)
    array([[2, 3],
           [0, 4]], dtype=int32)
    >>> gen = TimeseriesGenerator(np.arange(10), np.arange(10), length=3, batch_size=2)
    >>> gen[0][0].tolist(), gen[0][1].tolist()
    ([[0, 1, 2], [1, 2, 3]], [3, 4])
"""
from __future__ import annotations

import json
import random

import numpy as np

from ..utils import Sequence, pad_sequences

__all__ = ["pad_sequences", "TimeseriesGenerator", "make_sampling_table", "skipgrams"]


class TimeseriesGenerator(Sequence):
    """Batches of ``(windows, targets)`` cut from one series, a ``Sequence`` that ``fit`` accepts.

    Sample ``k`` of the series ends just before row ``r = start_index + length + k * stride`` and holds
    ``data[r - length:r:sampling_rate]``; its target is ``targets[r]``. Rows after ``end_index``
    (default: the last row) are not used as targets. ``shuffle`` draws ``batch_size`` random rows per
    batch (with replacement, as Keras does); ``reverse`` flips each window in time.

    Example: ``TimeseriesGenerator(x, y, length=10, batch_size=32)`` then ``model.fit(gen, epochs=3)``.
    """

    def __init__(self, data, targets, length, sampling_rate=1, stride=1, start_index=0, end_index=None,
                 shuffle=False, reverse=False, batch_size=128, **kwargs):
        # workers / use_multiprocessing / max_queue_size (PyDataset arguments) are accepted and unused.
        if len(data) != len(targets):
            raise ValueError(f"TimeseriesGenerator: data and targets must have the same length; data has "
                             f"{len(data)} rows, targets {len(targets)}.")
        self.data, self.targets = data, targets
        self.length, self.sampling_rate, self.stride = length, sampling_rate, stride
        self.start_index = start_index + length  # the first row that can be a target
        self.end_index = len(data) - 1 if end_index is None else end_index
        self.shuffle, self.reverse, self.batch_size = shuffle, reverse, batch_size
        if self.start_index > self.end_index:
            raise ValueError(f"TimeseriesGenerator: start_index + length = {self.start_index} > end_index = "
                             f"{self.end_index}, so no row is left to be a target. Use a shorter length or a "
                             "longer series.")

    def __len__(self):
        span = self.batch_size * self.stride
        return (self.end_index - self.start_index + span) // span

    def _rows(self, index):
        if self.shuffle:
            return np.random.randint(self.start_index, self.end_index + 1, size=self.batch_size)
        first = self.start_index + self.batch_size * self.stride * index
        return np.arange(first, min(first + self.batch_size * self.stride, self.end_index + 1), self.stride)

    def __getitem__(self, index):
        rows = self._rows(index)
        samples = np.array([self.data[r - self.length:r:self.sampling_rate] for r in rows])
        targets = np.array([self.targets[r] for r in rows])
        return (samples[:, ::-1, ...], targets) if self.reverse else (samples, targets)

    def get_config(self):
        """The generator's arguments, data and targets as JSON strings (Keras's layout)."""
        def as_json(v, what):
            v = v.tolist() if isinstance(v, np.ndarray) else v
            try:
                return json.dumps(v)
            except TypeError as e:
                raise TypeError(f"TimeseriesGenerator.get_config: {what} is not JSON serializable: {e}") from None
        return {"data": as_json(self.data, "data"), "targets": as_json(self.targets, "targets"),
                "length": self.length, "sampling_rate": self.sampling_rate, "stride": self.stride,
                "start_index": self.start_index, "end_index": self.end_index, "shuffle": self.shuffle,
                "reverse": self.reverse, "batch_size": self.batch_size}

    def to_json(self, **kwargs):
        """``{"class_name": "TimeseriesGenerator", "config": ...}`` as a JSON string."""
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()}, **kwargs)


def make_sampling_table(size, sampling_factor=1e-5):
    """Probability of keeping the word of each frequency rank (word2vec's subsampling, with Zipf's law
    for the frequencies), for ``skipgrams(sampling_table=...)``.

    Example: ``make_sampling_table(5)[1:]`` rises with the rank (rarer words are kept more often).
    """
    gamma = 0.577  # the Euler-Mascheroni constant, as Keras rounds it
    rank = np.arange(size)
    rank[0] = 1
    inv_freq = rank * (np.log(rank) + gamma) + 0.5 - 1.0 / (12.0 * rank)
    f = sampling_factor * inv_freq
    return np.minimum(1.0, f / np.sqrt(f))


def skipgrams(sequence, vocabulary_size, window_size=4, negative_samples=1.0, shuffle=True, categorical=False,
              sampling_table=None, seed=None):
    """``(couples, labels)``: ``[word, context]`` pairs within ``window_size`` (label 1) and
    ``negative_samples`` times as many ``[word, random word]`` pairs (label 0). Index 0 is a non-word.

    Randomness comes from Python's ``random`` module, as in Keras, so ``random.seed`` reproduces Keras's
    pairs. ``categorical=True`` gives labels ``[0, 1]`` / ``[1, 0]``.

    Example: ``couples, labels = skipgrams([1, 2, 3], vocabulary_size=4, window_size=1, shuffle=False)``.
    """
    label = (lambda positive: [0, 1] if positive else [1, 0]) if categorical else int
    couples, labels = [], []
    for i, wi in enumerate(sequence):
        if not wi:
            continue
        if sampling_table is not None and sampling_table[wi] < random.random():
            continue
        for j in range(max(0, i - window_size), min(len(sequence), i + window_size + 1)):
            if j != i and sequence[j]:
                couples.append([wi, sequence[j]])
                labels.append(label(True))
    if negative_samples > 0:
        n_neg = int(len(labels) * negative_samples)
        words = [c[0] for c in couples]
        random.shuffle(words)
        couples += [[words[i % len(words)], random.randint(1, vocabulary_size - 1)] for i in range(n_neg)]
        labels += [label(False) for _ in range(n_neg)]
    if shuffle:
        # One seed shuffles both lists the same way (Keras's recipe, so pairs stay aligned).
        seed = random.randint(0, 10_000_000) if seed is None else seed
        random.seed(seed)
        random.shuffle(couples)
        random.seed(seed)
        random.shuffle(labels)
    return couples, labels
