"""Support for the training tests (no tests here): small configurations on synthetic data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
import yaml

from slayer.config import Config, merge, parse_config


def raw_config(**overlay: Any) -> dict[str, Any]:
    """A tiny classifier (8x8x1-16-3o, T = 20) on the synthetic data set, as a YAML mapping."""
    raw: dict[str, Any] = {
        "simulation": {"Ts": 1.0, "tSample": 20},
        "neuron": {"type": "SRMALPHA", "theta": 10, "tauSr": 10.0, "tauRef": 1.0},
        "layer": [{"dim": "8x8x1"}, {"dim": 16}, {"dim": "3o"}],
        "training": {
            "error": {
                "type": "NumSpikes",
                "tgtSpikeRegion": {"start": 0, "stop": 20},
                "tgtSpikeCount": {True: 6, False: 1},
            },
            "optimizer": {"name": "adam", "lr": 0.05},
            "epochs": 3,
            "batch_size": 6,
            "seed": 0,
        },
        "data": {
            "name": "synthetic",
            "options": {"shape": [1, 8, 8], "classes": 3, "rate": 0.3},
            "train_samples": 60,
            "test_samples": 30,
        },
        "output": {"plots": False},
    }
    return merge(raw, overlay)


SPIKE_TIME = {"type": "SpikeTime"}


def config(
    error: dict[str, Any] | None = None, data_section: dict[str, Any] | None = None, **overlay: Any
) -> Config:
    """:func:`raw_config`, parsed; ``error`` and ``data_section`` replace those sections whole."""
    raw = raw_config(**overlay)
    if error is not None:
        raw["training"]["error"] = error
    if data_section is not None:
        raw["data"] = data_section
    return parse_config(raw, "test.yaml")


def write_config(path: Path, **overlay: Any) -> Path:
    path.write_text(yaml.safe_dump(raw_config(**overlay)))
    return path


def weights(path: Path) -> dict[str, torch.Tensor]:
    return torch.load(path, weights_only=True)["model"]
