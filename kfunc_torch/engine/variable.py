"""Variable: the weight ``add_weight`` returns, an ``nn.Parameter`` with Keras 3's variable API.

Keras code reads and writes its weights through the variable API (``assign``, ``assign_add``,
``numpy()``, ``value``, ``path``); torch code sees a Parameter (``parameters()``, ``state_dict()``,
optimizers, ``.grad``). Ops on a Variable return plain tensors (torch function dispatch is disabled
for Parameters and stays so here), so a Variable costs nothing on the hot path.

Example::

    >>> v = Variable(torch.zeros(3), trainable=False, name="total", path="my_layer/total")
    >>> v.assign_add(torch.ones(3))
    >>> v.numpy()
    array([1., 1., 1.], dtype=float32)
    >>> v.path, v.trainable
    ('my_layer/total', False)

``dtype`` and ``shape`` stay torch's (``torch.float32``, ``torch.Size``, a tuple), because torch's
optimizers and serializers read them; ``keras_dtype`` gives Keras's string (``"float32"``).
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .dtypes import dtype_name


class Variable(nn.Parameter):
    """An ``nn.Parameter`` that answers Keras 3's variable API."""

    def __new__(cls, data=None, trainable: bool = True, name: str | None = None, path: str | None = None,
                requires_grad: bool | None = None):
        if data is None:
            data = torch.empty(0)
        if type(data) is not torch.Tensor:
            data = data.detach() if isinstance(data, torch.Tensor) else torch.as_tensor(data)
            if type(data) is not torch.Tensor:  # a Parameter: its plain tensor
                data = data.data
        grad = trainable if requires_grad is None else requires_grad
        v = torch.Tensor._make_subclass(cls, data, bool(grad))
        v._keras_name = name
        v._keras_path = path or name
        return v

    def __init__(self, *args, **kwargs):  # everything happens in __new__
        pass

    @classmethod
    def _wrap(cls, data: torch.Tensor, requires_grad: bool, name: str | None, path: str | None) -> "Variable":
        """``Variable(data, ...)`` for a plain tensor, without the argument checks (add_weight's path)."""
        if type(data) is not torch.Tensor:
            return cls(data, requires_grad=requires_grad, name=name, path=path)
        v = torch.Tensor._make_subclass(cls, data, bool(requires_grad))
        v.__dict__.update(_keras_name=name, _keras_path=path or name)
        return v

    # ------------------------------------------------------------------ identity
    @property
    def name(self) -> str | None:
        """The weight's name as given to ``add_weight`` (``"kernel"``)."""
        return self.__dict__.get("_keras_name")

    @name.setter
    def name(self, value) -> None:
        self.__dict__["_keras_name"] = value

    @property
    def path(self) -> str | None:
        """``"<layer name>/<weight name>"``, as Keras 3 writes it (``"dense/kernel"``)."""
        return self.__dict__.get("_keras_path")

    @property
    def trainable(self) -> bool:
        return self.requires_grad

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self.requires_grad_(bool(value))

    @property
    def value(self) -> "Variable":
        """The tensor behind the variable: the Parameter itself, as on Keras 3's torch backend
        (``v.value.grad`` reads its gradient)."""
        return self

    @property
    def keras_dtype(self) -> str:
        return dtype_name(self.dtype)

    # ------------------------------------------------------------------ reading
    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The value as a numpy array (a copy made from a detached view; works on any device)."""
        return self.detach().cpu().numpy()

    # ------------------------------------------------------------------ writing (in place, no autograd)
    def assign(self, value) -> "Variable":
        """Overwrite the value in place (shapes must match; the value is cast to this dtype)."""
        value = self._as_value(value)
        if value.shape != self.shape and value.numel() != 1:
            raise ValueError(f"Cannot assign a value of shape {tuple(value.shape)} to variable "
                             f"{self.path or self.name!r} of shape {tuple(self.shape)}. Pass a value of "
                             "the variable's shape.")
        with torch.no_grad():
            self.copy_(value)
        return self

    def assign_add(self, value) -> "Variable":
        """``v += value`` in place, outside autograd."""
        with torch.no_grad():
            self.add_(self._as_value(value))
        return self

    def assign_sub(self, value) -> "Variable":
        """``v -= value`` in place, outside autograd."""
        with torch.no_grad():
            self.sub_(self._as_value(value))
        return self

    def _as_value(self, value) -> torch.Tensor:
        if isinstance(value, torch.Tensor):
            value = value.detach()
            if value.device != self.device or value.dtype != self.dtype:
                value = value.to(device=self.device, dtype=self.dtype)
            return value
        return torch.as_tensor(np.asarray(value), dtype=self.dtype, device=self.device)

    # ------------------------------------------------------------------ copies keep the class
    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = Variable(self.data.clone(memory_format=torch.preserve_format), requires_grad=self.requires_grad,
                          name=self.name, path=self.path)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, proto):
        return (_rebuild_variable, (self.data, self.requires_grad, self.name, self.path))

    def __repr__(self) -> str:
        return (f"<Variable path={self.path}, shape={tuple(self.shape)}, dtype={self.keras_dtype}, "
                f"value={self.detach().cpu().numpy()!r}>")


def _rebuild_variable(data, requires_grad, name, path):
    return Variable(data, requires_grad=requires_grad, name=name, path=path)
