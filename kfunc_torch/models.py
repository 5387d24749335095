"""``keras.models``: Model, Sequential, and (with saving) load_model."""
from .engine.functional import Functional, Model
from .engine.sequential import Sequential
from .saving import load_model, model_from_json, save_model
