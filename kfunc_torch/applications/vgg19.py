"""``keras.applications.vgg19``: VGG19 with its preprocess_input (mode 'caffe') and decode_predictions.

Example::

    >>> from kfunc_torch.applications import vgg19
    >>> model = vgg19.VGG19(weights=None, include_top=False)
"""
from .vgg import VGG19, decode_predictions, preprocess_input

__all__ = ["VGG19", "preprocess_input", "decode_predictions"]
