"""The nonzero entries of a time-last tensor as per-row event lists (compressed sparse rows).

Synapses fed by spikes do work in proportion to the number of spikes: the rows of ``x``
(``(R, T)``, one row per input neuron of one sample) are turned into ``offsets`` (``R + 1``),
``times`` and ``values`` (one entry per nonzero, row by row, in time order).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import prange

from slayer.backends.numba.cache import jit

__all__ = ["Events", "events"]


class Events(NamedTuple):
    offsets: np.ndarray  # int64 (R + 1,): row r's events are offsets[r]:offsets[r + 1]
    times: np.ndarray  # int32 (nnz,)
    values: np.ndarray  # x.dtype (nnz,)


@jit(parallel=True)
def _count(x, counts):  # type: ignore[no-untyped-def]
    for r in prange(x.shape[0]):
        n = 0
        for t in range(x.shape[1]):
            if x[r, t] != 0:
                n += 1
        counts[r + 1] = n


@jit(parallel=True)
def _fill(x, offsets, times, values):  # type: ignore[no-untyped-def]
    steps = x.shape[1]
    for r in prange(x.shape[0]):
        e = offsets[r]
        if e == offsets[r + 1]:
            continue
        for b0 in range(0, steps, 16):  # skip all-zero blocks with one vectorised test
            b1 = min(steps, b0 + 16)
            n = 0
            for t in range(b0, b1):
                n += x[r, t] != 0
            if n == 0:
                continue
            for t in range(b0, b1):
                v = x[r, t]
                if v != 0:
                    times[e] = t
                    values[e] = v
                    e += 1


def events(x: np.ndarray, max_density: float) -> Events | None:
    """The events of the rows of ``x`` ``(R, T)``, or None when more than ``max_density`` are nonzero."""
    offsets = np.zeros(x.shape[0] + 1, dtype=np.int64)
    _count(x, offsets)
    np.cumsum(offsets, out=offsets)
    nnz = int(offsets[-1])
    if nnz > max_density * x.size:
        return None
    times = np.empty(nnz, dtype=np.int32)
    values = np.empty(nnz, dtype=x.dtype)
    _fill(x, offsets, times, values)
    return Events(offsets, times, values)
