"""The Keras optimizers (SGD, RMSprop, Adam, AdamW, Adagrad, Adadelta, Adamax, Nadam) with Keras's defaults and
update formulas.

Keras 3's formulas differ from torch's in places (RMSprop keeps epsilon inside the square root and
applies the learning rate before momentum; Adam folds the bias corrections into the step size, so its
epsilon is an "epsilon hat"), so each ``_update`` applies Keras's formula with ``torch._foreach_*``
kernels (one launch per op for all parameters).

Example::

    >>> Adam(learning_rate=schedules.ExponentialDecay(1e-3, 1000, 0.9))
"""
from __future__ import annotations

import math

import torch

from .base import Optimizer

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
