"""``keras.preprocessing`` as Keras 2 had it: ``sequence`` (pad_sequences, TimeseriesGenerator,
skipgrams), ``text`` (Tokenizer, one_hot, hashing_trick) and ``image`` (ImageDataGenerator,
load_img / img_to_array / array_to_img / save_img), plus Keras 3's dataset builders
(``image_dataset_from_directory`` ...). Images need Pillow (``pip install kfunc_torch[image]``).

Example::

    >>> from kfunc_torch.preprocessing import sequence, text
    >>> sequence.pad_sequences([[1], [2, 3]])
    array([[0, 1],
           [2, 3]], dtype=int32)
"""
from . import sequence, text  # noqa: F401
from ..utils.dataset_utils import (image_dataset_from_directory, text_dataset_from_directory,  # noqa: F401
                                   timeseries_dataset_from_array)

__all__ = ["sequence", "text", "image", "image_dataset_from_directory", "text_dataset_from_directory",
           "timeseries_dataset_from_array"]


def __getattr__(name):
    # image pulls in the augmentation code (and Pillow when used): loaded on first use.
    if name == "image":
        import importlib
        return importlib.import_module(".image", __name__)
    raise AttributeError(f"module 'kfunc_torch.preprocessing' has no attribute {name!r}")
