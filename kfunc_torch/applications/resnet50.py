"""``keras.applications.resnet50``: ResNet50 with its preprocess_input (mode 'caffe').

Example::

    >>> from kfunc_torch.applications import resnet50
    >>> model = resnet50.ResNet50(weights=None, include_top=False)
"""
from .resnet import ResNet50, decode_predictions, preprocess_input

__all__ = ["ResNet50", "preprocess_input", "decode_predictions"]
