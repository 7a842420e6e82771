"""Compiled neuron kernels on ``(M, T)`` rows: psp, spikes, surrogate, delay shift (SPEC §2–4).

Every kernel runs one row (one neuron of one sample) per iteration of a parallel loop, strictly in
time order inside the row, with no Python loop over time. Float32 and float64 rows are accepted.

The psp filter chooses per row between two exact evaluations of the same truncated FIR:

* **scatter** (sparse rows, any kernel): every nonzero input adds ``Ts * x[t] * eps`` to the
  ``K`` following bins, ``nnz * K`` operations;
* **recursive** (dense rows, the alpha kernel only): with ``a = exp(-Ts / tau)`` the unit alpha
  kernel is ``eps[k] = (e Ts / tau) k a^k``, so ``a[t] = c Q[t]`` with ``c = e Ts^2 / tau`` and

  .. math::

      P[t] = a (P[t-1] + x[t-1]), \\qquad Q[t] = a Q[t-1] + P[t],

  from which the terms that left the ``K``-tap window are removed each step
  (``P -= a^K x[t-K]``, ``Q -= K a^K x[t-K]``), so the result is the *truncated* FIR exactly
  (in float64 state: agreement with the convolution is at float32 rounding). About 6 operations
  per bin instead of ``K``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from slayer.backends.numba.cache import jit

__all__ = [
    "alpha_recursion",
    "delay_grad",
    "psp",
    "psp_spike",
    "psp_spike_grad",
    "shift",
    "spike",
    "spike_grad",
]

#: a row is filtered recursively when ``nnz * K`` exceeds this many times ``T``
RECURSIVE_COST = 6


def alpha_recursion(fir: np.ndarray, ts: float, tau: float | None) -> tuple[float, float, float] | None:
    """``(a, a^K, c)`` when ``fir`` is ``Ts``-sampled unit alpha kernel of time constant ``tau``, else None.

    The check compares every tap with ``(k Ts / tau) exp(1 - k Ts / tau)`` to 1e-6 of the peak, so
    a learnt or foreign kernel passed with a ``tau`` falls back to the exact scatter path.
    """
    if tau is None or not tau > 0 or fir.size < 2:
        return None
    k = np.arange(fir.size, dtype=np.float64)
    alpha = k * ts / tau * np.exp(1.0 - k * ts / tau)
    if np.abs(fir.astype(np.float64) - alpha).max() > 1e-6 * max(1.0, float(alpha.max())):
        return None
    a = math.exp(-ts / tau)
    return a, a**fir.size, math.e * ts * ts / tau


@jit()
def flush(value, tiny):  # type: ignore[no-untyped-def]
    """``value``, or 0 when its magnitude is below ``tiny`` (the smallest normal number of the output).

    Gradients decay exponentially away from the threshold (``rho``), and float32 values below
    1.2e-38 are subnormal: arithmetic on them is ~100x slower on x86, in our kernels and in the
    convolutions downstream. Storing 0 instead changes a value by less than 1.2e-38.
    """
    return value if abs(value) >= tiny else 0.0


@jit()
def _nonzeros(x):  # type: ignore[no-untyped-def]
    n = 0
    for t in range(x.shape[0]):
        n += x[t] != 0
    return n


@jit()
def _recursive(x0, x1, y0, y1, a, a_k, c, taps, reverse, tiny):  # type: ignore[no-untyped-def]
    """Rows ``x0 -> y0`` and ``x1 -> y1`` (may be the same) filtered recursively, as two interleaved chains.

    Per step: ``p' = a (p + x[t-1])``, ``q = a q + p' - K a^K x[t-K]``, ``p = p' - a^K x[t-K]``,
    ``y[t] = c q`` (reversed in time for the backward pass); results below ``tiny`` (the smallest
    normal number of ``y``'s dtype) are stored as 0, see :func:`flush`.
    """
    steps = x0.shape[0]
    base = steps - 1 if reverse else 0
    step = -1 if reverse else 1
    k_a_k = taps * a_k
    p0 = q0 = p1 = q1 = previous0 = previous1 = 0.0
    head = min(taps, steps)
    for i in range(head):
        t = base + step * i
        p0 = a * (p0 + previous0)
        p1 = a * (p1 + previous1)
        q0 = a * q0 + p0
        q1 = a * q1 + p1
        previous0 = x0[t]
        previous1 = x1[t]
        y0[t] = flush(c * q0, tiny)
        y1[t] = flush(c * q1, tiny)
    for i in range(head, steps):
        t = base + step * i
        old0 = x0[t - step * taps]
        old1 = x1[t - step * taps]
        p0 = a * (p0 + previous0)
        p1 = a * (p1 + previous1)
        q0 = a * q0 + p0 - k_a_k * old0
        q1 = a * q1 + p1 - k_a_k * old1
        p0 -= a_k * old0
        p1 -= a_k * old1
        previous0 = x0[t]
        previous1 = x1[t]
        y0[t] = flush(c * q0, tiny)
        y1[t] = flush(c * q1, tiny)


@jit()
def _scatter(x, y, fir, ts, reverse):  # type: ignore[no-untyped-def]
    """Row ``x -> y`` as a sum of kernels, one per nonzero input."""
    steps, taps = x.shape[0], fir.shape[0]
    for t in range(steps):
        y[t] = 0
    for t in range(steps):
        value = x[t]
        if value != 0:
            value = value * ts
            if reverse:
                for k in range(min(taps, t + 1)):
                    y[t - k] += fir[k] * value
            else:
                for k in range(min(taps, steps - t)):
                    y[t + k] += fir[k] * value


@jit()
def _filter_pair(x0, x1, y0, y1, fir, ts, a, a_k, c, recursive, reverse, tiny):  # type: ignore[no-untyped-def]
    """Rows ``x0 -> y0`` and ``x1 -> y1`` (``x1 is x0`` for a lone row), each by the cheaper exact path."""
    steps, taps = x0.shape[0], fir.shape[0]
    r0 = recursive and _nonzeros(x0) * taps > RECURSIVE_COST * steps
    r1 = recursive and _nonzeros(x1) * taps > RECURSIVE_COST * steps
    if r0 and r1:
        _recursive(x0, x1, y0, y1, a, a_k, c, taps, reverse, tiny)
        return
    if r0:
        _recursive(x0, x0, y0, y0, a, a_k, c, taps, reverse, tiny)
    else:
        _scatter(x0, y0, fir, ts, reverse)
    if r1:
        _recursive(x1, x1, y1, y1, a, a_k, c, taps, reverse, tiny)
    else:
        _scatter(x1, y1, fir, ts, reverse)


@jit(parallel=True)
def _filter(x, y, fir, ts, a, a_k, c, recursive, reverse):  # type: ignore[no-untyped-def]
    rows = x.shape[0]
    tiny = np.finfo(y.dtype).tiny
    for pair in prange(rows // 2):
        m = 2 * pair
        _filter_pair(x[m], x[m + 1], y[m], y[m + 1], fir, ts, a, a_k, c, recursive, reverse, tiny)
    if rows % 2:
        m = rows - 1
        _filter_pair(x[m], x[m], y[m], y[m], fir, ts, a, a_k, c, recursive, reverse, tiny)


def _coefficients(fir: np.ndarray, ts: float, tau: float | None) -> tuple[float, float, float, bool]:
    coefficients = alpha_recursion(fir, ts, tau)
    if coefficients is None:
        return 0.0, 0.0, 0.0, False
    return (*coefficients, True)


def psp(x: np.ndarray, fir: np.ndarray, ts: float, tau: float | None, reverse: bool) -> np.ndarray:
    """Causal (``reverse=False``) or anti-causal (``reverse=True``) FIR of every row, times ``Ts``.

    ``y[m, t] = Ts sum_k fir[k] x[m, t -+ k]`` (terms outside ``[0, T)`` are zero).
    """
    y = np.empty_like(x)
    _filter(x, y, fir, x.dtype.type(ts), *_coefficients(fir, ts, tau), reverse)
    return y


#: bins tested at once (vectorised) for a threshold crossing before stepping through them one by one
_BLOCK = 16


@jit()
def _spike_row(u, s, nu, theta, amplitude):  # type: ignore[no-untyped-def]
    """Spikes ``s`` of one row; ``u`` holds the potential and receives the refractory responses in place."""
    steps, length = u.shape[0], nu.shape[0]
    for t in range(steps):
        s[t] = 0
    for b0 in range(0, steps, _BLOCK):
        b1 = min(steps, b0 + _BLOCK)
        crossings = 0
        for t in range(b0, b1):  # values already hold every earlier spike's refractory response
            crossings += u[t] >= theta
        if crossings == 0:
            continue
        for t in range(b0, b1):
            if u[t] >= theta:
                s[t] = amplitude
                for j in range(1, min(length, steps - t)):
                    u[t + j] += nu[j]


@jit(parallel=True)
def _spike(u, s, u_post, nu, theta, amplitude):  # type: ignore[no-untyped-def]
    for m in prange(u.shape[0]):
        u_post[m] = u[m]
        _spike_row(u_post[m], s[m], nu, theta, amplitude)


def spike(u: np.ndarray, nu: np.ndarray, theta: float, amplitude: float) -> tuple[np.ndarray, np.ndarray]:
    """Spikes and post-refractory potential of every row, strictly in time order (SPEC §2.3).

    Arithmetic happens in the rows' dtype in the reference's order, so spikes are identical.
    """
    s, u_post = np.empty_like(u), np.empty_like(u)
    kind = u.dtype.type
    _spike(u, s, u_post, nu, kind(theta), kind(amplitude))
    return s, u_post


_LOG2E = 1.4426950408889634
_LN2 = 0.6931471805599453
#: Taylor coefficients of 2^f = exp(f ln 2) on [0, 1): degree 13, relative error below 1e-13
_EXP2 = tuple(_LN2**k / math.factorial(k) for k in range(14))
#: the same on [-1/2, 1/2] in float32: degree 7, relative error below 6e-9 (float32 rounding: 6e-8)
_EXP2_32 = tuple(np.float32(c) for c in _EXP2[:8])


@jit()
def _exp2_fraction(f):  # type: ignore[no-untyped-def]
    """``2^f`` for ``f`` in ``[0, 1)``: Horner's rule over :data:`_EXP2`, written out to vectorise."""
    c = _EXP2
    p = c[13] * f + c[12]
    p = p * f + c[11]
    p = p * f + c[10]
    p = p * f + c[9]
    p = p * f + c[8]
    p = p * f + c[7]
    p = p * f + c[6]
    p = p * f + c[5]
    p = p * f + c[4]
    p = p * f + c[3]
    p = p * f + c[2]
    p = p * f + c[1]
    return p * f + c[0]


@jit()
def _exp2_fraction32(f):  # type: ignore[no-untyped-def]
    """``2^f`` for float32 ``f`` in ``[-1/2, 1/2]``: Horner's rule over :data:`_EXP2_32`."""
    c = _EXP2_32
    p = c[7] * f + c[6]
    p = p * f + c[5]
    p = p * f + c[4]
    p = p * f + c[3]
    p = p * f + c[2]
    p = p * f + c[1]
    return p * f + c[0]


@jit()
def _surrogate_row(grad, u, out, theta, rho_tau, rho_scale, scratch, tiny, single):  # type: ignore[no-untyped-def]
    """``out = grad * rho_scale * exp(-|u - theta| / rho_tau)`` for one row (subnormals flushed).

    ``exp(x) = 2^k 2^f``: ``2^f`` by its Taylor polynomial, ``2^k`` by writing ``k`` into the
    exponent bits of a float, so every loop vectorises (no libm call). The exponent ``x log2 e`` is
    computed in float64; float64 rows then take ``k = floor``, ``f`` in ``[0, 1)`` and degree 13,
    float32 rows ``k = round``, ``f`` in ``[-1/2, 1/2]`` rounded to float32 and degree 7 in float32
    (within a few float32 ulps of the exact value, as the reference's float32 ``torch.exp`` is).
    ``single`` says the rows are float32; ``scratch`` is a ``(2, T)`` int64 row pair (the powers and
    the fractions, reinterpreted).
    """
    steps = u.shape[0]
    if single:
        power = scratch[0].view(np.int32)[:steps]
        fraction = scratch[1].view(np.float32)[:steps]
        factor = _LOG2E / rho_tau
        for t in range(steps):
            y = -abs(np.float64(u[t]) - theta) * factor
            y = y if y > -126.0 else -126.0
            k = np.floor(y + 0.5)
            fraction[t] = _exp2_fraction32(np.float32(y - k))
            power[t] = (np.int32(k) + np.int32(127)) << np.int32(23)
        _scaled(grad, out, np.float32(rho_scale), fraction, power.view(np.float32), tiny)
    else:
        power64 = scratch[0]
        fraction64 = scratch[1].view(np.float64)
        for t in range(steps):
            y = -abs(np.float64(u[t]) - theta) / rho_tau * _LOG2E
            y = y if y > -1000.0 else -1000.0
            k = np.floor(y)
            fraction64[t] = _exp2_fraction(y - k)
            power64[t] = (np.int64(k) + 1023) << 52
        _scaled(grad, out, rho_scale, fraction64, power64.view(np.float64), tiny)


@jit()
def _scaled(grad, out, weight, fraction, power, tiny):  # type: ignore[no-untyped-def]
    """``out = grad * weight * 2^f * 2^k`` (subnormals flushed), the last pass of :func:`_surrogate_row`."""
    for t in range(out.shape[0]):
        out[t] = flush(grad[t] * (weight * (fraction[t] * power[t])), tiny)


@jit(parallel=True)
def _spike_grad(grad, u, out, theta, rho_tau, rho_scale, single):  # type: ignore[no-untyped-def]
    rows, steps = u.shape
    tiny = np.finfo(out.dtype).tiny
    chunks = min(rows, 64)
    for chunk in prange(chunks):
        scratch = np.empty((2, steps), dtype=np.int64)
        for m in range(chunk * rows // chunks, (chunk + 1) * rows // chunks):
            _surrogate_row(grad[m], u[m], out[m], theta, rho_tau, rho_scale, scratch, tiny, single)


def spike_grad(grad: np.ndarray, u: np.ndarray, theta: float, rho_tau: float, rho_scale: float) -> np.ndarray:
    """``grad * rho_scale * exp(-|u - theta| / rho_tau)``, one pass (see :func:`_surrogate_row`)."""
    out = np.empty_like(u)
    _spike_grad(grad, u, out, float(theta), float(rho_tau), float(rho_scale), u.dtype == np.float32)
    return out


@jit(parallel=True)
def _psp_spike(z, s, u, fir, ts, a, a_k, c, recursive, nu, theta, amplitude):  # type: ignore[no-untyped-def]
    """psp of each row of ``z`` into ``u``, then its spikes, while the row is still in cache."""
    rows = z.shape[0]
    tiny = np.finfo(u.dtype).tiny
    for pair in prange(rows // 2):
        m = 2 * pair
        _filter_pair(z[m], z[m + 1], u[m], u[m + 1], fir, ts, a, a_k, c, recursive, False, tiny)
        _spike_row(u[m], s[m], nu, theta, amplitude)
        _spike_row(u[m + 1], s[m + 1], nu, theta, amplitude)
    if rows % 2:
        m = rows - 1
        _filter_pair(z[m], z[m], u[m], u[m], fir, ts, a, a_k, c, recursive, False, tiny)
        _spike_row(u[m], s[m], nu, theta, amplitude)


def psp_spike(
    z: np.ndarray,
    fir: np.ndarray,
    ts: float,
    tau: float | None,
    nu: np.ndarray,
    theta: float,
    amplitude: float,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`psp` then :func:`spike` in one pass over the rows: the same arithmetic, so the same spikes.

    Returns ``(s, u_post)``; the psp never leaves the cache (one read and two writes per bin instead of
    two reads and three writes).
    """
    s, u = np.empty_like(z), np.empty_like(z)
    kind = z.dtype.type
    _psp_spike(z, s, u, fir, kind(ts), *_coefficients(fir, ts, tau), nu, kind(theta), kind(amplitude))
    return s, u


@jit(parallel=True)
def _psp_spike_grad(grad, u, dz, fir, ts, a, a_k, c, recursive, theta, rho_tau, rho_scale, single):  # type: ignore[no-untyped-def]
    """Surrogate of each row pair into a scratch pair, then its anti-causal psp into ``dz``."""
    rows, steps = u.shape
    tiny = np.finfo(dz.dtype).tiny
    pairs = (rows + 1) // 2
    chunks = min(pairs, 64)
    for chunk in prange(chunks):
        scratch = np.empty((2, steps), dtype=np.int64)
        du = np.empty((2, steps), dtype=dz.dtype)
        for pair in range(chunk * pairs // chunks, (chunk + 1) * pairs // chunks):
            m0 = 2 * pair
            m1 = min(m0 + 1, rows - 1)
            _surrogate_row(grad[m0], u[m0], du[0], theta, rho_tau, rho_scale, scratch, tiny, single)
            _surrogate_row(grad[m1], u[m1], du[1], theta, rho_tau, rho_scale, scratch, tiny, single)
            _filter_pair(du[0], du[1], dz[m0], dz[m1], fir, ts, a, a_k, c, recursive, True, tiny)


def psp_spike_grad(
    grad: np.ndarray,
    u: np.ndarray,
    fir: np.ndarray,
    ts: float,
    tau: float | None,
    theta: float,
    rho_tau: float,
    rho_scale: float,
) -> np.ndarray:
    """:func:`spike_grad` then the anti-causal :func:`psp`, one pass over the rows (same arithmetic)."""
    dz = np.empty_like(u)
    coefficients = _coefficients(fir, ts, tau)
    rho = (float(theta), float(rho_tau), float(rho_scale), u.dtype == np.float32)
    _psp_spike_grad(grad, u, dz, fir, u.dtype.type(ts), *coefficients, *rho)
    return dz


@jit(parallel=True)
def _shift(x, n, y):  # type: ignore[no-untyped-def]
    steps = x.shape[1]
    for m in prange(x.shape[0]):
        d = n[m]
        for t in range(steps):
            source = t - d
            y[m, t] = x[m, source] if 0 <= source < steps else 0


def shift(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``y[m, t] = x[m, t - n[m]]``, zero outside ``[0, T)``."""
    y = np.empty_like(x)
    _shift(x, n, y)
    return y


@jit(parallel=True)
def _delay_grad(grad, y, out):  # type: ignore[no-untyped-def]
    steps = y.shape[1]
    for m in prange(y.shape[0]):
        total = 0.0
        previous = 0.0
        for t in range(steps):
            total += grad[m, t] * (previous - y[m, t])
            previous = y[m, t]
        out[m] = total


def delay_grad(grad: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``sum_t grad[m, t] (y[m, t-1] - y[m, t])`` per row, ``y[-1] = 0`` (accumulated in float64)."""
    out = np.empty(y.shape[0], dtype=y.dtype)
    _delay_grad(grad, y, out)
    return out
