"""An independent numpy transcription of SPEC.md, loop by loop, used as the test oracle.

Written from the SPEC text, not from slayer's code: nothing here imports slayer.
"""

from __future__ import annotations

import math

import numpy as np


def alpha(tau: float, mult: float, eps_cut: float, ts: float, t_sample: float) -> np.ndarray:
    """SPEC §2 kernel: sample at t = k*Ts for t in [0, t_sample), stop at |v| < eps_cut and t > tau."""
    out = []
    k = 0
    while k * ts < t_sample:
        t = k * ts
        v = mult * (t / tau) * math.exp(1.0 - t / tau)
        if abs(v) < eps_cut and t > tau:
            break
        out.append(v)
        k += 1
    return np.array(out)


def psp(x: np.ndarray, eps: np.ndarray, ts: float) -> np.ndarray:
    """a[t] = Ts * sum_k eps[k] x[t-k] (x before 0 is 0), per row of a (M, T) array."""
    m, steps = x.shape
    a = np.zeros_like(x)
    for t in range(steps):
        acc = np.zeros(m, dtype=x.dtype)
        for k in range(len(eps)):
            if t - k >= 0:
                acc = acc + x[:, t - k] * eps[k]
        a[:, t] = acc * ts
    return a


def psp_backward(g: np.ndarray, eps: np.ndarray, ts: float) -> np.ndarray:
    """dL/dx[t] = Ts * sum_k eps[k] g[t+k] (terms past T are zero)."""
    m, steps = g.shape
    out = np.zeros_like(g)
    for t in range(steps):
        acc = np.zeros(m, dtype=g.dtype)
        for k in range(len(eps)):
            if t + k < steps:
                acc = acc + g[:, t + k] * eps[k]
        out[:, t] = acc * ts
    return out


def spike(u: np.ndarray, nu: np.ndarray, theta: float, ts: float) -> tuple[np.ndarray, np.ndarray]:
    """SPEC §2.3, neuron by neuron in time order; returns (spikes, post-refractory potential)."""
    u = u.copy()
    s = np.zeros_like(u)
    amp = u.dtype.type(1.0) / u.dtype.type(ts)
    for i in range(u.shape[0]):
        for t in range(u.shape[1]):
            if u[i, t] >= u.dtype.type(theta):
                s[i, t] = amp
                for j in range(len(nu)):
                    if t + j < u.shape[1]:
                        u[i, t + j] = u[i, t + j] + nu[j]
    return s, u


def rho(u: np.ndarray, theta: float, tau_rho: float, scale_rho: float) -> np.ndarray:
    """Surrogate derivative of SPEC §2."""
    width = tau_rho * theta
    return scale_rho / width * np.exp(-np.abs(u - theta) / width)


def shift(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """y[i, t] = x[i, t - n[i]], zero outside."""
    y = np.zeros_like(x)
    steps = x.shape[1]
    for i in range(x.shape[0]):
        for t in range(steps):
            src = t - int(n[i])
            if 0 <= src < steps:
                y[i, t] = x[i, src]
    return y


def delay_grad(g: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per row: sum_t g[t] * (y[t-1] - y[t]), y[-1] = 0."""
    prev = np.concatenate([np.zeros((y.shape[0], 1), y.dtype), y[:, :-1]], axis=1)
    return (g * (prev - y)).sum(1)


def sum_pool(x: np.ndarray, k: int, weight: float) -> np.ndarray:
    """(N, C, H, W, T) -> end-pad to multiples of k, then k x k windows with stride k, times weight."""
    n, c, h, w, steps = x.shape
    hp, wp = -(-h // k) * k, -(-w // k) * k
    padded = np.zeros((n, c, hp, wp, steps), x.dtype)
    padded[:, :, :h, :w] = x
    out = np.zeros((n, c, hp // k, wp // k, steps), x.dtype)
    for i in range(hp // k):
        for j in range(wp // k):
            out[:, :, i, j] = (padded[:, :, i * k : i * k + k, j * k : j * k + k] * weight).sum((2, 3))
    return out


def spike_count_loss(
    s: np.ndarray, label: np.ndarray, eps: np.ndarray, ts: float, i0: int, i1: int, true: float, false: float
) -> tuple[float, np.ndarray]:
    """SPEC §6 count loss for s of shape (N, C, T); returns (L, dL/ds)."""
    n, c, steps = s.shape
    m = np.zeros(steps)
    m[i0:i1] = 1
    count = ts * s[:, :, i0:i1].sum(-1, keepdims=True)
    target = np.where(np.arange(c)[None, :, None] == label[:, None, None], true, false)
    diff = (s - m * s).reshape(n * c, steps)
    e = psp(diff, eps, ts).reshape(n, c, steps) + m * (count - target) / (i1 - i0)
    loss = 0.5 * ts * (e**2).sum()
    grad = psp_backward((ts * e).reshape(n * c, steps), eps, ts).reshape(n, c, steps)
    return float(loss), grad  # m*s and the count are constants: d(s - m*s)/ds = 1
