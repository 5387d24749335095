"""Wall time of each published corpus program, on kfunc_torch and on real Keras 3 (torch backend).

Opt-in (``python -m bench -w 'corpus_*'``): one workload per program of the corpus manifest
(``corpus_<id>``), each program run once per implementation, as ``../shared/corpus/run.py`` runs
it: its own scratch working directory, ``HOME`` pointing at the fake Keras dataset cache that
``make_fake_datasets.py`` makes (made once per machine in the temp folder and reused), the
program's fixture files copied in, no GPU, its own process group (killed on timeout).

- ``kfunc``: ``python -m kfunc_torch run PROGRAM`` with this tree first on ``PYTHONPATH`` (the tree
  under test, not the installed package);
- ``keras``: the program as ``python PROGRAM`` runs it, with ``KERAS_BACKEND=torch`` and no
  ``PYTHONPATH`` (real Keras 3; a Keras 2 program may fail there, which the table shows), and Keras's
  dataset hash check switched off (the fake datasets are not the published bytes).

The metric is the program's wall time (``wall_s``); ``cpu_s`` is its CPU time (children's
rusage), robust to other tenants. A program that exits non-zero or runs past the limit is an error
row with the last error line. The corpus is found through ``$KFUNC_CORPUS`` or a ``shared/corpus``
folder beside the repository (or one of its parents); without one the rows are unavailable.

Example::

    python -m bench -w 'corpus_*' -r 1 --json corpus.json
    KFUNC_CORPUS=/path/to/corpus python -m bench -w corpus_k2_mnist_mlp -i kfunc,keras
"""
from __future__ import annotations

import importlib.util
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..common import Unavailable

ROOT = Path(__file__).resolve().parent.parent.parent
# Real Keras checks a cached dataset's published hash and downloads it again when the bytes differ; the
# fake datasets' bytes differ and nothing can be downloaded here, so the check is switched off. Then the
# program runs as `python PROGRAM` would run it (its folder first on sys.path, __main__).
_KERAS_BOOT = (
    "import os, runpy, sys\n"
    "from keras.src.utils import file_utils\n"
    "file_utils.validate_file = lambda *args, **kwargs: True\n"
    "sys.argv = sys.argv[1:]\n"
    "sys.path[0] = os.path.dirname(os.path.abspath(sys.argv[0]))\n"
    "runpy.run_path(sys.argv[0], run_name='__main__')\n")
PROGRAM_TIMEOUT_S = 900  # one program; the suite gives the worker a little more


def corpus_dir() -> Path | None:
    """``$KFUNC_CORPUS``, else the first ``shared/corpus`` beside the repository or a parent of it."""
    env = os.environ.get("KFUNC_CORPUS")
    if env:
        return Path(env) if (Path(env) / "manifest.tsv").exists() else None
    for parent in [ROOT, *ROOT.parents]:
        candidate = parent / "shared" / "corpus"
        if (candidate / "manifest.tsv").exists():
            return candidate
    return None


def _runner(corpus: Path):
    """The corpus's own run.py as a module (its manifest reader and its 'Trainable params' parser)."""
    spec = importlib.util.spec_from_file_location("_corpus_run", corpus / "run.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def program_ids() -> list[str]:
    """The ids of the programs that count (the manifest rows without an ``excluded`` reason)."""
    corpus = corpus_dir()
    if corpus is None:
        return []
    return [row["id"] for row in _runner(corpus).manifest(str(corpus)) if not row.get("excluded")]


def _fake_data(corpus: Path) -> Path:
    """The fake dataset cache, made once and shared by every run (under a lock: its files link to each
    other by absolute path, so it is made where it stays)."""
    import fcntl

    target = Path(tempfile.gettempdir()) / f"kfunc-bench-corpus-data-{os.getuid()}"
    with open(str(target) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / "done").exists():
            shutil.rmtree(target, ignore_errors=True)  # a half-made one
            target.mkdir()
            subprocess.check_call([sys.executable, str(corpus / "make_fake_datasets.py"), str(target)],
                                  stdout=subprocess.DEVNULL)
            (target / "done").write_text("made by bench/workloads/corpus.py\n")
    return target


def run(impl, cfg, program_id):
    corpus = corpus_dir()
    if corpus is None:
        raise Unavailable("no corpus: set KFUNC_CORPUS to a folder with manifest.tsv, programs/, run.py")
    if impl not in ("kfunc", "keras"):
        raise Unavailable(f"no {impl} implementation of a corpus program")
    runner = _runner(corpus)
    row = next((r for r in runner.manifest(str(corpus)) if r["id"] == program_id), None)
    if row is None:
        raise Unavailable(f"{program_id} is not in {corpus / 'manifest.tsv'}")
    data = _fake_data(corpus)
    scratch = Path(tempfile.mkdtemp(prefix=f"kfunc-bench-{program_id}-"))
    try:
        return _run_program(runner, corpus, data, row, impl, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run_program(runner, corpus, data, row, impl, scratch: Path) -> dict:
    home, cwd = scratch / "home", scratch / "cwd"
    (home / ".keras").mkdir(parents=True)
    cwd.mkdir()
    # A folder of links to the cache's files, per run: a program (or Keras, on a hash mismatch) that
    # deletes or replaces a dataset file changes this run's link, not the shared cache.
    datasets = home / ".keras" / "datasets"
    datasets.mkdir()
    for entry in (data / row["profile"] / "datasets").iterdir():
        os.symlink(os.path.realpath(entry), datasets / entry.name)
    if row.get("fixture", "-") not in ("", "-"):
        src = data / "cwd_fixtures" / row["fixture"]
        for entry in src.iterdir():
            (shutil.copytree if entry.is_dir() else shutil.copy)(entry, cwd / entry.name)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KERAS_BACKEND", "KERAS_HOME")}
    env.update(HOME=str(home), MPLBACKEND="Agg", PYTHONUNBUFFERED="1", CUDA_VISIBLE_DEVICES="")
    program = str(corpus / "programs" / row["file"])
    if impl == "kfunc":
        env["PYTHONPATH"] = str(ROOT)
        cmd = [sys.executable, "-m", "kfunc_torch", "run", program]
    else:
        env["KERAS_BACKEND"] = "torch"
        cmd = [sys.executable, "-c", _KERAS_BOOT, program]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with open(cwd / "stdout.txt", "w") as out, open(cwd / "stderr.txt", "w") as err:
        p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                             start_new_session=True)
        try:
            rc, timed_out = p.wait(timeout=PROGRAM_TIMEOUT_S), False
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)  # the process group started here
            rc, timed_out = p.wait(), True
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    out_text = (cwd / "stdout.txt").read_text(errors="replace")
    err_text = (cwd / "stderr.txt").read_text(errors="replace")
    if timed_out:
        raise RuntimeError(f"{row['id']} ran past {PROGRAM_TIMEOUT_S} s")
    if rc != 0:
        raise RuntimeError(f"{row['id']} exited {rc}: {runner.last_error(err_text or out_text)}")
    return {"wall_s": wall, "cpu_s": cpu, "trainable_params": runner.trainable_counts(out_text)}
