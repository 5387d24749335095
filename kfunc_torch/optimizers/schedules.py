"""Learning-rate schedules (``optimizers.schedules``): the learning rate as a function of the step.

Example::

    >>> sched = ExponentialDecay(initial_learning_rate=0.1, decay_steps=100, decay_rate=0.5)
    >>> sched(100)
    0.05
    >>> model.compile(optimizer=optimizers.SGD(learning_rate=sched), loss="mse")
    >>> serialize(sched)["class_name"], deserialize(serialize(sched)).get_config() == sched.get_config()
    ('ExponentialDecay', True)

Schedules are evaluated on the host once per step (a Python float: no device sync). They are saved
inside the optimizer's config in Keras 3's form (``{"module": "keras.optimizers.schedules",
"class_name", "config", "registered_name"}``), so ``.keras`` files carry them both ways with Keras 3.
"""
from __future__ import annotations

import math

from ..engine.registry import registered_name_or_none, resolve

_MODULE = "keras.optimizers.schedules"


class LearningRateSchedule:
    """Base class: ``__call__(step) -> float`` and ``get_config()`` (constructor arguments).

    A subclass that should be saved defines ``get_config``; ``from_config`` calls ``cls(**config)``.
    Register it with ``register_keras_serializable`` or pass it in ``custom_objects`` when loading.

    Example::

        >>> @register_keras_serializable(package="demo")
        ... class Halving(LearningRateSchedule):
        ...     def __init__(self, lr):
        ...         self.lr = lr
        ...     def __call__(self, step):
        ...         return self.lr / (1 + step)
        ...     def get_config(self):
        ...         return {"lr": self.lr}
    """

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule {type(self).__name__!r} must define __call__(step).")

    def get_config(self) -> dict:
        raise NotImplementedError(f"Learning rate schedule {type(self).__name__!r} must override get_config() "
                                  "(return its constructor arguments) in order to be saved.")

    @classmethod
    def from_config(cls, config: dict):
        """The schedule from ``get_config()``'s dict. Example: ``ExponentialDecay.from_config(s.get_config())``."""
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """``lr0 * decay_rate ** (step / decay_steps)`` (integer division when staircase).

    Example: ``ExponentialDecay(1e-2, decay_steps=1000, decay_rate=0.9)``.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="ExponentialDecay"):
        if decay_steps <= 0:
            raise ValueError(f"ExponentialDecay: decay_steps must be > 0; received {decay_steps}.")
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def __call__(self, step):
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return float(self.initial_learning_rate) * float(self.decay_rate) ** p

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """``lr0 / (1 + decay_rate * step / decay_steps)``; Keras 1/2 ``decay=`` is this with decay_steps=1.

    Example: ``InverseTimeDecay(0.1, decay_steps=1, decay_rate=0.5)``.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="InverseTimeDecay"):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def __call__(self, step):
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return float(self.initial_learning_rate) / (1 + float(self.decay_rate) * p)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while step <= boundaries[0], ``values[1]`` while step <= boundaries[1], ...

    Example: ``PiecewiseConstantDecay([100, 200], [1.0, 0.5, 0.1])``.
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(values) != len(boundaries) + 1:
            raise ValueError("PiecewiseConstantDecay: values must have one more entry than boundaries; received "
                             f"{len(boundaries)} boundaries and {len(values)} values.")
        self.boundaries, self.values, self.name = list(boundaries), list(values), name

    def __call__(self, step):
        for b, v in zip(self.boundaries, self.values):
            if step <= b:
                return float(v)
        return float(self.values[-1])

    def get_config(self) -> dict:
        return {"boundaries": list(self.boundaries), "values": list(self.values), "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """``(lr0 - end) * (1 - step/decay_steps) ** power + end``. Example: ``PolynomialDecay(0.1, 1000)``."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                 name="PolynomialDecay"):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power, self.cycle, self.name = end_learning_rate, power, cycle, name

    def __call__(self, step):
        steps = self.decay_steps
        if self.cycle:
            steps = steps * max(1, math.ceil(step / steps))
        else:
            step = min(step, steps)
        frac = 1 - step / steps
        lr0, end = float(self.initial_learning_rate), float(self.end_learning_rate)
        return (lr0 - end) * frac ** float(self.power) + end

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay from lr0 to ``alpha * lr0`` over decay_steps, after an optional linear warmup.

    Example: ``CosineDecay(1e-3, decay_steps=1000, alpha=0.1)``.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay", warmup_target=None,
                 warmup_steps=0):
        self.initial_learning_rate, self.decay_steps, self.alpha = initial_learning_rate, decay_steps, alpha
        self.name, self.warmup_target, self.warmup_steps = name, warmup_target, warmup_steps

    def __call__(self, step):
        lr0 = float(self.initial_learning_rate)
        if self.warmup_target is not None and step < self.warmup_steps:
            return lr0 + (self.warmup_target - lr0) * step / self.warmup_steps
        top = self.warmup_target if self.warmup_target is not None else lr0
        s = min(step - self.warmup_steps, self.decay_steps)
        cos = 0.5 * (1 + math.cos(math.pi * s / self.decay_steps))
        return top * ((1 - self.alpha) * cos + self.alpha)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): periods of ``first_decay_steps * t_mul**i`` steps, each
    starting from ``lr0 * m_mul**i`` and decaying to ``alpha`` times that.

    Example: ``CosineDecayRestarts(1e-2, first_decay_steps=1000, t_mul=2.0, m_mul=0.9)``.
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0, name="SGDRDecay"):
        self.initial_learning_rate, self.first_decay_steps = initial_learning_rate, first_decay_steps
        self.t_mul, self.m_mul, self.alpha, self.name = t_mul, m_mul, alpha, name

    def __call__(self, step):
        done = step / self.first_decay_steps  # periods elapsed, counted in first-period lengths
        t_mul = float(self.t_mul)
        if t_mul == 1.0:
            restarts = math.floor(done)
            frac = done - restarts
        else:
            # Period i starts after (t_mul**i - 1) / (t_mul - 1) first periods and lasts t_mul**i of them.
            restarts = math.floor(math.log(1 - done * (1 - t_mul)) / math.log(t_mul))
            start = (1 - t_mul ** restarts) / (1 - t_mul)
            frac = (done - start) / t_mul ** restarts
        cos = 0.5 * float(self.m_mul) ** restarts * (1 + math.cos(math.pi * frac))
        return float(self.initial_learning_rate) * ((1 - self.alpha) * cos + self.alpha)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate, "first_decay_steps": self.first_decay_steps,
                "t_mul": self.t_mul, "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}


