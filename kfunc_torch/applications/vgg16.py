"""``keras.applications.vgg16``: VGG16 with its preprocess_input (mode 'caffe') and decode_predictions.

Example::

    >>> from kfunc_torch.applications import vgg16
    >>> model = vgg16.VGG16(weights=None, include_top=False)
"""
from .vgg import VGG16, decode_predictions, preprocess_input

__all__ = ["VGG16", "preprocess_input", "decode_predictions"]
