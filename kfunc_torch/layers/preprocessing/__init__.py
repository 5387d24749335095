"""Keras's preprocessing layers, one file per family (they live in ``keras.layers``).

| file | layers |
|---|---|
| ``numerical`` | Normalization, Rescaling, Discretization |
"""
from .numerical import *  # noqa: F401,F403
