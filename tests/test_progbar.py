"""Progress-bar text per compat (KERAS_FACTS §4), against golden files with times masked.

The model has zero weights and a sigmoid output, so every prediction is 0.5: the loss is ln 2 =
0.6931 and binary accuracy on half-ones labels is 0.5000 (the numbers of the KERAS_FACTS example),
and SGD(0) keeps them constant. Regenerate goldens with UPDATE_GOLDEN=1 after checking the text by eye.
"""
from __future__ import annotations

import io
import os
import re
import sys

import numpy as np
import pytest

import kfunc_torch
from kfunc_torch import Input, Model, optimizers
from kfunc_torch.layers import Dense
from kfunc_torch.progbar import Progbar

GOLDEN = os.path.join(os.path.dirname(__file__), "golden")


def mask_times(text: str) -> str:
    """Replace durations (``0s``, ``2ms/step``, ``ETA: 3s``) by ``<t>`` so that goldens are stable."""
    return re.sub(r"\d+(?:us|ms|s)(?=/step| |$|\n| -)", "<t>", text, flags=re.M)


def check_golden(name: str, text: str) -> None:
    path = os.path.join(GOLDEN, name)
    text = mask_times(text)
    if os.environ.get("UPDATE_GOLDEN") or not os.path.exists(path):
        os.makedirs(GOLDEN, exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    with open(path, encoding="utf-8") as f:
        assert text == f.read()


@pytest.fixture
def compat():
    before = kfunc_torch.get_compat()
    yield kfunc_torch.set_compat
    kfunc_torch.set_compat(before)


def _fit_text(capsys, verbose, epochs=2, validation=False):
    i = Input((3,))
    m = Model(i, Dense(1, activation="sigmoid", kernel_initializer="zeros")(i))
    m.compile(optimizers.SGD(0.0), "binary_crossentropy", metrics=["acc"])
    x = np.ones((64, 3), "float32")
    y = np.tile([[0.], [1.]], (32, 1)).astype("float32")
    capsys.readouterr()
    m.fit(x, y, epochs=epochs, verbose=verbose, validation_data=(x, y) if validation else None, shuffle=False)
    return capsys.readouterr().out


@pytest.mark.parametrize("style", ["keras2", "keras3"])
@pytest.mark.parametrize("verbose", [1, 2])
def test_fit_text_golden(capsys, compat, style, verbose):
    compat(style)
    out = _fit_text(capsys, verbose, validation=(verbose == 1))
    check_golden(f"progbar_{style}_verbose{verbose}.txt", out)


def test_keras2_final_line_matches_facts_format(capsys, compat):
    compat("keras2")
    out = _fit_text(capsys, 1, epochs=1)
    assert out.startswith("Epoch 1/1\n")
    line = out.splitlines()[1]
    assert re.fullmatch(r"2/2 \[==============================\] - \d+s \d+(ms|us|s)/step - loss: 0\.6931 - "
                        r"acc: 0\.5000", line), line
    assert "\r" not in out  # not a terminal: no in-place redraws


def test_keras3_order_and_bar(capsys, compat):
    compat("keras3")
    out = _fit_text(capsys, 1, epochs=1)
    assert "Epoch" not in out  # Keras 3 prints the epoch header only when epochs > 1
    assert re.fullmatch(r"2/2 ━{20} \d+s \d+(ms|us|s)/step - acc: 0\.5000 - loss: 0\.6931\n", out), out


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_terminal_redraws_in_place_golden():
    out = _Tty()
    bar = Progbar(4, interval=0.0, file=out, style="keras2")
    for i in range(1, 5):
        bar.update(i, [("loss", 1.0 / i)])
    text = out.getvalue()
    assert text.count("\r") == 4 and text.endswith("\n")
    assert "1/4 [======>.......................] - ETA: " in text and "ETA:" in text
    check_golden("progbar_keras2_tty.txt", text.replace("\r", "<CR>\n"))


def test_throttle_and_due():
    out = _Tty()
    bar = Progbar(1000, interval=3600, file=out, style="keras2")
    assert bar.due(1)  # first refresh is immediate
    bar.update(1, [("loss", 1.0)])
    assert not bar.due(2)  # throttled: the caller skips reading metric values
    assert bar.due(1000)  # the last step always draws
    quiet = Progbar(10, verbose=2, file=io.StringIO())
    assert not quiet.due(5) and quiet.due(10)


def test_value_formatting():
    out = io.StringIO()
    bar = Progbar(1, file=out, verbose=2, style="keras2")
    bar.update(1, [("loss", 0.0001234), ("acc", 0.5)])
    assert out.getvalue().endswith(" - loss: 1.2340e-04 - acc: 0.5000\n")


def test_evaluate_and_predict_verbose(capsys, compat):
    compat("keras2")
    i = Input((3,))
    m = Model(i, Dense(1, activation="sigmoid", kernel_initializer="zeros")(i))
    m.compile("sgd", "binary_crossentropy")
    capsys.readouterr()
    m.evaluate(np.ones((64, 3)), np.ones((64, 1)), verbose=1)
    out = capsys.readouterr().out
    assert re.fullmatch(r"2/2 \[=+\] - \d+s \d+(ms|us|s)/step - loss: 0\.6931\n", out), out
    m.predict(np.ones((64, 3)), verbose=0)
    assert capsys.readouterr().out == ""


def test_a_metric_with_several_values_shows_its_mean():
    import numpy as np
    from kfunc_torch.progbar import _fmt_value
    assert _fmt_value(np.array([0.3, 0.5], dtype=np.float32)) == " 0.4000"  # as Keras 3's Progbar
    assert _fmt_value(np.array([0.25], dtype=np.float32)) == " 0.2500"
