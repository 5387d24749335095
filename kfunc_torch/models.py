"""``keras.models``: Model, Sequential, and (with saving) load_model."""
from .engine.functional import Functional, Model
from .engine.sequential import Sequential
