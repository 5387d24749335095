"""Keras's ``keras.callbacks``: hooks into fit / evaluate / predict, with Keras's classes and semantics.

Example::

    >>> stop = callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    >>> history = model.fit(x, y, validation_split=0.2, epochs=50, callbacks=[stop])
    >>> history.history["val_loss"]
"""
from .base import Callback, CallbackList, LazyLogs
from .checkpoint import BackupAndRestore, ModelCheckpoint
from .logging import CSVLogger, History, ProgbarLogger, TensorBoard
from .monitors import EarlyStopping, LambdaCallback, LearningRateScheduler, ReduceLROnPlateau, TerminateOnNaN

__all__ = ["Callback", "CallbackList", "LazyLogs", "BackupAndRestore", "ModelCheckpoint", "CSVLogger", "History",
           "ProgbarLogger", "TensorBoard", "EarlyStopping", "LambdaCallback", "LearningRateScheduler",
           "ReduceLROnPlateau", "TerminateOnNaN"]
