"""Saving and loading (to be written)."""
