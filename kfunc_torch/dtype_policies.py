"""Keras dtype policies: the dtype a layer computes in and the dtype its weights are kept in.

A policy has a name (``"float32"``, ``"mixed_float16"``, ``"mixed_bfloat16"``, or any dtype name such
as ``"float16"``), a ``compute_dtype`` and a ``variable_dtype``. Every layer takes its policy when it is
constructed: from its ``dtype=`` argument (a name, a ``DTypePolicy`` or a Keras config dict), else the
global policy (``keras.mixed_precision.set_global_policy`` / ``keras.config.set_dtype_policy``; reset by
``clear_session`` as in Keras 3), else floatx.

As in Keras 3, a layer whose policy is not plain floatx casts its floating inputs to its compute dtype,
reads its weights in the compute dtype during the call (mixed policies keep float32 weights; Keras's
autocast scope) and returns floating outputs in the compute dtype. This holds for a direct ``layer(x)``,
``model(x)``, ``predict``, ``evaluate`` and ``fit`` alike. Normalization layers (``_float32_inside``)
compute in float32 and cast their outputs, as Keras's do. A functional model casts nothing itself
(Keras's ``_convert_input_args = False``): its layers do. Layers without a policy of their own pay
nothing: the casts are torch forward hooks, attached only where a policy needs them.

Example::

    >>> from kfunc_torch import layers, mixed_precision
    >>> mixed_precision.set_global_policy("mixed_float16")
    >>> d = layers.Dense(4)
    >>> (d.compute_dtype, d.variable_dtype, d.dtype_policy)
    ('float16', 'float32', <DTypePolicy "mixed_float16">)
    >>> layers.Dense(2, dtype="float32").compute_dtype       # a per-layer policy
    'float32'
"""
from __future__ import annotations

import torch
from torch.utils import _pytree as pytree

from .engine.keras_tensor import KerasTensor, dtype_name, to_torch_dtype
from .settings import backend_settings

_MIXED = {"mixed_float16": ("float16", "float32"), "mixed_bfloat16": ("bfloat16", "float32")}


class DTypePolicy:
    """A dtype policy (Keras 3's ``keras.DTypePolicy``; ``keras.mixed_precision.Policy`` in Keras 2).

    ``DTypePolicy()`` is the global policy; ``DTypePolicy("mixed_bfloat16").compute_dtype == "bfloat16"``.
    """

    def __init__(self, name=None):
        if name is None:
            name = global_policy().name
        if not isinstance(name, str):
            raise TypeError(f"'name' must be a string, such as 'mixed_float16'. Received: name={name!r} "
                            f"(of type {type(name).__name__})")
        self._name = name
        self._compute_dtype, self._variable_dtype = _parse(name)

    name = property(lambda self: self._name, doc="The policy's name, e.g. 'mixed_float16'.")
    compute_dtype = property(lambda self: self._compute_dtype, doc="The dtype layers compute in.")
    variable_dtype = property(lambda self: self._variable_dtype, doc="The dtype of the layers' weights.")
    quantization_mode = None

    @property
    def is_mixed(self) -> bool:
        return self._compute_dtype != self._variable_dtype

    def convert_input(self, x, autocast, dtype):
        """``x`` cast to ``dtype`` when it is a floating tensor of another dtype and ``autocast`` (Keras's API)."""
        if isinstance(x, torch.Tensor) and autocast and x.is_floating_point() and dtype_name(x.dtype) != dtype:
            return x.to(to_torch_dtype(dtype))
        return x

    def get_config(self) -> dict:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config: dict) -> "DTypePolicy":
        return cls(**config)

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'

    def __eq__(self, other):
        return isinstance(other, DTypePolicy) and other._name == self._name

    def __hash__(self):
        return hash(self._name)


FloatDTypePolicy = DTypePolicy  # Keras 3.0-3.3's name


def _parse(name: str):
    if name in _MIXED:
        return _MIXED[name]
    try:
        canonical = dtype_name(to_torch_dtype(name))
    except ValueError:
        canonical = None
    if canonical != name:
        raise ValueError(f"Cannot convert {name!r} to a mixed precision DTypePolicy. Valid policies include "
                         "'mixed_float16', 'mixed_bfloat16', and the name of any float dtype such as 'float32'.")
    return name, name


# ---------------------------------------------------------------------------- the global policy
# None: follow floatx (Keras's default policy is DTypePolicy(floatx())). "used": some layer was given a
# policy other than floatx's, so layers built later check their inputs' dtypes (see on_symbolic_inputs).
_state = {"policy": None, "used": False}
_FLOATX: dict = {}  # one policy object per plain dtype name


