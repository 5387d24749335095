"""The Keras optimizer base: learning rate (float or schedule), clipping, weight decay, configs.

They are ``torch.optim.Optimizer`` subclasses, so torch's ``lr_scheduler``s, ``torch.amp.GradScaler``,
step hooks and Lightning's ``configure_optimizers`` accept them. ``torch.optim`` is already imported by
``import torch`` (subclassing costs nothing), but ``torch.optim.Optimizer.__init__`` imports
``torch._dynamo`` (0.8 s measured on torch 2.13, through ``add_param_group``'s dynamo guard), so
``__init__`` sets torch's attributes itself and never calls it. The parameters are given late: Keras
creates the optimizer before it knows the model, so ``build(params)`` runs on the first step of ``fit``;
until then ``param_groups`` holds one group with no parameters, whose ``"lr"`` a torch scheduler may
already drive. A float learning rate lives in ``param_groups[i]["lr"]`` (one source of truth for Keras
callbacks and torch schedulers); a Keras schedule is evaluated each step and written there.

Example::

    >>> opt = optimizers.RMSprop(learning_rate=1e-3)        # or 'rmsprop' in compile()
    >>> opt.learning_rate = 1e-4                             # callbacks read and set it
    >>> get_lr(opt)
    0.0001
"""
from __future__ import annotations

import warnings
from collections import OrderedDict, defaultdict

import torch

from ..legacy import CALLS, rename_call
from . import schedules
from .schedules import LearningRateSchedule

