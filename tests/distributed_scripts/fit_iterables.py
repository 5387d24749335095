"""Run by tests/test_distributed.py: Sequences, DataLoaders, generators, BackupAndRestore, CSVLogger
and model.save under data parallelism; alone, each batch of the 2-rank run is one batch of 16 rows
(the rows two ranks take together), so the Histories must agree."""
import os
import pickle
import sys

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

import kfunc_torch as K
from kfunc_torch import distributed, layers

out_dir = sys.argv[1]
rank, world = int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))
torch.set_num_threads(1)
rng = np.random.default_rng(0)
n = 40  # 5 batches of 8: the second rank has no third batch (an empty step keeps the ranks together)
x = rng.normal(size=(n, 5)).astype("float32")
y = rng.normal(size=(n, 2)).astype("float32")


def model():
    torch.manual_seed(3)
    inp = layers.Input((5,))
    m = K.models.Model(inp, layers.Dense(2)(layers.Dense(7, activation="relu")(inp)))
    m.compile("adam", "mse", metrics=["mae"])
    return m


class Batches(K.utils.Sequence):
    def __init__(self, size):
        super().__init__()
        self.size = size

    def __len__(self):
        return -(-n // self.size)

    def __getitem__(self, i):
        return x[i * self.size:(i + 1) * self.size], y[i * self.size:(i + 1) * self.size]


per_rank = 8 if world == 2 else 16
result = {}
result["sequence"] = model().fit(Batches(per_rank), epochs=2, shuffle=False, verbose=0).history
m = model()
result["sequence_eval"] = m.evaluate(Batches(per_rank), verbose=0)
ds = TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
result["loader"] = model().fit(DataLoader(ds, batch_size=per_rank), epochs=2, verbose=0).history
sampler = DistributedSampler(ds, shuffle=False) if world == 2 else None
result["sampler"] = model().fit(DataLoader(ds, batch_size=8, sampler=sampler) if world == 2
                                else DataLoader(ds, batch_size=16), epochs=2, verbose=0).history
try:
    model().fit((b for b in [(x, y)] * 3), steps_per_epoch=3, verbose=0)
    result["generator_error"] = None
except ValueError as e:
    result["generator_error"] = str(e)


# BackupAndRestore: the first fit stops with an error after epoch 2; the second resumes there.
class Crash(K.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            raise RuntimeError("interrupted")


backup = os.path.join(out_dir, "backup")
m = model()
try:
    m.fit(x, y, batch_size=16, epochs=4, shuffle=False, verbose=0,
          callbacks=[K.callbacks.BackupAndRestore(backup), Crash()])
except RuntimeError:
    pass
distributed.barrier()
m = model()  # a fresh process would start like this
result["resumed"] = m.fit(x, y, batch_size=16, epochs=4, shuffle=False, verbose=0,
                          callbacks=[K.callbacks.BackupAndRestore(backup),
                                     K.callbacks.CSVLogger(os.path.join(out_dir, "log.csv"))]).history
result["backup_left"] = os.path.exists(backup)
m.save(os.path.join(out_dir, "final.keras"))
distributed.barrier()
result["weights"] = [w.detach().numpy().copy() for w in m.weights]
with open(os.path.join(out_dir, f"result_{rank}.pkl"), "wb") as f:
    pickle.dump(result, f)
