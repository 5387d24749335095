"""Optimizers with Keras names, defaults and update formulas.

These are not ``torch.optim.Optimizer`` subclasses (building one imports torch's compiler stack, seconds
of start-up), but they follow its protocol: ``param_groups``, ``zero_grad``, ``step``, ``state_dict``, so
``torch.amp.GradScaler`` drives them. Keras 3's formulas differ from torch's in places (RMSprop keeps epsilon inside the square root and
applies the learning rate before momentum; Adam folds the bias corrections into the step size, so its
epsilon is an "epsilon hat"), so each ``step`` here applies Keras's formula with ``torch._foreach_*``
kernels (one launch per op for all parameters). The parameters are given late: Keras creates the
optimizer before it knows the model, so ``build(params)`` runs on the first step of ``fit``.

Example::

    >>> opt = optimizers.RMSprop(learning_rate=1e-3)        # or 'rmsprop' in compile()
    >>> model.compile(optimizer=opt, loss="mse")
    >>> opt.learning_rate = 1e-4                             # callbacks read and set it
    >>> optimizers.Adam(learning_rate=optimizers.schedules.ExponentialDecay(1e-3, 1000, 0.9))
"""
from __future__ import annotations

import math
import warnings

import torch

from . import _lr_schedules as schedules
from ._lr_schedules import LearningRateSchedule


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


class SGD(Optimizer):
    """Keras SGD: ``m = momentum*m - lr*g; p += m`` (nesterov: ``p += momentum*m - lr*g``). Default lr 0.01.

    Example: ``SGD(learning_rate=0.1, momentum=0.9, nesterov=True)``.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"SGD: momentum must be in [0, 1]; received momentum={momentum}.")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

    def _init_state(self, p):
        return {"m": torch.zeros_like(p)} if self.momentum else {}

    def _update(self, params, grads, states, lr):
        if not self.momentum:
            torch._foreach_add_(params, grads, alpha=-lr)
            return
        m = self._group(states, "m")
        torch._foreach_mul_(m, self.momentum)
        torch._foreach_add_(m, grads, alpha=-lr)
        if self.nesterov:
            torch._foreach_add_(params, m, alpha=self.momentum)
            torch._foreach_add_(params, grads, alpha=-lr)
        else:
            torch._foreach_add_(params, m)


class RMSprop(Optimizer):
    """Keras RMSprop: ``v = rho*v + (1-rho)*g^2; p -= lr*g / sqrt(v + epsilon)``.

    Example: ``RMSprop(learning_rate=1e-3, rho=0.9, epsilon=1e-7)`` (the Keras defaults).
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = float(rho), float(momentum), float(epsilon), centered

    def _init_state(self, p):
        s = {"v": torch.zeros_like(p)}
        if self.momentum:
            s["m"] = torch.zeros_like(p)
        if self.centered:
            s["avg"] = torch.zeros_like(p)
        return s

    def _update(self, params, grads, states, lr):
        v = self._group(states, "v")
        torch._foreach_mul_(v, self.rho)
        torch._foreach_addcmul_(v, grads, grads, value=1 - self.rho)
        if self.centered:
            avg = self._group(states, "avg")
            torch._foreach_lerp_(avg, grads, 1 - self.rho)
            denom = torch._foreach_addcmul(v, avg, avg, value=-1)
            torch._foreach_add_(denom, self.epsilon)
        else:
            denom = torch._foreach_add(v, self.epsilon)
        torch._foreach_sqrt_(denom)
        if self.momentum:
            m = self._group(states, "m")
            torch._foreach_mul_(m, self.momentum)
            torch._foreach_addcdiv_(m, grads, denom, value=lr)
            torch._foreach_sub_(params, m)
        else:
            torch._foreach_addcdiv_(params, grads, denom, value=-lr)