class Optimizer(torch.optim.Optimizer):
    """Base of the Keras optimizers: learning rate (float or schedule), clipping, weight decay.

    Subclasses define ``_init_state(p)`` (a dict of state tensors) and ``_update(params, grads, states, lr)``.
    Example: ``SGD(learning_rate=0.1, momentum=0.9, clipnorm=1.0)``; in a plain torch loop
    ``opt = Adam(1e-3).build(model.parameters())`` then ``opt.zero_grad(); loss.backward(); opt.step()``.
    """

    _defaults: dict = {}

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, **kwargs):
        if kwargs.get("lr") is not None:  # Keras 1/2 spelling; it wins over the default learning_rate, as there
            learning_rate = rename_call(type(self).__name__, CALLS["Optimizer"], kwargs, learning_rate=None)
        decay = kwargs.pop("decay", 0.0)  # Keras 1/2: lr / (1 + decay * iterations)
        if kwargs:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword argument(s) {sorted(kwargs)}. "
                            "Check the spelling against the Keras optimizer's signature.")
        if sum(c is not None for c in (clipnorm, global_clipnorm)) > 1:
            raise ValueError("Pass at most one of clipnorm and global_clipnorm; "
                             f"received clipnorm={clipnorm}, global_clipnorm={global_clipnorm}.")
        if decay:
            learning_rate = schedules.InverseTimeDecay(float(learning_rate), 1, float(decay))
        self._init_torch_optimizer()
        self._lr = learning_rate if isinstance(learning_rate, LearningRateSchedule) else float(learning_rate)
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.name = name or type(self).__name__.lower()
        self.iterations = 0
        self.built = False

    def _init_torch_optimizer(self) -> None:
        """What ``torch.optim.Optimizer.__init__`` sets, without its dynamo import (see the module doc)."""
        self.defaults = {"lr": 0.0}
        for kind in ("step_pre", "step_post", "state_dict_pre", "state_dict_post", "load_state_dict_pre",
                     "load_state_dict_post"):
            setattr(self, f"_optimizer_{kind}_hooks", OrderedDict())
        self._patch_step_function()  # step hooks and the profiler label, as torch's own optimizers have
        self.state = defaultdict(dict)
        self.param_groups = [{"params": [], "lr": 0.0}]
        self._schedule = None
        self._warned_capturable_if_run_uncaptured = True

    def __getstate__(self) -> dict:
        # torch.optim.Optimizer pickles only defaults/state/param_groups; a Keras optimizer is its whole state.
        return dict(self.__dict__)

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    # ------------------------------------------------------------------ learning rate
    @property
    def _lr(self):
        """The learning rate as given: a schedule, or the float in ``param_groups[0]["lr"]``."""
        return self._schedule if self._schedule is not None else self.param_groups[0]["lr"]

    @_lr.setter
    def _lr(self, value) -> None:
        if isinstance(value, LearningRateSchedule):
            self._schedule = value
            value = float(value(self.iterations if hasattr(self, "iterations") else 0))
        else:
            self._schedule = None
        for group in self.param_groups:
            group["lr"] = float(value)
        self.defaults["lr"] = float(value)

    @property
    def learning_rate(self) -> float:
        """The learning rate used by the next step (a schedule is evaluated at ``iterations``)."""
        if self._schedule is not None:
            return float(self._schedule(self.iterations))
        return self.param_groups[0]["lr"]

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if isinstance(value, LearningRateSchedule):
            self._lr = value
            return
        if self._schedule is not None:
            raise TypeError("This optimizer was created with a learning-rate schedule, so its learning rate "
                            "cannot be set to a number. Create the optimizer with a float learning_rate instead.")
        self._lr = float(value)

    lr = learning_rate  # Keras 1/2 attribute name

    # ------------------------------------------------------------------ build / step
    def build(self, params):
        """Attach the parameters (called by fit on the first step); returns the optimizer, so a torch
        loop or Lightning's ``configure_optimizers`` can write ``return Adam(1e-3).build(self.parameters())``.
        """
        params = [p for p in params if p.requires_grad]
        self._params = params
        self.param_groups[0]["params"] = params
        del self.param_groups[1:]
        self._states = [self._init_state(p) for p in params]
        self.built = True
        return self

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
        # torch's view of the same dicts (optimizer.state[param]), for tools that walk it.
        self.state = defaultdict(dict, zip(self._params, value)) if value else defaultdict(dict)

    def _init_state(self, p) -> dict:
        return {}

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
        if not self.built:
            raise RuntimeError(f"{type(self).__name__}.step() was called before the optimizer knows its "
                               "parameters. fit() builds it; in your own loop call "
                               "optimizer.build(model.parameters()) once before the first step.")
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        else:
            loss = None
        params, grads = self._params, [p.grad for p in self._params]
        slots = self._slots
        if any(g is None for g in grads):  # some parameters got no gradient: update only the others
            keep = [i for i, g in enumerate(grads) if g is not None]
            if not keep:
                return loss
            params, grads = [params[i] for i in keep], [grads[i] for i in keep]
            slots = {k: [v[i] for i in keep] for k, v in slots.items()}
        grads = self._clip(grads)
        if self._schedule is not None:  # a Keras schedule: evaluated here, shown in param_groups
            lr = float(self._schedule(self.iterations))
            self.param_groups[0]["lr"] = lr
        else:  # a float, possibly set by a torch lr_scheduler
            lr = float(self.param_groups[0]["lr"])
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

    def apply(self, grads, trainable_variables=None) -> None:
        """Keras 3 API: apply ``grads`` to ``trainable_variables`` (default: the built parameters).

        Example: ``opt.apply([p.grad for p in params], params)``.
        """
        grads = list(grads)
        variables = list(trainable_variables) if trainable_variables is not None else None
        if not self.built:
            if variables is None:
                raise ValueError("apply(grads) without trainable_variables needs a built optimizer; pass the "
                                 "variables: optimizer.apply(grads, model.trainable_weights).")
            self.build(variables)
        if variables is None:
            variables = self._params
        if len(grads) != len(variables):
            raise ValueError(f"apply: expected one gradient per variable; received {len(grads)} gradients for "
                             f"{len(variables)} variables.")
        for g, v in zip(grads, variables):
            v.grad = g
        self.step()

    def apply_gradients(self, grads_and_vars) -> None:
        """Keras API: apply ``[(grad, variable), ...]``."""
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])

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

    def zero_grad(self, set_to_none: bool = True) -> None:  # noqa: F811  (torch's imports dynamo)
        """Drop the gradients (set to None: the next backward writes fresh ones without a zeroing kernel)."""
        for p in self.__dict__.get("_params", ()):
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()


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
