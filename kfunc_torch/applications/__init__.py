"""Keras applications (to be written)."""
