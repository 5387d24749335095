"""Shared test setup: every test starts from a fresh name counter and compat 'keras2'.

Why: auto names (dense_1, input_1, model_1) depend on global counters and the compat mode; tests
that assert names or summaries must not depend on which tests ran before them. Backend settings
(image data format, floatx) are restored after each test for the same reason.
"""
import pytest

import kfunc_torch
from kfunc_torch import backend


@pytest.fixture(autouse=True)
def _fresh_keras_state():
    backend.clear_session()
    kfunc_torch.set_compat("keras2")
    # Keras 1 code may switch the session to channels_first; restore every backend setting.
    saved = dict(backend._settings)
    yield
    backend._settings.clear()
    backend._settings.update(saved)
