"""Data-parallel training: 2 processes (torchrun, gloo on CPU) match 1 process with the same global batch."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from itertools import chain
from pathlib import Path

import pytest
import torch
import torch.distributed as dist

from slayer.train.distributed import epoch_batches
from test_train_support import weights, write_config

ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


def run(*command: str | Path) -> str:
    done = subprocess.run(list(map(str, command)), env=ENV, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def rows(run_dir: Path) -> list[dict[str, str]]:
    with open(run_dir / "stats.csv") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.skipif(
    not dist.is_available() or not dist.is_gloo_available(), reason="torch.distributed with gloo"
)
@pytest.mark.parametrize(("dtype", "tolerance"), [("float32", 1e-5), ("float64", 1e-10)])
def test_two_processes_match_one_with_the_same_global_batch(
    tmp_path: Path, dtype: str, tolerance: float
) -> None:
    cfg = write_config(
        tmp_path / "net.yaml",
        layer=[{"dim": "8x8x1"}, {"dim": 16, "delay": True, "maxDelay": 4}, {"dim": "3o"}],
        # 42 samples in global batches of 8: the last batch (2 samples) is split 1 + 1
        training={"epochs": 2, "batch_size": 8, "dtype": dtype},
        data={"train_samples": 42, "test_samples": 15},
    )
    train = ["-m", "slayer.cli", "train", cfg, "--no-progress", "--out"]
    run(sys.executable, *train, tmp_path / "one")
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    output = run(*torchrun, *train, tmp_path / "two")
    assert "2 process(es) on cpu" in output and output.count("epoch   2/2") == 1  # rank 0 alone logs
    one, two = weights(tmp_path / "one" / "checkpoint.pt"), weights(tmp_path / "two" / "checkpoint.pt")
    assert one.keys() == two.keys()
    for key in one:
        torch.testing.assert_close(two[key], one[key], rtol=tolerance, atol=tolerance)
    for a, b in zip(rows(tmp_path / "one"), rows(tmp_path / "two"), strict=True):
        for column in ("train_loss", "train_accuracy", "test_loss", "test_accuracy"):
            assert float(a[column]) == pytest.approx(float(b[column]), rel=tolerance), column


def test_epoch_batches_shard_every_global_batch() -> None:
    single, sizes = epoch_batches(42, 8, shuffle_seed=5)
    assert sizes == [8, 8, 8, 8, 8, 2] and sorted(chain(*single)) == list(range(42))
    shards = [epoch_batches(42, 8, 5, rank, 3) for rank in range(3)]
    assert all(s[1] == [8, 8, 8, 8, 8] for s in shards)  # the 2-sample batch cannot feed 3 processes
    for step, batch in enumerate(single[:5]):
        assert sorted(chain(*(s[0][step] for s in shards))) == sorted(batch)
    assert epoch_batches(5, 2, None)[0] == [[0, 1], [2, 3], [4]]
    assert epoch_batches(42, 8, 6)[0] != single
