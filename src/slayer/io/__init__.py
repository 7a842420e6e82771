"""Address events: the :class:`Event` type, event files, and binning to spike tensors (SPEC §7).

>>> import slayer, slayer.io
>>> ev = slayer.io.read_bs1("input.bs1")
>>> spikes = ev.to_tensor(slayer.Simulation(ts=1.0, t_sample=1900), shape=(200,))  # (200, 1900)
"""

from slayer.io.aedat import read_aedat, read_aedat4
from slayer.io.binary import (
    CountTargets,
    read_bs1,
    read_bs2,
    read_bs3,
    read_bsn,
    write_bs1,
    write_bs2,
    write_bs3,
    write_bsn,
)
from slayer.io.binning import random_shift
from slayer.io.events import Event, EventFileError
from slayer.io.formats import read, write
from slayer.io.npy import read_npy, write_npy

__all__ = [
    "CountTargets",
    "Event",
    "EventFileError",
    "random_shift",
    "read",
    "read_aedat",
    "read_aedat4",
    "read_bs1",
    "read_bs2",
    "read_bs3",
    "read_bsn",
    "read_npy",
    "write",
    "write_bs1",
    "write_bs2",
    "write_bs3",
    "write_bsn",
    "write_npy",
]
