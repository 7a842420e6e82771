# mypy: allow-untyped-defs
"""Triton kernels of the neuron and delay ops on 2-D ``(M, T)`` row-major tensors (time last).

Each kernel is one launch over all time steps. Rows (neurons) are independent, so a program owns a
block of rows; the spike kernel walks time sequentially inside the program, the others tile time
too. Scalars that must round exactly as torch rounds them (``theta``, the spike amplitude) arrive
as float64 and are cast once to the tensor's dtype, as torch casts a Python scalar.
Row offsets are computed in int64, so ``M * T`` may exceed ``2**31``.

The same source runs compiled on a GPU and, with ``TRITON_INTERPRET=1``, in Triton's interpreter on
CPU tensors (how the test suite checks it against the reference backend).
"""

from __future__ import annotations

import triton
import triton.language as tl


@triton.jit
def _cast(value, dtype: tl.constexpr):
    """A float64 scalar argument rounded once to ``dtype`` (a plain float in the interpreter)."""
    return tl.full((), value, dtype)


@triton.jit
def fir_kernel(
    x_ptr,
    k_ptr,
    y_ptr,
    M,
    T,
    K,
    ts: tl.float64,
    REVERSE: tl.constexpr,
    BLOCK_M: tl.constexpr,
    BLOCK_T: tl.constexpr,
):
    """``y[m, t] = ts * sum_k k[k] * x[m, t - k]`` (causal), or ``x[m, t + k]`` if ``REVERSE``.

    One program computes a ``(BLOCK_M, BLOCK_T)`` tile of ``y`` as ``K`` shifted, masked loads of
    ``x`` (served from L1/L2 after the first) times one scalar tap each, accumulated in ``x``'s
    dtype: ``K`` fused multiply-adds per output, read and write of each element once from DRAM.
    """
    rows = tl.program_id(0) * BLOCK_M + tl.arange(0, BLOCK_M)
    cols = tl.program_id(1) * BLOCK_T + tl.arange(0, BLOCK_T)
    row_ok = rows < M
    base = rows.to(tl.int64)[:, None] * T
    acc = tl.zeros((BLOCK_M, BLOCK_T), dtype=x_ptr.dtype.element_ty)
    for k in range(0, K):
        tap = tl.load(k_ptr + k)
        if REVERSE:
            src = cols + k
        else:
            src = cols - k
        ok = row_ok[:, None] & ((src >= 0) & (src < T))[None, :]
        acc += tap * tl.load(x_ptr + base + src[None, :], mask=ok, other=0.0)
    out = acc * _cast(ts, acc.dtype)
    tl.store(y_ptr + base + cols[None, :], out, mask=row_ok[:, None] & (cols < T)[None, :])


@triton.jit
def spike_kernel(
    u_ptr,
    nu_ptr,
    s_ptr,
    post_ptr,
    M,
    T,
    L,
    theta: tl.float64,
    amplitude: tl.float64,
    BLOCK_M: tl.constexpr,
    RING: tl.constexpr,
):
    """Spikes with refractory response, strictly in time order, one program per block of neurons.

    A register ring buffer ``win`` of ``RING >= L`` bins x ``BLOCK_M`` neurons holds the potential
    of the next ``RING`` bins of every neuron of the block: bin ``t`` lives in ring slot
    ``t % RING``. It is loaded from ``u`` when it enters the window, receives the refractory
    additions of the spikes that precede it (in time order, one float add of ``nu[j]`` per spike,
    as the reference does), and at step ``t`` is compared with ``theta``, written to ``post`` and
    replaced by bin ``t + RING``. So ``u`` is read once, ``s`` and ``post`` written once, the
    refractory kernel never goes through global memory, and the load of bin ``t + RING`` is issued
    ``RING`` steps before it is needed.

    The ring is built from 1-D loads (not one 2-D load, which would lay the ring axis across
    threads): with ``BLOCK_M = 32 * num_warps`` every thread then holds its neuron's whole ring in
    registers, so a step needs no shuffles, shared memory or barriers.
    """
    rows = tl.program_id(0) * BLOCK_M + tl.arange(0, BLOCK_M)
    row_ok = rows < M
    base = rows.to(tl.int64) * T
    slots = tl.arange(0, RING)
    dtype = u_ptr.dtype.element_ty
    threshold = _cast(theta, dtype)
    spike_value = _cast(amplitude, dtype)
    # bins past the end are never read out: loads of bins >= T are clamped instead of masked
    win = tl.zeros((RING, BLOCK_M), dtype=dtype)
    for c in range(0, RING):
        first = tl.load(u_ptr + base + tl.minimum(c, T - 1), mask=row_ok, other=0.0)
        win = tl.where((slots == c)[:, None], first[None, :], win)
    for t in range(0, T):
        slot = t % RING
        here = (slots == slot)[:, None]
        v = tl.sum(tl.where(here, win, 0.0), axis=0)  # the one selected value, exactly
        fired = v >= threshold
        tl.store(s_ptr + base + t, tl.where(fired, spike_value, 0.0).to(dtype), mask=row_ok)
        tl.store(post_ptr + base + t, v, mask=row_ok)
        # slot c holds bin t + j with j = (c - t) mod RING; nu[0] = 0 and j >= L get nothing
        j = (slots - slot + RING) % RING
        use = (j >= 1) & (j < L)
        nu = tl.load(nu_ptr + j, mask=use, other=0.0)
        win += tl.where(use[:, None] & fired[None, :], nu[:, None], 0.0)
        nxt = tl.load(u_ptr + base + tl.minimum(t + RING, T - 1), mask=row_ok, other=0.0)
        win = tl.where(here, nxt[None, :], win)


