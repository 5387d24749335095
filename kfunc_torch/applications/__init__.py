"""Keras applications: classic ImageNet networks written with the functional API
(``keras.applications``). Each family module also has ``preprocess_input`` and
``decode_predictions`` (``applications.xception.preprocess_input``).

``weights='imagenet'`` loads Keras's own pretrained file (Keras 2 HDF5) from ``~/.keras/models/``
(or ``$KERAS_HOME/models``) under Keras's file name, downloading it there when it is missing;
``weights=None`` builds randomly initialized networks, ``weights='/path/to/file.h5'`` loads a local file.

Example::

    >>> from kfunc_torch import applications, Input
    >>> xception_base = applications.Xception(weights=None, include_top=False)
    >>> xception_base(Input(shape=(250, 250, 3))).shape
    (None, 8, 8, 2048)
"""
from . import (densenet, efficientnet, imagenet_utils, inception_v3, mobilenet, mobilenet_v2, resnet, resnet50,
               resnet_v2, vgg16, vgg19, xception)
from .densenet import DenseNet121, DenseNet169, DenseNet201
from .efficientnet import (EfficientNetB0, EfficientNetB1, EfficientNetB2, EfficientNetB3, EfficientNetB4,
                           EfficientNetB5, EfficientNetB6, EfficientNetB7)
from .inception_v3 import InceptionV3
from .mobilenet import MobileNet
from .mobilenet_v2 import MobileNetV2
from .resnet import ResNet50, ResNet101, ResNet152
from .resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2
from .vgg import VGG16, VGG19
from .xception import Xception

__all__ = ["Xception", "VGG16", "VGG19", "ResNet50", "ResNet101", "ResNet152", "ResNet50V2", "ResNet101V2",
           "ResNet152V2", "InceptionV3", "MobileNet", "MobileNetV2", "DenseNet121", "DenseNet169", "DenseNet201",
           "EfficientNetB0", "EfficientNetB1", "EfficientNetB2", "EfficientNetB3", "EfficientNetB4", "EfficientNetB5",
           "EfficientNetB6", "EfficientNetB7",
           "densenet", "efficientnet", "imagenet_utils", "inception_v3", "mobilenet", "mobilenet_v2", "resnet",
           "resnet50", "resnet_v2", "vgg16", "vgg19", "xception"]
