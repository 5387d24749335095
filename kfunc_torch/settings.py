"""The session's global settings: image layout, floatx, epsilon, the learning phase, and the flags
that Keras 1 handling and ``keras.config`` keep. One dict, in a leaf module, so that the engine reads
floatx without importing ``backend``; ``backend`` and ``config`` are its public faces.

Example::

    >>> from kfunc_torch.settings import backend_settings
    >>> backend_settings["floatx"]
    'float32'
"""
# "explicit_format": the user chose the image layout; Keras 1 code may switch the default to
# channels_first only when nobody did ("dim_ordering_read": Keras 1 code read it; "keras1_th": it did).
backend_settings = {"image_data_format": "channels_last", "floatx": "float32", "epsilon": 1e-7,
                    "explicit_format": False, "dim_ordering_read": False, "keras1_th": False,
                    "learning_phase": 0}
