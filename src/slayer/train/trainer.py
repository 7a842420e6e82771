"""The training loop: epochs of SLAYER training, evaluation, statistics, checkpoints and resume.

Reproducibility and resume
--------------------------
Every epoch starts by re-seeding torch, numpy and ``random`` from ``(seed, epoch, rank)`` and draws
its sample order from ``(seed, epoch)``, so an epoch's result depends only on the state at its start:
the model and optimiser state, which a checkpoint holds after every epoch. ``resume`` reloads the
last checkpoint and re-runs the interrupted epoch from its beginning, giving bit-for-bit the result
of an uninterrupted run (same machine, same settings).
"""

from __future__ import annotations

import functools
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from tqdm.auto import tqdm

import slayer
from slayer.config import Config, ConfigError, CountLoss
from slayer.train.checkpoint import load_checkpoint, save_checkpoint
from slayer.train.datasets import build_dataset
from slayer.train.distributed import Distributed, epoch_batches, mix_seed
from slayer.train.network import build_network, summary
from slayer.train.stats import EpochStats, History, atomic_write_bytes

__all__ = ["Evaluation", "TrainResult", "Trainer", "TrainingDiverged", "learning_rate", "make_loss"]

Log = Callable[[str], None]
CHECKPOINT, BEST, STATS, CONFIG = "checkpoint.pt", "best.pt", "stats.csv", "config.yaml"
CURVES, RASTER = "learning_curves.png", "output_raster.png"


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


@dataclass(frozen=True)
class Evaluation:
    """Test-set numbers: per-sample loss, accuracy (None without labels), totals."""

    loss: float
    accuracy: float | None
    samples: int
    correct: int
    spikes: float
    seconds: float


@dataclass(frozen=True)
class TrainResult:
    """What a finished :meth:`Trainer.fit` leaves behind."""

    run_dir: Path
    history: History
    checkpoint: Path
    best_checkpoint: Path
    plots: tuple[Path, ...]

    @property
    def final(self) -> EpochStats:
        return self.history.rows[-1]


def make_loss(config: Config) -> nn.Module:
    """The loss of ``training.error``: :class:`~slayer.loss.SpikeCount` or :class:`~slayer.loss.SpikeTime`."""
    loss = config.training.loss
    if isinstance(loss, CountLoss):
        return slayer.loss.SpikeCount(
            config.neuron, config.sim, loss.t_start, loss.t_stop, loss.true_count, loss.false_count
        )
    return slayer.loss.SpikeTime(config.neuron, config.sim)


def _make_optimizer(config: Config, model: nn.Module) -> torch.optim.Optimizer:
    opt = config.training.optimizer
    params = [p for p in model.parameters() if p.requires_grad]
    if opt.name == "adam":
        return torch.optim.Adam(params, opt.lr, opt.betas, opt.eps, opt.weight_decay, amsgrad=opt.amsgrad)
    if opt.name == "nadam":
        return torch.optim.NAdam(params, opt.lr, opt.betas, opt.eps, opt.weight_decay)
    return torch.optim.SGD(params, opt.lr, momentum=opt.momentum, weight_decay=opt.weight_decay)


def learning_rate(config: Config, epoch: int) -> float:
    """The learning rate of ``epoch`` (1-based) under ``training.optimizer.schedule``."""
    opt, epochs = config.training.optimizer, config.training.epochs
    if opt.schedule == "cosine":
        return opt.lr * 0.5 * (1.0 + math.cos(math.pi * (epoch - 1) / epochs))
    return opt.lr


def _size(dataset: Dataset) -> int:
    return len(dataset)  # type: ignore[arg-type]


def _seed_all(seed: int) -> None:
    """Seed torch's, numpy's and python's global generators (which data sets and dropout draw from)."""
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 (the global generator that data sets may use)
    random.seed(seed)


def _seed_worker(worker_id: int) -> None:
    seed = torch.initial_seed()  # torch gives each worker base_seed + worker_id
    np.random.seed(seed % 2**32)  # noqa: NPY002 (the global generator that data sets may use)
    random.seed(seed)


