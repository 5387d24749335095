"""``tf.data``: ``Dataset`` (from_tensor_slices, from_tensors, from_generator, range, zip and the
transformations), ``AUTOTUNE``, ``Options``, ``experimental`` (cardinality constants,
``assert_cardinality``). A dataset is what ``fit``, ``evaluate`` and ``predict`` take in place of arrays.

Example::

    >>> ds = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(1024).batch(64)
    >>> model.fit(ds.prefetch(tf.data.AUTOTUNE), epochs=2)
"""
from __future__ import annotations

import types

from .dataset import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset

__all__ = ["Dataset", "AUTOTUNE", "Options", "experimental", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY"]

DatasetV2 = Dataset


class Options:
    """Dataset options (threading, determinism, sharding policy...): accepted and recorded, since
    elements are made in this process, in order."""

    def __init__(self):
        self.__dict__["_values"] = {}

    def __getattr__(self, name):
        values = self.__dict__["_values"]
        if name not in values:
            values[name] = types.SimpleNamespace()
        return values[name]

    def __setattr__(self, name, value):
        self.__dict__["_values"][name] = value


def _assert_cardinality(expected):
    """``ds.apply(tf.data.experimental.assert_cardinality(n))``: declare the length (checked while iterating)."""
    from .transforms import TakeDataset

    class _Asserted(TakeDataset):
        def _iterate(self):
            count = 0
            for element in self._source:
                count += 1
                if count > expected:
                    raise ValueError(f"Input dataset was expected to contain {expected} elements but contained "
                                     "more.")
                yield element
            if count < expected:
                raise ValueError(f"Input dataset was expected to contain {expected} elements but contained only "
                                 f"{count}.")

        def _cardinality(self):
            return int(expected)

    return lambda ds: _Asserted(ds, int(expected))


def _cardinality(dataset):
    return dataset.cardinality()


experimental = types.SimpleNamespace(
    AUTOTUNE=AUTOTUNE, INFINITE_CARDINALITY=INFINITE_CARDINALITY, UNKNOWN_CARDINALITY=UNKNOWN_CARDINALITY,
    assert_cardinality=_assert_cardinality, cardinality=_cardinality,
    sample_from_datasets=Dataset.sample_from_datasets)
