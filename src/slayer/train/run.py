"""Entry points over :class:`~slayer.train.Trainer`: start or resume a run, evaluate a checkpoint."""

from __future__ import annotations

from pathlib import Path

import torch
import torch.distributed as torch_dist
import yaml

from slayer import backends
from slayer.config import Config, ConfigError, parse_config
from slayer.train.checkpoint import load_checkpoint
from slayer.train.distributed import Distributed
from slayer.train.trainer import CONFIG, Evaluation, Log, Trainer, TrainResult

__all__ = ["RunExists", "evaluate_checkpoint", "free_run_dir", "train"]


class RunExists(FileExistsError):
    """The chosen output folder already holds a run."""


def _holds_run(path: Path) -> bool:
    return (path / CONFIG).exists()


def free_run_dir(base: Path) -> Path:
    """``base`` if it holds no run, else the first free ``base-2``, ``base-3``, ..."""
    candidate, n = base, 1
    while _holds_run(candidate):
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def train(
    config: Config,
    run_dir: Path | None = None,
    resume: bool = False,
    progress: bool = True,
    log: Log = print,
) -> TrainResult:
    """Train ``config``'s network; one process, or one of several under ``torchrun``.

    Parameters
    ----------
    config : Config
        The checked configuration.
    run_dir : Path, optional
        The output folder. Given, it must not hold a run unless ``resume``; not given, it is
        ``config.output_dir`` (``runs/run`` when None), moved on to ``-2``, ``-3``, ...
        when that holds a run already.
    resume : bool
        Continue the run in ``run_dir`` from its last checkpoint.
    """
    if resume and run_dir is None:
        raise ValueError("resume needs the run folder")
    if run_dir is not None and not resume and _holds_run(run_dir):
        raise RunExists(
            f"{run_dir} already holds a run: continue it with `slayer train --resume {run_dir}` "
            f"or choose another folder with --out"
        )
    dist = Distributed.from_env()
    device = dist.device(config.training.device)
    dist.start(device)
    try:
        if run_dir is None:
            base = config.output_dir or Path("runs") / "run"
            chosen = [str(free_run_dir(base.resolve()))] if dist.is_main else [""]
            if dist.enabled:
                torch_dist.broadcast_object_list(chosen, src=0)
            run_dir = Path(chosen[0])
        trainer = Trainer(config, run_dir, dist, device, progress, log)
        with backends.use(config.training.backend):
            return trainer.fit(resume)
    finally:
        dist.stop()


def evaluate_checkpoint(
    path: Path, device: str = "auto", progress: bool = True, log: Log = print
) -> tuple[Config, Evaluation]:
    """Rebuild the network stored in checkpoint ``path`` and evaluate it on its configuration's test set."""
    state = load_checkpoint(path, "cpu")
    config = parse_config(yaml.safe_load(state["config"]), f"{path} (stored configuration)")
    trainer = Trainer(config, path.parent, device=Distributed().device(device), progress=progress, log=log)
    try:
        trainer.network.load_state_dict(state["model"])
    except RuntimeError as exc:
        raise ConfigError(f"{path}: the stored weights do not fit the stored network: {exc}") from None
    with backends.use(config.training.backend), torch.no_grad():
        evaluation, _ = trainer.evaluate()
    return config, evaluation
