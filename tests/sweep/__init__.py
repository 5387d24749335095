"""Generated differential coverage against real Keras 3.

``runner`` compares many layer configurations with Keras in one subprocess per family; the
``grids_*`` modules generate the configurations (one module per layer family); ``graphs``
generates random functional models. ``exceptions`` lists, with reasons, where Keras 3's torch
backend departs from Keras's own (TensorFlow) semantics and what we compare those cases with.
"""
