"""Keep freed large buffers for reuse instead of faulting fresh pages in every step (glibc's malloc).

glibc serves each allocation above its mmap threshold (32 MiB at most under its dynamic rule) with a
fresh ``mmap`` and unmaps it on ``free``. A training step of a spiking CNN allocates about a GiB of
such buffers (time-last tensors of ``T`` bins: potentials, spikes, gradients, torch's convolution
outputs), so every step page-faults and zero-fills all of them again: on the 2-core machine of
``docs/benchmarks.md`` that was a quarter of workload B's forward+backward time. With the mmap
threshold raised to 1 GiB and the trim threshold to 2 GiB, freed buffers stay in the heap and the
next step reuses them.

The setting is process-wide: torch's own CPU tensors (and any other library's) are served the same
way. The price is that the process keeps its peak memory after a step, as PyTorch's CUDA caching
allocator does. Applied once, when this backend is first loaded, on Linux with glibc; set
``SLAYER_KEEP_MEMORY=0`` to keep glibc's defaults.
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys

__all__ = ["keep_freed_memory"]

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 1 << 30
_TRIM_THRESHOLD = (1 << 31) - 1


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds (see the module docstring); True when they were set."""
    if os.environ.get("SLAYER_KEEP_MEMORY", "1") == "0":
        return False
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return False
    mallopt = ctypes.CDLL(None).mallopt
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
    )
