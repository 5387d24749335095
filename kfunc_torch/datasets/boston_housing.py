"""``keras.datasets.boston_housing``: 506 houses, 13 features, price targets. Example:
``(x, y), (xt, yt) = boston_housing.load_data()`` -> float64 (404, 13), (404,), (102, 13), (102,)."""
import numpy as np

from ..utils.file_utils import get_file
from ._common import ORIGIN, check_test_split, shuffled_split


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Shuffled with ``seed`` and split at ``1 - test_split``, as Keras."""
    check_test_split(test_split)
    path = get_file(path, origin=ORIGIN + "boston_housing.npz",
                    file_hash="f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5")
    with np.load(path, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    return shuffled_split(x, y, test_split, seed)
