"""Xception forward: ``applications.Xception(weights=None)``, predict_on_batch on 299x299x3.

kfunc_torch vs Keras 3 (no hand-written PyTorch Xception here). Metric: images/s from the
median call time after one warm-up call.
"""
from __future__ import annotations

import numpy as np

from ..common import Unavailable, median_call_us, syncer
from ..frameworks import keras_api, need, place

BATCH = 2


def run(impl, cfg):
    k = keras_api(impl)
    try:
        Xception = need(k, "applications.Xception")
    except Unavailable:
        try:  # kfunc_torch may expose it only as a submodule until the package imports it
            import importlib
            Xception = importlib.import_module(f"{k.__name__}.applications.xception").Xception
        except Exception as e:  # noqa: BLE001
            raise Unavailable(f"{k.__name__}.applications.Xception is not available ({type(e).__name__})") from e
    model = place(Xception(weights=None), impl, cfg.device)
    if not hasattr(model, "predict_on_batch"):
        raise Unavailable(f"{k.__name__} Model has no predict_on_batch() yet")
    x = np.random.default_rng(0).random((BATCH, 299, 299, 3), dtype=np.float32)
    calls = 1 if cfg.quick else 3
    out = median_call_us(lambda: model.predict_on_batch(x), calls, 1, syncer(cfg.device))
    out["images_per_s"] = BATCH / (out["median_us"] * 1e-6)
    out["cpu_images_per_s"] = BATCH / (out["cpu_median_us"] * 1e-6)
    out["params"] = int(sum(int(np.prod(w.shape)) for w in model.weights))
    return out
