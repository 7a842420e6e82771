"""Compilation and launching of the numba kernels: the on-disk cache, threads, the threading layer.

Kernels are compiled on first use and cached on disk, so later processes load them in well under a
second instead of compiling them again. The cache folder is, in order of preference:

1. ``NUMBA_CACHE_DIR`` when the user set it (numba's own variable; it applies to all numba code);
2. ``$SLAYER_CACHE_DIR/numba``;
3. ``$XDG_CACHE_HOME/slayer/numba`` (``~/.cache/slayer/numba`` when ``XDG_CACHE_HOME`` is unset).

The folder only has to be writable by the user, so an installation in a read-only location (a
system site-packages, a container image) still caches its kernels. If the chosen folder cannot be
written, numba falls back to its own locations (next to the source, then its user cache folder),
and compiles in memory when none is writable.

Threads: every parallel kernel runs on ``torch.get_num_threads()`` threads, on numba's default
threading layer (OpenMP where available, as torch's CPU kernels; ``NUMBA_THREADING_LAYER`` chooses
another). On a quiet 2-core machine the OpenMP layer made a training step of the N-MNIST MLP 1.7x
faster than numba's ``workqueue`` layer, whose threads compete with torch's spinning OpenMP threads
between kernels (``benchmarks/cpu``). Launches from this backend are serialised by a lock, because
the ``workqueue`` layer (numba's fallback) must not be entered from two threads at once; each launch
already uses every thread.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import numba
import torch

__all__ = ["cache_dir", "jit", "sync_threads"]

_config: Any = numba.config  # settings numba creates at run time (invisible to type checkers)
_launch_lock = threading.Lock()


F = TypeVar("F", bound=Callable[..., Any])


def cache_dir() -> Path:
    """The folder where this backend's compiled kernels are cached (see the module docstring)."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return Path(os.environ["NUMBA_CACHE_DIR"])
    if os.environ.get("SLAYER_CACHE_DIR"):
        return Path(os.environ["SLAYER_CACHE_DIR"]) / "numba"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "slayer" / "numba"


def jit(parallel: bool = False) -> Callable[[F], F]:
    """``numba.njit`` with the on-disk cache in :func:`cache_dir` (for this backend's kernels only).

    Numba reads its cache folder when a function is decorated, so the folder is set for the
    decoration and restored afterwards: other numba code in the process keeps its own settings.
    A parallel kernel is returned wrapped: each call takes the launch lock and sets the thread count.
    """

    def decorate(fn: F) -> F:
        saved = _config.CACHE_DIR
        _config.CACHE_DIR = str(cache_dir())
        try:
            kernel = numba.njit(cache=True, parallel=parallel, nogil=True)(fn)
        finally:
            _config.CACHE_DIR = saved
        if not parallel:
            return cast(F, kernel)

        @functools.wraps(fn)
        def launch(*args: Any) -> Any:
            with _launch_lock:
                sync_threads()
                return kernel(*args)

        return cast(F, launch)

    return decorate


def sync_threads() -> None:
    """Run numba's parallel loops on as many threads as torch uses (``torch.get_num_threads()``)."""
    wanted = max(1, min(torch.get_num_threads(), _config.NUMBA_NUM_THREADS))
    if numba.get_num_threads() != wanted:
        numba.set_num_threads(wanted)
