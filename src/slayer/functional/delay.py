"""Axonal delays: a learnable per-neuron shift and a fixed shift (SPEC §4; paper Eq. 4, 11)."""

from __future__ import annotations

from typing import Any

import torch

from slayer import backends
from slayer.backends.reference import ReferenceBackend
from slayer.functional._util import as_ts, check_spikes
from slayer.params import Simulation

__all__ = ["delay", "delay_shift"]


class _Delay(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx: Any,
        x: torch.Tensor,
        d: torch.Tensor,
        shifts: torch.Tensor,
        neuron_shape: tuple[int, ...],
        backend: ReferenceBackend,
    ) -> torch.Tensor:
        y = backend.shift(x, shifts)
        ctx.save_for_backward(y, shifts)
        ctx.backend, ctx.neuron_shape, ctx.d_shape = backend, neuron_shape, d.shape
        return y

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        y, shifts = ctx.saved_tensors
        grad = grad.contiguous()
        dx = ctx.backend.shift(grad, -shifts) if ctx.needs_input_grad[0] else None
        dd = None
        if ctx.needs_input_grad[1]:
            per_row = ctx.backend.delay_grad(grad, y)
            dd = per_row.reshape(-1, *ctx.neuron_shape).sum(0).sum_to_size(ctx.d_shape)
        return dx, dd, None, None, None


def _apply(x: torch.Tensor, d: torch.Tensor, ts: float, backend: str | None) -> torch.Tensor:
    check_spikes(x, "delay input")
    neuron_shape = tuple(x.shape[1:-1])
    try:
        per_neuron = d.detach().expand(neuron_shape)
    except RuntimeError:
        raise ValueError(
            f"a delay of shape {tuple(d.shape)} does not broadcast to the neuron shape "
            f"{neuron_shape} of an input of shape {tuple(x.shape)}"
        ) from None
    if x.numel() == 0:
        return torch.zeros_like(x)
    steps = torch.trunc(per_neuron / ts).to(torch.int64).reshape(1, -1)
    shifts = steps.expand(x.shape[0], -1).reshape(-1).contiguous()
    impl = backends.get(backend, x.device)
    rows = x.reshape(-1, x.shape[-1]).contiguous()
    return _Delay.apply(rows, d, shifts, neuron_shape, impl).reshape(x.shape)


def delay(
    x: torch.Tensor, d: torch.Tensor, sim: Simulation | float, backend: str | None = None
) -> torch.Tensor:
    """Learnable axonal delay: shift each neuron's train later by ``n = trunc(d / Ts)`` bins.

    .. math::

        y[t] = x[t - n], \\quad n = \\operatorname{trunc}(d / T_s) \\quad (\\text{zero outside } [0, T))

    Backward (SPEC §4; the paper's :math:`-\\int \\dot y\\, e\\, dt` with a backward difference,
    carried at ``Ts = 1`` scale exactly as the reference does):

    .. math::

        \\frac{\\partial L}{\\partial x[t]} = \\frac{\\partial L}{\\partial y[t + n]}, \\qquad
        \\frac{\\partial L}{\\partial d} = \\sum_{\\text{batch},\\, t}
            \\frac{\\partial L}{\\partial y[t]} \\left(y[t-1] - y[t]\\right), \\quad y[-1] = 0

    Parameters
    ----------
    x : Tensor
        ``(N, C, T)`` or ``(N, C, H, W, T)``.
    d : Tensor
        Delays in ms, broadcastable to the neuron shape ``x.shape[1:-1]``: per neuron ``(C, H, W)``,
        per channel ``(C, 1, 1)``, or one value. The gradient is summed over broadcast dimensions.
    sim : Simulation or float
        The simulation, or ``Ts`` in ms.

    Notes
    -----
    Negative delays shift earlier (the reference does the same); :class:`slayer.nn.Delay` keeps its
    delays inside ``[0, max_delay]``.
    """
    if not isinstance(d, torch.Tensor):
        raise TypeError(
            f"the delay must be a tensor (use delay_shift for a fixed value), got {type(d).__name__}"
        )
    return _apply(x, d.to(x.dtype) if d.dtype != x.dtype else d, as_ts(sim), backend)


def delay_shift(
    x: torch.Tensor, d: torch.Tensor | float, ts: Simulation | float = 1.0, backend: str | None = None
) -> torch.Tensor:
    """Fixed (non-learnable) delay: ``y[t] = x[t - trunc(d / Ts)]``; the gradient flows to ``x`` only.

    ``d`` is one number or a tensor broadcastable to the neuron shape ``x.shape[1:-1]``.
    ``ts`` defaults to 1, so a bare number is a shift in bins (as the reference's ``delayShift``).
    """
    d_tensor = torch.as_tensor(d, dtype=x.dtype, device=x.device).detach()
    return _apply(x, d_tensor, as_ts(ts), backend)
