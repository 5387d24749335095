"""Learning-rate schedules (``optimizers.schedules``): the learning rate as a function of the step.

Example::

    >>> sched = ExponentialDecay(initial_learning_rate=0.1, decay_steps=100, decay_rate=0.5)
    >>> sched(100)
    0.05
    >>> model.compile(optimizer=optimizers.SGD(learning_rate=sched), loss="mse")

Schedules are evaluated on the host once per step (a Python float: no device sync).
"""
from __future__ import annotations

import math


class LearningRateSchedule:
    """Base class: ``__call__(step) -> float``. Example: subclass and define ``__call__``."""

    def __call__(self, step):
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"class_name": type(self).__name__, "config": dict(self.__dict__)}


class ExponentialDecay(LearningRateSchedule):
    """``lr0 * decay_rate ** (step / decay_steps)`` (integer division when staircase).

    Example: ``ExponentialDecay(1e-2, decay_steps=1000, decay_rate=0.9)``.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        if decay_steps <= 0:
            raise ValueError(f"ExponentialDecay: decay_steps must be > 0; received {decay_steps}.")
        self.initial_learning_rate, self.decay_steps = float(initial_learning_rate), decay_steps
        self.decay_rate, self.staircase = float(decay_rate), staircase

    def __call__(self, step):
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate * self.decay_rate ** p


class InverseTimeDecay(LearningRateSchedule):
    """``lr0 / (1 + decay_rate * step / decay_steps)``; Keras 1/2 ``decay=`` is this with decay_steps=1.

    Example: ``InverseTimeDecay(0.1, decay_steps=1, decay_rate=0.5)``.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        self.initial_learning_rate, self.decay_steps = float(initial_learning_rate), decay_steps
        self.decay_rate, self.staircase = float(decay_rate), staircase

    def __call__(self, step):
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate / (1 + self.decay_rate * p)


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while step <= boundaries[0], ``values[1]`` while step <= boundaries[1], ...

    Example: ``PiecewiseConstantDecay([100, 200], [1.0, 0.5, 0.1])``.
    """

    def __init__(self, boundaries, values, name=None):
        if len(values) != len(boundaries) + 1:
            raise ValueError("PiecewiseConstantDecay: values must have one more entry than boundaries; received "
                             f"{len(boundaries)} boundaries and {len(values)} values.")
        self.boundaries, self.values = list(boundaries), list(values)

    def __call__(self, step):
        for b, v in zip(self.boundaries, self.values):
            if step <= b:
                return float(v)
        return float(self.values[-1])


class PolynomialDecay(LearningRateSchedule):
    """``(lr0 - end) * (1 - step/decay_steps) ** power + end``. Example: ``PolynomialDecay(0.1, 1000)``."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                 name=None):
        self.initial_learning_rate, self.decay_steps = float(initial_learning_rate), decay_steps
        self.end_learning_rate, self.power, self.cycle = float(end_learning_rate), float(power), cycle

    def __call__(self, step):
        steps = self.decay_steps
        if self.cycle:
            steps = steps * max(1, math.ceil(step / steps))
        else:
            step = min(step, steps)
        frac = 1 - step / steps
        return (self.initial_learning_rate - self.end_learning_rate) * frac ** self.power + self.end_learning_rate


class CosineDecay(LearningRateSchedule):
    """Cosine decay from lr0 to ``alpha * lr0`` over decay_steps, after an optional linear warmup.

    Example: ``CosineDecay(1e-3, decay_steps=1000, alpha=0.1)``.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name=None, warmup_target=None,
                 warmup_steps=0):
        self.initial_learning_rate, self.decay_steps, self.alpha = float(initial_learning_rate), decay_steps, alpha
        self.warmup_target, self.warmup_steps = warmup_target, warmup_steps

    def __call__(self, step):
        lr0 = self.initial_learning_rate
        if self.warmup_target is not None and step < self.warmup_steps:
            return lr0 + (self.warmup_target - lr0) * step / self.warmup_steps
        top = self.warmup_target if self.warmup_target is not None else lr0
        s = min(step - self.warmup_steps, self.decay_steps)
        cos = 0.5 * (1 + math.cos(math.pi * s / self.decay_steps))
        return top * ((1 - self.alpha) * cos + self.alpha)
