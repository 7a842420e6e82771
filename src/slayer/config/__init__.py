"""Configuration files: the reference SLAYER YAML (SPEC §8) and our own sections, parsed once.

>>> cfg = slayer.config.load_config("examples/nmnist_mlp.yaml")
>>> cfg.layers[1].shape, cfg.training.loss
((512,), CountLoss(t_start=0.0, t_stop=300.0, true_count=60.0, false_count=10.0))

See ``docs/training.md`` for every key.
"""

from importlib import resources
from pathlib import Path

from slayer.config._reader import ConfigError
from slayer.config.layers import ConvLayer, DenseLayer, InputLayer, LayerSpec, PoolLayer
from slayer.config.loader import load_config, merge, parse_config, with_section
from slayer.config.schema import (
    Config,
    CountLoss,
    DataConfig,
    LossSpec,
    OptimizerConfig,
    TimeLoss,
    TrainingConfig,
)

__all__ = [
    "Config",
    "ConfigError",
    "ConvLayer",
    "CountLoss",
    "DataConfig",
    "DenseLayer",
    "InputLayer",
    "LayerSpec",
    "LossSpec",
    "OptimizerConfig",
    "PoolLayer",
    "TimeLoss",
    "TrainingConfig",
    "default_config_path",
    "load_config",
    "merge",
    "parse_config",
    "with_section",
]


def default_config_path() -> Path:
    """The built-in default: a small network on scikit-learn's embedded digits (``slayer train``)."""
    return Path(str(resources.files("slayer.config") / "digits.yaml"))
