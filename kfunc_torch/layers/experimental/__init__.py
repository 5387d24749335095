"""``keras.layers.experimental``: where TF 2.2-2.5 kept the preprocessing layers (tutorials of that time
import ``from tensorflow.keras.layers.experimental import preprocessing``). The same classes as
``keras.layers``. Example: ``preprocessing.Normalization()``."""
from . import preprocessing  # noqa: F401
