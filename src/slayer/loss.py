"""SLAYER's losses and the spike-count prediction (SPEC §6; paper Eq. 5).

Both losses are sums over the batch, neurons and time, as the reference computes them.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from slayer import functional as F
from slayer.functional._util import check_spikes
from slayer.params import SRM, Simulation

__all__ = ["SpikeCount", "SpikeTime", "predict"]


def predict(spikes: torch.Tensor) -> torch.Tensor:
    """The class of each sample: the output neuron with the most spikes (ties: the lowest index).

    Shape
    -----
    ``spikes``: ``(N, C, ..., T)``; output: ``(N,)`` int64 indices into the flattened neurons.
    """
    check_spikes(spikes, "spikes")
    return spikes.reshape(spikes.shape[0], -1, spikes.shape[-1]).sum(-1).argmax(1)


class SpikeTime(nn.Module):
    """Spike-time loss: the squared error of the psp-filtered spike-train difference.

    .. math::

        e = \\mathrm{psp}(s_{out} - s_{target}), \\qquad L = \\tfrac12 T_s \\sum_{n, i, t} e[n, i, t]^2
    """

    def __init__(self, neuron: SRM, sim: Simulation) -> None:
        super().__init__()
        self.neuron, self.sim = neuron, sim

    def forward(self, spikes: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if spikes.shape != target.shape:
            raise ValueError(f"spikes {tuple(spikes.shape)} and target {tuple(target.shape)} differ in shape")
        error = F.psp(spikes - target.to(spikes.dtype), self.neuron, self.sim)
        return 0.5 * self.sim.ts * error.pow(2).sum()


class SpikeCount(nn.Module):
    """Spike-count loss, the classification loss of the paper (SPEC §6, reference ``NumSpikes``).

    With the window ``[i0, i1) = [rint(t_start/Ts), rint(t_stop/Ts))``, ``n = i1 - i0``, its mask
    ``m``, the count ``c = Ts * sum_{t in window} s`` and the target count ``c*`` (``true_count`` for
    the label's neuron, ``false_count`` for the others):

    .. math::

        e[t] = \\mathrm{psp}(s - \\hat s)[t] + m[t] \\frac{c - c^*}{n}, \\quad \\hat s = m\\, s,
        \\qquad L = \\tfrac12 T_s \\sum e^2

    where ``c`` and ``s_hat`` carry no gradient: spikes outside the window are pushed to zero and the
    count error is spread evenly over the window.

    ``forward(spikes, label)`` takes class indices ``(N,)`` (int) or a one-hot mask with one entry per
    output neuron (bool or 0/1, e.g. ``(N, C)`` or ``(N, C, 1)``).
    """

    def __init__(
        self,
        neuron: SRM,
        sim: Simulation,
        t_start: float,
        t_stop: float,
        true_count: float,
        false_count: float,
    ) -> None:
        super().__init__()
        self.neuron, self.sim = neuron, sim
        self.start = int(np.rint(t_start / sim.ts))
        self.stop = int(np.rint(t_stop / sim.ts))
        if not 0 <= self.start < self.stop:
            raise ValueError(
                f"the count window [{t_start}, {t_stop}) ms is empty or negative at Ts = {sim.ts} ms"
            )
        self.true_count, self.false_count = float(true_count), float(false_count)

    def target_mask(self, label: torch.Tensor, spikes: torch.Tensor) -> torch.Tensor:
        """The label as a boolean mask of shape ``spikes.shape[:-1] + (1,)``."""
        shape = (*spikes.shape[:-1], 1)
        neurons = int(np.prod(spikes.shape[1:-1]))
        if (
            label.dtype in (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8)
            and label.dim() == 1
        ):
            if label.shape[0] != spikes.shape[0]:
                raise ValueError(f"{label.shape[0]} labels for a batch of {spikes.shape[0]}")
            if label.numel() and (label.min() < 0 or label.max() >= neurons):
                raise ValueError(f"labels must be in [0, {neurons}), got {label.tolist()}")
            mask = torch.nn.functional.one_hot(label.long(), neurons).bool()
        elif label.numel() == spikes.shape[0] * neurons:
            mask = (
                label.reshape(spikes.shape[0], neurons) > 0.5 if label.is_floating_point() else label.bool()
            )
            mask = mask.reshape(spikes.shape[0], neurons)
        else:
            raise ValueError(
                f"label must be class indices (N,) or a one-hot mask with {neurons} entries per sample, "
                f"got shape {tuple(label.shape)}"
            )
        return mask.to(spikes.device).reshape(shape)

    def forward(self, spikes: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
        check_spikes(spikes, "spikes")
        steps = spikes.shape[-1]
        if self.stop > steps:
            raise ValueError(
                f"the count window ends at bin {self.stop}, after the {steps} bins of the spikes"
            )
        ts = self.sim.ts
        window = torch.zeros(steps, dtype=spikes.dtype, device=spikes.device)
        window[self.start : self.stop] = 1
        with torch.no_grad():
            count = spikes[..., self.start : self.stop].sum(-1, keepdim=True) * ts
            wanted = torch.where(self.target_mask(label, spikes), self.true_count, self.false_count)
            s_hat = spikes * window
            count_error = window * ((count - wanted.to(spikes.dtype)) / (self.stop - self.start))
        error = F.psp(spikes - s_hat, self.neuron, self.sim) + count_error
        return 0.5 * ts * error.pow(2).sum()
