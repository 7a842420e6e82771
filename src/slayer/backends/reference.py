"""The reference backend: plain torch, any device, the numerical semantics of SPEC.md.

Two kinds of methods:

* neuron kernels (``psp``/``psp_grad``, ``spike``/``spike_grad``, ``shift``, ``delay_grad``) take
  and return plain 2-D ``(M, T)`` tensors, time last, with no autograd: ``slayer.functional``
  wraps them in shared :class:`torch.autograd.Function` s;
* synapse ops (``dense``, ``conv``, ``conv_transpose``, ``pool``, ``unpool``) take the layer's
  tensors and must be differentiable by themselves (here through torch's autograd), so that a
  backend can replace forward and backward together.

Faster backends subclass :class:`ReferenceBackend` and override what they accelerate.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

Pair = tuple[int, int]


def spike_amplitude(ts: float, dtype: torch.dtype) -> float:
    """Spike height ``1/Ts`` as the reference computes it (``1.0f/Ts`` in float32)."""
    if dtype == torch.float64:
        return 1.0 / ts
    return float(np.float32(1.0) / np.float32(ts))


class ReferenceBackend:
    """Plain-torch implementation of every op (the oracle the fast backends are tested against)."""

    name = "reference"

    # ------------------------------------------------------------------ psp (SPEC §2.1, §3)
    def psp(self, x: torch.Tensor, kernel: torch.Tensor, ts: float, tau: float | None) -> torch.Tensor:
        """Causal FIR: ``y[m, t] = Ts * sum_k kernel[k] * x[m, t - k]``.

        ``tau`` is the time constant when ``kernel`` is a (truncated) unit alpha kernel, so that a
        backend may filter recursively; the reference ignores it.
        """
        k = kernel.numel()
        weight = kernel.flip(0).view(1, 1, k)
        y = F.conv1d(F.pad(x.unsqueeze(1), (k - 1, 0)), weight)
        return y.squeeze(1) * ts

    def psp_grad(
        self, grad: torch.Tensor, kernel: torch.Tensor, ts: float, tau: float | None
    ) -> torch.Tensor:
        """Anti-causal correlation: ``dx[m, t] = Ts * sum_k kernel[k] * grad[m, t + k]``."""
        k = kernel.numel()
        y = F.conv1d(F.pad(grad.unsqueeze(1), (0, k - 1)), kernel.view(1, 1, k))
        return y.squeeze(1) * ts

    # ------------------------------------------------------------------ spikes (SPEC §2.3)
    def spike(
        self, u: torch.Tensor, nu: torch.Tensor, theta: float, ts: float
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Spikes and the post-refractory potential, strictly in time order.

        For ``t = 0 .. T-1``: if ``u[t] >= theta`` then ``s[t] = 1/Ts`` and
        ``u[t + j] += nu[j]`` for ``j < len(nu)``. ``u`` itself is not modified.

        Returns
        -------
        (s, u_post)
        """
        u = u.clone()
        s = torch.zeros_like(u)
        amp = spike_amplitude(ts, u.dtype)
        steps, length = u.shape[-1], nu.numel()
        for t in range(steps):
            fired = u[:, t] >= theta
            s[:, t] = fired.to(u.dtype) * amp
            stop = min(steps, t + length)
            if stop > t + 1:
                u[:, t + 1 : stop] += fired.unsqueeze(1).to(u.dtype) * nu[1 : stop - t]
        return s, u

    def spike_grad(
        self, grad: torch.Tensor, u: torch.Tensor, theta: float, rho_tau: float, rho_scale: float
    ) -> torch.Tensor:
        """Surrogate backward ``grad * rho(u)``, ``rho(u) = rho_scale * exp(-|u - theta| / rho_tau)``."""
        return grad * (rho_scale * torch.exp(-(u - theta).abs() / rho_tau))

    # ------------------------------------------------------------------ the whole neuron
    def psp_spike(
        self,
        z: torch.Tensor,
        kernel: torch.Tensor,
        nu: torch.Tensor,
        theta: float,
        ts: float,
        tau: float | None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """:meth:`psp` then :meth:`spike` (a backend may fuse them): returns ``(s, u_post)``."""
        return self.spike(self.psp(z, kernel, ts, tau), nu, theta, ts)

    def psp_spike_grad(
        self,
        grad: torch.Tensor,
        u: torch.Tensor,
        kernel: torch.Tensor,
        theta: float,
        rho_tau: float,
        rho_scale: float,
        ts: float,
        tau: float | None,
    ) -> torch.Tensor:
        """:meth:`spike_grad` then :meth:`psp_grad` (a backend may fuse them)."""
        return self.psp_grad(self.spike_grad(grad, u, theta, rho_tau, rho_scale), kernel, ts, tau)

    # ------------------------------------------------------------------ delays (SPEC §4)
    def shift(self, x: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
        """Per-row integer shift ``y[m, t] = x[m, t - n[m]]``, zero outside ``[0, T)``."""
        steps = x.shape[-1]
        index = torch.arange(steps, device=x.device).unsqueeze(0) - n.unsqueeze(1)
        valid = (index >= 0) & (index < steps)
        y = torch.gather(x, 1, index.clamp(0, steps - 1))
        return y * valid.to(x.dtype)

    def delay_grad(self, grad: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Per-row delay gradient ``sum_t grad[m, t] * (y[m, t-1] - y[m, t])``, ``y[-1] = 0``."""
        previous = F.pad(y[:, :-1], (1, 0))
        return (grad * (previous - y)).sum(-1)

    # ------------------------------------------------------------------ synapses (SPEC §5)
    def dense(self, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        """``z[n, o, t] = sum_i weight[o, i] * x[n, i, t]`` for ``x`` of shape ``(N, I, T)``."""
        return torch.matmul(weight, x)

    def conv(
        self, x: torch.Tensor, weight: torch.Tensor, stride: Pair, padding: Pair, dilation: Pair, groups: int
    ) -> torch.Tensor:
        """2-D convolution of every time bin of ``x`` ``(N, C, H, W, T)``."""
        return F.conv3d(x, weight.unsqueeze(-1), None, (*stride, 1), (*padding, 0), (*dilation, 1), groups)

    def conv_transpose(
        self,
        x: torch.Tensor,
        weight: torch.Tensor,
        stride: Pair,
        padding: Pair,
        output_padding: Pair,
        dilation: Pair,
        groups: int,
    ) -> torch.Tensor:
        """2-D transposed convolution of every time bin of ``x`` ``(N, C, H, W, T)``."""
        return F.conv_transpose3d(
            x,
            weight.unsqueeze(-1),
            None,
            (*stride, 1),
            (*padding, 0),
            (*output_padding, 0),
            groups,
            (*dilation, 1),
        )

    def pool(
        self, x: torch.Tensor, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair, weight: float
    ) -> torch.Tensor:
        """Sum pooling with every weight ``weight`` of ``x`` ``(N, C, H, W, T)`` (already end-padded)."""
        n, c, h, w, t = x.shape
        ones = torch.full((1, 1, *kernel, 1), weight, dtype=x.dtype, device=x.device)
        y = F.conv3d(x.reshape(n * c, 1, h, w, t), ones, None, (*stride, 1), (*padding, 0), (*dilation, 1))
        return y.reshape(n, c, *y.shape[-3:])

    def unpool(
        self, x: torch.Tensor, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair, weight: float
    ) -> torch.Tensor:
        """Transpose of :meth:`pool`: each input bin spreads ``weight * x`` over its window."""
        n, c, h, w, t = x.shape
        ones = torch.full((1, 1, *kernel, 1), weight, dtype=x.dtype, device=x.device)
        y = F.conv_transpose3d(
            x.reshape(n * c, 1, h, w, t), ones, None, (*stride, 1), (*padding, 0), 0, 1, (*dilation, 1)
        )
        return y.reshape(n, c, *y.shape[-3:])
