"""``keras.datasets``: the small data sets of the Keras tutorials, read from the Keras cache
(``~/.keras/datasets``, ``$KERAS_HOME/datasets`` or ``cache_dir``) and downloaded there when missing.

Each module has ``load_data()`` with Keras's signature, file names, shapes and dtypes.

Example::

    >>> from kfunc_torch.datasets import mnist
    >>> (x_train, y_train), (x_test, y_test) = mnist.load_data()   # uint8 (60000, 28, 28), (60000,)
"""
from . import (boston_housing, california_housing, cifar10, cifar100, fashion_mnist, imdb, mnist,  # noqa: F401
               reuters)

__all__ = ["boston_housing", "california_housing", "cifar10", "cifar100", "fashion_mnist", "imdb", "mnist",
           "reuters"]
