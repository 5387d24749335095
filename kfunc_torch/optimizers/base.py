"""The Keras optimizer base: learning rate (float or schedule), clipping, weight decay, configs.

These are not ``torch.optim.Optimizer`` subclasses (building one imports torch's compiler stack, seconds
of start-up), but they follow its protocol: ``param_groups``, ``zero_grad``, ``step``, ``state_dict``, so
``torch.amp.GradScaler`` drives them. The parameters are given late: Keras creates the optimizer before
it knows the model, so ``build(params)`` runs on the first step of ``fit``.

Example::

    >>> opt = optimizers.RMSprop(learning_rate=1e-3)        # or 'rmsprop' in compile()
    >>> opt.learning_rate = 1e-4                             # callbacks read and set it
    >>> get_lr(opt)
    0.0001
"""
from __future__ import annotations

import warnings

import torch

from . import schedules
from .schedules import LearningRateSchedule

class Optimizer:
    """Base of the Keras optimizers: learning rate (float or schedule), clipping, weight decay.

    Subclasses define ``_init_state(p)`` (a dict of state tensors) and ``_update(params, grads, states, lr)``.
    Example: ``SGD(learning_rate=0.1, momentum=0.9, clipnorm=1.0)``.
    """

    _defaults: dict = {}

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, **kwargs):
        lr = kwargs.pop("lr", None)
        if lr is not None:  # Keras 1/2 spelling
            warnings.warn(f"{type(self).__name__}(lr=...) is the Keras 1/2 spelling; use learning_rate=...",
                          DeprecationWarning, stacklevel=3)
            learning_rate = lr
        decay = kwargs.pop("decay", 0.0)  # Keras 1/2: lr / (1 + decay * iterations)
        if kwargs:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword argument(s) {sorted(kwargs)}. "
                            "Check the spelling against the Keras optimizer's signature.")
        if sum(c is not None for c in (clipnorm, global_clipnorm)) > 1:
            raise ValueError("Pass at most one of clipnorm and global_clipnorm; "
                             f"received clipnorm={clipnorm}, global_clipnorm={global_clipnorm}.")
        if decay:
            learning_rate = schedules.InverseTimeDecay(float(learning_rate), 1, float(decay))
        self._lr = learning_rate if isinstance(learning_rate, LearningRateSchedule) else float(learning_rate)
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.name = name or type(self).__name__.lower()
        self.iterations = 0
        self.built = False

    # ------------------------------------------------------------------ learning rate
    @property
    def learning_rate(self) -> float:
        """The learning rate used by the next step (a schedule is evaluated at ``iterations``)."""
        if isinstance(self._lr, LearningRateSchedule):
            return float(self._lr(self.iterations))
        return self._lr

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if isinstance(value, LearningRateSchedule):
            self._lr = value
            return
        if isinstance(self._lr, LearningRateSchedule):
            raise TypeError("This optimizer was created with a learning-rate schedule, so its learning rate "
                            "cannot be set to a number. Create the optimizer with a float learning_rate instead.")
        self._lr = float(value)

    lr = learning_rate  # Keras 1/2 attribute name

    # ------------------------------------------------------------------ build / step
    def build(self, params) -> None:
        """Attach the parameters (called by fit on the first step)."""
        params = [p for p in params if p.requires_grad]
        self._params = params
        self.param_groups = [{"params": params, "lr": 0.0}]
        self.state = {}
        self._states = [self._init_state(p) for p in params]
        self.built = True

    @property
    def _states(self) -> list:
        """Per-parameter state dicts (slot name -> tensor), in parameter order."""
        return self.__dict__.get("_state_list", [])

    @_states.setter
    def _states(self, value) -> None:
        # Keep the same tensors grouped by slot name: the lists the _foreach kernels take. Rebuilt
        # whenever the states are replaced (e.g. by a checkpoint loader).
        self.__dict__["_state_list"] = value
        self._slots = {k: [st[k] for st in value] for k in (value[0] if value else {})}

    def _init_state(self, p) -> dict:
        return {}

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Drop the gradients (set to None: the next backward writes fresh ones without a zeroing kernel)."""
        for p in self._params:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()

    def state_dict(self) -> dict:
        """Slot tensors, iteration count and learning rate (for checkpoints)."""
        return {"iterations": self.iterations, "learning_rate": self._lr,
                "states": [dict(s) for s in self._states] if self.built else None,
                "extra": {k: v for k, v in self.__dict__.items() if k == "_u_product"}}

    def load_state_dict(self, state: dict) -> None:
        self.iterations = state["iterations"]
        self._lr = state["learning_rate"]
        self.__dict__.update(state.get("extra", {}))
        if state.get("states") is not None:
            if not self.built:
                raise ValueError("Build the optimizer (optimizer.build(model.trainable_weights)) before loading "
                                 "its state.")
            for mine, theirs in zip(self._states, state["states"]):
                for k, v in theirs.items():
                    mine[k].copy_(v)

    @torch.no_grad()
    def step(self, closure=None):
        """Apply one Keras update to every parameter that has a gradient."""
        loss = closure() if closure is not None else None
        params, grads = self._params, [p.grad for p in self._params]
        slots = self._slots
        if any(g is None for g in grads):  # some parameters got no gradient: update only the others
            keep = [i for i, g in enumerate(grads) if g is not None]
            if not keep:
                return loss
            params, grads = [params[i] for i in keep], [grads[i] for i in keep]
            slots = {k: [v[i] for i in keep] for k, v in slots.items()}
        grads = self._clip(grads)
        lr = self.learning_rate
        self.param_groups[0]["lr"] = lr
        if self.weight_decay:
            torch._foreach_mul_(params, 1.0 - self.weight_decay * lr)
        self._update(params, grads, slots, lr)
        self.iterations += 1
        return loss

    def _clip(self, grads):
        if self.clipvalue is not None:
            grads = [g.clamp(-self.clipvalue, self.clipvalue) for g in grads]
        if self.clipnorm is not None:
            norms = torch._foreach_norm(grads)
            grads = [g * (self.clipnorm / torch.clamp(n, min=self.clipnorm)) for g, n in zip(grads, norms)]
        if self.global_clipnorm is not None:
            total = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))
            scale = self.global_clipnorm / torch.clamp(total, min=self.global_clipnorm)
            grads = torch._foreach_mul(grads, scale)
        return grads

    def apply_gradients(self, grads_and_vars) -> None:
        """Keras API: apply ``[(grad, variable), ...]``."""
        pairs = list(grads_and_vars)
        if not self.built:
            self.build([v for _, v in pairs])
        for g, v in pairs:
            v.grad = g
        self.step()

    def _group(self, slots, key):
        return slots[key]

    def get_config(self) -> dict:
        """Constructor arguments in Keras 3's form; a schedule is saved as its Keras 3 entry.

        Example::

            >>> opt = Adam(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.5))
            >>> opt.get_config()["learning_rate"]["class_name"]
            'ExponentialDecay'
            >>> Adam.from_config(opt.get_config()).learning_rate == opt.learning_rate
            True
        """
        lr = schedules.serialize(self._lr) if isinstance(self._lr, LearningRateSchedule) else self._lr
        config = {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                  "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue}
        for key in _own_arguments(type(self)):  # beta_1, momentum, rho, ... (Keras lists them after the base)
            value = getattr(self, key, None)
            if key not in config and isinstance(value, (bool, int, float, str)):
                config[key] = value
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        """The optimizer from ``get_config()``'s dict (ours or Keras 3's); a schedule entry under
        ``learning_rate`` is rebuilt (custom schedules from ``custom_objects`` or the registry).

        Example: ``Adam.from_config(Adam(0.01).get_config()).learning_rate == 0.01``.
        """
        config = dict(config)
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            config["learning_rate"] = schedules.deserialize(lr, custom_objects)
        # Keras 3 / tf.keras options we do not implement: dropped, with a warning when they would matter.
        for key, default in _KERAS_ONLY_OPTIONS.items():
            if key in config:
                value = config.pop(key)
                if value not in default:
                    warnings.warn(f"{cls.__name__}.from_config: option {key}={value!r} is not supported by "
                                  "kfunc_torch and is ignored.", UserWarning, stacklevel=2)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} learning_rate={self._lr}>"


# Keras 3 (and tf.keras) optimizer options without an equivalent here -> the values that change nothing.
_KERAS_ONLY_OPTIONS = {"use_ema": (False, None), "ema_momentum": (0.99, None), "ema_overwrite_frequency": (None,),
                       "loss_scale_factor": (None,), "gradient_accumulation_steps": (None, 1),
                       "is_legacy_optimizer": (False, True, None), "jit_compile": (False, True, None)}


def _own_arguments(cls) -> list[str]:
    """Constructor arguments a subclass adds to Optimizer's, in signature order (subclass first)."""
    import inspect
    base = set(inspect.signature(Optimizer.__init__).parameters)
    out: list[str] = []
    for klass in cls.__mro__:
        if klass is Optimizer or not issubclass(klass, Optimizer) or "__init__" not in klass.__dict__:
            continue
        for n, p in inspect.signature(klass.__dict__["__init__"]).parameters.items():
            if n not in base and n not in out and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                out.append(n)
    return out
def get_lr(optimizer) -> float:
    """Current learning rate of a Keras-style or torch optimizer. Example: ``get_lr(model.optimizer)``."""
    if isinstance(optimizer, Optimizer):
        return optimizer.learning_rate
    return float(optimizer.param_groups[0]["lr"])


def set_lr(optimizer, value: float) -> None:
    """Set the learning rate of a Keras-style or torch optimizer. Example: ``set_lr(opt, 1e-4)``."""
    if isinstance(optimizer, Optimizer):
        optimizer.learning_rate = value
    else:
        for g in optimizer.param_groups:
            g["lr"] = float(value)
