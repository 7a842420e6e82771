"""Cache-blocked, parallel axis swaps (torch's strided copy is ~5x slower): the last two axes of
``(B, R, C)``, and the second and last of ``(B, A, P, D)``."""

from __future__ import annotations

import numpy as np
import torch
from numba import prange

from slayer.backends.numba.cache import jit

__all__ = ["swap_outer", "transpose"]

_TILE = 32


@jit(parallel=True)
def _transpose(x, y):  # type: ignore[no-untyped-def]
    batch, rows, cols = x.shape
    row_tiles = (rows + _TILE - 1) // _TILE
    for job in prange(batch * row_tiles):
        b = job // row_tiles
        r0 = job % row_tiles * _TILE
        r1 = min(rows, r0 + _TILE)
        for c0 in range(0, cols, _TILE):
            for c in range(c0, min(cols, c0 + _TILE)):
                for r in range(r0, r1):
                    y[b, c, r] = x[b, r, c]


def transpose(x: np.ndarray | torch.Tensor) -> np.ndarray:
    """A C-contiguous copy of ``x`` ``(B, R, C)`` (or ``(R, C)``) with its last two axes swapped."""
    a = x.detach().contiguous().numpy() if isinstance(x, torch.Tensor) else np.ascontiguousarray(x)
    squeeze = a.ndim == 2
    a3 = a[None] if squeeze else a
    out = np.empty((a3.shape[0], a3.shape[2], a3.shape[1]), dtype=a.dtype)
    _transpose(a3, out)
    return out[0] if squeeze else out


@jit(parallel=True)
def _swap_outer(x, y):  # type: ignore[no-untyped-def]
    batch, outer, middle, inner = x.shape
    for job in prange(batch * middle):
        b = job // middle
        p = job % middle
        for d0 in range(0, inner, _TILE):
            for a in range(outer):
                for d in range(d0, min(inner, d0 + _TILE)):
                    y[b, d, p, a] = x[b, a, p, d]


def swap_outer(x: torch.Tensor) -> torch.Tensor:
    """A C-contiguous copy of ``x`` ``(B, A, P, D)`` as ``(B, D, P, A)``: ``y[b,d,p,a] = x[b,a,p,d]``."""
    a = x.detach().contiguous().numpy()
    out = np.empty((a.shape[0], a.shape[3], a.shape[2], a.shape[1]), dtype=a.dtype)
    _swap_outer(a, out)
    return torch.from_numpy(out)
