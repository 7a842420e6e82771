"""The learnable axonal delay module (SPEC §4)."""

from __future__ import annotations

import torch
from torch import nn

from slayer import functional as F
from slayer.params import Simulation

__all__ = ["Delay", "clamp_delays"]


class Delay(nn.Module):
    """Learnable axonal delay per neuron or per channel, kept inside ``[0, max_delay]`` ms.

    The delays are clamped in place before every forward pass (and by :meth:`clamp_`, which
    :func:`clamp_delays` calls after an optimiser step), so no user code has to clamp them.

    Parameters
    ----------
    shape : int or tuple of int
        Shape of the delay: the neuron shape ``(C,)`` / ``(C, H, W)`` for one delay per neuron, or
        ``(C, 1, 1)`` for one per channel of a ``(N, C, H, W, T)`` input.
    sim : Simulation
        Supplies ``Ts``.
    max_delay : float, optional
        Upper bound in ms (e.g. ``62 * ts`` for Loihi 2); None keeps only the lower bound 0.

    Notes
    -----
    Initialised uniformly in ``[0, 1)`` ms, as the reference.
    """

    def __init__(self, shape: int | tuple[int, ...], sim: Simulation, max_delay: float | None = None) -> None:
        super().__init__()
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        if not shape or min(shape) < 1:
            raise ValueError(f"delay shape must be positive, got {shape!r}")
        if max_delay is not None and max_delay < 0:
            raise ValueError(f"max_delay must be >= 0 ms, got {max_delay!r}")
        self.sim, self.max_delay = sim, max_delay
        self.delay = nn.Parameter(torch.empty(shape))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        with torch.no_grad():
            self.delay.uniform_(0.0, 1.0)
        self.clamp_()

    def clamp_(self) -> None:
        """Clamp the delays into ``[0, max_delay]`` in place."""
        with torch.no_grad():
            self.delay.clamp_(min=0.0, max=self.max_delay)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.clamp_()
        return F.delay(x, self.delay, self.sim)

    def extra_repr(self) -> str:
        return f"shape={tuple(self.delay.shape)}, max_delay={self.max_delay}, ts={self.sim.ts}"


def clamp_delays(module: nn.Module) -> None:
    """Clamp every :class:`Delay` inside ``module`` (call after ``optimizer.step()``)."""
    for sub in module.modules():
        if isinstance(sub, Delay):
            sub.clamp_()
