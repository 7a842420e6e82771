"""DVS128 Gesture (Amir et al. 2017) from its original layout: AEDAT 3.1 recordings + label CSVs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from slayer.data._events import EventDataset, EventTransform, read_table
from slayer.io import Event
from slayer.io.aedat import aedat31_arrays
from slayer.io.binning import Mode
from slayer.params import Simulation

__all__ = ["DVSGesture"]


class DVSGesture(EventDataset):
    """One sample per labelled gesture, ``(2, 128, 128, T)`` (or smaller after a size-changing transform).

    Parameters
    ----------
    root : str or Path
        The ``DvsGesture`` folder: ``trials_to_train.txt`` and ``trials_to_test.txt`` list the
        recordings (``userNN_<lighting>.aedat``, AEDAT 3.1), each with its
        ``userNN_<lighting>_labels.csv`` of ``class,startTime_usec,endTime_usec`` rows (classes 1–11).
    train : bool
        Recordings of ``trials_to_train.txt`` or of ``trials_to_test.txt``.
    sim : Simulation
        The grid; a sample starts at its gesture's start time and keeps ``sim.t_sample`` ms of it
        (the gestures last about 6 s; SLAYER's example used the first 1.45 s).
    transform : callable, optional
        ``Event -> Event`` before binning, e.g. ``Downsample(4)`` for ``(2, 32, 32, T)``.
    mode, random_shift
        As for :class:`~slayer.data.NMNIST`.

    Labels are ``class - 1`` (0–10). A sample holds the events with ``start <= t < end`` (device
    clock, µs), timed from ``start``. Decoded recordings are kept one at a time, so reading the
    samples in order decodes each file once.
    """

    channels = 2
    sensor = (128, 128)

    def __init__(
        self,
        root: str | Path,
        train: bool = True,
        sim: Simulation = Simulation(1.0, 1450.0),  # noqa: B008 (frozen dataclass)
        transform: EventTransform | None = None,
        mode: Mode = "or",
        random_shift: bool = False,
    ) -> None:
        super().__init__(sim, transform, mode, random_shift)
        self.root = Path(root)
        listing = self.root / ("trials_to_train.txt" if train else "trials_to_test.txt")
        if not listing.is_file():
            raise FileNotFoundError(f"{listing} not found: root must be the original DvsGesture folder")
        self.recordings: list[Path] = []
        self.samples: list[tuple[int, int, int, int]] = []  # recording, label, start µs, end µs
        for number, line in enumerate(listing.read_text().splitlines(), start=1):
            name = line.strip()
            if not name:
                continue
            recording = self.root / name
            if not recording.is_file():
                raise FileNotFoundError(
                    f"{listing}, line {number}: names {name}, but {recording} does not exist"
                )
            labels = recording.with_name(recording.stem + "_labels.csv")
            if not labels.is_file():
                raise FileNotFoundError(f"{recording}: its label file {labels} does not exist")
            self.recordings.append(recording)
            for row, (label, start, end) in read_table(labels, 3, sep=",", header=True):
                if not 1 <= label <= 11 or start >= end:
                    raise ValueError(
                        f"{labels}, line {row}: need class 1..11 and start < end, got {label}, {start}, {end}"
                    )
                self.samples.append((len(self.recordings) - 1, label - 1, start, end))
        self._cached: tuple[int, tuple[np.ndarray, ...]] | None = None

    @property
    def labels(self) -> list[int]:
        return [label for _, label, _, _ in self.samples]

    def __len__(self) -> int:
        return len(self.samples)

    def _arrays(self, recording: int) -> tuple[np.ndarray, ...]:
        if self._cached is None or self._cached[0] != recording:
            x, y, p, t_us, _ = aedat31_arrays(self.recordings[recording])
            self._cached = (recording, (x, y, p, t_us))
        return self._cached[1]

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        recording, label, start, end = self.samples[index]
        x, y, p, t_us = self._arrays(recording)
        inside = (t_us >= start) & (t_us < end)
        event = Event(x[inside], y[inside], p[inside], (t_us[inside] - start) / 1000.0)
        return self.to_spikes(event), label
