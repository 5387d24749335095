"""A description of the machine and software a run was measured on."""
from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
import sys


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
    code = ("import torch; print(torch.get_num_threads());"
            "print(torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'none')")
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        threads, gpu = out.stdout.split("\n")[:2]
        info["torch_threads"] = threads
        info["gpu"] = gpu
    except (OSError, subprocess.TimeoutExpired, ValueError):
        info["gpu"] = "unknown"
    return info


def format_machine(info: dict) -> str:
    return (f"CPU: {info['cpu']} ({info['cores']} cores, torch threads {info.get('torch_threads', '?')}); "
            f"GPU: {info.get('gpu', '?')}; device: {info['device']}\n"
            f"{info['os']}, Python {info['python']}, torch {info['torch']}, numpy {info['numpy']}, "
            f"keras {info['keras']}, kfunc_torch {info['kfunc_torch']}")
