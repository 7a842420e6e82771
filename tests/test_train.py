"""The trainer on synthetic data: it learns, writes its run folder, resumes exactly, detects divergence."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
import torch

import slayer
from slayer.train import (
    History,
    Trainer,
    TrainingDiverged,
    evaluate_checkpoint,
    free_run_dir,
    load_checkpoint,
    register,
    train,
)
from slayer.train.trainer import learning_rate
from test_train_support import SPIKE_TIME, config, weights

QUIET = {"progress": False, "log": lambda line: None}


def test_learns_a_synthetic_task_and_writes_the_run_folder(tmp_path: Path) -> None:
    cfg = config(output={"plots": True})
    result = train(cfg, tmp_path / "run", **QUIET)
    rows = result.history.rows
    assert [r.epoch for r in rows] == [1, 2, 3]
    assert rows[-1].train_loss < rows[0].train_loss
    assert rows[-1].test_accuracy is not None and rows[-1].test_accuracy >= 0.9  # chance is 1/3
    assert all(r.spikes_per_s > 0 and r.samples_per_s > 0 for r in rows)
    run = tmp_path / "run"
    with open(run / "stats.csv") as handle:
        table = list(csv.DictReader(handle))
    assert [int(r["epoch"]) for r in table] == [1, 2, 3]
    assert [r["best"] for r in table].count("*") == 1
    best = result.history.best
    assert best is not None and table[best.epoch - 1]["best"] == "*"
    assert math.isclose(float(table[-1]["test_accuracy"]), rows[-1].test_accuracy, rel_tol=1e-5)
    state = load_checkpoint(run / "checkpoint.pt")
    assert state["epoch"] == 3 and "simulation" in state["config"]
    assert load_checkpoint(run / "best.pt")["epoch"] == best.epoch
    assert (run / "config.yaml").read_text() == cfg.text
    for name in ("learning_curves.png", "output_raster.png"):
        assert (run / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert set(result.plots) == {run / "learning_curves.png", run / "output_raster.png"}


def test_evaluate_checkpoint_reproduces_the_final_test_numbers(tmp_path: Path) -> None:
    result = train(config(training={"epochs": 2}), tmp_path / "run", **QUIET)
    _, evaluation = evaluate_checkpoint(
        tmp_path / "run" / "checkpoint.pt", "cpu", progress=False, log=lambda s: None
    )
    assert evaluation.samples == 30
    assert evaluation.accuracy == result.final.test_accuracy
    assert math.isclose(evaluation.loss, result.final.test_loss, rel_tol=1e-6)


def test_resume_after_an_epoch_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    layers = [{"dim": "8x8x1"}, {"dim": 16, "dropout": 0.2, "delay": True, "maxDelay": 3}, {"dim": "3o"}]
    straight = train(config(layer=layers), tmp_path / "a", **QUIET)
    train(config(layer=layers, training={"epochs": 2}), tmp_path / "b", **QUIET)
    resumed = train(config(layer=layers), tmp_path / "b", resume=True, **QUIET)
    a, b = weights(tmp_path / "a" / "checkpoint.pt"), weights(tmp_path / "b" / "checkpoint.pt")
    assert a.keys() == b.keys() and any("delay" in k for k in a)
    for key in a:
        assert torch.equal(a[key], b[key]), key
    assert [r.test_loss for r in straight.history.rows] == [r.test_loss for r in resumed.history.rows]
    optimizer_a = load_checkpoint(tmp_path / "a" / "checkpoint.pt")["optimizer"]["state"]
    optimizer_b = load_checkpoint(tmp_path / "b" / "checkpoint.pt")["optimizer"]["state"]
    for key in optimizer_a:
        for name in optimizer_a[key]:
            assert torch.equal(optimizer_a[key][name], optimizer_b[key][name])


def test_resume_without_a_checkpoint_starts_afresh_and_a_finished_run_stays(tmp_path: Path) -> None:
    lines: list[str] = []
    first = train(
        config(training={"epochs": 1}), tmp_path / "r", resume=True, progress=False, log=lines.append
    )
    assert any("starting from epoch 1" in line for line in lines) and len(first.history.rows) == 1
    before = weights(tmp_path / "r" / "checkpoint.pt")
    again = train(config(training={"epochs": 1}), tmp_path / "r", resume=True, **QUIET)
    assert len(again.history.rows) == 1
    after = weights(tmp_path / "r" / "checkpoint.pt")
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_a_folder_holding_a_run_is_not_overwritten(tmp_path: Path) -> None:
    train(config(training={"epochs": 1}), tmp_path / "r", **QUIET)
    with pytest.raises(FileExistsError, match="already holds a run"):
        train(config(training={"epochs": 1}), tmp_path / "r", **QUIET)
    assert free_run_dir(tmp_path / "r") == tmp_path / "r-2"
    assert free_run_dir(tmp_path / "new") == tmp_path / "new"


def test_delays_are_clamped_after_every_optimiser_step(tmp_path: Path) -> None:
    layers = [
        {"dim": "8x8x1"},
        {"dim": 16, "delay": True, "maxDelay": 0.25},
        {"dim": "3o", "delay": True, "maxDelay": 0.25},
    ]
    cfg = config(layer=layers, training={"optimizer": {"lr": 5.0}})
    trainer = Trainer(cfg, tmp_path, **QUIET)
    trainer.train_epoch(1)  # ends with an optimiser step: no forward pass clamps after it
    delays = [m.delay.detach() for m in trainer.network.modules() if isinstance(m, slayer.nn.Delay)]
    assert len(delays) == 2
    for delay in delays:
        assert float(delay.min()) >= 0.0 and float(delay.max()) <= 0.25
    assert any(float(d.max()) == 0.25 or float(d.min()) == 0.0 for d in delays)  # the bounds were active


class _NanTargets(torch.utils.data.Dataset):
    def __init__(self, nan_input: bool) -> None:
        self.nan_input = nan_input

    def __len__(self) -> int:
        return 8

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        spikes = (torch.rand(10, 20) < 0.2).float()
        target = torch.zeros(4, 20)
        if self.nan_input:
            spikes[0, 0] = float("nan")
        else:
            target[0, 0] = float("nan")
        return spikes, target


@pytest.mark.parametrize(("nan_input", "words"), [(False, "the loss is nan"), (True, "a parameter is NaN")])
def test_divergence_is_reported_clearly(tmp_path: Path, nan_input: bool, words: str) -> None:
    register("nan-test", lambda cfg, train: _NanTargets(nan_input))
    cfg = config(
        layer=[{"dim": 10}, {"dim": 4}],
        error=SPIKE_TIME,
        training={"batch_size": 4},
        data={"name": "nan-test", "options": {}, "train_samples": None, "test_samples": None},
    )
    with pytest.raises(
        TrainingDiverged, match=f"training diverged in epoch 1, at .*{words}.*Lower training.optimizer.lr"
    ):
        train(cfg, tmp_path / "r", **QUIET)
    assert not (tmp_path / "r" / "checkpoint.pt").exists()


def test_spike_time_training_runs_on_target_trains(tmp_path: Path) -> None:
    cfg = config(
        layer=[{"dim": 12}, {"dim": 16}, {"dim": 5}],
        error=SPIKE_TIME,
        training={"batch_size": 2, "epochs": 3, "optimizer": {"lr": 0.1}},
        data={
            "options": {"shape": [12], "classes": 1, "target_shape": [5], "rate": 0.3},
            "train_samples": 8,
            "test_samples": 2,
        },
        output={"plots": True},
    )
    result = train(cfg, tmp_path / "r", **QUIET)
    assert all(r.train_accuracy is None and r.test_accuracy is None for r in result.history.rows)
    assert result.history.rows[-1].test_loss < result.history.rows[0].test_loss
    assert result.history.best == min(result.history.rows, key=lambda r: r.test_loss)
    assert (tmp_path / "r" / "output_raster.png").exists()


def test_float64_training(tmp_path: Path) -> None:
    trainer = Trainer(config(training={"dtype": "float64", "epochs": 1}), tmp_path, **QUIET)
    assert all(p.dtype == torch.float64 for p in trainer.network.parameters())
    loss, accuracy, samples, _ = trainer.train_epoch(1)
    assert math.isfinite(loss) and samples == 60 and accuracy is not None


def test_cosine_schedule() -> None:
    cfg = config(training={"epochs": 4, "optimizer": {"lr": 0.1, "schedule": "cosine"}})
    rates = [learning_rate(cfg, e) for e in (1, 2, 3, 4)]
    expected = [0.1 * 0.5 * (1 + math.cos(math.pi * (e - 1) / 4)) for e in (1, 2, 3, 4)]
    assert rates == pytest.approx(expected) and rates[0] == pytest.approx(0.1)
    assert learning_rate(config(), 3) == 0.05


def test_history_best_and_state_round_trip() -> None:
    from slayer.train import EpochStats

    rows = [
        EpochStats(e, 1.0, a, 2.0 - a, a, 1.0, 1.0, 1.0) for e, a in ((1, 0.5), (2, 0.9), (3, 0.9), (4, 0.7))
    ]
    history = History(rows)
    assert history.best is rows[1]  # the first of equal accuracies
    assert History.from_state(history.to_state()).rows == rows
    assert History([]).best is None
