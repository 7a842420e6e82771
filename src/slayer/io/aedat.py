"""AEDAT 4 (via the ``aedat`` package) and AEDAT 3.1 (the DVS Gesture recordings) readers.

AEDAT 4 is decoded by the maintained ``aedat`` library (a Rust decoder, optional extra
``slayer-snn[aedat]``, imported when a file is read); this module only turns its arrays into an
:class:`~slayer.io.Event`. For AEDAT 3.1 no maintained library reads the format correctly (Tonic's
``read_dvs_ibm`` fails on its own header parser and ignores packet types, validity marks and
time-stamp overflow), so its packet framing is decoded here, vectorised over all events.
"""

from __future__ import annotations

import struct
import warnings
from pathlib import Path
from typing import Literal

import numpy as np

from slayer.io.events import Event, EventFileError

__all__ = ["read_aedat", "read_aedat4"]

Order = Literal["error", "sort", "keep"]
PathLike = str | Path
_HEADER = struct.Struct("<hhiiiiii")  # type, source, size, ts offset, ts overflow, capacity, number, valid
_POLARITY = 1


def _ordered(path: PathLike, t_us: np.ndarray, on_unordered: Order, offsets: np.ndarray | None) -> np.ndarray:
    """Index putting events in the order ``on_unordered`` asks (a time stamp going backwards)."""
    if on_unordered not in ("error", "sort", "keep"):
        raise ValueError(f"on_unordered must be 'error', 'sort' or 'keep', got {on_unordered!r}")
    back = np.flatnonzero(t_us[1:] < t_us[:-1])
    if back.size == 0 or on_unordered == "keep":
        return np.arange(t_us.size)
    if on_unordered == "sort":
        return np.argsort(t_us, kind="stable")
    i = int(back[0]) + 1
    raise EventFileError(
        path,
        f"time stamp goes backwards at event {i}: {t_us[i - 1]} µs, then {t_us[i]} µs ({back.size} such "
        f"steps); pass on_unordered='sort' to sort the events by time, or 'keep' to keep the file's order",
        None if offsets is None else int(offsets[i]),
    )


def _event(x: np.ndarray, y: np.ndarray, p: np.ndarray, t_us: np.ndarray, relative: bool) -> Event:
    if relative and t_us.size:
        t_us = t_us - t_us.min()
    return Event(x, y, p, t_us / 1000.0)