@triton.jit
def spike_grad_kernel(
    g_ptr,
    u_ptr,
    out_ptr,
    N,
    theta: tl.float64,
    rho_tau: tl.float64,
    rho_scale: tl.float64,
    BLOCK: tl.constexpr,
):
    """Surrogate backward, elementwise: ``out = g * rho_scale * exp(-|u - theta| / rho_tau)``."""
    i = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    ok = i < N
    g = tl.load(g_ptr + i, mask=ok, other=0.0)
    u = tl.load(u_ptr + i, mask=ok, other=0.0)
    dtype = g.dtype
    rho = _cast(rho_scale, dtype) * tl.exp(-tl.abs(u - _cast(theta, dtype)) / _cast(rho_tau, dtype))
    tl.store(out_ptr + i, g * rho, mask=ok)


@triton.jit
def shift_kernel(x_ptr, n_ptr, y_ptr, M, T, BLOCK_M: tl.constexpr, BLOCK_T: tl.constexpr):
    """Per-row shift ``y[m, t] = x[m, t - n[m]]``, zero where ``t - n[m]`` is outside ``[0, T)``."""
    rows = tl.program_id(0) * BLOCK_M + tl.arange(0, BLOCK_M)
    cols = tl.program_id(1) * BLOCK_T + tl.arange(0, BLOCK_T)
    row_ok = rows < M
    base = rows.to(tl.int64)[:, None] * T
    n = tl.load(n_ptr + rows, mask=row_ok, other=0)
    src = cols[None, :] - n[:, None]
    ok = row_ok[:, None] & (src >= 0) & (src < T)
    x = tl.load(x_ptr + base + src, mask=ok, other=0.0)
    tl.store(y_ptr + base + cols[None, :], x, mask=row_ok[:, None] & (cols < T)[None, :])


@triton.jit
def delay_grad_kernel(g_ptr, y_ptr, out_ptr, M, T, BLOCK_M: tl.constexpr, BLOCK_T: tl.constexpr):
    """Per-row ``out[m] = sum_t g[m, t] * (y[m, t - 1] - y[m, t])`` with ``y[m, -1] = 0``."""
    rows = tl.program_id(0) * BLOCK_M + tl.arange(0, BLOCK_M)
    row_ok = rows < M
    base = rows.to(tl.int64)[:, None] * T
    acc = tl.zeros((BLOCK_M, BLOCK_T), dtype=g_ptr.dtype.element_ty)
    for start in range(0, T, BLOCK_T):
        cols = start + tl.arange(0, BLOCK_T)
        ok = row_ok[:, None] & (cols < T)[None, :]
        g = tl.load(g_ptr + base + cols[None, :], mask=ok, other=0.0)
        y = tl.load(y_ptr + base + cols[None, :], mask=ok, other=0.0)
        prev = tl.load(y_ptr + base + cols[None, :] - 1, mask=ok & (cols >= 1)[None, :], other=0.0)
        acc += g * (prev - y)
    tl.store(out_ptr + rows, tl.sum(acc, axis=1), mask=row_ok)
