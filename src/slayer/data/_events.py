"""Shared parts of the event datasets: list-file parsing and events -> spike tensor."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
from torch.utils.data import Dataset

from slayer.data.transforms import output_size
from slayer.io import Event, random_shift
from slayer.io.binning import Mode
from slayer.params import Simulation

EventTransform = Callable[[Event], Event]


def read_table(
    path: Path, columns: int, sep: str | None = None, header: bool = False
) -> list[tuple[int, list[int]]]:
    """Integer rows of a small text table as ``(line number, values)``; clear errors with file:line.

    Blank lines and ``#`` comments are skipped, and the first line when ``header``.
    """
    rows = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#") or (header and number == 1):
            continue
        fields = text.split(sep)
        try:
            values = [int(field) for field in fields]
        except ValueError:
            values = []
        if len(values) != columns:
            raise ValueError(f"{path}, line {number}: expected {columns} integers, got {line!r}")
        rows.append((number, values))
    return rows


class EventDataset(Dataset[tuple[torch.Tensor, int]]):
    """Events -> (optional transform) -> optional random shift -> spike tensor ``(C, H, W, T)``."""

    channels: int
    sensor: tuple[int, int]

    def __init__(
        self, sim: Simulation, transform: EventTransform | None, mode: Mode, random_shift: bool
    ) -> None:
        self.sim, self.transform, self.mode, self.random_shift = sim, transform, mode, random_shift

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(C, H, W)`` of the samples, after the transform's change of sensor size."""
        return (self.channels, *output_size(self.transform, self.sensor))

    def to_spikes(self, event: Event) -> torch.Tensor:
        if self.transform is not None:
            event = self.transform(event)
        shift = random_shift(event, self.sim) if self.random_shift else 0
        return event.to_tensor(self.sim, self.shape, mode=self.mode, shift=shift)
