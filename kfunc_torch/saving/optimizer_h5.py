"""Optimizer state in Keras 3's layout (``optimizer/vars/<i>`` of ``model.weights.h5``), so training
resumes across kfunc_torch and Keras 3 in both directions.

Keras 3 stores ``iteration``, ``learning_rate`` (only when it is a number: a schedule lives in the
config and has no variable), then per-weight slots: slots created together are
interleaved per weight (Adam: m0, v0, m1, v1, ...), slots created separately follow one another
(RMSprop: all velocities, then all momentums). Nadam ends with its momentum-schedule product.

Example::

    >>> write_optimizer_vars(h5file, model)      # inside model.save("m.keras")
    >>> read_optimizer_vars(h5file, model)       # inside load_model(...), after compile
"""
from __future__ import annotations

import numpy as np
import torch


def _slot_groups(opt) -> list[list[str]] | None:
    """Our state keys, grouped as Keras creates its slots; None for an optimizer we cannot map."""
    name = type(opt).__name__
    if name in ("Adam", "AdamW"):
        return [["m", "v"]] + ([["vhat"]] if getattr(opt, "amsgrad", False) else [])
    if name == "SGD":
        return [["m"]] if getattr(opt, "momentum", 0) else []
    if name == "RMSprop":
        return [["v"]] + ([["m"]] if opt.momentum else []) + ([["avg"]] if opt.centered else [])
    if name == "Adagrad":
        return [["acc"]]
    if name == "Adamax":
        return [["m", "u"]]
    if name == "Nadam":
        return [["m", "v"]]
    if name == "Adadelta":
        return [["ag", "ad"]]
    return None


def _trailing(opt) -> list[str]:
    return ["_u_product"] if type(opt).__name__ == "Nadam" else []


def _lead(opt) -> int:
    """Variables before the slots: iteration, plus learning_rate unless it is a schedule."""
    from ..optimizers.schedules import LearningRateSchedule
    return 1 if isinstance(opt._lr, LearningRateSchedule) else 2


def _params(model):
    return [p for p in model.trainable_weights if p.requires_grad]


def write_optimizer_vars(h5file, model) -> bool:
    """Write the optimizer's state under ``optimizer/vars``; False when it cannot be expressed.

    Example: ``with open_h5(buf, "w") as f: write_optimizer_vars(f, model)``."""
    from .. import optimizers
    opt = getattr(model, "optimizer", None)
    if not isinstance(opt, optimizers.Optimizer) or not opt.built or _slot_groups(opt) is None:
        return False
    arrays = [np.asarray(opt.iterations, dtype="int64")]
    if _lead(opt) == 2:
        arrays.append(np.asarray(opt.learning_rate, dtype="float32"))
    for group in _slot_groups(opt):
        for state in opt._states:
            arrays.extend(state[k].detach().cpu().numpy() for k in group)
    arrays.extend(np.asarray(getattr(opt, k), dtype="float32") for k in _trailing(opt))
    g = h5file.require_group("optimizer").require_group("vars")
    g.attrs["name"] = opt.name
    for i, a in enumerate(arrays):
        g.create_dataset(str(i), data=a)
    return True


def read_optimizer_vars(h5file, model, source: str) -> bool:
    """Load ``optimizer/vars`` into the compiled model's optimizer (building it first); False if absent
or not for this optimizer (then training restarts its state, with a warning).

    Example: ``with open_h5(buf) as f: read_optimizer_vars(f, model, "m.keras")``."""
    import warnings

    from .. import optimizers
    opt = getattr(model, "optimizer", None)
    if "optimizer" not in h5file or "vars" not in h5file["optimizer"]:
        return False
    if not isinstance(opt, optimizers.Optimizer) or _slot_groups(opt) is None:
        return False
    g = h5file["optimizer"]["vars"]
    params = _params(model)
    groups = _slot_groups(opt)
    lead = _lead(opt)
    expected = lead + sum(len(gr) for gr in groups) * len(params) + len(_trailing(opt))
    if len(g) != expected:
        warnings.warn(f"{source}: the saved optimizer state has {len(g)} variables, but {type(opt).__name__} on this "
                      f"model needs {expected}; the optimizer starts fresh.", UserWarning, stacklevel=3)
        return False
    values = [np.asarray(g[str(i)]) for i in range(len(g))]
    if not opt.built:
        opt.build(params)
    i = lead
    for group in groups:
        for state, p in zip(opt._states, params):
            for k in group:
                if tuple(values[i].shape) != tuple(p.shape):
                    warnings.warn(f"{source}: optimizer slot {i} has shape {values[i].shape}, expected {tuple(p.shape)}; "
                                  "the optimizer starts fresh.", UserWarning, stacklevel=3)
                    opt._states = [opt._init_state(q) for q in params]
                    return False
                state[k].copy_(torch.from_numpy(values[i]).to(state[k]))
                i += 1
    for k in _trailing(opt):
        setattr(opt, k, float(values[i]))
        i += 1
    opt.iterations = int(values[0])
    return True
