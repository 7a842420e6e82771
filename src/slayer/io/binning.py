"""Events ⇄ spike tensors on the simulation grid (SPEC §7), vectorised with numpy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import torch

from slayer.params import Simulation

if TYPE_CHECKING:
    from slayer.io.events import Event

__all__ = ["Mode", "bin_events", "random_shift", "spikes_to_events"]

Mode = Literal["or", "sum"]


def _check_shape(event: Event, shape: Sequence[int]) -> tuple[int, ...]:
    dims = tuple(int(s) for s in shape)
    if len(dims) not in (event.dim, event.dim + 1) or any(s <= 0 for s in dims):
        expected = "(C, X) or (X,)" if event.dim == 1 else "(C, H, W) or (H, W)"
        raise ValueError(f"shape for {event.dim}-D events must be {expected} of positive sizes, got {shape}")
    return dims


def bin_events(
    event: Event, sim: Simulation, shape: Sequence[int], mode: Mode = "or", shift: int = 0
) -> torch.Tensor:
    """Bin events into a time-last spike tensor (see :meth:`Event.to_tensor`)."""
    if mode not in ("or", "sum"):
        raise ValueError(f"mode must be 'or' or 'sum', got {mode!r}")
    dims = _check_shape(event, shape)
    steps = sim.steps
    bins_f = event.t / sim.ts
    np.rint(bins_f, out=bins_f)
    bins = bins_f.astype(np.int64)
    if shift:
        bins += int(shift)
    coords = [event.x] if event.y is None else [event.y, event.x]
    if len(dims) == event.dim + 1:
        coords.insert(0, event.p)
    coords.append(bins)
    sizes = (*dims, steps)
    valid: np.ndarray | None = None
    index = coords[0].copy()
    for k, (values, size) in enumerate(zip(coords, sizes, strict=True)):
        if k:
            index *= size
            index += values
        if len(values) and (values.min() < 0 or values.max() >= size):
            inside = values.view(np.uint64) < size  # negative values wrap to huge ones
            valid = inside if valid is None else valid & inside
    if valid is not None:
        index = index[valid]
    amplitude = np.float32(sim.spike)
    out = np.zeros(int(np.prod(sizes)), dtype=np.float32)  # calloc: pages without events stay untouched
    if mode == "or":
        out[index] = amplitude
    else:
        np.add.at(out, index, np.float32(1))
        if amplitude != 1:
            out[index] = out[index] * amplitude  # duplicates write the same count * amplitude
    return torch.from_numpy(out.reshape(sizes))


def spikes_to_events(spikes: torch.Tensor | np.ndarray, ts: float) -> Event:
    """Events of a spike tensor (see :meth:`Event.from_tensor`)."""
    from slayer.io.events import Event

    array = spikes.detach().cpu().numpy() if isinstance(spikes, torch.Tensor) else np.asarray(spikes)
    if array.ndim not in (2, 3, 4):
        raise ValueError(f"spikes must be (X, T), (C, X, T) or (C, H, W, T), got shape {array.shape}")
    counts_f = np.asarray(array, dtype=np.float64) * ts
    counts = np.rint(counts_f)
    if np.any(counts < 0) or np.any(np.abs(counts_f - counts) > 1e-3):
        raise ValueError(f"spike tensor values must be whole multiples of 1/Ts = {1 / ts:g} (Ts = {ts} ms)")
    where = np.nonzero(counts)
    repeat = counts[where].astype(np.int64)
    fields = [np.repeat(axis, repeat) for axis in where]
    t = fields[-1] * float(ts)
    if array.ndim == 2:
        event = Event(fields[0], None, np.zeros_like(fields[0]), t)
    elif array.ndim == 3:
        event = Event(fields[1], None, fields[0], t)
    else:
        event = Event(fields[2], fields[1], fields[0], t)
    return event.sorted()


def random_shift(event: Event, sim: Simulation, generator: torch.Generator | None = None) -> int:
    """A random shift in bins for :meth:`Event.to_tensor`'s ``shift`` (augmentation).

    With ``b`` the events' bins, the shift ``k`` is drawn uniformly from the integers in
    ``[-min b, T - 1 - max b]``, so every event stays inside the ``T`` bins. A sample longer than
    ``T`` bins gives an empty range; ``k`` is then drawn from ``[T - 1 - max b, -min b]``: the window
    of ``T`` bins slides over the sample and the events outside it are dropped.
    """
    if not len(event):
        return 0
    bins = np.rint(event.t / sim.ts)
    low, high = -int(bins.min()), sim.steps - 1 - int(bins.max())
    low, high = min(low, high), max(low, high)
    return int(torch.randint(low, high + 1, (1,), generator=generator).item())
