"""A description of the machine and software a run was measured on."""
from __future__ import annotations

import importlib.metadata
import os
import platform


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(dist: str) -> str:
    """An installed distribution's version from its metadata (no import: Keras must not load
    beside kfunc_torch, and importing costs seconds)."""
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def describe(device: str) -> dict:
    """CPU model, cores, versions, device name."""
    info = {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "torch": _version("torch"),
        "numpy": _version("numpy"),
        "keras": _version("keras"),
        "kfunc_torch": _version("kfunc_torch"),
        "device": device,
    }
    # GPU name and torch's thread count come from the workers (no extra torch import here).
    return info


def format_machine(info: dict) -> str:
    return (f"CPU: {info['cpu']} ({info['cores']} cores, torch threads {info.get('torch_threads', '?')}); "
            f"GPU: {info.get('gpu', 'none')}; device: {info['device']}\n"
            f"{info['os']}, Python {info['python']}, torch {info['torch']}, numpy {info['numpy']}, "
            f"keras {info['keras']}, kfunc_torch {info['kfunc_torch']}")
