"""Benchmark suite: kfunc_torch vs hand-written PyTorch vs Keras 3 (torch backend).

Run ``python -m bench`` (``--quick`` for a smoke run, ``--device cuda`` on a GPU). Every
(workload, implementation, repeat) runs in its own subprocess, implementations interleaved, so
that no implementation inherits another's warm caches, allocator state or imported modules.
See ``bench/README.md`` and ``bench/RESULTS.md``.
"""
