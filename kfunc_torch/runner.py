"""Run Keras scripts and notebooks unmodified on kfunc_torch (``python -m kfunc_torch run ...``).

A script runs in this process after ``alias_keras()``, as ``__main__`` with ``sys.argv`` set. A notebook
runs in a Jupyter kernel (nbclient) where the alias is switched on by a silent setup request before
the first cell, so the executed copy has the user's cells only, numbered from 1. Cells tagged
``raises-exception`` may fail (tutorials keep the reader's mistakes); any other failing cell stops
the run with the cell's source and error shown.

Example::

    $ python -m kfunc_torch run tutorial.py --epochs 2
    $ python -m kfunc_torch run tutorial.ipynb -o tutorial.out.ipynb --timeout 600
"""
from __future__ import annotations

import os
import runpy
import sys
import time

import kfunc_torch

SETUP_CODE = "import kfunc_torch as _kfunc_torch\n_kfunc_torch.alias_keras()\ndel _kfunc_torch\n"


class NotebookCellError(RuntimeError):
    """A notebook cell not tagged ``raises-exception`` failed. Example: ``except NotebookCellError as e``."""


def run_script(path: str, argv: list[str] | None = None) -> dict:
    """Run a Python file as ``__main__`` with keras aliased; returns its globals.

    Example: ``run_script('mnist_mlp.py', ['--epochs', '1'])``
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such script: {path!r}. Give the path of a .py file (or an .ipynb notebook).")
    kfunc_torch.alias_keras()
    old_argv = sys.argv
    sys.argv = [path] + list(argv or [])
    script_dir = os.path.dirname(os.path.abspath(path))
    sys.path.insert(0, script_dir)  # as `python script.py` would: its own folder first
    try:
        return runpy.run_path(path, run_name="__main__")
    finally:
        sys.argv = old_argv
        if sys.path and sys.path[0] == script_dir:
            del sys.path[0]


def _package_parent() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(kfunc_torch.__file__)))


def run_notebook(path: str, output: str | None = None, timeout: int = 600, kernel_name: str = "python3",
                 compat: str | None = None, progress: bool = False):
    """Execute a notebook with keras aliased and write the executed copy (default: ``<name>.out.ipynb``).

    ``progress`` prints one line per executed code cell to stderr.
    Returns the executed ``NotebookNode``. Raises ``NotebookCellError`` (after writing the partial
    copy) when a cell not tagged ``raises-exception`` fails.
    Example: ``run_notebook('guide.ipynb', 'guide.out.ipynb', timeout=300)``
    """
    try:
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    except ImportError as e:
        raise ImportError(f"Running notebooks needs nbformat, nbclient and ipykernel ({e}). Install them with "
                          "`pip install kfunc_torch[notebook]` (or `pip install nbformat nbclient ipykernel`).") from e
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such notebook: {path!r}.")
    nb = nbformat.read(path, as_version=4)
    output = output or os.path.splitext(path)[0] + ".out.ipynb"
    # The kernel is a new process: make sure it imports this kfunc_torch.
    parent = _package_parent()
    os.environ["PYTHONPATH"] = os.pathsep.join([parent] + [p for p in os.environ.get("PYTHONPATH", "").split(
        os.pathsep) if p and p != parent])
    setup = SETUP_CODE if compat is None else SETUP_CODE.replace("alias_keras()", f"alias_keras({compat!r})")
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name, allow_errors=False,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})

    async def _alias_in_kernel(**_):
        # Silent and out of history: the notebook's own cells keep execution counts 1, 2, ...
        msg_id = client.kc.execute(setup, silent=True, store_history=False)
        reply = await client.async_wait_for_reply(msg_id)
        if reply is not None and reply["content"].get("status") != "ok":
            raise RuntimeError("Could not switch on the keras alias in the notebook kernel: "
                               f"{reply['content'].get('ename')}: {reply['content'].get('evalue')}. Is kfunc_torch "
                               "importable by the kernel's Python?")

    client.on_notebook_start = _alias_in_kernel
    if progress:
        n_code = sum(c.cell_type == "code" for c in nb.cells)
        started = {}

        def _start(cell, cell_index, **_):
            started["t"] = time.perf_counter()

        def _done(cell, cell_index, execute_reply=None, **_):
            status = (execute_reply or {}).get("content", {}).get("status", "ok")
            print(f"[kfunc_torch] cell {cell.get('execution_count') or '?'}/{n_code} {status} "
                  f"({time.perf_counter() - started.get('t', time.perf_counter()):.1f} s)", file=sys.stderr, flush=True)
        client.on_cell_start = _start
        client.on_cell_executed = _done
    try:
        client.execute()
    except CellExecutionError as e:
        nbformat.write(nb, output)
        raise NotebookCellError(f"{path}: a cell failed (tag it `raises-exception` if that is expected); partial "
                                f"output written to {output}.\n{e}") from None
    except (CellTimeoutError, DeadKernelError) as e:
        nbformat.write(nb, output)
        what = (f"a cell ran longer than --timeout {timeout} s (raise it for long training cells)"
                if isinstance(e, CellTimeoutError) else "the kernel died (out of memory, or killed)")
        raise NotebookCellError(f"{path}: {what}; partial output written to {output}.\n{e}") from None
    nbformat.write(nb, output)
    return nb


USAGE = """usage: python -m kfunc_torch run SCRIPT.py [args...]
       python -m kfunc_torch run NOTEBOOK.ipynb [-o OUT.ipynb] [--timeout SECONDS] [--compat keras2|tf2|keras3]

Runs Keras code unmodified on kfunc_torch (PyTorch): `import keras` resolves to kfunc_torch."""


def main(argv: list[str] | None = None) -> int:
    """Command line entry (``kfunc-torch`` / ``python -m kfunc_torch``). Example: ``main(['run', 'x.py'])``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    if argv[0] != "run" or len(argv) < 2:
        print(f"kfunc_torch: unknown command {' '.join(argv)!r}.\n{USAGE}", file=sys.stderr)
        return 2
    target, rest = argv[1], argv[2:]
    if target.endswith(".ipynb"):
        opts = {"-o": None, "--output": None, "--timeout": "600", "--compat": None}
        it = iter(rest)
        for a in it:
            if a not in opts:
                print(f"kfunc_torch run: unknown notebook option {a!r}.\n{USAGE}", file=sys.stderr)
                return 2
            opts[a] = next(it, None)
            if opts[a] is None:
                print(f"kfunc_torch run: option {a} needs a value.", file=sys.stderr)
                return 2
        try:
            run_notebook(target, opts["-o"] or opts["--output"], timeout=int(opts["--timeout"]),
                         compat=opts["--compat"], progress=True)
        except (NotebookCellError, FileNotFoundError) as e:
            print(str(e), file=sys.stderr)
            return 1
        return 0
    try:
        run_script(target, rest)
    except SystemExit as e:  # the script's own sys.exit(code)
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except FileNotFoundError as e:
        if not os.path.isfile(target):
            print(str(e), file=sys.stderr)
            return 2
        raise
    return 0
