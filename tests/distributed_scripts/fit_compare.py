"""Run by tests/test_distributed.py: once as one process, once per rank under torchrun.

Trains two models (one input/one output; two inputs/two outputs with loss_weights and
validation_data) with shuffle=False, evaluates and predicts, and pickles what it saw to
OUT/result_<rank>.pkl: History, evaluate, predict, the rows each rank trained on, its stdout.
"""
import contextlib
import io
import os
import pickle
import sys

import numpy as np
import torch

import kfunc_torch as K
from kfunc_torch import distributed, layers

out_dir = sys.argv[1]
rank = int(os.environ.get("RANK", "0"))
torch.set_num_threads(1)


class SeenRows(layers.Layer):
    """Identity that records the first feature of every training row it sees (the rows' ids)."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.seen = []

    def call(self, x, training=None):
        if training or (training is None and self.training):
            self.seen.append(x[:, 0].detach().cpu().numpy().copy())
        return x


rng = np.random.default_rng(0)
n = 50  # 3 global batches of 16 and one of 2: every rank gets 1 row of the last
x = rng.normal(size=(n, 4)).astype("float32")
x[:, 0] = np.arange(n)  # row ids
y = (x[:, 1:2] + x[:, 2:3] > 0).astype("float32")

result = {}
# Keras 3's spelling of the same thing: describes the group torchrun started (nothing changes alone).
K.distribution.set_distribution(K.distribution.DataParallel())
result["distribution"] = repr(K.distribution.distribution())
buf = io.StringIO()
with contextlib.redirect_stdout(buf):
    # ---- one input, one output
    torch.manual_seed(0)
    inp = layers.Input((4,))
    seen = SeenRows()
    h = layers.Dense(8, activation="tanh")(seen(inp))
    outp = layers.Dense(1, activation="sigmoid")(h)
    m = K.models.Model(inp, outp)
    m.compile("adam", "binary_crossentropy", metrics=["accuracy", K.metrics.AUC(name="auc")])
    ck = os.path.join(out_dir, "ck.keras")
    hist = m.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=2,
                 callbacks=[K.callbacks.ModelCheckpoint(ck)])
    result["history"] = hist.history
    result["seen"] = np.concatenate(seen.seen)
    result["evaluate"] = m.evaluate(x, y, batch_size=16, verbose=0)
    result["predict"] = m.predict(x, batch_size=16)
    distributed.barrier()
    result["ck_predict"] = K.models.load_model(ck, custom_objects={"SeenRows": SeenRows}).predict(x, verbose=0)
    # shuffled: the ranks split every epoch's rows between them
    seen.seen.clear()
    m.fit(x, y, batch_size=10, epochs=2, shuffle=True, verbose=0)
    result["seen_shuffled"] = [a.tolist() for a in seen.seen]

    # ---- two inputs, two outputs, loss_weights, validation_data
    torch.manual_seed(1)
    a = layers.Input((4,), name="a")
    b = layers.Input((3,), name="b")
    z = layers.concatenate([layers.Dense(6, activation="relu")(a), b])
    o1 = layers.Dense(1, name="reg")(z)
    o2 = layers.Dense(3, activation="softmax", name="cls")(z)
    m2 = K.models.Model([a, b], [o1, o2])
    m2.compile("rmsprop", {"reg": "mse", "cls": "categorical_crossentropy"}, loss_weights={"reg": 0.5, "cls": 2.0},
               metrics={"reg": ["mae"], "cls": ["accuracy"]})
    xb = rng.normal(size=(n, 3)).astype("float32")
    y1 = rng.normal(size=(n, 1)).astype("float32")
    y2 = np.eye(3, dtype="float32")[rng.integers(0, 3, n)]
    val = ([x[:13], xb[:13]], [y1[:13], y2[:13]])
    h2 = m2.fit([x, xb], [y1, y2], batch_size=12, epochs=2, shuffle=False, verbose=0, validation_data=val)
    result["history2"] = h2.history
    result["evaluate2"] = m2.evaluate([x, xb], [y1, y2], batch_size=8, verbose=0, return_dict=True)
    result["predict2"] = m2.predict([x, xb], batch_size=7)
result["stdout"] = buf.getvalue()
result["world"] = distributed.world_size()
with open(os.path.join(out_dir, f"result_{rank}.pkl"), "wb") as f:
    pickle.dump(result, f)
