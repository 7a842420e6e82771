"""The CPU backend: numba-compiled kernels, no Python loop over time, work in proportion to spikes.

Selected automatically for CPU tensors when numba is installed (``backend="auto"``), or by name
(``backend="numba"``). This package is imported, and numba with it, only when a CPU tensor first
asks for it; kernels compile on their first call and are cached on disk (see
:mod:`slayer.backends.numba.cache` for the folder and how to move it).

What it accelerates, against the plain-torch :class:`~slayer.backends.reference.ReferenceBackend`:

* ``psp`` / ``psp_grad``: per row, an exact recursive filter of the truncated alpha kernel for
  dense rows, an event scatter for sparse rows (:mod:`~slayer.backends.numba.neuron`);
* ``spike`` (threshold and refractory response fused in one pass per neuron), ``spike_grad``
  (surrogate in one pass), ``shift`` and ``delay_grad``;
* ``psp_spike`` / ``psp_spike_grad``: the whole neuron (:func:`slayer.functional.srm`) in one pass
  per row pair, the psp kept in cache between the filter and the threshold;
* ``dense`` and ``conv`` fed by sparse inputs: forward and weight gradient from the list of input
  events (:mod:`~slayer.backends.numba.synapse`); dense inputs take torch's path;
* ``pool`` / ``unpool``: window sums over whole time rows (:mod:`~slayer.backends.numba.pool`).

Parallel loops run on ``torch.get_num_threads()`` threads (see :mod:`~slayer.backends.numba.cache`).
``conv_transpose`` is the reference's. Loading this backend makes glibc keep freed large buffers for
reuse, process-wide (:mod:`~slayer.backends.numba.memory`; ``SLAYER_KEEP_MEMORY=0`` to opt out).
"""

from __future__ import annotations

import numpy as np
import torch

from slayer.backends.numba import neuron, pool, synapse
from slayer.backends.numba.memory import keep_freed_memory
from slayer.backends.reference import Pair, ReferenceBackend, spike_amplitude

__all__ = ["NumbaBackend"]

keep_freed_memory()


def _np(x: torch.Tensor) -> np.ndarray:
    return x.detach().contiguous().numpy()


class NumbaBackend(ReferenceBackend):
    """Compiled CPU kernels (see the package docstring); results equal the reference's."""

    name = "numba"

    # ------------------------------------------------------------------ neuron kernels
    def psp(self, x: torch.Tensor, kernel: torch.Tensor, ts: float, tau: float | None) -> torch.Tensor:
        return torch.from_numpy(neuron.psp(_np(x), _np(kernel), ts, tau, reverse=False))

    def psp_grad(
        self, grad: torch.Tensor, kernel: torch.Tensor, ts: float, tau: float | None
    ) -> torch.Tensor:
        return torch.from_numpy(neuron.psp(_np(grad), _np(kernel), ts, tau, reverse=True))

    def spike(
        self, u: torch.Tensor, nu: torch.Tensor, theta: float, ts: float
    ) -> tuple[torch.Tensor, torch.Tensor]:
        s, u_post = neuron.spike(_np(u), _np(nu), theta, spike_amplitude(ts, u.dtype))
        return torch.from_numpy(s), torch.from_numpy(u_post)

    def spike_grad(
        self, grad: torch.Tensor, u: torch.Tensor, theta: float, rho_tau: float, rho_scale: float
    ) -> torch.Tensor:
        return torch.from_numpy(neuron.spike_grad(_np(grad), _np(u), theta, rho_tau, rho_scale))

    def psp_spike(
        self,
        z: torch.Tensor,
        kernel: torch.Tensor,
        nu: torch.Tensor,
        theta: float,
        ts: float,
        tau: float | None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        amplitude = spike_amplitude(ts, z.dtype)
        s, u_post = neuron.psp_spike(_np(z), _np(kernel), ts, tau, _np(nu), theta, amplitude)
        return torch.from_numpy(s), torch.from_numpy(u_post)

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
        dz = neuron.psp_spike_grad(_np(grad), _np(u), _np(kernel), ts, tau, theta, rho_tau, rho_scale)
        return torch.from_numpy(dz)

    def shift(self, x: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(neuron.shift(_np(x), _np(n)))

    def delay_grad(self, grad: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(neuron.delay_grad(_np(grad), _np(y)))

    # ------------------------------------------------------------------ synapses
    def dense(self, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        ev = synapse.dense_events(x) if x.dtype == weight.dtype else None
        if ev is None:
            return super().dense(x, weight)
        return synapse.SparseDense.apply(x, weight, ev)

    def conv(
        self, x: torch.Tensor, weight: torch.Tensor, stride: Pair, padding: Pair, dilation: Pair, groups: int
    ) -> torch.Tensor:
        if x.dtype != weight.dtype:
            return super().conv(x, weight, stride, padding, dilation, groups)
        ev = synapse.conv_events(x)
        if ev is None:
            return synapse.FoldedConv.apply(x, weight, stride, padding, dilation, groups)
        return synapse.SparseConv.apply(x, weight, ev, stride, padding, dilation, groups)

    def pool(
        self, x: torch.Tensor, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair, weight: float
    ) -> torch.Tensor:
        return pool.SumPool.apply(x, kernel, (*stride, *padding, *dilation), weight)

    def unpool(
        self, x: torch.Tensor, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair, weight: float
    ) -> torch.Tensor:
        return pool.SumUnpool.apply(x, kernel, (*stride, *padding, *dilation), weight)
