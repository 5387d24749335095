"""Keras's ``keras.metrics``: metric functions and stateful ``Metric`` objects kept on the model's device.

Example::

    >>> m = metrics.CategoricalAccuracy()
    >>> m.update_state(torch.tensor([[0., 1.]]), torch.tensor([[0.3, 0.7]]))
    >>> float(m.result())
    1.0
    >>> model.compile("rmsprop", "categorical_crossentropy", metrics=["accuracy"])
"""
from .auc import AUC
from .base import (Accuracy, BinaryAccuracy, BinaryCrossentropy, CategoricalAccuracy, CategoricalCrossentropy, Mean,
                   MeanAbsoluteError, MeanAbsolutePercentageError, MeanMetricWrapper, MeanSquaredError, Metric,
                   SparseCategoricalAccuracy, SparseCategoricalCrossentropy, SparseTopKCategoricalAccuracy, Sum,
                   TopKCategoricalAccuracy)
from .confusion import FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives
from .functions import (binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
                        sparse_top_k_categorical_accuracy, top_k_categorical_accuracy)
from .lookup import (MAE, MAPE, MSE, _BY_NAME, _CLASSES_BY_NAME, acc, accuracy, binary_crossentropy,  # noqa: F401
                     categorical_crossentropy, get, mae, mape, mse, sparse_categorical_crossentropy)

__all__ = ['AUC', 'Accuracy', 'BinaryAccuracy', 'BinaryCrossentropy', 'CategoricalAccuracy', 'CategoricalCrossentropy', 'Mean', 'MeanAbsoluteError', 'MeanAbsolutePercentageError', 'MeanMetricWrapper', 'MeanSquaredError', 'Metric', 'SparseCategoricalAccuracy', 'SparseCategoricalCrossentropy', 'SparseTopKCategoricalAccuracy', 'Sum', 'TopKCategoricalAccuracy', 'FalseNegatives', 'FalsePositives', 'Precision', 'Recall', 'TrueNegatives', 'TruePositives', 'binary_accuracy', 'categorical_accuracy', 'sparse_categorical_accuracy', 'sparse_top_k_categorical_accuracy', 'top_k_categorical_accuracy', 'MAE', 'MAPE', 'MSE', 'acc', 'accuracy', 'binary_crossentropy', 'categorical_crossentropy', 'get', 'mae', 'mape', 'mse', 'sparse_categorical_crossentropy']
