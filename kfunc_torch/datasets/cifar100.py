"""``keras.datasets.cifar100``: 32x32 colour images, 100 fine or 20 coarse classes. Example:
``(x, y), (xt, yt) = cifar100.load_data(label_mode='fine')`` -> x uint8 (50000, 32, 32, 3), y (50000, 1)."""
import os

import numpy as np

from ._cifar import load_batch, to_layout, unpacked_folder

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


def load_data(label_mode="fine"):
    """``((x_train, y_train), (x_test, y_test))``; ``label_mode``: 'fine' (100) or 'coarse' (20)."""
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f"label_mode must be 'fine' or 'coarse'; received label_mode={label_mode!r}.")
    path = os.path.join(unpacked_folder("cifar-100", ORIGIN, HASH), "cifar-100-python")
    out = []
    for split in ("train", "test"):
        x, y = load_batch(os.path.join(path, split), label_key=f"{label_mode}_labels")
        out.append((to_layout(x), np.reshape(np.asarray(y), (len(y), 1))))
    return tuple(out)
