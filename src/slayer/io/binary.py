"""SLAYER's big-endian binary event formats: ``.bs1``, ``.bs2`` (= N-MNIST ``.bin``), ``.bs3``, ``.bsn``.

Byte layouts (times are whole microseconds):

===========  ==========  ==================================================================
format       record      fields, most significant bit first
===========  ==========  ==================================================================
``.bs1``     5 bytes     x (16 bit) | p (1 bit) | t (23 bit)
``.bs2``     5 bytes     x (8 bit) | y (8 bit) | p (1 bit) | t (23 bit)
``.bs3``     7 bytes     x (12 bit) | y (12 bit) | p (8 bit) | t (24 bit)
``.bsn``     10 bytes    neuron (16 bit) | start (24 bit) | stop (24 bit) | count (16 bit)
===========  ==========  ==================================================================

Every value a field can hold round-trips; a value it cannot hold is refused before anything is
written, with an error naming the field, the event and the limit.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from slayer.io.events import Event, EventFileError

__all__ = [
    "CountTargets",
    "read_bs1",
    "read_bs2",
    "read_bs3",
    "read_bsn",
    "write_bs1",
    "write_bs2",
    "write_bs3",
    "write_bsn",
]

PathLike = str | Path


def read_records(path: PathLike, size: int, kind: str, allow_truncated: bool) -> np.ndarray:
    """The file's bytes as ``(N, size)`` uint8 records; a truncated last record is an error or dropped."""
    data = np.fromfile(path, dtype=np.uint8)
    extra = data.size % size
    if extra:
        offset = data.size - extra
        message = (
            f"{data.size} bytes is not a whole number of {size}-byte {kind} records: the last "
            f"record is truncated ({extra} of {size} bytes)"
        )
        if not allow_truncated:
            raise EventFileError(path, message + "; pass allow_truncated=True to drop it", offset)
        warnings.warn(f"{path} (byte offset {offset}): {message}; dropped it", stacklevel=3)
        data = data[:offset]
    return data.reshape(-1, size)


def _field(rec: np.ndarray, first: int, count: int) -> np.ndarray:
    """Big-endian unsigned integer from ``count`` bytes starting at column ``first``."""
    value = rec[:, first].astype(np.uint32)
    for j in range(first + 1, first + count):
        value <<= 8
        value |= rec[:, j]
    return value


def _us_to_ms(us: np.ndarray) -> np.ndarray:
    return us / 1000.0


def check_field(path: PathLike, kind: str, name: str, values: np.ndarray, bits: int) -> None:
    """Refuse values outside ``0 .. 2**bits - 1`` with an error naming the field, event and limit."""
    limit = (1 << bits) - 1
    bad = np.flatnonzero((values < 0) | (values > limit))
    if bad.size:
        i = int(bad[0])
        raise EventFileError(
            path,
            f"cannot write {kind}: field {name} = {values[i]} at event {i} is outside 0..{limit} "
            f"({bits} bits); {bad.size} value(s) out of range",
        )


def time_us(path: PathLike, kind: str, t_ms: np.ndarray, bits: int, name: str = "t") -> np.ndarray:
    """Times in ms as whole microseconds, refusing fractions of a µs and values beyond ``bits``."""
    scaled = t_ms * 1000.0
    us = np.rint(scaled)
    inexact = np.flatnonzero(np.abs(scaled - us) > 1e-6 * np.maximum(1.0, np.abs(us)))
    if inexact.size:
        i = int(inexact[0])
        raise EventFileError(
            path,
            f"cannot write {kind}: field {name} = {t_ms[i].item()!r} ms at event {i} is not a whole "
            f"number of microseconds, which the format stores; round the times first (np.round(t, 3))",
        )
    us_int = us.astype(np.int64)
    check_field(path, f"{kind} (times in µs)", name, us_int, bits)
    return us_int


def _write(path: PathLike, groups: list[list[tuple[np.ndarray, int]]]) -> None:
    """Pack fields big-endian and write. Each group packs into a whole number of bytes (<= 8)."""
    columns = []
    for group in groups:
        nbytes = sum(bits for _, bits in group) // 8
        packed = np.zeros(group[0][0].shape[0], dtype=np.uint64)
        for values, bits in group:
            packed = (packed << np.uint64(bits)) | values.astype(np.uint64)
        columns += [(packed >> np.uint64(8 * j)) & np.uint64(0xFF) for j in reversed(range(nbytes))]
    out = np.stack(columns, axis=1).astype(np.uint8)
    Path(path).write_bytes(out.tobytes())


def read_bs1(path: PathLike, allow_truncated: bool = False) -> Event:
    """Read 1-D events from a ``.bs1`` file (x, p, t)."""
    rec = read_records(path, 5, ".bs1", allow_truncated)
    pt = _field(rec, 2, 3)
    return Event(_field(rec, 0, 2), None, pt >> 23, _us_to_ms(pt & 0x7FFFFF))


