"""The parsed configuration: frozen dataclasses, built once from YAML by :func:`slayer.config.load_config`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slayer.config.layers import LayerSpec
from slayer.params import SRM, Simulation

__all__ = ["Config", "CountLoss", "DataConfig", "LossSpec", "OptimizerConfig", "TimeLoss", "TrainingConfig"]


@dataclass(frozen=True)
class CountLoss:
    """The spike-count loss (reference ``NumSpikes``): target counts over ``[t_start, t_stop)`` ms."""

    t_start: float
    t_stop: float
    true_count: float
    false_count: float


@dataclass(frozen=True)
class TimeLoss:
    """The spike-time loss (reference ``SpikeTime``): the data set yields target spike trains."""


LossSpec = CountLoss | TimeLoss


@dataclass(frozen=True)
class OptimizerConfig:
    """``training.optimizer``: one of ``adam``, ``nadam``, ``sgd`` and its settings.

    ``schedule`` is ``constant`` or ``cosine``: in epoch ``e`` of ``E`` the learning rate is
    ``lr * (1 + cos(pi * (e - 1) / E)) / 2``.
    """

    name: str = "adam"
    lr: float = 0.01
    weight_decay: float = 0.0
    amsgrad: bool = True
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    momentum: float = 0.0
    schedule: str = "constant"


@dataclass(frozen=True)
class DataConfig:
    """``data``: a registered data set, its folder and constructor options, optional subsets.

    ``train_options`` and ``test_options`` are merged over ``options`` for one split only
    (e.g. augmentation for the training set).
    """

    name: str
    root: Path | None = None
    options: tuple[tuple[str, Any], ...] = ()
    train_options: tuple[tuple[str, Any], ...] = ()
    test_options: tuple[tuple[str, Any], ...] = ()
    train_samples: int | None = None
    test_samples: int | None = None

    def kwargs(self, train: bool) -> dict[str, Any]:
        """The constructor options of the training (``train``) or test split as keyword arguments."""
        return {**dict(self.options), **dict(self.train_options if train else self.test_options)}


@dataclass(frozen=True)
class TrainingConfig:
    """``training``: the loss, the optimiser and the loop settings."""

    loss: LossSpec
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    epochs: int = 100
    batch_size: int = 12
    seed: int = 0
    num_workers: int = 0
    device: str = "auto"
    backend: str = "auto"
    dtype: str = "float32"


@dataclass(frozen=True)
class Config:
    """A whole configuration file, checked.

    Attributes
    ----------
    source : str
        The file it came from (named in every error).
    sim, neuron
        ``simulation`` and ``neuron`` as :class:`~slayer.Simulation` and :class:`~slayer.SRM`.
    layers
        The layer list with inferred output shapes; ``layers[0]`` is the input.
    training, data
        Loss, optimiser and loop; the data set (None when the file names none).
    output_dir : Path or None
        Where runs go (None: ``runs/<file stem>``).
    plots : bool
        Whether to draw PNG plots.
    text : str
        The normalised YAML of this configuration (paths resolved), stored in every run folder.
    notes : tuple of str
        Keys that were accepted for compatibility but are not used.
    """

    source: str
    sim: Simulation
    neuron: SRM
    layers: tuple[LayerSpec, ...]
    training: TrainingConfig
    data: DataConfig | None
    output_dir: Path | None
    plots: bool
    text: str
    notes: tuple[str, ...] = ()

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The neuron shape of the input, ``(C,)`` or ``(C, H, W)``."""
        return self.layers[0].shape

    @property
    def output_shape(self) -> tuple[int, ...]:
        """The neuron shape of the last layer."""
        return self.layers[-1].shape

    @property
    def is_classifier(self) -> bool:
        """True for the spike-count loss (labels are class indices)."""
        return isinstance(self.training.loss, CountLoss)