def read_aedat4(
    path: PathLike, relative: bool = True, on_unordered: Order = "error", allow_truncated: bool = False
) -> Event:
    """Read the polarity events of an AEDAT 4 file (DV software, iniVation cameras).

    Parameters
    ----------
    path : str or Path
        The ``.aedat4`` file; the event stream with the lowest id is read.
    relative : bool
        Times relative to the earliest event (default); otherwise the file's own clock (µs since
        the Unix epoch, as ms).
    on_unordered : {"error", "sort", "keep"}
        What a time stamp that goes backwards gives: an error naming the event, the events sorted by
        time (stable), or the file's order.
    allow_truncated : bool
        Keep the events decoded before a truncated or corrupt packet (with a warning) instead of
        raising.

    Needs the ``aedat`` package: ``pip install 'slayer-snn[aedat]'``.
    """
    try:
        import aedat
    except ImportError:
        raise ImportError(
            "reading AEDAT 4 needs the 'aedat' package: pip install 'slayer-snn[aedat]'"
        ) from None
    try:
        decoder = aedat.Decoder(str(path))
    except RuntimeError as error:
        if not Path(path).exists():
            raise FileNotFoundError(f"{path}: no such file") from None
        raise EventFileError(path, f"not a readable AEDAT 4 file: {error}") from None
    streams = [sid for sid, info in decoder.id_to_stream().items() if info["type"] == "events"]
    if not streams:
        raise EventFileError(path, "the AEDAT 4 file has no event stream")
    chunks = []
    try:
        for packet in decoder:
            if packet["stream_id"] == min(streams):
                chunks.append(packet["events"])
    except RuntimeError as error:
        decoded = sum(len(c) for c in chunks)
        message = f"truncated or corrupt AEDAT 4 file after {decoded} events: {error}"
        if not allow_truncated:
            raise EventFileError(path, message + "; pass allow_truncated=True to keep those events") from None
        warnings.warn(f"{path}: {message}; kept those events", stacklevel=2)
    if not chunks:
        return Event(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    events = np.concatenate(chunks)
    t_us = events["t"].astype(np.int64)
    order = _ordered(path, t_us, on_unordered, None)
    ev = events[order]
    return _event(ev["x"], ev["y"], ev["on"], t_us[order], relative)


def _header_end(path: PathLike, data: bytes) -> int:
    first = data[: data.find(b"\n") + 1]
    if not first.startswith(b"#!AER-DAT"):
        raise EventFileError(path, "not an AEDAT file: it does not start with '#!AER-DAT'", 0)
    version = first[len(b"#!AER-DAT") :].strip().decode("ascii", "replace")
    if not version.startswith("3."):
        hint = " (use read_aedat4)" if version.startswith("4") else ""
        raise EventFileError(path, f"AEDAT version {version} is not AEDAT 3.x{hint}", 0)
    end = data.find(b"#!END-HEADER")
    if end < 0:
        raise EventFileError(path, "the AEDAT 3.1 header has no '#!END-HEADER' line")
    return data.index(b"\n", end) + 1 if b"\n" in data[end:] else len(data)


def aedat31_arrays(path: PathLike) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Decode the valid polarity events of an AEDAT 3.1 file in file order.

    Returns ``x, y, p, t_us, offset``: 15-bit addresses, polarity, the 64-bit time stamp
    ``(ts_overflow << 31) | ts`` in µs and each event's byte offset in the file. Packets of other
    types (special events, frames, IMU) are skipped; events whose validity mark is 0 are dropped.
    """
    data = Path(path).read_bytes()
    pos = _header_end(path, data)
    starts, numbers, overflows = [], [], []
    while pos < len(data):
        if len(data) - pos < _HEADER.size:
            raise EventFileError(
                path, f"truncated packet header ({len(data) - pos} of {_HEADER.size} bytes)", pos
            )
        kind, _, size, _, overflow, capacity, number, _ = _HEADER.unpack_from(data, pos)
        if size <= 0 or capacity < 0 or not 0 <= number <= capacity or overflow < 0:
            raise EventFileError(
                path,
                f"corrupt packet header: event size {size}, capacity {capacity}, number {number}, "
                f"overflow {overflow}",
                pos,
            )
        end = pos + _HEADER.size + capacity * size
        if end > len(data):
            raise EventFileError(
                path,
                f"truncated packet: its header announces {capacity} events of {size} bytes, but only "
                f"{len(data) - pos - _HEADER.size} bytes follow",
                pos,
            )
        if kind == _POLARITY:
            if size != 8:
                raise EventFileError(path, f"polarity packet with {size}-byte events (expected 8)", pos)
            starts.append(pos + _HEADER.size)
            numbers.append(number)
            overflows.append(overflow)
        pos = end
    counts = np.asarray(numbers, dtype=np.int64)
    raw = np.frombuffer(data, dtype=np.uint8)
    words = np.concatenate([raw[s : s + 8 * n] for s, n in zip(starts, numbers, strict=True)] + [raw[:0]])
    words = words.view("<u4").reshape(-1, 2)
    within = np.arange(words.shape[0], dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    offset = np.repeat(np.asarray(starts, dtype=np.int64), counts) + 8 * within
    address, stamp = words[:, 0], words[:, 1].view("<i4").astype(np.int64)
    t_us = (np.repeat(np.asarray(overflows, dtype=np.int64), counts) << 31) | stamp
    valid = (address & 1).astype(bool)
    address, t_us, offset = address[valid], t_us[valid], offset[valid]
    x = (address >> 17) & 0x7FFF
    y = (address >> 2) & 0x7FFF
    p = (address >> 1) & 1
    return x, y, p, t_us, offset


def read_aedat(path: PathLike, relative: bool = False, on_unordered: Order = "error") -> Event:
    """Read the polarity events of an AEDAT 3.1 file (e.g. the original DVS Gesture recordings).

    Parameters
    ----------
    path : str or Path
        The ``.aedat`` file (``#!AER-DAT3.1`` header, little-endian packets of 28-byte headers;
        polarity events are 8 bytes: ``data`` with x in bits 17–31, y in bits 2–16, polarity in
        bit 1, the validity mark in bit 0, then a 32-bit time stamp in µs).
    relative : bool
        Times relative to the earliest event; by default the device clock as recorded (which
        DVS Gesture's label files use).
    on_unordered : {"error", "sort", "keep"}
        What a time stamp that goes backwards gives: an error naming the byte offset of the event,
        the events sorted by time (stable), or the file's order.

    Coordinates are as recorded (libcaer 3.1 puts (0, 0) at the lower left of the sensor).
    """
    x, y, p, t_us, offset = aedat31_arrays(path)
    order = _ordered(path, t_us, on_unordered, offset)
    return _event(x[order], y[order], p[order], t_us[order], relative)
