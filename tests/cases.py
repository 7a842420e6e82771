"""The one registry of op test cases: every backend is checked against the reference on these,
and the reference against the numpy oracle (as PyTorch's OpInfo drives its op tests)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from slayer import SRM, Simulation


@dataclass(frozen=True)
class Case:
    """One shape/parameter combination for the neuron ops (psp, spike, delay)."""

    id: str
    shape: tuple[int, ...]
    neuron: SRM
    sim: Simulation
    dtype: torch.dtype = torch.float32
    density: float = 0.05
    contiguous: bool = True
    max_delay: float = 5.0  # ms

    def _make(self, values: np.ndarray) -> torch.Tensor:
        x = torch.from_numpy(values).to(self.dtype)
        if self.contiguous or x.dim() < 2:
            return x
        # the same values behind a non-contiguous view (time is not the innermost memory axis)
        return x.transpose(-1, -2).contiguous().transpose(-1, -2)

    def spikes(self, seed: int = 0) -> torch.Tensor:
        """Random spikes of amplitude 1/Ts at the case's density."""
        rng = np.random.default_rng(seed)
        values = (rng.random(self.shape) < self.density) / self.sim.ts
        return self._make(values)

    def potential(self, seed: int = 0) -> torch.Tensor:
        """A membrane potential that crosses theta often, with some values exactly at theta."""
        rng = np.random.default_rng(seed + 1000)
        theta = self.neuron.theta
        values = theta * (0.55 + 0.6 * rng.standard_normal(self.shape))
        values[rng.random(self.shape) < 0.02] = theta
        return self._make(values)

    def grad(self, seed: int = 0) -> torch.Tensor:
        """A random upstream gradient."""
        rng = np.random.default_rng(seed + 2000)
        return self._make(rng.standard_normal(self.shape))

    def delays(self, seed: int = 0) -> torch.Tensor:
        """Per-neuron delays in [0, max_delay) ms, some exactly on a bin boundary."""
        rng = np.random.default_rng(seed + 3000)
        neurons = self.shape[1:-1]
        values = rng.random(neurons) * self.max_delay
        on_grid = rng.random(neurons) < 0.3
        values[on_grid] = np.floor(values[on_grid] / self.sim.ts) * self.sim.ts
        return torch.from_numpy(values).to(self.dtype)


SRM_DEFAULT = SRM(theta=10, tau_sr=10, tau_ref=1)

CASES: list[Case] = [
    Case("basic", (2, 8, 50), SRM_DEFAULT, Simulation(1.0, 50)),
    Case("ts-half", (3, 5, 120), SRM(10, 5, 1), Simulation(0.5, 60)),
    Case("odd-5d", (1, 3, 5, 7, 33), SRM(5, 2, 0.5, scale_ref=3), Simulation(1.0, 33), density=0.2),
    Case("full-ref", (2, 4, 64), SRM(10, 10, 1, eps_ref=1e-4), Simulation(1.0, 64)),
    Case(
        "float64",
        (2, 6, 40),
        SRM(1.5, 3, 2, tau_rho=0.5, scale_rho=2),
        Simulation(1.0, 40),
        dtype=torch.float64,
        density=0.3,
    ),
    Case("non-contiguous", (4, 6, 70), SRM_DEFAULT, Simulation(1.0, 70), contiguous=False),
    Case("short-T", (2, 3, 3), SRM_DEFAULT, Simulation(1.0, 3), density=0.5),
    Case("one-bin", (1, 1, 1), SRM_DEFAULT, Simulation(1.0, 1), density=1.0),
    Case("ts-0.1", (2, 4, 100), SRM(10, 1, 0.5), Simulation(0.1, 10), max_delay=2.0),
    Case("dense-input", (3, 7, 90), SRM(4, 8, 2, scale_ref=1), Simulation(1.0, 90), density=0.5),
    Case("nmnist-like", (4, 64, 300), SRM_DEFAULT, Simulation(1.0, 300), density=0.02, max_delay=20.0),
]


def case_ids() -> list[str]:
    return [c.id for c in CASES]


