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

__all__ = ["alpha_recursion", "delay_grad", "psp", "shift", "spike", "spike_grad"]

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
def _filter_row(x, y, m, fir, ts, a, a_k, c, recursive, reverse):  # type: ignore[no-untyped-def]
    steps, taps = x.shape[1], fir.shape[0]
    nnz = 0
    for t in range(steps):
        if x[m, t] != 0:
            nnz += 1
    if recursive and nnz * taps > RECURSIVE_COST * steps:
        k_a_k = taps * a_k
        p = 0.0
        q = 0.0
        previous = 0.0
        for i in range(steps):
            t = steps - 1 - i if reverse else i
            p = a * (p + previous)
            q = a * q + p
            if i >= taps:
                old = x[m, t + taps] if reverse else x[m, t - taps]
                p -= a_k * old
                q -= k_a_k * old
            y[m, t] = c * q
            previous = x[m, t]
        return
    for t in range(steps):
        y[m, t] = 0
    if nnz == 0:
        return
    for t in range(steps):
        value = x[m, t]
        if value != 0:
            value = value * ts
            if reverse:
                for k in range(min(taps, t + 1)):
                    y[m, t - k] += fir[k] * value
            else:
                for k in range(min(taps, steps - t)):
                    y[m, t + k] += fir[k] * value


@jit(parallel=True)
def _filter(x, y, fir, ts, a, a_k, c, recursive, reverse):  # type: ignore[no-untyped-def]
    for m in prange(x.shape[0]):
        _filter_row(x, y, m, fir, ts, a, a_k, c, recursive, reverse)


def psp(x: np.ndarray, fir: np.ndarray, ts: float, tau: float | None, reverse: bool) -> np.ndarray:
    """Causal (``reverse=False``) or anti-causal (``reverse=True``) FIR of every row, times ``Ts``.

    ``y[m, t] = Ts sum_k fir[k] x[m, t -+ k]`` (terms outside ``[0, T)`` are zero).
    """
    y = np.empty_like(x)
    coefficients = alpha_recursion(fir, ts, tau)
    a, a_k, c = coefficients if coefficients is not None else (0.0, 0.0, 0.0)
    _filter(x, y, fir, x.dtype.type(ts), a, a_k, c, coefficients is not None, reverse)
    return y


@jit(parallel=True)
def _spike(u, s, u_post, nu, theta, amplitude):  # type: ignore[no-untyped-def]
    steps, length = u.shape[1], nu.shape[0]
    for m in prange(u.shape[0]):
        for t in range(steps):
            u_post[m, t] = u[m, t]
        for t in range(steps):
            if u_post[m, t] >= theta:
                s[m, t] = amplitude
                for j in range(1, min(length, steps - t)):
                    u_post[m, t + j] += nu[j]
            else:
                s[m, t] = 0


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


@jit(parallel=True)
def _spike_grad(grad, u, out, theta, rho_tau, rho_scale):  # type: ignore[no-untyped-def]
    """``out = grad * rho_scale * exp(-|u - theta| / rho_tau)`` with a vectorisable exp.

    ``exp(x) = 2^k 2^f`` (``k = floor(x log2 e)``): ``2^f`` by its Taylor polynomial, ``2^k`` by
    writing ``k`` into the exponent bits of a float64, so every loop vectorises (no libm call).
    """
    rows, steps = u.shape
    chunks = min(rows, 64)
    for chunk in prange(chunks):
        power = np.empty(steps, dtype=np.int64)
        fraction = np.empty(steps, dtype=np.float64)
        scale = power.view(np.float64)
        for m in range(chunk * rows // chunks, (chunk + 1) * rows // chunks):
            for t in range(steps):
                y = -abs(np.float64(u[m, t]) - theta) / rho_tau * _LOG2E
                y = y if y > -1000.0 else -1000.0
                k = np.floor(y)
                fraction[t] = _exp2_fraction(y - k)
                power[t] = (np.int64(k) + 1023) << 52
            for t in range(steps):
                out[m, t] = grad[m, t] * (rho_scale * (fraction[t] * scale[t]))


def spike_grad(grad: np.ndarray, u: np.ndarray, theta: float, rho_tau: float, rho_scale: float) -> np.ndarray:
    """``grad * rho_scale * exp(-|u - theta| / rho_tau)``, one pass (arithmetic in float64)."""
    out = np.empty_like(u)
    _spike_grad(grad, u, out, float(theta), float(rho_tau), float(rho_scale))
    return out


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
