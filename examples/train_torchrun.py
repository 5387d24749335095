"""Data-parallel training with torchrun: the same Keras script, one process per device.

    torchrun --nproc_per_node 2 examples/train_torchrun.py          # 2 CPU processes (gloo)
    torchrun --nproc_per_node 8 examples/train_torchrun.py          # 8 GPUs (NCCL), one per process
    torchrun --nnodes 2 --node_rank 0 --master_addr HOST --master_port 29500 --nproc_per_node 8 \\
        examples/train_torchrun.py                                  # and --node_rank 1 on the other machine

Alone (``python examples/train_torchrun.py``) it trains in one process. ``batch_size`` is the global
batch, split between the processes: from the same initial weights and with ``shuffle=False``, one
process and several log the same losses to float rounding (tests/test_distributed.py checks it).
"""
import os

import numpy as np

import kfunc_torch

kfunc_torch.alias_keras()  # from here on `import keras` is kfunc_torch
import keras  # noqa: E402
from keras import layers  # noqa: E402

from kfunc_torch import distributed  # noqa: E402

rng = np.random.default_rng(0)
x = rng.normal(size=(4096, 20)).astype("float32")
y = (x[:, :5].sum(1, keepdims=True) > 0).astype("float32")

inputs = keras.Input(shape=(20,))
h = layers.Dense(64, activation="relu")(inputs)
outputs = layers.Dense(1, activation="sigmoid")(h)
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])

os.makedirs("checkpoints", exist_ok=True)
history = model.fit(x, y, batch_size=256, epochs=3, validation_split=0.1,
                    callbacks=[keras.callbacks.ModelCheckpoint("checkpoints/model.keras")])  # rank 0 writes it
loss, acc = model.evaluate(x, y, verbose=0)   # the group's figures, on every process
probs = model.predict(x[:10], verbose=0)      # all rows, in order, on every process
if distributed.is_main_process():
    print(f"{distributed.world_size()} process(es): loss {loss:.4f}, accuracy {acc:.4f}")
