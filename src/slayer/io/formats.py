"""Read or write an event file by its suffix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from slayer.io.aedat import read_aedat, read_aedat4
from slayer.io.binary import read_bs1, read_bs2, read_bs3, write_bs1, write_bs2, write_bs3
from slayer.io.events import Event
from slayer.io.npy import read_npy, write_npy

__all__ = ["read", "write"]

_READERS: dict[str, Callable[[Path], Event]] = {
    ".bs1": read_bs1,
    ".bs2": read_bs2,
    ".bin": read_bs2,
    ".bs3": read_bs3,
    ".npy": read_npy,
    ".aedat": read_aedat,
    ".aedat4": read_aedat4,
}
_WRITERS: dict[str, Callable[[Path, Event], None]] = {
    ".bs1": write_bs1,
    ".bs2": write_bs2,
    ".bin": write_bs2,
    ".bs3": write_bs3,
    ".npy": write_npy,
}


def read(path: str | Path) -> Event:
    """Read events with the reader for the file's suffix, with that reader's defaults.

    ``.bs1``, ``.bs2``/``.bin``, ``.bs3``, ``.npy``, ``.aedat`` (AEDAT 3.1), ``.aedat4``.
    """
    path = Path(path)
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise ValueError(f"{path}: unknown event file suffix {path.suffix!r}; known: {', '.join(_READERS)}")
    return reader(path)


def write(path: str | Path, event: Event) -> None:
    """Write events with the writer for the file's suffix: ``.bs1``, ``.bs2``/``.bin``, ``.bs3``, ``.npy``."""
    path = Path(path)
    writer = _WRITERS.get(path.suffix.lower())
    if writer is None:
        raise ValueError(f"{path}: no writer for suffix {path.suffix!r}; known: {', '.join(_WRITERS)}")
    writer(path, event)
