"""Frozen, typed hyper-parameters: the simulation grid and the SRM-alpha neuron (SPEC §1–2).

All times are in milliseconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["SRM", "Simulation", "alpha_kernel"]


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _finite_positive(name: str, value: float) -> None:
    _require(
        isinstance(value, (int, float)) and not isinstance(value, bool),
        f"{name} must be a number, got {value!r}",
    )
    _require(math.isfinite(value) and value > 0, f"{name} must be positive and finite, got {value!r}")


@dataclass(frozen=True)
class Simulation:
    """The time grid of a simulation.

    Parameters
    ----------
    ts : float
        Sampling time ``Ts`` in ms: one time bin lasts ``ts``.
    t_sample : float
        Length of a sample in ms; a sample has ``T = int(t_sample / ts)`` bins.

    Spikes on this grid have amplitude ``1 / ts`` (SPEC §1), so ``ts * s.sum(-1)`` is a spike count.
    """

    ts: float
    t_sample: float

    def __post_init__(self) -> None:
        _finite_positive("Simulation.ts", self.ts)
        _finite_positive("Simulation.t_sample", self.t_sample)
        _require(
            self.ts <= self.t_sample,
            f"Simulation.ts ({self.ts} ms) must not exceed t_sample ({self.t_sample} ms)",
        )

    @property
    def steps(self) -> int:
        """Number of time bins ``T = int(t_sample / ts)``."""
        return int(self.t_sample / self.ts)

    @property
    def spike(self) -> float:
        """Amplitude ``1 / ts`` of one spike."""
        return 1.0 / self.ts


def alpha_kernel(tau: float, mult: float, eps_cut: float, sim: Simulation) -> np.ndarray:
    """Sample and truncate an alpha kernel exactly as the reference software does (SPEC §2).

    .. math::

        k[j] = \\mathrm{mult} \\cdot \\frac{t_j}{\\tau} e^{1 - t_j/\\tau}, \\quad t_j = j\\,T_s,

    for ``t_j`` in ``numpy.arange(0, t_sample, ts)``, stopping (exclusive) at the first ``j`` where
    ``|k[j]| < eps_cut`` and ``t_j > tau``. Values are computed in float64.

    Returns
    -------
    numpy.ndarray
        1-D float64 array; ``k[0] == 0``.
    """
    values: list[float] = []
    for t in np.arange(0, sim.t_sample, sim.ts):
        value = mult * float(t) / tau * math.exp(1 - float(t) / tau)
        if abs(value) < eps_cut and t > tau:
            break
        values.append(value)
    return np.asarray(values, dtype=np.float64)


@dataclass(frozen=True)
class SRM:
    """Spike Response Model neuron with alpha kernels (SRM-alpha, SPEC §2; paper Eq. 1–2).

    Parameters
    ----------
    theta : float
        Firing threshold.
    tau_sr : float
        Time constant of the post-synaptic (spike response) kernel, ms.
    tau_ref : float
        Time constant of the refractory kernel, ms.
    scale_ref : float
        Refractory amplitude relative to ``theta``.
    tau_rho : float
        Width of the surrogate spike derivative, relative to ``theta``.
    scale_rho : float
        Height scale of the surrogate spike derivative.
    eps_sr : float
        Truncation level of the psp kernel (0.01 in the reference).
    eps_ref : float
        Truncation level of the refractory kernel: 0.01 in the reference, ``1e-4`` gives its
        ``fullRefKernel``.

    Notes
    -----
    Kernels (``t = k * Ts``):

    .. math::

        \\varepsilon(t) = \\frac{t}{\\tau_{sr}} e^{1 - t/\\tau_{sr}}, \\qquad
        \\nu(t) = -\\,\\mathrm{scale_{ref}}\\,\\theta \\frac{t}{\\tau_{ref}} e^{1 - t/\\tau_{ref}},

        \\rho(u) = \\frac{\\mathrm{scale_\\rho}}{\\tau_\\rho \\theta}
                   \\exp\\left(-\\frac{|u - \\theta|}{\\tau_\\rho \\theta}\\right).
    """

    theta: float
    tau_sr: float
    tau_ref: float
    scale_ref: float = 2.0
    tau_rho: float = 1.0
    scale_rho: float = 1.0
    eps_sr: float = 0.01
    eps_ref: float = 0.01

    def __post_init__(self) -> None:
        for name in ("theta", "tau_sr", "tau_ref", "tau_rho", "eps_sr", "eps_ref"):
            _finite_positive(f"SRM.{name}", getattr(self, name))
        for name in ("scale_ref", "scale_rho"):
            value = getattr(self, name)
            _require(
                isinstance(value, (int, float)) and not isinstance(value, bool),
                f"SRM.{name} must be a number, got {value!r}",
            )
            _require(math.isfinite(value) and value >= 0, f"SRM.{name} must be >= 0, got {value!r}")

    def psp_kernel(self, sim: Simulation) -> np.ndarray:
        """The sampled, truncated psp kernel ``eps[k]`` (float64)."""
        return alpha_kernel(self.tau_sr, 1.0, self.eps_sr, sim)

    def ref_kernel(self, sim: Simulation) -> np.ndarray:
        """The sampled, truncated refractory kernel ``nu[k]`` (float64, ``nu[0] == 0``)."""
        return alpha_kernel(self.tau_ref, -self.scale_ref * self.theta, self.eps_ref, sim)

    @property
    def rho_tau(self) -> float:
        """Width ``tau_rho * theta`` of the surrogate derivative."""
        return self.tau_rho * self.theta

    @property
    def rho_scale(self) -> float:
        """Peak ``scale_rho / (tau_rho * theta)`` of the surrogate derivative."""
        return self.scale_rho / self.rho_tau
