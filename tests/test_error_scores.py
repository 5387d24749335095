"""Our error messages against real Keras 3's on the same mistakes (issue 15: "none scores below Keras 3").

Each case of tests/error_cases.py runs unchanged on kfunc_torch (in this process) and on Keras 3 (all cases
in one subprocess), and both messages are scored on four elements, one point each:

* what happened: the message names the layer/model/argument/loss concerned (a ``what`` pattern);
* expected: it states what would have been valid (an ``expected`` pattern);
* received: it quotes what was passed (a ``received`` pattern);
* fix: it says what to do: a case's ``fix`` pattern, or one of the generic remedy words ``FIX_WORDS`` (the
  case's ``what`` names are taken out first: a layer named Reshape is not the remedy "reshape");

A mistake that raises nothing (silently accepted) scores 0. The rubric is keyword presence: crude, but the
same for both libraries, and each pattern is a fact any clear message about the case states.

Example (the table the test prints)::

    python3 -m pytest -q -s tests/test_error_scores.py
"""
from __future__ import annotations

import re
import tempfile
import textwrap

import h5py
import numpy as np
import pytest

import kfunc_torch
from tests.error_cases import CASES
from tests.keras_oracle import requires_keras, run_keras

FIX_WORDS = (r"\bfix\b", r"\bpass\b", r"\buse\b", r"\bset\b", r"\bmake sure\b", r"\bplease\b", r"\btry\b",
             r"\breshape\b", r"\bconvert\b", r"\bmove\b", r"\bmap\b", r"\bcall\b(?!\()", r"\binstead\b",
             r"\bensure\b", r"\bremove\b", r"\badd\b", r"\bcheck\b", r"\bprovide\b", r"\bspecify\b",
             r"\bchange\b", r"\bdid you mean\b", r"\bresize\b", r"\bcrop\b", r"\bclip\b", r"\brename\b",
             r"\bkey the\b", r"\bcast\b")
ELEMENTS = ("what", "expected", "received", "fix")


def score(case: dict, message: str | None) -> dict:
    """Which of the four elements ``message`` states for ``case`` (a silent run states none)."""
    if not message:
        return {e: False for e in ELEMENTS}
    found = {}
    for e in ELEMENTS:
        patterns = list(case.get(e, ())) + (list(FIX_WORDS) if e == "fix" else [])
        text = message
        if e == "fix":  # a layer named Reshape or Add is not a remedy: names of the case do not count as one
            for p in case.get("what", ()):
                text = re.sub(p, " ", text, flags=re.IGNORECASE)
        found[e] = any(re.search(p, text, re.IGNORECASE) for p in patterns)
    return found


def run_case(code: str, ns: dict) -> str | None:
    """The message of the exception ``code`` raises (type included), or None when it runs through."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            exec(textwrap.dedent(code), {**ns, "tmp": tmp})
        except Exception as e:  # noqa: BLE001 -- any exception is the message under test
            return f"{type(e).__name__}: {e}"
    return None


_KERAS_RUNNER = """
import tempfile, textwrap, warnings
import h5py
import keras
warnings.simplefilter("ignore")
for name, code in inputs["cases"].items():
    with tempfile.TemporaryDirectory() as tmp:
        try:
            exec(textwrap.dedent(code), {"keras": keras, "np": np, "h5py": h5py, "tmp": tmp})
            result[name] = None
        except Exception as e:
            result[name] = f"{type(e).__name__}: {e}"
"""


def keras_messages() -> dict:
    return run_keras(_KERAS_RUNNER, arrays={"cases": {n: c["code"] for n, c in CASES.items()}})


def our_messages() -> dict:
    ns = {"keras": kfunc_torch, "np": np, "h5py": h5py}
    return {name: run_case(c["code"], ns) for name, c in CASES.items()}


@pytest.fixture(scope="module")
def ours():
    return our_messages()


def _table(ours, theirs):
    rows = []
    for name, case in CASES.items():
        a, b = score(case, ours[name]), score(case, theirs[name])
        rows.append(f"{name:32s} ours {sum(a.values())}/4 keras3 {sum(b.values())}/4  "
                    f"(ours lacks {[e for e in ELEMENTS if not a[e]]}, keras3 lacks {[e for e in ELEMENTS if not b[e]]})")
    return "\n".join(rows)


def test_rubric_scores_what_it_claims():
    case = CASES["batch_size_zero"]
    assert sum(score(case, None).values()) == 0
    assert score(case, "ValueError: batch_size must be a positive integer; received batch_size=0. Pass 32.") == \
        {"what": True, "expected": True, "received": True, "fix": True}
    assert score(case, "ZeroDivisionError: division by zero") == \
        {"what": False, "expected": False, "received": False, "fix": False}


@requires_keras
def test_no_message_scores_below_keras3(ours):
    theirs = keras_messages()  # one Keras process for all the cases
    print("\n" + _table(ours, theirs))
    worse = [name for name, case in CASES.items()
             if sum(score(case, ours[name]).values()) < sum(score(case, theirs[name]).values())]
    assert not worse, "\n".join(f"{n}:\n  ours:   {ours[n]}\n  keras3: {theirs[n]}" for n in worse)


def test_every_case_is_fully_clear_here(ours):
    """Independently of Keras: each of our messages states all four elements."""
    unclear = {n: (ours[n], [e for e, ok in score(c, ours[n]).items() if not ok]) for n, c in CASES.items()
               if not all(score(c, ours[n]).values())}
    assert not unclear, unclear


if __name__ == "__main__":
    o, k = our_messages(), keras_messages()
    for n in CASES:
        print(f"== {n}\n  ours:   {o[n]}\n  keras3: {k[n]}")
    print(_table(o, k))
