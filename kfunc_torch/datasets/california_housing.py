"""``keras.datasets.california_housing``: 20640 districts (or the first 600 with version='small'), 8
features, median value targets. Example: ``(x, y), (xt, yt) = california_housing.load_data(version='small')``."""
import numpy as np

from ..utils.file_utils import get_file
from ._common import ORIGIN, check_test_split, shuffled_split


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """Shuffled with ``seed`` and split at ``1 - test_split``; ``version``: 'large' or 'small'."""
    check_test_split(test_split)
    if version not in ("large", "small"):
        raise ValueError(f"version must be 'large' or 'small'; received version={version!r}.")
    path = get_file(path, origin=ORIGIN + "california_housing.npz",
                    file_hash="1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f")
    with np.load(path, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    return shuffled_split(x, y, test_split, seed)
