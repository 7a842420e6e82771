"""A tiny AEDAT 3.1 writer for tests, following the published layout (libcaer 3.x, DVS Gesture).

Header: ``#!AER-DAT3.1\\r\\n``, further ``#`` lines, ``#!END-HEADER\\r\\n``. Then packets, each a
28-byte little-endian header (int16 type, int16 source, int32 event size, int32 time-stamp offset,
int32 time-stamp overflow, int32 capacity, int32 number, int32 valid) followed by
``capacity * size`` bytes. A polarity event (type 1) is 8 bytes: uint32 data (bit 0 valid,
bit 1 polarity, bits 2-16 y, bits 17-31 x) and an int32 time stamp; the full time is
``overflow << 31 | timestamp``.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

HEADER = b"#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: DVS128\r\n#Start-Time: 2017-01-01 00:00:00\r\n"


def polarity_packet(
    x: np.ndarray,
    y: np.ndarray,
    p: np.ndarray,
    t_us: np.ndarray,
    valid: np.ndarray | None = None,
    spare: int = 0,
) -> bytes:
    """One polarity packet; all events must share ``t_us >> 31`` (the packet's overflow counter)."""
    t_us = np.asarray(t_us, dtype=np.int64)
    overflow = int(t_us[0] >> 31) if t_us.size else 0
    assert np.all(t_us >> 31 == overflow)
    valid = np.ones(t_us.size, bool) if valid is None else valid
    data = (
        (np.asarray(x, np.uint32) << 17)
        | (np.asarray(y, np.uint32) << 2)
        | (np.asarray(p, np.uint32) << 1)
        | valid.astype(np.uint32)
    )
    body = np.zeros((t_us.size + spare, 2), dtype="<u4")
    body[: t_us.size, 0] = data
    body[: t_us.size, 1] = (t_us & 0x7FFFFFFF).astype(np.uint32)
    n = t_us.size
    head = struct.pack("<hhiiiiii", 1, 1, 8, 4, overflow, n + spare, n, int(valid.sum()))
    return head + body.tobytes()


def special_packet(count: int = 2) -> bytes:
    """A packet of special events (type 0), which readers of polarity events skip."""
    head = struct.pack("<hhiiiiii", 0, 1, 8, 4, 0, count, count, count)
    return head + (np.arange(2 * count, dtype="<u4") * 7 + 1).tobytes()


def write(path: Path, packets: list[bytes], header: bytes = HEADER) -> Path:
    path.write_bytes(header + b"#!END-HEADER\r\n" + b"".join(packets))
    return path
