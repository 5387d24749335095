"""`import tensorflow` under alias_keras() without TensorFlow: the stand-in (tf ops on torch) with tf.keras the
aliased keras, its submodules importable as tensorflow.X, and nothing that makes packages probing for
TensorFlow take it for the real one (no distribution metadata, no tf.io / tf.summary / tf.compat)."""
import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("tensorflow") is not None,
                                reason="TensorFlow is installed: the alias leaves it alone")


def _run(code):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    res = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_import_tensorflow_gives_the_stand_in():
    out = _run("""
        import importlib.metadata, json
        import kfunc_torch
        kfunc_torch.alias_keras()
        import keras
        import tensorflow as tf
        import tensorflow.nn
        from tensorflow import keras as tfk
        from tensorflow.data import Dataset
        from tensorflow.keras.layers import Dense
        out = {"keras": tf.keras is keras and tfk is keras and Dense is kfunc_torch.layers.Dense,
               "nn": tensorflow.nn is tf.nn and Dataset is tf.data.Dataset,
               "op": tf.reduce_sum(tf.constant([1.0, 2.0])).item(),
               "probes": [hasattr(tf, n) for n in ("io", "summary", "compat", "estimator")]}
        try:
            importlib.metadata.version("tensorflow")
            out["metadata"] = True
        except importlib.metadata.PackageNotFoundError:
            out["metadata"] = False
        try:
            import tensorflow.python
        except ModuleNotFoundError as e:
            out["python"] = str(e)
        try:
            tf.io
        except AttributeError as e:
            out["err"] = str(e)
        from kfunc_torch.alias import unalias_keras
        unalias_keras()
        import sys
        out["after"] = "tensorflow" in sys.modules or "keras" in vars(sys.modules["kfunc_torch.tf_stand_in"])
        print(json.dumps(out))
    """)
    assert out["keras"] and out["nn"] and out["op"] == 3.0
    assert out["probes"] == [False] * 4 and out["metadata"] is False
    assert "tensorflow.python" in out["python"]
    assert "TensorFlow is not installed" in out["err"] and "tf.io" in out["err"]
    assert out["after"] is False


def test_tensorboard_still_uses_its_own_stub():
    out = _run("""
        import json, kfunc_torch
        kfunc_torch.alias_keras()
        import tensorflow as tf
        from tensorboard.compat import tf as tb_tf
        tb_tf.dtypes  # a lazy module: loads what it stands for on first use
        print(json.dumps({"tb": tb_tf.__name__}))
    """)
    assert out["tb"] == "tensorboard.compat.tensorflow_stub"
