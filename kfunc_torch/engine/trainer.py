"""Trainer: compile / fit / evaluate / predict for Model (filled in by the trainer work)."""
from __future__ import annotations


class Trainer:
    def _init_trainer(self) -> None:
        """Called from Model.__init__ (the mixin has no __init__ of its own)."""
        self.compiled = False
