"""Checkpoints: everything needed to resume a run, written atomically.

A checkpoint is a :func:`torch.save` dictionary: the model and optimiser state, the number of
completed epochs, the learning statistics and the configuration text (so a checkpoint alone is
enough for ``slayer evaluate``).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import torch

from slayer.train.stats import atomic_write_bytes

__all__ = ["FORMAT", "CheckpointError", "load_checkpoint", "save_checkpoint"]

FORMAT = "slayer-checkpoint-1"


class CheckpointError(RuntimeError):
    """A checkpoint cannot be read or is not a slayer checkpoint."""


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write ``state`` (plus the format tag) to ``path`` atomically: a temporary file, then ``os.replace``."""
    buffer = io.BytesIO()
    torch.save({"format": FORMAT, **state}, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def load_checkpoint(path: Path, device: torch.device | str = "cpu") -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint`, tensors mapped onto ``device``."""
    try:
        state = torch.load(path, map_location=device, weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no such checkpoint") from None
    except Exception as exc:  # torch raises many types for a damaged file
        raise CheckpointError(f"{path}: not a readable checkpoint ({type(exc).__name__}: {exc})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a slayer checkpoint (expected format {FORMAT})")
    return state