class Adam(Optimizer):
    """Keras Adam: ``p -= lr*sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + epsilon)`` (epsilon hat).

    Example: ``Adam(learning_rate=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7)`` (the Keras defaults).
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, **kwargs):
        self.amsgrad = bool(amsgrad)
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)

    def _init_state(self, p):
        s = {"m": torch.zeros_like(p), "v": torch.zeros_like(p)}
        if self.amsgrad:
            s["vhat"] = torch.zeros_like(p)
        return s

    def _update(self, params, grads, states, lr):
        t = self.iterations + 1
        alpha = lr * math.sqrt(1 - self.beta_2 ** t) / (1 - self.beta_1 ** t)
        m, v = self._group(states, "m"), self._group(states, "v")
        torch._foreach_lerp_(m, grads, 1 - self.beta_1)
        torch._foreach_mul_(v, self.beta_2)
        torch._foreach_addcmul_(v, grads, grads, value=1 - self.beta_2)
        if self.amsgrad:
            vhat = self._group(states, "vhat")
            torch._foreach_maximum_(vhat, v)
            v = vhat
        denom = torch._foreach_sqrt(v)
        torch._foreach_add_(denom, self.epsilon)
        torch._foreach_addcdiv_(params, m, denom, value=-alpha)


class AdamW(Adam):
    """Adam with decoupled weight decay ``p -= p*weight_decay*lr`` (Keras default weight_decay=0.004).

    Example: ``AdamW(learning_rate=1e-3, weight_decay=0.01)``.
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, **kwargs):
        super().__init__(learning_rate, weight_decay=weight_decay, **kwargs)


class Adagrad(Optimizer):
    """Keras Adagrad: ``acc += g^2; p -= lr*g / sqrt(acc + epsilon)``, acc starts at 0.1.

    Example: ``Adagrad(learning_rate=0.01)``.
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value, self.epsilon = float(initial_accumulator_value), float(epsilon)

    def _init_state(self, p):
        return {"acc": torch.full_like(p, self.initial_accumulator_value)}

    def _update(self, params, grads, states, lr):
        acc = self._group(states, "acc")
        torch._foreach_addcmul_(acc, grads, grads)
        denom = torch._foreach_add(acc, self.epsilon)
        torch._foreach_sqrt_(denom)
        torch._foreach_addcdiv_(params, grads, denom, value=-lr)


class Adadelta(Optimizer):
    """Keras Adadelta (rho 0.95, epsilon 1e-7, learning_rate 1e-3). Example: ``Adadelta(learning_rate=1.0)``."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho, self.epsilon = float(rho), float(epsilon)

    def _init_state(self, p):
        return {"ag": torch.zeros_like(p), "ad": torch.zeros_like(p)}

    def _update(self, params, grads, states, lr):
        ag, ad = self._group(states, "ag"), self._group(states, "ad")
        torch._foreach_mul_(ag, self.rho)
        torch._foreach_addcmul_(ag, grads, grads, value=1 - self.rho)
        num = torch._foreach_add(ad, self.epsilon)
        torch._foreach_sqrt_(num)
        den = torch._foreach_add(ag, self.epsilon)
        torch._foreach_sqrt_(den)
        delta = torch._foreach_mul(num, grads)
        torch._foreach_div_(delta, den)  # delta = -update
        torch._foreach_mul_(ad, self.rho)
        torch._foreach_addcmul_(ad, delta, delta, value=1 - self.rho)
        torch._foreach_add_(params, delta, alpha=-lr)


class Adamax(Optimizer):
    """Keras Adamax: ``u = max(b2*u, |g|); p -= lr*m / ((1-b1^t)*(u + epsilon))``. Example: ``Adamax(2e-3)``."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)

    def _init_state(self, p):
        return {"m": torch.zeros_like(p), "u": torch.zeros_like(p)}

    def _update(self, params, grads, states, lr):
        t = self.iterations + 1
        m, u = self._group(states, "m"), self._group(states, "u")
        torch._foreach_lerp_(m, grads, 1 - self.beta_1)
        torch._foreach_mul_(u, self.beta_2)
        torch._foreach_maximum_(u, torch._foreach_abs(grads))
        denom = torch._foreach_add(u, self.epsilon)
        torch._foreach_addcdiv_(params, m, denom, value=-lr / (1 - self.beta_1 ** t))


class Nadam(Optimizer):
    """Keras Nadam (Adam with Nesterov momentum and the 0.96 momentum schedule). Example: ``Nadam(2e-3)``."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self._u_product = 1.0

    def _init_state(self, p):
        return {"m": torch.zeros_like(p), "v": torch.zeros_like(p)}

    def _update(self, params, grads, states, lr):
        t = self.iterations + 1
        b1, b2 = self.beta_1, self.beta_2
        u_t = b1 * (1.0 - 0.5 * 0.96 ** t)
        u_t1 = b1 * (1.0 - 0.5 * 0.96 ** (t + 1))
        self._u_product *= u_t
        u_prod_t1 = self._u_product * u_t1
        m, v = self._group(states, "m"), self._group(states, "v")
        torch._foreach_lerp_(m, grads, 1 - b1)
        torch._foreach_mul_(v, b2)
        torch._foreach_addcmul_(v, grads, grads, value=1 - b2)
        m_hat = torch._foreach_mul(m, u_t1 / (1 - u_prod_t1))
        torch._foreach_add_(m_hat, grads, alpha=(1 - u_t) / (1 - self._u_product))
        denom = torch._foreach_div(v, 1 - b2 ** t)
        torch._foreach_sqrt_(denom)
        torch._foreach_add_(denom, self.epsilon)
        torch._foreach_addcdiv_(params, m_hat, denom, value=-lr)


