"""Data parallelism under torchrun: 2 CPU ranks (gloo) against one process on the same global batches.

The script (tests/distributed_scripts/fit_compare.py) runs once alone and once per rank under
``python -m torch.distributed.run --standalone --nproc_per_node 2``; each process pickles what it saw.
"""
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "distributed_scripts", "fit_compare.py")
ROOT = os.path.dirname(HERE)


def _env():
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), OMP_NUM_THREADS="1")
    for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(k, None)
    return env


def _run(cmd, out, script=SCRIPT):
    os.makedirs(out)
    p = subprocess.run(cmd + [script, out], env=_env(), capture_output=True, text=True, timeout=240)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-6000:]
    results = {}
    for name in sorted(os.listdir(out)):
        if name.startswith("result_"):
            with open(os.path.join(out, name), "rb") as f:
                results[int(name[7:-4])] = pickle.load(f)
    return results, sorted(os.listdir(out))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("ddp")
    single, _ = _run([sys.executable], str(base / "one"))
    ranks, files = _run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"],
                        str(base / "two"))
    return single[0], ranks, files


def _close(a, b, what):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (what, a.shape, b.shape)
    np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6, err_msg=what)


def _same_history(one, two, what):
    assert sorted(one) == sorted(two), (what, sorted(one), sorted(two))
    for k in one:
        _close(one[k], two[k], f"{what}[{k!r}]")


def test_two_ranks_run_as_a_group(runs):
    single, ranks, _ = runs
    assert single["world"] == 1
    assert sorted(ranks) == [0, 1] and all(r["world"] == 2 for r in ranks.values())
    assert single["distribution"].startswith("DataParallel(processes=1")
    assert all(r["distribution"].startswith("DataParallel(processes=2") for r in ranks.values())


def test_history_equals_one_process_on_the_global_batch(runs):
    single, ranks, _ = runs
    for r in ranks.values():
        _same_history(single["history"], r["history"], "history")
        _same_history(single["history2"], r["history2"], "two-input two-output history")
    assert "val_loss" in ranks[0]["history2"] and "cls_accuracy" in ranks[0]["history2"]
    assert ranks[0]["history"] == ranks[1]["history"]  # every rank logs the group's values


def test_each_rank_trains_on_half_the_rows(runs):
    single, ranks, _ = runs
    seen0, seen1 = ranks[0]["seen"], ranks[1]["seen"]
    assert len(single["seen"]) == 3 * 50 and len(seen0) == len(seen1) == 3 * 25
    for epoch in range(3):
        a, b = set(seen0[epoch * 25:(epoch + 1) * 25]), set(seen1[epoch * 25:(epoch + 1) * 25])
        assert not a & b and a | b == set(range(50))
    # shuffled: 2 epochs of 5 global batches of 10; each epoch's rows split between the ranks
    for epoch in range(2):
        a = sum(ranks[0]["seen_shuffled"][epoch * 5:(epoch + 1) * 5], [])
        b = sum(ranks[1]["seen_shuffled"][epoch * 5:(epoch + 1) * 5], [])
        assert len(a) == len(b) == 25 and not set(a) & set(b) and set(a) | set(b) == set(range(50))
    assert ranks[0]["seen_shuffled"][:5] != ranks[0]["seen_shuffled"][5:]  # a new order each epoch


def test_evaluate_and_predict_agree_with_one_process(runs):
    single, ranks, _ = runs
    for r in ranks.values():
        _close(single["evaluate"], r["evaluate"], "evaluate")
        _same_history(single["evaluate2"], r["evaluate2"], "evaluate (two outputs)")
        _close(single["predict"], r["predict"], "predict")
        for i, (p, q) in enumerate(zip(single["predict2"], r["predict2"])):
            _close(p, q, f"predict output {i}")


def test_rank_zero_prints_and_writes_one_loadable_checkpoint(runs):
    _, ranks, files = runs
    assert files == ["ck.keras", "result_0.pkl", "result_1.pkl"]  # no temp files, no second checkpoint
    assert "Epoch 3/3" in ranks[0]["stdout"] and "loss:" in ranks[0]["stdout"]
    assert ranks[1]["stdout"] == ""
    for r in ranks.values():  # both ranks load rank 0's file: the weights after the last epoch
        _close(r["predict"], r["ck_predict"], "checkpoint predictions")


# ---------------------------------------------------------------- Sequences, DataLoaders, callbacks
ITER_SCRIPT = os.path.join(HERE, "distributed_scripts", "fit_iterables.py")


@pytest.fixture(scope="module")
def iter_runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("ddp_iter")
    single, _ = _run([sys.executable], str(base / "one"), ITER_SCRIPT)
    ranks, files = _run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"],
                        str(base / "two"), ITER_SCRIPT)
    return single[0], ranks, files, base / "two"


@pytest.mark.slow
def test_sequences_and_dataloaders_are_split_by_batch(iter_runs):
    single, ranks, _, _ = iter_runs
    for r in ranks.values():
        # a Sequence and a plain DataLoader split by batch index (an odd count: one empty step), a
        # DataLoader with a DistributedSampler used as it is; alone: batches of the same 16 rows
        for k in ("sequence", "loader", "sampler"):
            _same_history(single[k], r[k], k)
        _close(single["sequence_eval"], r["sequence_eval"], "evaluate on a Sequence")


@pytest.mark.slow
def test_generators_are_refused_with_what_to_pass(iter_runs):
    single, ranks, _, _ = iter_runs
    assert single["generator_error"] is None
    for r in ranks.values():
        msg = r["generator_error"]
        assert "cannot be split" in msg and "DistributedSampler" in msg and "Sequence" in msg


@pytest.mark.slow
def test_backup_resumes_every_rank_and_rank_zero_writes(iter_runs):
    single, ranks, files, out = iter_runs
    for r in ranks.values():
        _same_history(single["resumed"], r["resumed"], "resumed after BackupAndRestore")
        assert len(r["resumed"]["loss"]) == 2 and not r["backup_left"]
        for w1, w2 in zip(single["weights"], r["weights"]):
            _close(w1, w2, "final weights")
    assert files == ["final.keras", "log.csv", "result_0.pkl", "result_1.pkl"]
    lines = (out / "log.csv").read_text().splitlines()
    assert lines[0] == "epoch,loss,mae" and [l.split(",")[0] for l in lines[1:]] == ["2", "3"]  # rank 0 once


@pytest.mark.slow
def test_example_script_runs_under_torchrun(tmp_path):
    example = os.path.join(ROOT, "examples", "train_torchrun.py")
    p = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                        example], cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=240)
    assert p.returncode == 0, p.stderr[-4000:]
    assert p.stdout.count("2 process(es): loss") == 1 and p.stdout.count("Epoch 3/3") == 1  # rank 0 alone prints
    assert os.listdir(tmp_path / "checkpoints") == ["model.keras"]


def test_keras_distribution_names_in_one_process():
    import kfunc_torch as K
    dist = K.distribution
    assert dist.list_devices("cpu") == ["cpu:0"] and dist.distribution() is None
    dp = dist.DataParallel()
    dist.set_distribution(dp)
    try:
        assert dist.distribution() is dp and dp.num_processes == 1 and dp.process_id == 0
    finally:
        dist.set_distribution(None)
    with pytest.raises(ValueError, match="torchrun --nproc_per_node 2"):
        dist.DataParallel(devices=["cuda:0", "cuda:1"])
    with pytest.raises(ValueError, match="supports DataParallel"):
        dist.set_distribution(object())
