"""Spike encoders: values in [0, 1] (pixels, sound levels) to time-last spike tensors of amplitude 1/Ts.

The arithmetic is numpy (one pass per step, no thread start-up for these small arrays); random
numbers come from torch, so that ``torch.manual_seed`` and DataLoader worker seeding govern them.
"""

from __future__ import annotations

import numpy as np
import torch

from slayer.params import Simulation

__all__ = ["integrate", "latency", "poisson", "rate"]

Array = torch.Tensor | np.ndarray


def _numpy(values: Array) -> np.ndarray:
    array = values.detach().cpu().numpy() if isinstance(values, torch.Tensor) else np.asarray(values)
    return array.astype(np.float64, copy=False)


def _unit(values: Array, what: str) -> np.ndarray:
    array = _numpy(values)
    if array.size and not (np.all(np.isfinite(array)) and array.min() >= 0 and array.max() <= 1):
        raise ValueError(f"{what} must lie in [0, 1], got values in [{array.min()}, {array.max()}]")
    return array


def _spikes(counts: np.ndarray, sim: Simulation) -> torch.Tensor:
    return torch.from_numpy((counts * sim.spike).astype(np.float32))


def poisson(rate_hz: Array, sim: Simulation, generator: torch.Generator | None = None) -> torch.Tensor:
    """Bernoulli (discrete Poisson) spikes from time-varying rates.

    .. math::

        s[\\dots, t] = \\frac{1}{T_s}\\,[u[\\dots, t] < \\min(1, r[\\dots, t]\\, T_s / 1000)],
        \\qquad u \\sim \\mathcal{U}[0, 1)

    Shape
    -----
    ``rate_hz``: ``(..., T)`` in Hz; output: the same shape, float32.
    """
    p = np.clip(_numpy(rate_hz) * (sim.ts / 1000.0), 0.0, 1.0)
    draw = torch.rand(p.shape, generator=generator, dtype=torch.float64).numpy()
    return _spikes(draw < p, sim)


def integrate(rate_hz: Array, sim: Simulation) -> torch.Tensor:
    """Deterministic integrate-and-fire spikes from time-varying rates (no randomness).

    .. math::

        c[t] = \\sum_{k \\le t} r[k]\\, T_s / 1000, \\qquad
        s[t] = \\frac{\\lfloor c[t] \\rfloor - \\lfloor c[t-1] \\rfloor}{T_s}, \\quad c[-1] = 0

    so the count up to any bin is the integrated rate rounded down; a rate above ``1000 / Ts`` Hz
    gives several spikes in one bin (amplitude ``n / Ts``).

    Shape
    -----
    ``rate_hz``: ``(..., T)`` in Hz; output: the same shape, float32.
    """
    rates = _numpy(rate_hz)
    if rates.size and rates.min() < 0:
        raise ValueError("rates must be >= 0")
    count = np.floor(np.cumsum(rates * (sim.ts / 1000.0), axis=-1))
    return _spikes(np.diff(count, axis=-1, prepend=0.0), sim)


def rate(
    intensity: Array, sim: Simulation, max_rate: float = 100.0, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Rate code: a constant input becomes Bernoulli spikes at ``intensity * max_rate`` Hz (:func:`poisson`).

    Shape
    -----
    ``intensity``: ``(...)`` in [0, 1]; output ``(..., T)`` with ``T = sim.steps``.
    """
    values = _unit(intensity, "intensity")
    rates = np.broadcast_to((values * max_rate)[..., None], (*values.shape, sim.steps))
    return poisson(rates, sim, generator)


def latency(
    intensity: Array, sim: Simulation, t_max: float | None = None, threshold: float = 0.0
) -> torch.Tensor:
    """Latency code: one spike per input, the brighter the earlier; inputs <= ``threshold`` stay silent.

    .. math::

        t = (1 - x)\\, t_{max}, \\qquad s[\\dots, \\operatorname{round}(t / T_s)] = 1 / T_s

    with ``t_max`` (ms) defaulting to the last bin, ``(T - 1) Ts``, and round half to even.

    Shape
    -----
    ``intensity``: ``(...)`` in [0, 1]; output ``(..., T)``.
    """
    values = _unit(intensity, "intensity")
    steps = sim.steps
    last = (steps - 1) * sim.ts
    t_max = last if t_max is None else t_max
    if not 0 <= t_max <= last:
        raise ValueError(f"t_max must lie in [0, {last}] ms, got {t_max}")
    bins = np.rint((1.0 - values) * t_max / sim.ts).astype(np.int64)
    out = np.zeros((*values.shape, steps))
    np.put_along_axis(out, bins[..., None], (values > threshold)[..., None].astype(np.float64), axis=-1)
    return _spikes(out, sim)
