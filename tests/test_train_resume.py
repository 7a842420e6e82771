"""SIGKILL a training process mid-epoch and resume it: the final weights equal an uninterrupted run's."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch

from test_train_support import weights, write_config

ENV = {**os.environ, "OMP_NUM_THREADS": "1"}
# dropout and delays: the random masks and the delay clamps must replay exactly after resuming
LAYERS = [{"dim": "8x8x1"}, {"dim": 32, "dropout": 0.2, "delay": True, "maxDelay": 4}, {"dim": "3o"}]


def slayer(*args: str | Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "slayer.cli", "train", *map(str, args), "--no-progress"]
    return subprocess.Popen(command, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def finish(process: subprocess.Popen[bytes]) -> str:
    output = process.communicate(timeout=600)[0].decode()
    assert process.returncode == 0, output
    return output


def epochs_done(run: Path) -> list[dict[str, str]]:
    try:
        with open(run / "stats.csv") as handle:
            return list(csv.DictReader(handle))
    except FileNotFoundError:
        return []


def test_sigkill_mid_epoch_then_resume_gives_the_uninterrupted_weights(tmp_path: Path) -> None:
    cfg = write_config(
        tmp_path / "net.yaml",
        layer=LAYERS,
        training={"epochs": 4, "batch_size": 4},
        data={"train_samples": 1600, "test_samples": 12},
    )
    straight = slayer(cfg, "--out", tmp_path / "straight")
    interrupted = slayer(cfg, "--out", tmp_path / "killed")
    deadline = time.monotonic() + 600
    while len(epochs_done(tmp_path / "killed")) < 2:  # two checkpoints: past the warm-up
        assert interrupted.poll() is None, interrupted.communicate()[0].decode()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.25)  # inside epoch 3: an epoch of 400 steps takes seconds
    interrupted.send_signal(signal.SIGKILL)
    output = interrupted.communicate(timeout=60)[0].decode()
    assert interrupted.returncode == -signal.SIGKILL, (epochs_done(tmp_path / "killed"), output[-2000:])
    state = torch.load(tmp_path / "killed" / "checkpoint.pt", weights_only=True)
    assert state["epoch"] < 4, "the run finished before it was killed: make the epochs longer"
    output = finish(slayer("--resume", tmp_path / "killed"))
    assert f"resuming {tmp_path / 'killed' / 'checkpoint.pt'} after epoch {state['epoch']}" in output
    finish(straight)
    a, b = weights(tmp_path / "straight" / "checkpoint.pt"), weights(tmp_path / "killed" / "checkpoint.pt")
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    rows_a, rows_b = epochs_done(tmp_path / "straight"), epochs_done(tmp_path / "killed")
    for column in ("epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy"):
        assert [r[column] for r in rows_a] == [r[column] for r in rows_b]
