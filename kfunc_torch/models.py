"""``keras.models``: Model, Sequential, clone_model and (with saving) load_model."""
from .engine.cloning import clone_model
from .engine.functional import Functional, Model
from .engine.sequential import Sequential
from .saving import load_model, model_from_json, save_model

__all__ = ["Functional", "Model", "Sequential", "clone_model", "load_model", "model_from_json", "save_model"]
