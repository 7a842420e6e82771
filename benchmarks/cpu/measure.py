"""Timing and peak-memory measurement of one training step, the same for every library.

Peak memory is the growth of the process's resident set during one forward+backward pass:
the kernel's high-water mark (``VmHWM``) is reset through ``/proc/self/clear_refs`` after freed
memory was handed back to the system (``malloc_trim``), so it counts every allocation (torch,
numpy, numba, the library's own) whichever allocator made it. Linux only; elsewhere it is omitted.
"""

from __future__ import annotations

import ctypes
import gc
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch

__all__ = ["peak_memory_mib", "step", "timed"]

_PROC = Path("/proc/self")


def step(run: Callable[[], torch.Tensor], module: torch.nn.Module, backward: bool) -> None:
    """One forward pass (under ``no_grad`` when ``backward`` is False) or one forward+backward."""
    if not backward:
        with torch.no_grad():
            run()
        return
    module.zero_grad(set_to_none=True)
    counts = run()
    loss = (counts - 5.0).pow(2).mean()
    loss.backward()


def timed(fn: Callable[[], None]) -> float:
    """Wall-clock seconds of one call."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median(values: list[float]) -> float:
    return statistics.median(values)


def _status_kib(key: str) -> int:
    for line in (_PROC / "status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def peak_memory_mib(fn: Callable[[], None]) -> float | None:
    """Peak growth of the resident set (MiB) while ``fn`` runs, or None where it cannot be read."""
    try:
        gc.collect()
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        (_PROC / "clear_refs").write_text("5")
        before = _status_kib("VmRSS")
    except (OSError, KeyError, AttributeError):
        return None
    fn()
    return (_status_kib("VmHWM") - before) / 1024.0
