"""The differential layer sweep: every public layer family over a generated argument grid,
compared with real Keras 3 (shapes, counts, weight names/shapes/order, values at 1e-5, config
round trips; see tests/sweep/runner.py).

The fast suite runs an evenly spread sample of every family in ONE Keras subprocess; the full
grids (several thousand configurations) run as ``slow`` tests, one subprocess per family.
Configurations where Keras 3's torch backend departs from Keras's TensorFlow semantics are
compared with a reference instead (tests/sweep/exceptions.py), and tested here to still depart.
"""
from __future__ import annotations

import re

import pytest

from keras_oracle import requires_keras, run_keras
from sweep import (exceptions, grids_attention, grids_conv, grids_core, grids_merge, grids_norm, grids_pooling,
                   grids_reshape, runner)

pytestmark = [requires_keras, pytest.mark.keras_oracle]

FAMILIES = {"conv": grids_conv, "pooling": grids_pooling, "normalization": grids_norm,
            "reshaping": grids_reshape, "merge": grids_merge, "core": grids_core, "attention": grids_attention}
FAST_SAMPLE = 45  # per family in the fast suite

# Temporary: configurations that still differ (a regex on the case key -> the reason). A pattern
# that no longer matches any mismatch of a run must leave.
KNOWN: dict[str, str] = {
}


def _known(key):
    return next((p for p in KNOWN if re.search(p, key)), None)


def _check(cases):
    stats: dict = {}
    bad = runner.compare(cases, stats=stats)
    unexpected = {k: v for k, v in bad.items() if _known(k) is None}
    matching = {p for p in KNOWN if any(re.search(p, c.key) for c in cases)}
    fixed = sorted(p for p in matching if not any(re.search(p, k) for k in bad))
    print(f"{len(cases)} configurations: {stats}; {len(bad)} mismatches")
    assert not unexpected, f"{len(unexpected)} of {len(cases)} configurations differ from Keras 3:\n" + \
        "\n".join(f"{k}\n    -> {v}" for k, v in list(unexpected.items())[:40])
    assert not fixed, f"these now match Keras; remove them from KNOWN: {fixed}"
    # guard against a sweep that compares nothing (every case refused on both sides)
    assert stats.get("compared", 0) >= 0.6 * len(cases), stats


def family_cases(name):
    return runner.unique(FAMILIES[name].cases())


def test_sweep_sample_of_every_family():
    _check([c for name in FAMILIES for c in runner.sample(family_cases(name), FAST_SAMPLE)])


@pytest.mark.slow
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_sweep_full_grid(family):
    _check(family_cases(family))


def test_grids_are_large():
    sizes = {name: len(family_cases(name)) for name in FAMILIES}
    assert sum(sizes.values()) >= 3000, sizes


def test_documented_departures_still_depart_and_the_reference_is_right():
    """Keras 3 on torch still averages in repeated edge cells for odd 'same' padding (else the
    exception should go), and our TensorFlow-semantics reference agrees with Keras 3 wherever the
    'same' padding is even (so the reference itself is right)."""
    import numpy as np
    avg = [c for c in grids_pooling.local_cases() if c.src.startswith("AveragePooling") and "'same'" in c.src]
    departing = [c for c in avg if exceptions.departure(c)[1] is not None][:30]
    agreeing = [c for c in avg if exceptions.departure(c)[1] is None][:20]
    assert departing and agreeing
    res = runner.keras_results(departing + agreeing)
    differ = 0
    for i, c in enumerate(departing + agreeing):
        _, pool, strides, _, fmt = exceptions._avg_args(c)
        ref = exceptions.avg_pool_tf(c.make_inputs()[0], pool, strides, fmt)
        same = np.allclose(ref, res[i]["out"][0], atol=1e-5)
        if c in agreeing:
            assert same, f"the TF reference disagrees with Keras 3 where both backends agree: {c.key}"
        differ += not same
    assert differ >= len(departing) // 2, f"only {differ} of {len(departing)} documented departures still differ"


def test_keras3_torch_sparsemax_still_departs_and_ours_sums_to_one():
    import numpy as np
    import torch
    from kfunc_torch import activations
    x = np.array([[0.5, 1.2, -0.3, 1.0], [3.0, 0.1, 0.2, 0.0], [0.1, 0.2, 0.3, 0.4]], "float32")
    res = run_keras("""
import keras
result["y"] = keras.ops.convert_to_numpy(keras.activations.sparsemax(keras.ops.convert_to_tensor(inputs["x"])))
""", {"x": x})
    ours = activations.sparsemax(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours.sum(-1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(ours, exceptions.sparsemax_np(x), atol=1e-6)
    np.testing.assert_allclose(ours[:, ::-1], activations.sparsemax(torch.from_numpy(x[:, ::-1].copy())).numpy(), atol=1e-6)
    assert not np.allclose(res["y"].sum(-1), 1.0), "Keras 3 on torch fixed sparsemax: drop exception 2"


def test_layer_norm_departure_still_fails_in_keras3_and_the_reference_matches_it_on_trailing_axes():
    """Exception 5: Keras 3 on torch still fails LayerNormalization over non-trailing contiguous axes
    (else the exception should go); the numpy reference equals Keras 3 wherever Keras 3 runs."""
    import numpy as np
    cases = [c for c in grids_norm.layernorm_cases() if "rms_scaling" not in c.src]
    failing = [c for c in cases if exceptions.departure(c)[1] is not None][:8]
    running = [c for c in cases if exceptions.departure(c)[1] is None][:12]
    assert failing and running
    res = runner.keras_results(failing + running)
    assert all("call_error" in res[i] for i in range(len(failing)))
    for i, c in enumerate(running, start=len(failing)):
        ref = exceptions.layer_norm_np(c.make_inputs()[0], *exceptions._ln_args(c), res[i]["weights"])
        np.testing.assert_allclose(ref, res[i]["out"][0], atol=1e-5, err_msg=c.key)
