"""alias_keras(): `import keras` (and `from tensorflow import keras` without TensorFlow) resolve to
kfunc_torch, module for module, with old Keras paths. Each case runs in a fresh subprocess because
the alias changes sys.modules (and real Keras is installed here: the alias must win over it)."""
import importlib.util
import json
import subprocess
import sys
import textwrap

import pytest

from keras_oracle import keras3_version


def _run(code: str, timeout: int = 120) -> dict:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_keras_imports_resolve_to_kfunc_torch():
    res = _run("""
        import json, sys, warnings
        warnings.simplefilter("ignore")
        import kfunc_torch
        kfunc_torch.alias_keras()
        kfunc_torch.alias_keras()   # idempotent
        import keras
        from keras.layers import *
        from keras import (layers, Input, applications, backend as K, models, optimizers, losses, metrics,
                           callbacks, utils, regularizers, initializers, activations, constraints)
        from keras.models import Model, Sequential, load_model
        from keras.utils import to_categorical, plot_model
        from keras.layers import merge
        from keras.engine.topology import Layer as TopoLayer, Input as TopoInput
        from keras.engine import Layer as EngineLayer, InputSpec
        from keras.engine.topology import Container
        from keras.layers.core import Dense as CoreDense, Dropout as CoreDropout
        from keras.layers.convolutional import Convolution2D as C2D
        from keras.layers.recurrent import LSTM as RLSTM
        from keras.preprocessing.sequence import pad_sequences
        from keras.utils.np_utils import to_categorical as np_to_cat
        import keras.layers
        out = {
            "version": keras.__version__,
            "same_layers": sys.modules["keras.layers"] is sys.modules["kfunc_torch.layers"],
            "same_backend": K is kfunc_torch.backend,
            "model": Model is kfunc_torch.Model and keras.Model is kfunc_torch.Model,
            "star_dense": Dense is kfunc_torch.layers.Dense and "Conv2D" in dir() and "LSTM" in dir(),
            "concatenate": keras.layers.concatenate is kfunc_torch.layers.concatenate,
            "legacy_paths": (TopoLayer is kfunc_torch.Layer and TopoInput is kfunc_torch.Input
                             and EngineLayer is kfunc_torch.Layer and Container is kfunc_torch.Model and CoreDense is Dense and RLSTM is LSTM
                             and C2D is kfunc_torch.layers.Conv2D and np_to_cat is to_categorical),
            "pad": pad_sequences([[1, 2, 3], [4]], maxlen=2).tolist(),
            "finders": sum(type(f).__name__ == "_KerasFinder" for f in sys.meta_path),
            "merge_is_legacy": merge is kfunc_torch.layers.legacy.merge,
        }
        try:
            import keras.no_such_module
        except ModuleNotFoundError as e:
            out["missing"] = str(e)
        from keras.datasets import mnist
        from keras.utils.data_utils import get_file
        out["datasets"] = mnist is kfunc_torch.datasets.mnist and get_file is kfunc_torch.utils.get_file
        x = Input(shape=(4,))
        m = Model(x, Dense(2)(x))
        out["names"] = [l.name for l in m.layers]
        kfunc_torch.set_compat("keras3")
        out["version3"] = keras.__version__
        print(json.dumps(out))
    """)
    assert res["version"] == "2.2.4" and res["version3"] == "3.15.1"
    for key in ("same_layers", "same_backend", "model", "star_dense", "concatenate", "legacy_paths",
                "merge_is_legacy"):
        assert res[key] is True, key
    assert res["pad"] == [[2, 3], [0, 4]]
    assert res["finders"] == 1
    assert "keras.no_such_module" in res["missing"] and "kfunc_torch" in res["missing"]
    assert res["datasets"] is True
    assert res["names"] == ["input_1", "dense_1"]


@pytest.mark.skipif(importlib.util.find_spec("tensorflow") is not None, reason="TensorFlow is installed: no stub")
def test_tensorflow_keras_stub_without_tensorflow():
    res = _run("""
        import json
        import kfunc_torch
        kfunc_torch.alias_keras()
        from tensorflow import keras
        from tensorflow.keras.layers import Dense
        import tensorflow as tf
        out = {"same": keras is __import__("keras") and Dense is kfunc_torch.layers.Dense
                       and tf.keras.layers.Dense is Dense}
        try:
            tf.io  # beyond the stand-in's ops (tests/test_tf_stand_in*.py test those)
        except AttributeError as e:
            out["err"] = str(e)
        print(json.dumps(out))
    """)
    assert res["same"] is True
    assert "TensorFlow is not installed" in res["err"] and "tensorflow.keras" in res["err"]


@pytest.mark.skipif(keras3_version() is None, reason="real Keras is not installed")
def test_real_keras_imported_first_is_a_clear_error():
    res = _run("""
        import json, os
        os.environ["KERAS_BACKEND"] = "torch"
        import keras as real
        import kfunc_torch
        out = {}
        try:
            kfunc_torch.alias_keras()
        except RuntimeError as e:
            out["err"] = str(e)
        k = kfunc_torch.alias_keras(force=True)
        import keras
        out["replaced"] = keras is k and keras.Model is kfunc_torch.Model and real.Model is not kfunc_torch.Model
        print(json.dumps(out))
    """, timeout=240)
    assert "already imported" in res["err"] and "before any `import keras`" in res["err"]
    assert "restart" in res["err"]
    assert res["replaced"] is True


def test_seed_002_style_program_runs_unmodified():
    res = _run("""
        import json, warnings
        warnings.simplefilter("ignore")
        import numpy as np
        import kfunc_torch
        kfunc_torch.alias_keras()
        import keras
        from keras.layers import Input, Dense
        from keras.models import Model
        inputs = Input(shape=(8,))
        x = Dense(16, activation='relu')(inputs)
        predictions = Dense(3, activation='softmax')(x)
        model = Model(inputs=inputs, outputs=predictions)
        model.compile(optimizer='rmsprop', loss='categorical_crossentropy', metrics=['accuracy'])
        data = np.random.random((64, 8))
        labels = keras.utils.to_categorical(np.random.randint(3, size=(64, 1)), num_classes=3)
        hist = model.fit(data, labels, epochs=2, batch_size=16, verbose=0)
        print(json.dumps({"keys": sorted(hist.history), "labels": list(labels.shape),
                          "pred": list(model.predict(data).shape)}))
    """)
    assert res["keys"] == ["accuracy", "loss"]
    assert res["labels"] == [64, 3] and res["pred"] == [64, 3]


def test_load_ext_kfunc_torch_in_ipython():
    pytest.importorskip("IPython")
    res = _run("""
        import io, json, contextlib
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            shell.run_line_magic("load_ext", "kfunc_torch")
            shell.run_cell("import keras; from keras.layers import Dense; v = keras.__version__")
        import kfunc_torch
        print(json.dumps({"printed": buf.getvalue(), "version": shell.user_ns["v"],
                          "dense": shell.user_ns["Dense"] is kfunc_torch.layers.Dense}))
    """)
    assert "import keras` now uses kfunc_torch" in res["printed"]
    assert res["version"] == "2.2.4" and res["dense"] is True