_BUILTIN = {c.__name__: c for c in (ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay, PolynomialDecay,
                                    CosineDecay, CosineDecayRestarts)}


def serialize(schedule) -> dict:
    """Keras 3's entry for a schedule: ``{"module", "class_name", "config", "registered_name"}``.

    Built-in schedules get module ``keras.optimizers.schedules`` and ``registered_name`` None; custom ones
    their Python module and their registered name (``"package>Name"``, else the class name).
    Example: ``serialize(ExponentialDecay(0.1, 10, 0.5))["config"]["decay_rate"] == 0.5``.
    """
    if not isinstance(schedule, LearningRateSchedule):
        raise TypeError(f"serialize: expected a LearningRateSchedule; received {schedule!r} "
                        f"({type(schedule).__name__}).")
    cls = type(schedule)
    config = dict(schedule.get_config())
    if _BUILTIN.get(cls.__name__) is cls:
        return {"module": _MODULE, "class_name": cls.__name__, "config": config, "registered_name": None}
    module = cls.__module__ if cls.__module__ != "__main__" else None
    return {"module": module, "class_name": cls.__name__, "config": config,
            "registered_name": registered_name_or_none(cls) or cls.__name__}


def deserialize(config, custom_objects: dict | None = None):
    """A schedule from ``serialize``'s dict (ours, Keras 3's, or tf.keras's ``{"class_name", "config"}``).

    Custom classes are found in ``custom_objects``, an active ``custom_object_scope`` or the
    ``register_keras_serializable`` registry. A schedule instance is returned as is.
    Example: ``deserialize({"class_name": "ExponentialDecay", "config": {...}})``.
    """
    if isinstance(config, LearningRateSchedule):
        return config
    if not (isinstance(config, dict) and "class_name" in config):
        raise TypeError(f"deserialize: expected a schedule dict with 'class_name' and 'config'; received {config!r:.200}.")
    name, registered = config["class_name"], config.get("registered_name")
    inner = dict(config.get("config") or {})
    # Keras 3 writes built-in schedules with registered_name None; custom ones with their registered name.
    cls = _BUILTIN.get(name) if registered is None else None
    if cls is None:
        cls = resolve(name, registered, custom_objects, what="learning-rate schedule")
    if not (isinstance(cls, type) and issubclass(cls, LearningRateSchedule)):
        raise TypeError(f"deserialize: {name!r} resolved to {cls!r}, which is not a LearningRateSchedule subclass.")
    return cls.from_config(inner)
