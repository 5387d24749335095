"""The published-Keras corpus (``../shared/corpus``): every program that counts runs unmodified on kfunc_torch.

The corpus runner runs each program as ``python -m kfunc_torch run PROGRAM`` in its own process and scratch
folder, with a fake Keras dataset cache, and checks the "Trainable params" figures against what real Keras
printed (``refs.json``). It runs the *installed* kfunc_torch (it strips PYTHONPATH), which in CI is this clone.

One runner process for the whole corpus (the fake datasets are made once), one test per program, so a
report names each program that fails and its last error. Programs that do not run yet are listed in
``NOT_YET`` with the issue that covers them; they are expected failures, and one that starts passing shows
as XPASS so the list can shrink.

    KFUNC_CORPUS=/path/to/corpus python -m pytest -m slow tests/test_corpus.py
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("KFUNC_CORPUS", ROOT.parent / "shared" / "corpus"))

# Programs that fail today, with what they need. Keep this list honest: remove a line when it passes.
NOT_YET = {
    "g_functional_api": "VGG19(weights='imagenet') needs Keras's real 548 MB weights file, not in the fake cache",
    "g_training_with_built_in_methods": "runs (tf.data on the tf stand-in; rc 0 in 270 s with OMP_NUM_THREADS=1 on a "
                                        "loaded machine) but past the 300 s limit on a loaded machine (issue 17)",
    "k2_mnist_denoising_autoencoder": "plots x_test[:300] as a 30x30 grid, but the manifest's 'small' mnist has "
                                      "200 test images: numpy's reshape fails, the same on Keras 3 with this data (needs the 'full' "
                                      "profile in ../shared/corpus/manifest.tsv); 30 epochs also run past the 300 s limit on a loaded "
                                      "2-core machine (16-25 s an epoch here, Keras 3 alike)",
    "k2_mnist_irnn": "6,400 steps of a 784-step SimpleRNN: hours on a CPU, past the 300 s limit (issue 17); a step costs "
                     "what torch's own nn.RNN costs, and Keras 3 takes 3-5x longer a step (46 s vs 14 s, loaded machine)",
    "k2_addition_rnn": "199 fits of 352 LSTM steps (70,000 steps, ~20 CPU-ms each on one thread): past the 300 s limit on "
                       "any CPU (issue 17); its first 2 fits: 805 s here vs 1,415 s on Keras 3 (loaded machine)",
    "x_addition_rnn": "29 epochs of 1,407 LSTM steps (40,800 steps): past the 300 s limit on any CPU (issue 17); one "
                      "epoch on a tenth of the data: 124 s here vs 460 s on Keras 3 (loaded machine)",
    "k2_cifar10_cnn": "100 epochs of 1,563 conv steps on 50,000 images (156,000 steps): past the 300 s limit on any CPU; "
                      "ImageDataGenerator batches cost what Keras 3's do (0.66 vs 0.73 CPU-s per 100)",
    "x_siamese_contrastive": "10 epochs of 3,750 steps on the full MNIST profile (37,500 steps): past the 300 s limit "
                             "on a CPU (issue 17); a step: 8 ms here vs 20 ms on Keras 3 (one thread)",
}


def _counted_programs():
    manifest = CORPUS / "manifest.tsv"
    if not manifest.exists():
        return []
    lines = [line.rstrip("\n").split("\t") for line in manifest.read_text().splitlines()
             if line and not line.startswith("#")]
    header, rows = lines[0], [dict(zip(lines[0], r)) for r in lines[1:]]
    assert "id" in header and "excluded" in header, header
    return [r["id"] for r in rows if not r.get("excluded")]


PROGRAMS = _counted_programs()


# Known to run past the runner's 300 s: run with a 60 s limit, so that CI stays within its time budget
# (they are expected failures either way; one that becomes fast shows as XPASS).
TOO_SLOW = {p for p, why in NOT_YET.items() if "300 s limit" in why}


def _run(ids, timeout_s, out):
    if not ids:
        return []
    proc = subprocess.run([sys.executable, str(CORPUS / "run.py"), "--only", ",".join(ids), "--timeout",
                           str(timeout_s), "--json", str(out)], cwd=ROOT, capture_output=True, text=True,
                          timeout=40 * 60)
    assert out.exists(), f"the corpus runner wrote no results:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return json.loads(out.read_text())


@pytest.fixture(scope="module")
def corpus_results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    results = _run([p for p in PROGRAMS if p not in TOO_SLOW], 300, folder / "results.json")
    results += _run([p for p in PROGRAMS if p in TOO_SLOW], 60, folder / "slow.json")
    return {r["id"]: r for r in results}


@pytest.mark.skipif(not PROGRAMS, reason=f"the corpus is not here ({CORPUS}); set KFUNC_CORPUS")
@pytest.mark.parametrize("program", [
    pytest.param(p, marks=pytest.mark.xfail(reason=NOT_YET[p], strict=False)) if p in NOT_YET else p
    for p in PROGRAMS] or ["none"])
def test_corpus_program_runs(program, corpus_results):
    result = corpus_results[program]
    assert result["ok"], f"{program} failed after {result['wall_s']} s: {result['error']}"
