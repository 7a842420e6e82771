"""Fixed sum pooling and its transpose (unpooling) on time-last tensors (SPEC §5).

.. math::

    \\mathrm{pool}(x)[n, c, i, j, t] = w \\sum_{p < k_h,\\, q < k_w} x[n, c, i s_h - p_h + p d_h,
    j s_w - p_w + q d_w, t]

(taps outside the input are zero). Unpooling is the transpose (adjoint) of that map, so each op's
gradient is the other op. Every window sums whole time rows, one ``(n, c)`` plane per iteration of
a parallel loop.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from numba import prange

from slayer.backends.numba.cache import jit

__all__ = ["SumPool", "SumUnpool", "pool_size", "unpool_size"]

Pair = tuple[int, int]


@jit(parallel=True)
def _pool(x, y, kernel, geometry, weight):  # type: ignore[no-untyped-def]
    """``y = pool(x)``: windows of ``x`` ``(P, H, W, T)`` summed into ``y`` ``(P, H', W', T)``."""
    kh, kw = kernel
    sh, sw, ph, pw, dh, dw = geometry
    height, width, steps = x.shape[1], x.shape[2], x.shape[3]
    for plane in prange(y.shape[0]):
        for i in range(y.shape[1]):
            for j in range(y.shape[2]):
                for t in range(steps):
                    y[plane, i, j, t] = 0
                for p in range(kh):
                    iy = i * sh - ph + p * dh
                    if iy < 0 or iy >= height:
                        continue
                    for q in range(kw):
                        ix = j * sw - pw + q * dw
                        if 0 <= ix < width:
                            for t in range(steps):
                                y[plane, i, j, t] += x[plane, iy, ix, t]
                for t in range(steps):
                    y[plane, i, j, t] *= weight


@jit(parallel=True)
def _unpool(y, x, kernel, geometry, weight):  # type: ignore[no-untyped-def]
    """``x = pool^T(y)``: every bin of ``y`` ``(P, H', W', T)`` spread over its window of ``x``."""
    kh, kw = kernel
    sh, sw, ph, pw, dh, dw = geometry
    height, width, steps = x.shape[1], x.shape[2], x.shape[3]
    for plane in prange(x.shape[0]):
        for iy in range(height):
            for ix in range(width):
                for t in range(steps):
                    x[plane, iy, ix, t] = 0
        for i in range(y.shape[1]):
            for j in range(y.shape[2]):
                for p in range(kh):
                    iy = i * sh - ph + p * dh
                    if iy < 0 or iy >= height:
                        continue
                    for q in range(kw):
                        ix = j * sw - pw + q * dw
                        if 0 <= ix < width:
                            for t in range(steps):
                                x[plane, iy, ix, t] += y[plane, i, j, t]
        for iy in range(height):
            for ix in range(width):
                for t in range(steps):
                    x[plane, iy, ix, t] *= weight


def pool_size(size: int, k: int, s: int, p: int, d: int) -> int:
    """Output length of a pooled axis (as :func:`torch.nn.functional.conv2d`)."""
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def unpool_size(size: int, k: int, s: int, p: int, d: int) -> int:
    """Output length of an unpooled axis (as :func:`torch.nn.functional.conv_transpose2d`)."""
    return (size - 1) * s - 2 * p + d * (k - 1) + 1


def _planes(x: torch.Tensor) -> np.ndarray:
    return x.detach().contiguous().reshape(-1, *x.shape[2:]).numpy()


def _run(kernel_fn: Any, src: torch.Tensor, out_hw: Pair, args: tuple[Any, ...]) -> torch.Tensor:
    n, c, _, _, steps = src.shape
    out = np.empty((n * c, *out_hw, steps), dtype=np.float64 if src.dtype == torch.float64 else np.float32)
    kernel, geometry, weight = args
    kernel_fn(_planes(src), out, kernel, geometry, out.dtype.type(weight))
    return torch.from_numpy(out).reshape(n, c, *out_hw, steps)


class SumPool(torch.autograd.Function):
    """:func:`_pool` forward, :func:`_unpool` backward."""

    @staticmethod
    def forward(
        ctx: Any, x: torch.Tensor, kernel: Pair, geometry: tuple[int, ...], weight: float
    ) -> torch.Tensor:
        sh, sw, ph, pw, dh, dw = geometry
        out_hw = (pool_size(x.shape[2], kernel[0], sh, ph, dh), pool_size(x.shape[3], kernel[1], sw, pw, dw))
        ctx.args, ctx.in_hw = (kernel, geometry, weight), (x.shape[2], x.shape[3])
        return _run(_pool, x, out_hw, ctx.args)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        return _run(_unpool, grad, ctx.in_hw, ctx.args), None, None, None


class SumUnpool(torch.autograd.Function):
    """:func:`_unpool` forward, :func:`_pool` backward."""

    @staticmethod
    def forward(
        ctx: Any, x: torch.Tensor, kernel: Pair, geometry: tuple[int, ...], weight: float
    ) -> torch.Tensor:
        sh, sw, ph, pw, dh, dw = geometry
        out_hw = (
            unpool_size(x.shape[2], kernel[0], sh, ph, dh),
            unpool_size(x.shape[3], kernel[1], sw, pw, dw),
        )
        ctx.args, ctx.in_hw = (kernel, geometry, weight), (x.shape[2], x.shape[3])
        return _run(_unpool, x, out_hw, ctx.args)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        return _run(_pool, grad, ctx.in_hw, ctx.args), None, None, None
