"""The Triton backend: the neuron and delay kernels of SPEC.md as fused GPU kernels.

It overrides the reference backend's neuron kernels (psp and its backward, spike generation and
its surrogate backward, the delay shift and delay gradient) with the custom ops of
:mod:`slayer.backends.triton.ops`; the synapse ops (dense, conv, pool) stay on the reference
backend, whose torch calls already reach cuBLAS/cuDNN.

Results equal the reference backend's: spikes are identical for identical potentials (the
refractory additions are the same float additions in the same order), psp values and gradients
agree to float rounding (the FIR sums its taps in a different order). Only float32 and float64 run
in the kernels; other dtypes (float16, bfloat16) take the reference path, so they compute exactly
what the reference computes.
"""

from __future__ import annotations

import torch

from slayer.backends.reference import ReferenceBackend, spike_amplitude
from slayer.backends.triton import ops

_KERNEL_DTYPES = (torch.float32, torch.float64)


class TritonBackend(ReferenceBackend):
    """Fused Triton kernels for the neuron and delay ops (CUDA tensors, or CPU under
    ``TRITON_INTERPRET=1``)."""

    name = "triton"

    def psp(self, x: torch.Tensor, kernel: torch.Tensor, ts: float, tau: float | None) -> torch.Tensor:
        """Causal FIR ``y[m, t] = Ts * sum_k kernel[k] * x[m, t - k]`` in one launch.

        The alpha recursion (``tau``) is not used: the kernel is truncated, and a recursion would
        need a tail correction and accumulate rounding over ``T`` steps, while the FIR's ``K``
        multiply-adds per output read cached data and are not the bottleneck of a layer.
        """
        if x.dtype not in _KERNEL_DTYPES:
            return super().psp(x, kernel, ts, tau)
        return ops.fir(x, kernel, ts, False)

    def psp_grad(
        self, grad: torch.Tensor, kernel: torch.Tensor, ts: float, tau: float | None
    ) -> torch.Tensor:
        """Anti-causal correlation ``dx[m, t] = Ts * sum_k kernel[k] * grad[m, t + k]``."""
        if grad.dtype not in _KERNEL_DTYPES:
            return super().psp_grad(grad, kernel, ts, tau)
        return ops.fir(grad, kernel, ts, True)

    def spike(
        self, u: torch.Tensor, nu: torch.Tensor, theta: float, ts: float
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Spikes and post-refractory potential, one launch for all time steps (see
        :func:`slayer.backends.triton.kernels.spike_kernel`)."""
        if u.dtype not in _KERNEL_DTYPES:
            return super().spike(u, nu, theta, ts)
        return ops.spike(u, nu, float(theta), spike_amplitude(ts, u.dtype))

    def spike_grad(
        self, grad: torch.Tensor, u: torch.Tensor, theta: float, rho_tau: float, rho_scale: float
    ) -> torch.Tensor:
        """Surrogate backward ``grad * rho(u)``, ``rho(u) = rho_scale * exp(-|u - theta| / rho_tau)``."""
        if grad.dtype not in _KERNEL_DTYPES:
            return super().spike_grad(grad, u, theta, rho_tau, rho_scale)
        return ops.spike_grad(grad, u, float(theta), float(rho_tau), float(rho_scale))

    def shift(self, x: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
        """Per-row integer shift ``y[m, t] = x[m, t - n[m]]``, zero outside ``[0, T)``."""
        if x.dtype not in _KERNEL_DTYPES:
            return super().shift(x, n)
        return ops.shift(x, n)

    def delay_grad(self, grad: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Per-row ``sum_t grad[m, t] * (y[m, t-1] - y[m, t])``, ``y[-1] = 0``."""
        if grad.dtype not in _KERNEL_DTYPES:
            return super().delay_grad(grad, y)
        return ops.delay_grad(grad, y)
