"""Neuron modules: the SRM neuron (psp then spike) and learnable psp filters (SPEC §2, §5)."""

from __future__ import annotations

import math

import torch
from torch import nn

from slayer import functional as F
from slayer import params

__all__ = ["PSP", "SRM", "PSPFilter"]


class SRM(nn.Module):
    """SRM-alpha neuron: ``s = spike(psp(z))`` (:func:`slayer.functional.srm`).

    .. math::

        a[t] = T_s \\sum_k \\varepsilon[k] z[t-k], \\qquad s = \\mathrm{spike}(a)

    Shape
    -----
    Input ``(N, ..., T)`` (the synapse output ``z``); output spikes of the same shape.
    """

    def __init__(self, neuron: params.SRM, sim: params.Simulation) -> None:
        super().__init__()
        self.neuron, self.sim = neuron, sim

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return F.srm(z, self.neuron, self.sim)

    def extra_repr(self) -> str:
        return f"{self.neuron}, {self.sim}"


class PSP(nn.Module):
    """A learnable causal FIR psp filter shared by all neurons, initialised to the neuron's ``eps``.

    .. math::

        a[t] = T_s \\sum_k h[k] x[t - k], \\qquad h \\leftarrow \\varepsilon \\text{ at init}

    ``weight`` holds ``h`` in causal order (``h[0]`` multiplies the current bin).
    The reference stored the flipped filter (a correlation kernel); flip to exchange weights.
    """

    def __init__(self, neuron: params.SRM, sim: params.Simulation) -> None:
        super().__init__()
        self.neuron, self.sim = neuron, sim
        self.weight = nn.Parameter(torch.empty(len(neuron.psp_kernel(sim))))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Set the filter to the neuron's sampled psp kernel."""
        with torch.no_grad():
            self.weight.copy_(torch.from_numpy(self.neuron.psp_kernel(self.sim)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.psp_filter(x, self.weight.unsqueeze(0), self.sim.ts)

    def extra_repr(self) -> str:
        return f"length={self.weight.numel()}, ts={self.sim.ts}"


class PSPFilter(nn.Module):
    """A learnable bank of ``n_filter`` causal FIR filters applied to every neuron.

    Output channel ``f * C + c`` is filter ``f`` applied to input channel ``c``
    (:func:`slayer.functional.psp_filter`). Initialised as PyTorch's default conv init
    (uniform ``±1/sqrt(filter_length)``) times ``filter_scale``.

    Shape
    -----
    Input ``(N, C, ..., T)``; output ``(N, n_filter * C, ..., T)``.
    """

    def __init__(
        self, n_filter: int, filter_length: int, sim: params.Simulation, filter_scale: float = 1.0
    ) -> None:
        super().__init__()
        if n_filter < 1 or filter_length < 1:
            raise ValueError(
                f"PSPFilter needs positive sizes, got {n_filter} filters of length {filter_length}"
            )
        self.sim, self.filter_scale = sim, float(filter_scale)
        self.weight = nn.Parameter(torch.empty(n_filter, filter_length))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.weight.shape[1])
        with torch.no_grad():
            self.weight.uniform_(-bound, bound).mul_(self.filter_scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.psp_filter(x, self.weight, self.sim.ts)

    def extra_repr(self) -> str:
        return f"n_filter={self.weight.shape[0]}, length={self.weight.shape[1]}, ts={self.sim.ts}"
