"""``keras.datasets.cifar10``: 32x32 colour images of 10 classes. Example:
``(x, y), (xt, yt) = cifar10.load_data()`` -> uint8 (50000, 32, 32, 3), (50000, 1), (10000, 32, 32, 3), (10000, 1)."""
import os

import numpy as np

from ._cifar import load_batch, to_layout, unpacked_folder

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


def load_data():
    """``((x_train, y_train), (x_test, y_test))`` from the five training batches and the test batch."""
    path = os.path.join(unpacked_folder("cifar-10", ORIGIN, HASH), "cifar-10-batches-py")
    parts = [load_batch(os.path.join(path, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([p[0] for p in parts]).astype("uint8")
    y_train = np.concatenate([np.asarray(p[1]) for p in parts]).astype("uint8").reshape(-1, 1)
    x_test, y_test = load_batch(os.path.join(path, "test_batch"))
    return (to_layout(x_train), y_train), (to_layout(x_test.astype("uint8")),
                                           np.asarray(y_test).astype("uint8").reshape(-1, 1))