_BY_NAME = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW, "adagrad": Adagrad,
            "adadelta": Adadelta, "adamax": Adamax, "nadam": Nadam}


def get(identifier):
    """An optimizer from a Keras name ('rmsprop', 'adam', ...), an instance, or a torch optimizer.

    Example: ``optimizers.get("adam").learning_rate`` is ``0.001``.
    """
    if isinstance(identifier, (Optimizer, torch.optim.Optimizer)):
        return identifier
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Unknown optimizer {identifier!r}. Expected one of {sorted(_BY_NAME)}, "
                             "an optimizer instance, or a torch.optim.Optimizer.")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise TypeError(f"Could not interpret optimizer {identifier!r} ({type(identifier).__name__}). Pass a "
                    "name such as 'rmsprop', a kfunc_torch.optimizers instance or a torch.optim.Optimizer.")


def serialize(optimizer) -> dict:
    """Keras 3's entry for an optimizer: ``{"module", "class_name", "config", "registered_name"}``; a
    learning-rate schedule is nested in ``config["learning_rate"]`` in the same form.

    Example: ``serialize(Adam())["class_name"] == "Adam"``; ``deserialize(serialize(opt))`` rebuilds it.
    """
    cls = type(optimizer)
    if _BY_NAME.get(cls.__name__.lower()) is cls:
        return {"module": "keras.optimizers", "class_name": cls.__name__, "config": optimizer.get_config(),
                "registered_name": None}
    from .saving.registry import get_registered_name
    return {"module": cls.__module__ if cls.__module__ != "__main__" else None, "class_name": cls.__name__,
            "config": optimizer.get_config(), "registered_name": get_registered_name(cls) or cls.__name__}


def deserialize(config: dict, custom_objects: dict | None = None):
    """An optimizer from ``serialize``'s dict (ours, Keras 3's or tf.keras's), schedule included.

    Example::

        >>> opt = deserialize(serialize(Adam(learning_rate=schedules.CosineDecay(1e-3, 1000))))
        >>> type(opt._lr).__name__
        'CosineDecay'
    """
    if isinstance(config, (Optimizer, torch.optim.Optimizer)):
        return config
    if not (isinstance(config, dict) and "class_name" in config):
        raise TypeError(f"deserialize: expected an optimizer dict with 'class_name' and 'config'; received "
                        f"{config!r:.200}.")
    name, registered = config["class_name"], config.get("registered_name")
    cls = _BY_NAME.get(name.lower()) if registered in (None, name) else None
    if cls is None:
        from .saving.registry import resolve
        cls = resolve(name, registered, custom_objects, what="optimizer")
        if not (isinstance(cls, type) and issubclass(cls, Optimizer)):
            raise ValueError(f"Unknown optimizer {name!r}. Expected one of {sorted(_BY_NAME)} or a registered "
                             "kfunc_torch.optimizers.Optimizer subclass.")
    return cls.from_config(config.get("config") or {}, custom_objects=custom_objects)


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


# Keras 2 class-name aliases
sgd, rmsprop, adam, adagrad, adadelta, adamax, nadam = SGD, RMSprop, Adam, Adagrad, Adadelta, Adamax, Nadam
