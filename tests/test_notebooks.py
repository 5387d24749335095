"""Every seed notebook runs top to bottom through the runner (`python -m kfunc_torch run`), with the
tutorial's own cells; cells tagged `raises-exception` are the user's mistakes and must fail with
our clear error. Checks the printed results a reader of the tutorial looks at."""
from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import sys

import pytest

NOTEBOOKS = pathlib.Path(__file__).resolve().parent.parent / "notebooks"


def _run(name: str, tmp_path) -> list[dict]:
    out = tmp_path / f"{name}.ipynb"
    proc = subprocess.run([sys.executable, "-m", "kfunc_torch", "run", str(NOTEBOOKS / f"{name}.ipynb"),
                           "-o", str(out), "--timeout", "600"], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return [c for c in json.loads(out.read_text())["cells"] if c["cell_type"] == "code"]


def _text(cell) -> str:
    return "".join("".join(o.get("text", "")) for o in cell["outputs"] if o["output_type"] == "stream")


def _error(cell):
    errs = [o for o in cell["outputs"] if o["output_type"] == "error"]
    return (errs[0]["ename"], errs[0]["evalue"]) if errs else None


def _errors_only_in_tagged_cells(cells):
    for c in cells:
        tagged = "raises-exception" in c.get("metadata", {}).get("tags", [])
        assert (_error(c) is not None) == tagged, (c["source"], _error(c))


def test_seed000_japanese(tmp_path):
    cells = _run("seed000_functional_api_ja", tmp_path)
    _errors_only_in_tagged_cells(cells)
    out = "".join(_text(c) for c in cells)
    assert "(None, 20, 10)" in out                       # TimeDistributed(model) on 20 steps
    assert "Epoch 50/50" in out and "main_output_loss" in out and "aux_output_loss" in out


def test_seed001_japanese_book(tmp_path):
    if shutil.which("dot") is None:
        pytest.skip("plot_model needs Graphviz's dot (apt-get install graphviz)")
    cells = _run("seed001_functional_api_book_ja", tmp_path)
    _errors_only_in_tagged_cells(cells)
    out = "".join(_text(c) for c in cells)
    assert 'Model: "sequential_1"' in out and "dense_2 (Dense)" in out and "Total params: 3,466" in out
    errors = [_error(c) for c in cells if _error(c)]
    assert errors[0][0] == "TypeError" and "output_dim" in errors[0][1]          # Embedding(vocab) only
    assert any("The model has 1 outputs" in e[1] for e in errors)                 # 3 losses, 1 output
    assert any("(None, 16, 16, 128)" in e[1] and "(None, 15, 15, 128)" in e[1] for e in errors)
    assert any("symbolic tensor" in e[1] for e in errors)                         # fit on Input tensors
    assert "(None, 8, 8, 4096) 20861480" in out                                  # shared Xception base


def test_seed002_chinese(tmp_path):
    cells = _run("seed002_functional_api_zh", tmp_path)
    _errors_only_in_tagged_cells(cells)
    out = "".join(_text(c) for c in cells)
    assert "2.2.4" in out                                                        # keras.__version__
    assert [e[0] for e in map(_error, cells) if e] == ["ImportError"]            # `from keras.layers import LST`


def test_seed003_keras1_guide(tmp_path):
    cells = _run("seed003_keras1_guide_en", tmp_path)
    _errors_only_in_tagged_cells(cells)
    out = "".join(_text(c) for c in cells)
    err = [e for e in map(_error, cells) if e]
    assert err[0][0] == "AttributeError" and "get_output_at" in err[0][1]
    assert "(None, 192, 256, 256)" in out                                        # channels-first inception
    assert "Epoch 50/50" in out


def test_seed004_korean(tmp_path):
    cells = _run("seed004_functional_api_ko", tmp_path)
    _errors_only_in_tagged_cells(cells)
    out = "".join(_text(c) for c in cells)
    assert "Total params: 1,000,052" in out
    assert "embedding_1 (Embedding)         (None, None, 64)     640000      text[0][0]" in out