@dataclass(frozen=True)
class SynapseCase:
    """One shape/parameter combination for a synapse op of :mod:`slayer.functional`."""

    id: str
    op: str  # "dense", "conv", "conv_transpose", "pool" or "unpool"
    x_shape: tuple[int, ...]
    w_shape: tuple[int, ...] | None = None
    kwargs: tuple[tuple[str, object], ...] = ()
    dtype: torch.dtype = torch.float32
    density: float = 0.05
    contiguous: bool = True

    def inputs(self, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor | None]:
        rng = np.random.default_rng(seed)
        x = torch.from_numpy((rng.random(self.x_shape) < self.density).astype(np.float64)).to(self.dtype)
        if not self.contiguous:
            x = x.transpose(-1, -2).contiguous().transpose(-1, -2)
        w = None
        if self.w_shape is not None:
            w = torch.from_numpy(rng.standard_normal(self.w_shape)).to(self.dtype)
        return x, w

    def call(self, x: torch.Tensor, w: torch.Tensor | None, backend: str) -> torch.Tensor:
        from slayer import functional as F

        kw = dict(self.kwargs)
        if self.op in ("pool", "unpool"):
            return getattr(F, self.op)(x, backend=backend, **kw)
        return getattr(F, self.op)(x, w, backend=backend, **kw)


SYNAPSE_CASES: list[SynapseCase] = [
    SynapseCase("dense-3d", "dense", (4, 30, 25), (7, 30)),
    SynapseCase("dense-5d", "dense", (2, 2, 5, 6, 20), (9, 60), density=0.2),
    SynapseCase("dense-f64", "dense", (3, 11, 17), (5, 11), dtype=torch.float64, density=0.3),
    SynapseCase("dense-empty-spikes", "dense", (2, 13, 9), (4, 13), density=0.0),
    SynapseCase("dense-noncontig", "dense", (3, 16, 21), (6, 16), contiguous=False, density=0.1),
    SynapseCase("dense-nmnist", "dense", (4, 2312, 60), (64, 2312), density=0.006),
    SynapseCase("conv-basic", "conv", (2, 2, 9, 9, 12), (4, 2, 3, 3), density=0.1),
    SynapseCase(
        "conv-stride-pad",
        "conv",
        (2, 3, 10, 7, 8),
        (6, 3, 3, 2),
        (("stride", (2, 1)), ("padding", 1), ("dilation", (1, 2))),
        density=0.2,
    ),
    SynapseCase("conv-groups", "conv", (1, 4, 6, 6, 5), (8, 2, 3, 3), (("groups", 2),), density=0.3),
    SynapseCase("conv-f64", "conv", (1, 2, 7, 7, 6), (3, 2, 5, 5), (("padding", 2),), dtype=torch.float64),
    SynapseCase("conv-noncontig", "conv", (2, 2, 8, 8, 10), (3, 2, 5, 5), contiguous=False, density=0.1),
    SynapseCase(
        "conv-transpose", "conv_transpose", (2, 3, 4, 5, 6), (3, 2, 3, 3), (("stride", 2),), density=0.3
    ),
    SynapseCase("pool-2", "pool", (2, 3, 8, 8, 10), None, (("kernel_size", 2), ("theta", 10.0))),
    SynapseCase("pool-odd", "pool", (1, 2, 7, 5, 9), None, (("kernel_size", 2), ("theta", 3.0)), density=0.3),
    SynapseCase("pool-3", "pool", (2, 2, 9, 10, 4), None, (("kernel_size", 3), ("theta", 1.0)), density=0.2),
    SynapseCase(
        "pool-f64", "pool", (1, 2, 6, 6, 5), None, (("kernel_size", 2), ("theta", 5.0)), dtype=torch.float64
    ),
    SynapseCase("unpool-2", "unpool", (2, 3, 4, 4, 6), None, (("kernel_size", 2), ("theta", 10.0))),
]

