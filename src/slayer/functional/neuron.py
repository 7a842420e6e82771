"""The SRM neuron's two ops: the psp filter and spike generation (SPEC §2–3; paper Eq. 1–2, 6–10)."""

from __future__ import annotations

from typing import Any

import torch

from slayer import backends
from slayer.backends.reference import ReferenceBackend
from slayer.functional._util import check_spikes, kernel
from slayer.params import SRM, Simulation

__all__ = ["psp", "spike", "srm"]


class _PSP(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx: Any, x: torch.Tensor, fir: torch.Tensor, ts: float, tau: float | None, backend: ReferenceBackend
    ) -> torch.Tensor:
        ctx.save_for_backward(fir)
        ctx.ts, ctx.tau, ctx.backend = ts, tau, backend
        return backend.psp(x, fir, ts, tau)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        (fir,) = ctx.saved_tensors
        return ctx.backend.psp_grad(grad.contiguous(), fir, ctx.ts, ctx.tau), None, None, None, None


class _Spike(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx: Any,
        u: torch.Tensor,
        nu: torch.Tensor,
        neuron: SRM,
        ts: float,
        backend: ReferenceBackend,
    ) -> torch.Tensor:
        s, u_post = backend.spike(u, nu, neuron.theta, ts)
        ctx.save_for_backward(u_post)
        ctx.neuron, ctx.backend = neuron, backend
        return s

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        (u_post,) = ctx.saved_tensors
        n: SRM = ctx.neuron
        du = ctx.backend.spike_grad(grad.contiguous(), u_post, n.theta, n.rho_tau, n.rho_scale)
        return du, None, None, None, None


class _SRM(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx: Any,
        z: torch.Tensor,
        eps: torch.Tensor,
        nu: torch.Tensor,
        neuron: SRM,
        ts: float,
        backend: ReferenceBackend,
    ) -> torch.Tensor:
        s, u_post = backend.psp_spike(z, eps, nu, neuron.theta, ts, neuron.tau_sr)
        ctx.save_for_backward(u_post, eps)
        ctx.neuron, ctx.ts, ctx.backend = neuron, ts, backend
        return s

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        u_post, eps = ctx.saved_tensors
        n: SRM = ctx.neuron
        dz = ctx.backend.psp_spike_grad(
            grad.contiguous(), u_post, eps, n.theta, n.rho_tau, n.rho_scale, ctx.ts, n.tau_sr
        )
        return dz, None, None, None, None, None


def _rows(x: torch.Tensor) -> torch.Tensor:
    return x.reshape(-1, x.shape[-1]).contiguous()


def psp(x: torch.Tensor, neuron: SRM, sim: Simulation, backend: str | None = None) -> torch.Tensor:
    """Post-synaptic potential: the causal FIR of the neuron's psp kernel (SPEC §2.1; paper Eq. 1).

    .. math::

        a[t] = T_s \\sum_{k=0}^{K-1} \\varepsilon[k]\\, x[t-k] \\quad (x[t<0] = 0)

    Backward is the anti-causal correlation (SPEC §3; paper Eq. 10):

    .. math::

        \\frac{\\partial L}{\\partial x[t]} = T_s \\sum_{k=0}^{K-1} \\varepsilon[k]
        \\frac{\\partial L}{\\partial a[t+k]} \\quad (\\text{terms with } t+k \\ge T \\text{ are } 0)

    Parameters
    ----------
    x : Tensor
        Time-last input ``(..., T)``, float32 or float64, any device.
    neuron : SRM
        Supplies ``tau_sr`` and the truncation ``eps_sr`` of ``eps``.
    sim : Simulation
        Supplies ``Ts`` (and caps the kernel length at ``t_sample``).
    backend : str, optional
        ``"auto"``, ``"reference"``, ... (default: the scope's choice, see :func:`slayer.backends.use`).

    Shape
    -----
    Output has the shape of ``x``.
    """
    check_spikes(x, "psp input", min_dim=1)
    if x.numel() == 0:
        return torch.zeros_like(x)
    impl = backends.get(backend, x.device)
    fir = kernel(neuron, sim, "psp", x)
    return _PSP.apply(_rows(x), fir, sim.ts, neuron.tau_sr, impl).reshape(x.shape)


def spike(u: torch.Tensor, neuron: SRM, sim: Simulation, backend: str | None = None) -> torch.Tensor:
    """Spikes of an SRM neuron with refractory response, in time order (SPEC §2.3; paper Eq. 2).

    For every neuron, for ``t = 0 .. T-1``:

    .. math::

        s[t] = \\begin{cases} 1/T_s & u[t] \\ge \\theta \\\\ 0 & \\text{else} \\end{cases}, \\qquad
        u[t+j] \\mathrel{+}= \\nu[j]\\, T_s s[t] \\quad (0 \\le j < \\mathrm{len}(\\nu),\\ t+j < T)

    so ``u`` seen at bin ``t`` includes the refractory response of all earlier spikes; ``nu[0] = 0``
    leaves a spike's own bin unchanged. The input ``u`` is not modified.

    Backward uses the surrogate derivative on that post-refractory potential (SPEC §2; paper Eq. 8),
    the refractory path itself carries no gradient:

    .. math::

        \\frac{\\partial L}{\\partial u[t]} = \\rho(u[t]) \\frac{\\partial L}{\\partial s[t]}, \\qquad
        \\rho(u) = \\frac{\\mathrm{scale_\\rho}}{\\tau_\\rho\\theta} e^{-|u-\\theta| / (\\tau_\\rho\\theta)}

    Shape
    -----
    ``u``: ``(..., T)``; output: same shape, values in ``{0, 1/Ts}``.
    """
    check_spikes(u, "membrane potential", min_dim=1)
    if u.numel() == 0:
        return torch.zeros_like(u)
    impl = backends.get(backend, u.device)
    nu = kernel(neuron, sim, "ref", u)
    return _Spike.apply(_rows(u), nu, neuron, sim.ts, impl).reshape(u.shape)


def srm(z: torch.Tensor, neuron: SRM, sim: Simulation, backend: str | None = None) -> torch.Tensor:
    """The whole SRM neuron: ``spike(psp(z))`` as one op (SPEC §2; paper Eq. 1–2).

    Equal to ``spike(psp(z, neuron, sim), neuron, sim)`` forward and backward (the same arithmetic);
    a backend may fuse the two passes so that the psp never leaves the cache (the numba backend
    does). This is what :class:`slayer.nn.SRM` and :class:`slayer.nn.Block` call.

    Shape
    -----
    ``z``: ``(..., T)`` (a synapse output); output: spikes of the same shape.
    """
    check_spikes(z, "synaptic input", min_dim=1)
    if z.numel() == 0:
        return torch.zeros_like(z)
    impl = backends.get(backend, z.device)
    eps, nu = kernel(neuron, sim, "psp", z), kernel(neuron, sim, "ref", z)
    return _SRM.apply(_rows(z), eps, nu, neuron, sim.ts, impl).reshape(z.shape)
