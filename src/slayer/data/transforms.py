"""Event transforms (``Event -> Event``), vectorised: translation, spatial jitter, crop, downsample, denoise.

A transform that changes the sensor size has a ``size(hw) -> hw`` method, which the event datasets
use to shape their tensors. The random time shift works in bins, at binning time: see the
``random_shift`` option of the event datasets and :func:`slayer.io.random_shift`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
import torch

from slayer.io import Event

__all__ = ["Compose", "Crop", "Denoise", "Downsample", "RandomTranslate", "SpatialJitter", "output_size"]

Size = tuple[int, int]


def output_size(transform: Callable[[Event], Event] | None, hw: Size) -> Size:
    """The sensor size ``(H, W)`` after ``transform`` (unchanged unless it has a ``size`` method)."""
    size = getattr(transform, "size", None)
    return hw if size is None else size(hw)


def _need_2d(event: Event, what: str) -> np.ndarray:
    if event.y is None:
        raise ValueError(f"{what} needs 2-D events (with y)")
    return event.y


class Compose:
    """Apply transforms in order."""

    def __init__(self, *transforms: Callable[[Event], Event]) -> None:
        self.transforms = transforms

    def __call__(self, event: Event) -> Event:
        for transform in self.transforms:
            event = transform(event)
        return event

    def size(self, hw: Size) -> Size:
        for transform in self.transforms:
            hw = output_size(transform, hw)
        return hw

    def __repr__(self) -> str:
        return f"Compose({', '.join(map(repr, self.transforms))})"


class RandomTranslate:
    """Move the whole sample by one random whole-pixel offset (the usual N-MNIST augmentation).

    ``x' = x + dx``, ``y' = y + dy`` for every event, with ``dx`` and ``dy`` drawn independently and
    uniformly from the integers in ``[-max_shift, max_shift]`` once per call; events pushed off the
    sensor are dropped when binned. Uses ``generator`` (or torch's global generator, seeded per
    DataLoader worker). Compare :class:`SpatialJitter`, which moves each event on its own.
    """

    def __init__(self, max_shift: int = 2, generator: torch.Generator | None = None) -> None:
        if isinstance(max_shift, bool) or not isinstance(max_shift, int) or max_shift < 0:
            raise ValueError(f"max_shift must be a whole number of pixels >= 0, got {max_shift!r}")
        self.max_shift, self.generator = max_shift, generator

    def __call__(self, event: Event) -> Event:
        y = _need_2d(event, "RandomTranslate")
        k = self.max_shift
        dx, dy = torch.randint(-k, k + 1, (2,), generator=self.generator).tolist()
        return Event(event.x + dx, y + dy, event.p, event.t)

    def __repr__(self) -> str:
        return f"RandomTranslate(max_shift={self.max_shift})"


class SpatialJitter:
    """Move each event by an independent Gaussian offset rounded to whole pixels.

    ``x' = x + round(N(0, std))``, ``y' = y + round(N(0, std))``; events pushed off the sensor are
    dropped when binned. Uses ``generator`` (or torch's global generator, seeded per DataLoader worker).
    """

    def __init__(self, std: float = 1.0, generator: torch.Generator | None = None) -> None:
        if std < 0:
            raise ValueError(f"std must be >= 0, got {std}")
        self.std, self.generator = std, generator

    def __call__(self, event: Event) -> Event:
        y = _need_2d(event, "SpatialJitter")
        noise = torch.randn((2, len(event)), generator=self.generator, dtype=torch.float64) * self.std
        dx, dy = np.rint(noise.numpy()).astype(np.int64)
        return Event(event.x + dx, y + dy, event.p, event.t)

    def __repr__(self) -> str:
        return f"SpatialJitter(std={self.std})"


class Crop:
    """Keep the events inside a ``height x width`` box at ``(top, left)``; coordinates become box-relative."""

    def __init__(self, top: int, left: int, height: int, width: int) -> None:
        if min(top, left) < 0 or min(height, width) <= 0:
            raise ValueError(
                f"Crop box must have top, left >= 0 and positive size, got {(top, left, height, width)}"
            )
        self.top, self.left, self.height, self.width = top, left, height, width

    def __call__(self, event: Event) -> Event:
        y = _need_2d(event, "Crop") - self.top
        x = event.x - self.left
        inside = (x >= 0) & (x < self.width) & (y >= 0) & (y < self.height)
        return Event(x[inside], y[inside], event.p[inside], event.t[inside])

    def size(self, hw: Size) -> Size:
        return (self.height, self.width)

    def __repr__(self) -> str:
        return f"Crop(top={self.top}, left={self.left}, height={self.height}, width={self.width})"


class Downsample:
    """Merge ``factor x factor`` pixels into one: ``x' = x // factor`` (and ``y``); 1-D events too.

    The sensor size becomes ``ceil(H / factor) x ceil(W / factor)``. Bin with ``mode="sum"`` to count
    the merged events, with ``mode="or"`` to keep one spike per place and bin.
    """

    def __init__(self, factor: int) -> None:
        if factor < 1:
            raise ValueError(f"factor must be >= 1, got {factor}")
        self.factor = factor

    def __call__(self, event: Event) -> Event:
        y = None if event.y is None else event.y // self.factor
        return Event(event.x // self.factor, y, event.p, event.t)

    def size(self, hw: Size) -> Size:
        return (-(-hw[0] // self.factor), -(-hw[1] // self.factor))

    def __repr__(self) -> str:
        return f"Downsample({self.factor})"


class Denoise:
    """Background-activity filter: keep an event only if a neighbouring pixel fired shortly before.

    Event ``i`` is kept when some event ``j`` at one of the ``neighbourhood`` (4 or 8) adjacent
    pixels, of any polarity, has ``t_i - window < t_j <= t_i``. The result does not depend on the
    order of events with equal times (Tonic's loop does). Vectorised: one sort and one
    ``searchsorted`` per neighbour offset.
    """

    def __init__(self, window: float = 10.0, neighbourhood: Literal[4, 8] = 8) -> None:
        if window <= 0 or neighbourhood not in (4, 8):
            raise ValueError(f"need window > 0 ms and neighbourhood 4 or 8, got {window}, {neighbourhood}")
        self.window, self.neighbourhood = window, neighbourhood

    def __call__(self, event: Event) -> Event:
        y = _need_2d(event, "Denoise")
        if not len(event):
            return event
        width = int(event.x.max() - event.x.min()) + 3
        pixel = (y - y.min() + 1) * width + (event.x - event.x.min() + 1)
        times, rank = np.unique(event.t, return_inverse=True)
        scale = times.size + 1
        key = np.sort(pixel * scale + rank)
        keep = np.zeros(len(event), dtype=bool)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                if (dx, dy) == (0, 0) or (self.neighbourhood == 4 and dx and dy):
                    continue
                target = pixel + dy * width + dx
                pos = np.searchsorted(key, target * scale + rank, side="right") - 1
                found = key[np.maximum(pos, 0)]
                same = (pos >= 0) & (found // scale == target)
                keep |= same & (event.t - times[found % scale] < self.window)
        return event.select(keep)

    def __repr__(self) -> str:
        return f"Denoise(window={self.window}, neighbourhood={self.neighbourhood})"
