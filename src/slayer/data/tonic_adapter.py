"""Any Tonic data set (events as numpy structured arrays) as ``(spikes, label)`` tensors."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from slayer.data._events import EventTransform
from slayer.data.transforms import output_size
from slayer.io import Event, random_shift
from slayer.io.binning import Mode
from slayer.params import Simulation

__all__ = ["Tonic"]


class Tonic(Dataset[tuple[torch.Tensor, int]]):
    """Wrap a Tonic data set: its events are binned on our grid, its targets become ``int`` labels.

    Parameters
    ----------
    dataset
        A Tonic data set (or anything alike): ``dataset.sensor_size == (W, H, P)`` and items
        ``(events, target)`` with ``events`` a structured array with fields ``x``, ``t``, ``p`` (and
        ``y`` for 2-D sensors), ``t`` in µs. Leave out Tonic's ``ToFrame``: we bin.
    sim : Simulation
        The grid.
    transform : callable, optional
        ``Event -> Event`` after conversion (see :mod:`slayer.data.transforms`); Tonic's own
        transforms go on the Tonic data set.
    mode, random_shift
        As for :class:`~slayer.data.NMNIST`.
    time_unit : float
        Seconds per unit of the events' ``t`` (Tonic: 1e-6).

    2-D sensors give ``(P, H, W, T)``; 1-D sensors (``H == 1`` and no ``y`` field, e.g. SHD) give
    ``(P * W, T)``, channel ``p * W + x``.
    """

    def __init__(
        self,
        dataset: Any,
        sim: Simulation,
        transform: EventTransform | None = None,
        mode: Mode = "or",
        random_shift: bool = False,
        time_unit: float = 1e-6,
    ) -> None:
        size = tuple(int(v) for v in getattr(dataset, "sensor_size", ()))
        if len(size) != 3:
            raise ValueError(f"the data set needs sensor_size = (W, H, P), got {size or None}")
        self.dataset, self.sim, self.transform = dataset, sim, transform
        self.mode, self.random_shift, self.time_unit = mode, random_shift, time_unit
        self.width, self.height, self.polarities = size

    def __len__(self) -> int:
        return len(self.dataset)

    def _event(self, events: Any, index: int) -> Event:
        names = getattr(getattr(events, "dtype", None), "names", None) or ()
        if not {"x", "t", "p"} <= set(names):
            raise TypeError(
                f"item {index} of the Tonic data set is not an event array with fields x, t, p "
                f"(got {type(events).__name__} with fields {names}); remove Tonic's ToFrame-like transforms"
            )
        y = events["y"] if "y" in names else None
        return Event(
            events["x"], y, events["p"], np.asarray(events["t"], np.float64) * (self.time_unit * 1000.0)
        )

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        events, target = self.dataset[index]
        event = self._event(events, index)
        if self.transform is not None:
            event = self.transform(event)
        shift = random_shift(event, self.sim) if self.random_shift else 0
        if event.y is None:
            spikes = event.to_tensor(self.sim, (self.polarities, self.width), mode=self.mode, shift=shift)
            spikes = spikes.reshape(self.polarities * self.width, -1)
        else:
            shape = (self.polarities, *output_size(self.transform, (self.height, self.width)))
            spikes = event.to_tensor(self.sim, shape, mode=self.mode, shift=shift)
        return spikes, int(target)