# Shapes that cross the Triton backend's block boundaries in the interpreter: more neurons than one
# program holds (and not a multiple of it), more time steps than one tile, and a refractory kernel
# of 300 bins (a 512-bin ring buffer).
CASES += [
    Case("many-neurons", (3, 100, 40), SRM_DEFAULT, Simulation(1.0, 40), density=0.1),
    Case("long-T", (1, 3, 700), SRM_DEFAULT, Simulation(1.0, 700), density=0.03, max_delay=30.0),
    Case("long-ref", (2, 3, 300), SRM(10, 5, 20, eps_ref=1e-4), Simulation(1.0, 300), density=0.1),
]

# Cases added with the numba backend: its recursive psp (long kernels, a -> 1, truncation inside T,
# float64), and the event-driven synapses (inputs sparse enough to take that path) in every geometry.
CASES += [
    Case("long-kernel", (2, 3, 1000), SRM(10, 10, 1), Simulation(0.1, 100), density=0.5, max_delay=3.0),
    Case("dense-truncated", (3, 5, 300), SRM_DEFAULT, Simulation(1.0, 300), density=0.3),
    Case(
        "float64-recursive",
        (2, 4, 200),
        SRM(10, 10, 1),
        Simulation(1.0, 200),
        dtype=torch.float64,
        density=0.6,
    ),
    Case(
        "non-contiguous-dense",
        (3, 4, 120),
        SRM(10, 5, 1),
        Simulation(1.0, 120),
        density=0.4,
        contiguous=False,
    ),
]

SYNAPSE_CASES += [
    SynapseCase("dense-f64-sparse", "dense", (3, 40, 30), (6, 40), dtype=torch.float64, density=0.03),
    SynapseCase("dense-noncontig-sparse", "dense", (2, 50, 33), (7, 50), contiguous=False, density=0.03),
    SynapseCase("dense-batch1-sparse", "dense", (1, 300, 150), (33, 300), density=0.01),
    SynapseCase("dense-5d-sparse", "dense", (2, 2, 6, 5, 40), (9, 60), density=0.02),
    SynapseCase(
        "conv-stride-pad-sparse",
        "conv",
        (2, 3, 11, 9, 20),
        (6, 3, 3, 2),
        (("stride", (2, 1)), ("padding", 1), ("dilation", (1, 2))),
        density=0.03,
    ),
    SynapseCase("conv-groups-sparse", "conv", (2, 4, 7, 6, 15), (6, 2, 3, 3), (("groups", 2),), density=0.04),
    SynapseCase(
        "conv-f64-sparse",
        "conv",
        (1, 2, 8, 7, 12),
        (3, 2, 5, 5),
        (("padding", 2),),
        dtype=torch.float64,
        density=0.04,
    ),
    SynapseCase(
        "conv-noncontig-sparse", "conv", (2, 2, 9, 8, 16), (4, 2, 3, 3), contiguous=False, density=0.03
    ),
    SynapseCase("conv-nmnist", "conv", (2, 2, 34, 34, 30), (12, 2, 5, 5), density=0.006),
    SynapseCase("conv-1x1-stride", "conv", (2, 5, 9, 9, 10), (4, 5, 1, 1), (("stride", 2),), density=0.04),
    SynapseCase(
        "pool-stride-pad",
        "pool",
        (2, 2, 9, 7, 11),
        None,
        (("kernel_size", 3), ("theta", 2.0), ("stride", 2), ("padding", 1)),
        density=0.3,
    ),
    SynapseCase(
        "pool-dilated",
        "pool",
        (1, 3, 8, 8, 6),
        None,
        (("kernel_size", 2), ("theta", 1.5), ("stride", 1), ("dilation", 2)),
    ),
    SynapseCase(
        "unpool-stride-pad",
        "unpool",
        (2, 2, 4, 5, 7),
        None,
        (("kernel_size", 3), ("theta", 4.0), ("stride", 2), ("padding", 1)),
        density=0.3,
    ),
    SynapseCase(
        "unpool-noncontig",
        "unpool",
        (1, 2, 3, 3, 9),
        None,
        (("kernel_size", 2), ("theta", 1.0)),
        contiguous=False,
    ),
]
