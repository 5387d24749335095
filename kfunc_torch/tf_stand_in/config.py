"""``tf.config``: the devices torch sees, as TensorFlow lists them, and settings that change nothing here
(memory growth, visible devices, eager functions, threading).

Example::

    >>> tf.config.list_physical_devices("GPU")          # [] on a CPU-only machine
    >>> tf.config.experimental.set_memory_growth(gpu, True)
"""
from __future__ import annotations

import collections
import types

import torch

__all__ = ["PhysicalDevice", "LogicalDevice", "list_physical_devices", "list_logical_devices", "get_visible_devices",
           "set_visible_devices", "run_functions_eagerly", "functions_run_eagerly", "set_soft_device_placement",
           "experimental", "threading", "optimizer"]

PhysicalDevice = collections.namedtuple("PhysicalDevice", ["name", "device_type"])
LogicalDevice = collections.namedtuple("LogicalDevice", ["name", "device_type"])


def _count(device_type) -> int:
    if device_type == "CPU":
        return 1
    if device_type == "GPU":
        return torch.cuda.device_count() if torch.cuda.is_available() else 0
    return 0


def list_physical_devices(device_type=None) -> list:
    """``[PhysicalDevice(name='/physical_device:GPU:0', device_type='GPU'), ...]`` for torch's devices."""
    kinds = ("CPU", "GPU") if device_type is None else (str(device_type).upper(),)
    return [PhysicalDevice(f"/physical_device:{k}:{i}", k) for k in kinds for i in range(_count(k))]


def list_logical_devices(device_type=None) -> list:
    return [LogicalDevice(f"/device:{d.device_type}:{d.name.rsplit(':', 1)[1]}", d.device_type)
            for d in list_physical_devices(device_type)]


_state = {"eager": False, "visible": None}


def get_visible_devices(device_type=None) -> list:
    devices = _state["visible"] if _state["visible"] is not None else list_physical_devices()
    return [d for d in devices if device_type is None or d.device_type == str(device_type).upper()]


def set_visible_devices(devices, device_type=None) -> None:
    """Recorded for ``get_visible_devices``; torch's placement is the model's (``model.to(device)``)."""
    _state["visible"] = [devices] if isinstance(devices, PhysicalDevice) else list(devices)


def run_functions_eagerly(run_eagerly) -> None:
    """Recorded; ``tf.function`` runs eagerly here in any case."""
    _state["eager"] = bool(run_eagerly)


def functions_run_eagerly() -> bool:
    return _state["eager"]


def set_soft_device_placement(enabled) -> None:
    pass


def _nothing(*args, **kwargs):
    return None


experimental = types.SimpleNamespace(
    set_memory_growth=_nothing, get_memory_growth=lambda device: True, list_physical_devices=list_physical_devices,
    list_logical_devices=list_logical_devices, set_visible_devices=set_visible_devices,
    get_visible_devices=get_visible_devices, enable_op_determinism=_nothing, set_synchronous_execution=_nothing,
    set_virtual_device_configuration=_nothing, set_device_policy=_nothing, enable_tensor_float_32_execution=_nothing,
    tensor_float_32_execution_enabled=lambda: False, VirtualDeviceConfiguration=_nothing,
    get_memory_info=lambda device: {"current": 0, "peak": 0}, reset_memory_stats=_nothing)
threading = types.SimpleNamespace(
    set_inter_op_parallelism_threads=_nothing, set_intra_op_parallelism_threads=_nothing,
    get_inter_op_parallelism_threads=lambda: 0, get_intra_op_parallelism_threads=lambda: 0)
optimizer = types.SimpleNamespace(set_jit=_nothing, get_jit=lambda: "", set_experimental_options=_nothing,
                                  get_experimental_options=lambda: {})