def write_bs1(path: PathLike, event: Event) -> None:
    """Write 1-D events to a ``.bs1`` file: x < 2**16, p in {0, 1}, t < 2**23 µs (8.39 s)."""
    if event.dim != 1:
        raise EventFileError(path, "cannot write .bs1: it holds 1-D events, got 2-D events")
    check_field(path, ".bs1", "x", event.x, 16)
    check_field(path, ".bs1", "p", event.p, 1)
    _write(path, [[(event.x, 16)], [(event.p, 1), (time_us(path, ".bs1", event.t, 23), 23)]])


def read_bs2(path: PathLike, allow_truncated: bool = False) -> Event:
    """Read 2-D events from a ``.bs2`` file or an original N-MNIST ``.bin`` file (x, y, p, t).

    The original N-MNIST tools treated ``y == 240`` as a time-stamp overflow marker; N-MNIST
    samples (about 300 ms) never reach the 23-bit limit (8.39 s), so no marker is interpreted here:
    every record is an event.
    """
    rec = read_records(path, 5, ".bs2", allow_truncated)
    pt = _field(rec, 2, 3)
    return Event(rec[:, 0], rec[:, 1], pt >> 23, _us_to_ms(pt & 0x7FFFFF))


def _write_2d(path: PathLike, ext: str, event: Event, bits: tuple[int, int, int, int]) -> None:
    """Check x, y, p and the time in µs against their ``bits`` and write them as one record each."""
    if event.y is None:
        raise EventFileError(path, f"cannot write {ext}: it holds 2-D events, got 1-D events")
    for name, values, width in zip("xyp", (event.x, event.y, event.p), bits, strict=False):
        check_field(path, ext, name, values, width)
    us = time_us(path, ext, event.t, bits[3])
    _write(path, [[(event.x, bits[0]), (event.y, bits[1]), (event.p, bits[2]), (us, bits[3])]])


def write_bs2(path: PathLike, event: Event) -> None:
    """Write 2-D events to a ``.bs2`` file: x, y < 256, p in {0, 1}, t < 2**23 µs (8.39 s)."""
    _write_2d(path, ".bs2", event, (8, 8, 1, 23))


def read_bs3(path: PathLike, allow_truncated: bool = False) -> Event:
    """Read 2-D events with an 8-bit channel from a ``.bs3`` file (x, y, p, t)."""
    rec = read_records(path, 7, ".bs3", allow_truncated)
    xy = _field(rec, 0, 3)
    return Event(xy >> 12, xy & 0xFFF, rec[:, 3], _us_to_ms(_field(rec, 4, 3)))


def write_bs3(path: PathLike, event: Event) -> None:
    """Write 2-D events to a ``.bs3`` file: x, y < 4096, p < 256, t < 2**24 µs (16.8 s)."""
    _write_2d(path, ".bs3", event, (12, 12, 8, 24))


@dataclass(frozen=True, eq=False)
class CountTargets:
    """Spike-count targets of a ``.bsn`` file: ``count`` spikes of ``neuron`` in ``[t_start, t_stop)`` ms."""

    neuron: np.ndarray
    t_start: np.ndarray
    t_stop: np.ndarray
    count: np.ndarray

    def __len__(self) -> int:
        return int(self.neuron.shape[0])


def read_bsn(path: PathLike, allow_truncated: bool = False) -> CountTargets:
    """Read spike-count targets from a ``.bsn`` file (times in ms)."""
    rec = read_records(path, 10, ".bsn", allow_truncated)
    start, stop = _field(rec, 2, 3), _field(rec, 5, 3)
    bad = np.flatnonzero(start > stop)
    if bad.size:
        i = int(bad[0])
        raise EventFileError(
            path, f"record {i}: window start {start[i]} µs is after its end {stop[i]} µs", offset=10 * i
        )
    neuron, count = _field(rec, 0, 2).astype(np.int64), _field(rec, 8, 2).astype(np.int64)
    return CountTargets(neuron, _us_to_ms(start), _us_to_ms(stop), count)


def write_bsn(path: PathLike, targets: CountTargets) -> None:
    """Write spike-count targets: neuron < 2**16, times < 2**24 µs, start <= stop, count < 2**16."""
    neuron, count = np.asarray(targets.neuron), np.asarray(targets.count)
    t_start, t_stop = np.asarray(targets.t_start, float), np.asarray(targets.t_stop, float)
    if not neuron.shape == count.shape == t_start.shape == t_stop.shape or neuron.ndim != 1:
        raise EventFileError(
            path, "cannot write .bsn: neuron, t_start, t_stop and count must be 1-D and equal"
        )
    check_field(path, ".bsn", "neuron", neuron, 16)
    check_field(path, ".bsn", "count", count, 16)
    start = time_us(path, ".bsn", t_start, 24, "t_start")
    stop = time_us(path, ".bsn", t_stop, 24, "t_stop")
    bad = np.flatnonzero(start > stop)
    if bad.size:
        raise EventFileError(path, f"cannot write .bsn: window {int(bad[0])} starts after it ends")
    _write(path, [[(neuron, 16), (start, 24)], [(stop, 24), (count, 16)]])
