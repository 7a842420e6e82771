"""Training from a configuration: network builder, trainer, checkpoints, statistics, plots, DDP.

>>> config = slayer.config.load_config("examples/nmnist_mlp.yaml")
>>> result = slayer.train.train(config)          # or: slayer train examples/nmnist_mlp.yaml
>>> result.final.test_accuracy, result.checkpoint

See ``docs/training.md``.
"""

from slayer.train.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from slayer.train.datasets import DatasetError, SyntheticSpikes, build_dataset, register
from slayer.train.distributed import Distributed
from slayer.train.network import build_network, count_parameters, summary
from slayer.train.run import RunExists, evaluate_checkpoint, free_run_dir, train
from slayer.train.stats import EpochStats, History
from slayer.train.trainer import Evaluation, Trainer, TrainingDiverged, TrainResult, make_loss

__all__ = [
    "CheckpointError",
    "DatasetError",
    "Distributed",
    "EpochStats",
    "Evaluation",
    "History",
    "RunExists",
    "SyntheticSpikes",
    "TrainResult",
    "Trainer",
    "TrainingDiverged",
    "build_dataset",
    "build_network",
    "count_parameters",
    "evaluate_checkpoint",
    "free_run_dir",
    "load_checkpoint",
    "make_loss",
    "register",
    "save_checkpoint",
    "summary",
    "train",
]