class Trainer:
    """Train ``config``'s network on its data set, writing into ``run_dir`` (rank 0 only).

    Parameters
    ----------
    config : Config
        The checked configuration.
    run_dir : Path
        Output folder: ``config.yaml``, ``checkpoint.pt`` (after every epoch), ``best.pt``,
        ``stats.csv``, ``learning_curves.png``, ``output_raster.png``.
    dist : Distributed, optional
        This process's rank (default: one process).
    device : torch.device, optional
        Default: from ``training.device``.
    progress : bool
        Show tqdm progress bars.
    log : callable
        Receives one line per event (default :func:`print`); only rank 0 logs.
    """

    def __init__(
        self,
        config: Config,
        run_dir: Path,
        dist: Distributed | None = None,
        device: torch.device | None = None,
        progress: bool = True,
        log: Log = print,
    ) -> None:
        self.config, self.run_dir = config, Path(run_dir)
        self.dist = dist or Distributed()
        self.device = device or self.dist.device(config.training.device)
        self.dtype = getattr(torch, config.training.dtype)
        self.progress = progress and self.dist.is_main
        self.log: Log = log if self.dist.is_main else (lambda line: None)
        torch.manual_seed(config.training.seed)
        self.network = build_network(config).to(self.device, self.dtype)
        self.model: nn.Module = self.network
        if self.dist.enabled:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.model = nn.parallel.DistributedDataParallel(self.network, device_ids=ids)
        self.loss_fn = make_loss(config)
        self.optimizer = _make_optimizer(config, self.network)
        self._spikes = torch.zeros((), dtype=torch.float64, device=self.device)
        for block in self.network.modules():
            if isinstance(block, slayer.nn.Block):
                block.register_forward_hook(self._count_spikes)
        self.history = History([])

    @functools.cached_property
    def train_set(self) -> Dataset:
        """The training set (built on first use)."""
        return self._check_sample(build_dataset(self.config, train=True))

    @functools.cached_property
    def test_set(self) -> Dataset:
        """The test set (built on first use)."""
        return self._check_sample(build_dataset(self.config, train=False))

    # ------------------------------------------------------------------ helpers
    def _count_spikes(self, module: nn.Module, inputs: Any, output: torch.Tensor) -> None:
        self._spikes += output.detach().sum().double() * self.config.sim.ts

    def _check_sample(self, dataset: Dataset) -> Dataset:
        if _size(dataset) == 0:
            raise ConfigError(f"{self.config.source}: data: the data set is empty")
        spikes, _ = dataset[0]
        wanted = (*self.config.input_shape, self.config.sim.steps)
        if tuple(spikes.shape) != wanted:
            raise ConfigError(
                f"{self.config.source}: layer[0].dim: the data set yields samples of shape "
                f"{tuple(spikes.shape)}, the network expects {wanted} "
                f"(input {self.config.layers[0].dim}, T = {self.config.sim.steps})"
            )
        return dataset

    def _loader(self, dataset: Dataset, batches: list[list[int]]) -> DataLoader:
        workers = self.config.training.num_workers
        return DataLoader(
            dataset,
            batch_sampler=batches,
            num_workers=workers,
            worker_init_fn=_seed_worker if workers else None,
            pin_memory=self.device.type == "cuda",
        )

    def _to_device(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = x.to(self.device, self.dtype, non_blocking=True)
        y = y.to(self.device, non_blocking=True)
        return x, (y.to(self.dtype) if y.is_floating_point() else y)

    def _correct(self, output: torch.Tensor, y: torch.Tensor) -> int:
        return int((slayer.predict(output) == y).sum()) if self.config.is_classifier else 0

    def _bar(self, total: int, desc: str) -> tqdm:
        return tqdm(
            total=total, desc=desc, unit="batch", leave=False, disable=not self.progress, dynamic_ncols=True
        )

    # ------------------------------------------------------------------ loops
    def train_epoch(self, epoch: int) -> tuple[float, float | None, int, float]:
        """One epoch of training; returns (loss per sample, accuracy, samples, spikes) over all processes."""
        cfg, dist = self.config.training, self.dist
        _seed_all(mix_seed(cfg.seed, epoch, dist.rank))
        for group in self.optimizer.param_groups:
            group["lr"] = learning_rate(self.config, epoch)
        batches, sizes = epoch_batches(
            _size(self.train_set), cfg.batch_size, mix_seed(cfg.seed, epoch), dist.rank, dist.world_size
        )
        self.model.train()
        totals = torch.zeros(3, dtype=torch.float64)  # loss, correct, samples
        self._spikes.zero_()
        bar = self._bar(len(batches), f"epoch {epoch}/{cfg.epochs}")
        began = time.perf_counter()
        for step, ((x, y), global_size) in enumerate(
            zip(self._loader(self.train_set, batches), sizes, strict=True)
        ):
            x, y = self._to_device(x, y)
            output = self.model(x)
            loss = self.loss_fn(output, y)
            self.optimizer.zero_grad(set_to_none=True)
            (loss * (dist.world_size / global_size)).backward()  # DDP averages: the global per-sample mean
            self.optimizer.step()
            slayer.nn.clamp_delays(self.network)
            step_totals = dist.sum(
                torch.tensor([loss.item(), self._correct(output, y), len(x)], dtype=torch.float64)
            )
            if not math.isfinite(step_totals[0]):
                raise TrainingDiverged(
                    self._diverged(epoch, f"batch {step + 1}: the loss is {float(step_totals[0])}")
                )
            totals += step_totals
            elapsed = max(time.perf_counter() - began, 1e-9)
            postfix = {"loss": f"{totals[0] / totals[2]:.4g}"}
            if self.config.is_classifier:
                postfix["acc"] = f"{totals[1] / totals[2]:.3f}"
            postfix["spikes/s"] = f"{self._spikes.item() * dist.world_size / elapsed:.3g}"
            bar.set_postfix(postfix, refresh=False)
            bar.update()
        bar.close()
        spikes = float(dist.sum(self._spikes.detach().cpu().reshape(1))[0])
        samples = int(totals[2])
        accuracy = float(totals[1] / samples) if self.config.is_classifier else None
        return float(totals[0] / samples), accuracy, samples, spikes

    @torch.no_grad()
    def evaluate(self, keep: int = 0) -> tuple[Evaluation, list[tuple[torch.Tensor, torch.Tensor]]]:
        """Loss and accuracy on the test set (each process takes every P-th sample).

        Random encodings of the test set draw from generators seeded by ``(seed, rank)``, the same
        at every epoch and in ``slayer evaluate``, so test numbers are comparable across epochs.
        Returns the :class:`Evaluation` and the (output, target) pairs of the first ``keep`` samples.
        """
        _seed_all(mix_seed(self.config.training.seed, 0, self.dist.rank))  # epochs count from 1
        dist, batch_size = self.dist, self.config.training.batch_size
        mine = list(range(dist.rank, _size(self.test_set), dist.world_size))
        batches = [mine[i : i + batch_size] for i in range(0, len(mine), batch_size)]
        self.network.eval()
        totals = torch.zeros(4, dtype=torch.float64)  # loss, correct, samples, spikes
        self._spikes.zero_()
        kept: list[tuple[torch.Tensor, torch.Tensor]] = []
        began = time.perf_counter()
        bar = self._bar(len(batches), "test")
        for x, y in self._loader(self.test_set, batches):
            x, y = self._to_device(x, y)
            output = self.network(x)
            loss = self.loss_fn(output, y)
            totals += torch.tensor([loss.item(), self._correct(output, y), len(x), 0.0], dtype=torch.float64)
            kept += [(output[i].cpu(), y[i].cpu()) for i in range(min(keep - len(kept), len(x)))]
            bar.update()
        bar.close()
        totals[3] = float(self._spikes)
        totals = dist.sum(totals)
        samples = int(totals[2])
        accuracy = float(totals[1] / samples) if self.config.is_classifier else None
        seconds = time.perf_counter() - began
        return Evaluation(
            float(totals[0] / samples), accuracy, samples, int(totals[1]), float(totals[3]), seconds
        ), kept

    def _diverged(self, epoch: int, what: str) -> str:
        last = self.run_dir / CHECKPOINT
        where = (
            f"the last good checkpoint is {last} (epoch {epoch - 1})"
            if epoch > 1
            else "no checkpoint was written"
        )
        return (
            f"training diverged in epoch {epoch}, at {what}; {where}. "
            f"Lower training.optimizer.lr, or check the data and the neuron's theta/wScale"
        )

    # ------------------------------------------------------------------ run
    def _state(self, epoch: int) -> dict[str, Any]:
        return {
            "epoch": epoch,
            "model": self.network.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "history": self.history.to_state(),
            "config": self.config.text,
        }

    def _resume(self) -> int:
        path = self.run_dir / CHECKPOINT
        if not path.exists():
            self.log(f"no checkpoint in {self.run_dir} yet: starting from epoch 1")
            return 0
        state = load_checkpoint(path, self.device)
        self.network.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.history = History.from_state(state["history"])
        self.log(f"resuming {path} after epoch {state['epoch']}")
        return int(state["epoch"])

    def _epoch_line(self, row: EpochStats) -> str:
        best = self.history.best
        acc = "" if row.train_accuracy is None else f" acc {row.train_accuracy:.4f}"
        test_acc = "" if row.test_accuracy is None else f" acc {row.test_accuracy:.4f}"
        best_text = "" if best is None else f" | best epoch {best.epoch}"
        return (
            f"epoch {row.epoch:3d}/{self.config.training.epochs}: train loss {row.train_loss:.4g}{acc} | "
            f"test loss {row.test_loss:.4g}{test_acc} | {row.seconds:.1f} s, "
            f"{row.samples_per_s:.0f} samples/s, {row.spikes_per_s:.3g} spikes/s{best_text}"
        )

    def _write_outputs(self, epoch: int, kept: list[tuple[torch.Tensor, torch.Tensor]]) -> None:
        state = self._state(epoch)
        save_checkpoint(self.run_dir / CHECKPOINT, state)
        if self.history.best is self.history.rows[-1]:
            save_checkpoint(self.run_dir / BEST, state)
        self.history.write_csv(self.run_dir / STATS)
        if not self.config.plots:
            return
        from slayer.train import plots

        try:
            plots.plot_learning_curves(self.history, self.run_dir / CURVES)
            outputs = torch.stack([o.reshape(-1, o.shape[-1]) for o, _ in kept])
            if self.config.is_classifier:
                titles = [f"label {int(y)}, predicted {int(slayer.predict(o[None]))}" for o, y in kept]
                plots.plot_raster(outputs, self.config.sim.ts, self.run_dir / RASTER, titles)
            else:
                targets = torch.stack([y.reshape(-1, y.shape[-1]) for _, y in kept])
                plots.plot_raster(
                    outputs,
                    self.config.sim.ts,
                    self.run_dir / RASTER,
                    ["output (target in grey)"] * len(kept),
                    targets,
                )
        except plots.PlotsUnavailable as exc:
            if epoch == self.history.rows[0].epoch:
                self.log(f"note: no plots: {exc}")

    def fit(self, resume: bool = False) -> TrainResult:
        """Train for ``training.epochs`` epochs (continuing from ``checkpoint.pt`` when ``resume``)."""
        cfg = self.config.training
        if self.dist.is_main:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(self.run_dir / CONFIG, self.config.text.encode())
        self.log(summary(self.config, self.network))
        done = self._resume() if resume else 0
        self.log(
            f"training on {_size(self.train_set)} samples, testing on {_size(self.test_set)}, "
            f"{self.dist.world_size} process(es) on {self.device}, batch {cfg.batch_size}, "
            f"into {self.run_dir}"
        )
        for epoch in range(done + 1, cfg.epochs + 1):
            began = time.perf_counter()
            loss, accuracy, samples, spikes = self.train_epoch(epoch)
            train_seconds = time.perf_counter() - began
            evaluation, kept = self.evaluate(keep=4 if self.dist.is_main else 0)
            if not all(torch.isfinite(p).all() for p in self.network.parameters()):
                raise TrainingDiverged(self._diverged(epoch, "the end: a parameter is NaN or infinite"))
            row = EpochStats(
                epoch,
                loss,
                accuracy,
                evaluation.loss,
                evaluation.accuracy,
                train_seconds,
                samples / train_seconds,
                spikes / train_seconds,
            )
            self.history.rows.append(row)
            if spikes == 0:
                self.log(
                    f"warning: no layer spiked in epoch {epoch}: "
                    "raise wScale, lower theta, or check the input"
                )
            if self.dist.is_main:
                self._write_outputs(epoch, kept)
            self.log(self._epoch_line(row))
        self.dist.barrier()
        plots = tuple(path for path in (self.run_dir / CURVES, self.run_dir / RASTER) if path.exists())
        return TrainResult(self.run_dir, self.history, self.run_dir / CHECKPOINT, self.run_dir / BEST, plots)