def set_global_policy(policy) -> None:
    """Set the policy layers constructed from now on take: a name, a ``DTypePolicy``, or None (floatx's).

    Example: ``set_global_policy("mixed_float16")``.
    """
    policy = None if policy is None else get(policy)
    if policy is not None and not policy.is_mixed and policy.name == backend_settings["floatx"]:
        policy = None  # the default: keeps following floatx, as before any call
    _state["policy"] = policy
    if policy is not None:
        _state["used"] = True


def global_policy() -> DTypePolicy:
    """The current global policy. Example: ``global_policy().name`` is ``'float32'`` by default."""
    policy = _state["policy"]
    if policy is not None:
        return policy
    return _plain(backend_settings["floatx"])


def reset() -> None:
    """Back to the default policy (``backend.clear_session()`` calls this, as Keras 3's clears its state)."""
    _state["policy"] = None


def get(identifier) -> DTypePolicy:
    """A policy from None (the global one), a name, a ``DTypePolicy``, a Keras 2/3 config dict or a dtype.

    Example: ``get({"class_name": "DTypePolicy", "config": {"name": "mixed_float16"}}).compute_dtype``
    is ``'float16'``.
    """
    if identifier is None:
        return global_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):  # Keras 3 {"class_name": "DTypePolicy", ...}; tf.keras {"class_name": "Policy"}
        return DTypePolicy((identifier.get("config") or {}).get("name", "float32"))
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    try:
        return DTypePolicy(dtype_name(to_torch_dtype(identifier)))
    except ValueError:
        raise ValueError("Cannot interpret `dtype` argument. Expected a string or an instance of DTypePolicy. "
                         f"Received: dtype={identifier!r}") from None


def serialize(policy: DTypePolicy) -> dict:
    """Keras 3's config entry. Example: ``serialize(get("float32"))["class_name"]`` is ``'DTypePolicy'``."""
    return {"module": "keras", "class_name": "DTypePolicy", "config": policy.get_config(), "registered_name": None}


def deserialize(config: dict, custom_objects=None) -> DTypePolicy:
    """The policy of a config entry. Example: ``deserialize(serialize(get("bfloat16"))).name``."""
    return get(config)


def to_numpy(t: torch.Tensor):
    """A prediction as numpy, as Keras's torch backend gives it: float16 stays float16, bfloat16 becomes
    ml_dtypes' bfloat16 (float32 without ml_dtypes); other floats are float32 as before policies.

    Example: ``to_numpy(torch.ones(2, dtype=torch.float16)).dtype`` is ``float16``."""
    t = t.detach().cpu()
    if not t.is_floating_point() or t.dtype == torch.float16:
        return t.numpy()
    if t.dtype == torch.bfloat16:
        try:
            import ml_dtypes
        except ImportError:
            return t.float().numpy()
        return t.float().numpy().astype(ml_dtypes.bfloat16)
    return t.float().numpy()


# ---------------------------------------------------------------------------- layers
class PolicyAPI:
    """Layer mixin: Keras's ``dtype_policy``, ``dtype``, ``compute_dtype``, ``variable_dtype``."""

    autocast = True            # Keras: whether the layer casts its inputs and reads its weights in the compute dtype
    _dtype_is_policy = True    # False for InputLayer: its dtype= is its tensors' dtype
    _float32_inside = False    # normalization layers compute in float32 and cast their outputs (Keras's do)

    @property
    def dtype_policy(self) -> DTypePolicy:
        return self.__dict__["_dtype_policy"]

    @dtype_policy.setter
    def dtype_policy(self, value):
        _set_policy(self, get(value))

    @property
    def dtype(self) -> str:
        """The dtype of the layer's weights (Keras: an alias of ``variable_dtype``)."""
        return self.__dict__["_dtype_policy"].variable_dtype

    @property
    def compute_dtype(self) -> str:
        return self.__dict__["_dtype_policy"].compute_dtype

    @property
    def variable_dtype(self) -> str:
        return self.__dict__["_dtype_policy"].variable_dtype

    @property
    def input_dtype(self) -> str:
        return self.__dict__["_dtype_policy"].compute_dtype


def init_layer(layer, dtype) -> None:
    """Layer.__init__'s hook: the layer's policy (``dtype=`` or the global one), the dtype its weights are
    created in (``_dtype``; a plain dtype argument stays as given), and the casts the policy needs."""
    d = layer.__dict__
    policy = _state["policy"]
    if dtype is None and policy is None or not type(layer)._dtype_is_policy:
        d["_dtype_policy"] = global_policy()  # the common case (floatx, nothing to cast), and InputLayer
        return
    if dtype is None:
        pass  # the global policy
    elif isinstance(dtype, (DTypePolicy, dict)) or isinstance(dtype, str) and dtype in _MIXED:
        policy = get(dtype)
    else:  # a plain dtype, in any spelling to_torch_dtype reads (np.float32, "float64", torch.int64)
        policy = _plain(dtype)
    if policy.is_mixed or dtype is None or isinstance(dtype, (DTypePolicy, dict)):
        d["_dtype"] = policy.variable_dtype
        if d.get("_input_dtype") is dtype:
            d["_input_dtype"] = None if policy.is_mixed else policy.variable_dtype
    if policy.name != backend_settings["floatx"]:
        _state["used"] = True
    _set_policy(layer, policy)


