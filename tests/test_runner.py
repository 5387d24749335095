"""`python -m kfunc_torch run`: a Keras 1 style script and tiny notebooks, in subprocesses."""
import os
import subprocess
import sys
import textwrap

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    from keras.layers import Input, Dense, merge
    from keras.models import Model
    import keras
    a = Input(shape=(4,)); b = Input(shape=(4,))
    x = merge([a, b], mode='concat')
    y = Dense(output_dim=2, init='uniform', activation='softmax')(x)
    model = Model(input=[a, b], output=y)
    model.compile(optimizer='rmsprop', loss='categorical_crossentropy')
    model.fit([np.ones((8, 4)), np.ones((8, 4))], np.eye(2)[[0, 1] * 4], nb_epoch=1, verbose=0)
    print("RESULT", __name__, sys.argv[1:], keras.__version__, model.predict([np.ones((3, 4))] * 2).shape)
    if "--fail" in sys.argv:
        sys.exit(3)
""")


def _cli(args, cwd, timeout=180):
    return subprocess.run([sys.executable, "-m", "kfunc_torch", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)


def test_run_keras1_script_unmodified(tmp_path):
    (tmp_path / "tutorial.py").write_text(SCRIPT)
    proc = _cli(["run", "tutorial.py", "--epochs", "1", "--fail"], tmp_path)
    assert "RESULT __main__ ['--epochs', '1', '--fail'] 2.2.4 (3, 2)" in proc.stdout, proc.stderr[-3000:]
    assert proc.returncode == 3  # the script's own sys.exit code comes through


def test_cli_usage_errors(tmp_path, capsys):
    from kfunc_torch.runner import main
    assert main(["run", str(tmp_path / "missing.py")]) == 2  # fails before aliasing anything
    assert "No such script" in capsys.readouterr().err
    assert main(["frobnicate"]) == 2
    assert "usage" in capsys.readouterr().err
    assert main(["run", "x.ipynb", "--bogus", "1"]) == 2


def _notebook(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src, metadata={"tags": tags} if tags else {}) for src, tags in cells]
    nbformat.write(nb, str(path))


def test_run_notebook_with_alias_and_expected_failures(tmp_path):
    _notebook(tmp_path / "guide.ipynb", [
        ("import keras\nfrom keras.layers import Input, Dense\nprint(keras.__version__)", None),
        ("model.fit(data, labels)", ["raises-exception"]),  # the reader's mistake, kept in the tutorial
        ("x = Input(shape=(3,))\nprint(Dense(2)(x).shape)", None),
    ])
    proc = _cli(["run", "guide.ipynb", "-o", "done.ipynb", "--timeout", "120"], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    nb = nbformat.read(str(tmp_path / "done.ipynb"), as_version=4)
    assert len(nb.cells) == 3  # the alias setup is not a cell of the written copy
    assert [c.execution_count for c in nb.cells] == [1, 2, 3]
    assert nb.cells[0].outputs[0]["text"] == "2.2.4\n"
    assert nb.cells[1].outputs[0]["ename"] == "NameError"
    assert nb.cells[2].outputs[0]["text"] == "(None, 2)\n"
    assert "cell 2/3 error" in proc.stderr and "cell 3/3 ok" in proc.stderr  # progress lines


def test_run_notebook_untagged_failure_is_an_error_showing_the_cell(tmp_path):
    _notebook(tmp_path / "bad.ipynb", [("print('first')", None), ("1 / 0  # oops", None), ("print('never')", None)])
    proc = _cli(["run", "bad.ipynb", "--timeout", "120"], tmp_path)
    assert proc.returncode == 1
    assert "1 / 0  # oops" in proc.stderr and "ZeroDivisionError" in proc.stderr
    assert "raises-exception" in proc.stderr  # says how to mark an expected failure
    partial = nbformat.read(str(tmp_path / "bad.out.ipynb"), as_version=4)
    assert partial.cells[0].outputs[0]["text"] == "first\n" and not partial.cells[2].outputs
    assert os.path.exists(tmp_path / "bad.out.ipynb")


def test_run_notebook_cell_timeout_is_reported(tmp_path):
    _notebook(tmp_path / "slow.ipynb", [("import time\ntime.sleep(60)", None)])
    proc = _cli(["run", "slow.ipynb", "--timeout", "5"], tmp_path)
    assert proc.returncode == 1
    assert "longer than --timeout 5 s" in proc.stderr
    assert os.path.exists(tmp_path / "slow.out.ipynb")
