"""The :class:`Event` type: a set of address events with times in milliseconds (SPEC §7)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from slayer.io import binning
from slayer.params import Simulation

__all__ = ["Event", "EventFileError"]


class EventFileError(ValueError):
    """An event file that cannot be read or written as asked.

    The message names the file and, where it applies, the byte offset of the problem.
    """

    def __init__(self, path: str | Path, message: str, offset: int | None = None) -> None:
        self.path = str(path)
        self.offset = offset
        where = f"{self.path}" if offset is None else f"{self.path} (byte offset {offset})"
        super().__init__(f"{where}: {message}")


def _integer_field(name: str, values: object, n: int | None) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"Event.{name} must be a 1-D array, got shape {array.shape}")
    if n is not None and array.shape[0] != n:
        raise ValueError(f"Event.{name} has {array.shape[0]} values but Event.t has {n}")
    if array.dtype.kind == "b":
        return array.astype(np.int64)
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)) or np.any(array != np.round(array)):
            bad = int(np.flatnonzero(~np.isfinite(array) | (array != np.round(array)))[0])
            raise ValueError(f"Event.{name}[{bad}] = {array[bad].item()!r} is not an integer")
    elif array.dtype.kind not in "iu" and array.size:
        raise ValueError(f"Event.{name} must hold integers, got dtype {array.dtype}")
    if array.dtype == np.uint64 and array.size and array.max() > np.iinfo(np.int64).max:
        raise ValueError(f"Event.{name} holds values beyond the int64 range")
    return array.astype(np.int64, copy=False)


@dataclass(frozen=True, eq=False)
class Event:
    """Address events: 1-D (``x``) or 2-D (``x``, ``y``), a polarity/channel ``p`` and a time ``t``.

    Parameters
    ----------
    x : array_like of int
        Neuron id (1-D events) or column (2-D events).
    y : array_like of int or None
        Row of 2-D events; ``None`` for 1-D events.
    p : array_like of int
        Polarity (0 = OFF, 1 = ON) or channel.
    t : array_like of float
        Time of each event in ms.

    Notes
    -----
    Fields are stored as 1-D ``int64`` arrays (``t``: ``float64``). Events need not be in time order:
    the order is kept as given (a file sorted by neuron stays so), and :meth:`sorted` sorts. Polarity
    is kept as given; :meth:`rebase_polarity` shifts it so that its smallest value is 0, as the
    reference reader did silently.
    """

    x: np.ndarray
    y: np.ndarray | None
    p: np.ndarray
    t: np.ndarray

    def __post_init__(self) -> None:
        t = np.asarray(self.t, dtype=np.float64)
        if t.ndim != 1:
            raise ValueError(f"Event.t must be a 1-D array, got shape {t.shape}")
        if not np.all(np.isfinite(t)):
            bad = int(np.flatnonzero(~np.isfinite(t))[0])
            raise ValueError(f"Event.t[{bad}] = {t[bad].item()!r} is not finite")
        n = t.shape[0]
        object.__setattr__(self, "t", t)
        object.__setattr__(self, "x", _integer_field("x", self.x, n))
        object.__setattr__(self, "p", _integer_field("p", self.p, n))
        if self.y is not None:
            object.__setattr__(self, "y", _integer_field("y", self.y, n))

    @property
    def dim(self) -> int:
        """1 for 1-D events (no ``y``), 2 for 2-D events."""
        return 1 if self.y is None else 2

    def __len__(self) -> int:
        return int(self.t.shape[0])

    def __repr__(self) -> str:
        span = f", t in [{self.t.min():g}, {self.t.max():g}] ms" if len(self) else ""
        return f"Event({len(self)} events, {self.dim}-D{span})"

    def select(self, index: np.ndarray) -> Event:
        """The events picked by a boolean mask or an integer index array, in that order."""
        y = None if self.y is None else self.y[index]
        return Event(self.x[index], y, self.p[index], self.t[index])

    def shift(self, dt: float) -> Event:
        """All events moved by ``dt`` ms (``t + dt``)."""
        return Event(self.x, self.y, self.p, self.t + dt)

    def sorted(self) -> Event:
        """The events in time order (stable: events with equal times keep their order)."""
        return self.select(np.argsort(self.t, kind="stable"))

    def rebase_polarity(self) -> Event:
        """Polarity shifted so that its smallest value is 0 (what the reference readers did)."""
        if not len(self):
            return self
        return Event(self.x, self.y, self.p - self.p.min(), self.t)

    def to_tensor(
        self, sim: Simulation, shape: Sequence[int], mode: binning.Mode = "or", shift: int = 0
    ) -> torch.Tensor:
        """Bin the events into a float32 spike tensor on the grid of ``sim`` (SPEC §7).

        .. math::

            b_i = \\operatorname{round}(t_i / T_s) + \\mathrm{shift}, \\qquad
            s[p_i, y_i, x_i, b_i] = \\begin{cases} 1/T_s & \\text{mode "or"} \\\\
                                   n / T_s & \\text{mode "sum"} \\end{cases}

        where round is round-half-to-even (:func:`numpy.rint`) and ``n`` counts the events that
        share the place and bin ("or" keeps one spike however many coincide). Events outside the
        tensor (any index < 0 or >= its size) are dropped.

        Parameters
        ----------
        sim : Simulation
            The grid: ``T = sim.steps`` bins of ``sim.ts`` ms.
        shape : sequence of int
            The tensor's shape before time: ``(C, H, W)`` or ``(H, W)`` for 2-D events, ``(C, X)``
            or ``(X,)`` for 1-D ones. The channel axis ``C`` is indexed by ``p``; without it the
            polarity is ignored (events of every polarity land in the same place).
        mode : {"or", "sum"}
            What coincident events give (see above).
        shift : int
            Bins added to every event's bin (see :func:`slayer.io.random_shift`).

        Shape
        -----
        ``(*shape, T)``.
        """
        return binning.bin_events(self, sim, shape, mode, shift)

    @classmethod
    def from_tensor(cls, spikes: torch.Tensor | np.ndarray, ts: float) -> Event:
        """The events of a spike tensor: the inverse of :meth:`to_tensor` (either mode).

        A value ``v`` at bin ``b`` gives ``round(v * Ts)`` events at ``t = b * Ts`` ms. ``(X, T)``
        gives 1-D events with ``p = 0``, ``(C, X, T)`` 1-D events with ``p = c``, ``(C, H, W, T)``
        2-D events. The events come out in time order.
        """
        return binning.spikes_to_events(spikes, ts)

    def equals(self, other: Event) -> bool:
        """True when both hold the same events in the same order (times compared exactly)."""
        if self.dim != other.dim or len(self) != len(other):
            return False
        same_y = self.y is None or np.array_equal(self.y, other.y)  # type: ignore[arg-type]
        return bool(
            same_y
            and np.array_equal(self.x, other.x)
            and np.array_equal(self.p, other.p)
            and np.array_equal(self.t, other.t)
        )