def _plain(dtype) -> DTypePolicy:
    try:
        name = dtype_name(to_torch_dtype(dtype))
    except ValueError:
        raise ValueError(f"Cannot interpret dtype={dtype!r}: expected a dtype name such as 'float32' or "
                         "'int64', or a policy: 'mixed_float16', 'mixed_bfloat16', a DTypePolicy.") from None
    policy = _FLOATX.get(name)
    if policy is None:
        policy = _FLOATX[name] = DTypePolicy(name)
    return policy


def config_dtype(layer) -> str:
    """What ``get_config()["dtype"]`` says: the policy's name (``'mixed_float16'``, as Keras 3 writes)."""
    return layer.__dict__["_dtype_policy"].name


def on_symbolic_inputs(layer, in_tensors) -> None:
    """Called on graph building once policies are in use: a layer without casts of its own that receives
    floating tensors of another dtype (a float32 layer after a mixed_float16 one) casts them, as Keras does."""
    if "_cast_to" in layer.__dict__ or _casts_nothing(layer):
        return
    compute = to_torch_dtype(layer.__dict__["_dtype_policy"].compute_dtype)
    if not compute.is_floating_point:
        return
    for t in in_tensors:
        if t.torch_dtype.is_floating_point and t.torch_dtype != compute:
            _attach(layer, compute)
            return


def output_dtype(layer, dtype: torch.dtype) -> torch.dtype:
    """The symbolic output dtype under the layer's casts: floating outputs come out in the compute dtype."""
    cast = layer.__dict__.get("_cast_to")
    return cast if cast is not None and dtype.is_floating_point else dtype


def _set_policy(layer, policy: DTypePolicy) -> None:
    layer.__dict__["_dtype_policy"] = policy
    compute = to_torch_dtype(policy.compute_dtype)
    default = policy.name == backend_settings["floatx"] and _state["policy"] is None
    if default or not compute.is_floating_point or _casts_nothing(layer):
        return
    _attach(layer, compute)


def _casts_nothing(layer) -> bool:
    """Models (their layers cast; Keras's Functional sets ``_convert_input_args = False``) and inputs."""
    from .engine.registry import builtin
    return isinstance(layer, (builtin("Functional"), builtin("InputLayer")))


def _attach(layer, compute: torch.dtype) -> None:
    d = layer.__dict__
    if "_cast_to" not in d:
        layer.register_forward_pre_hook(_before_call, with_kwargs=True)
        layer.register_forward_hook(_after_call, always_call=True)
        d["_policy_swapped"] = []  # a stack: (parameters put back after the call)
    d["_cast_to"] = compute


def _cast(dtype):
    def cast(v):
        if isinstance(v, torch.Tensor) and v.is_floating_point() and v.dtype != dtype and not isinstance(v, KerasTensor):
            return v.to(dtype)
        return v
    return cast


def _before_call(layer, args, kwargs):
    d = layer.__dict__
    compute = d["_cast_to"]
    inside = torch.float32 if type(layer)._float32_inside and compute.itemsize < 4 else compute
    if type(layer).autocast:
        # Keras casts the inputs to the compute dtype; a float32-inside layer then upcasts (BatchNormalization)
        args, kwargs = pytree.tree_map(_cast(compute), (args, kwargs))
    if inside is not compute:
        args, kwargs = pytree.tree_map(_cast(inside), (args, kwargs))
    params = layer._parameters
    swapped = {}
    if d["_dtype_policy"].is_mixed and inside is compute and type(layer).autocast:
        # the autocast scope: weights read in the compute dtype for this call (gradients reach the float32 ones)
        for name, p in params.items():
            if p is not None and p.is_floating_point() and p.dtype != compute:
                swapped[name] = p
                params[name] = p.to(compute)
    d["_policy_swapped"].append(swapped)
    return args, kwargs


def _after_call(layer, args, output):
    d = layer.__dict__
    stack = d["_policy_swapped"]
    if stack:
        layer._parameters.update(stack.pop())
    if output is None:
        return None
    return pytree.tree_map(_cast(d["_cast_to"]), output)
