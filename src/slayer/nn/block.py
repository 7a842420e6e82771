"""A SLAYER layer: synapse -> SRM neuron -> optional axonal delay."""

from __future__ import annotations

import torch
from torch import nn

from slayer import params
from slayer.nn.delay import Delay
from slayer.nn.neuron import SRM

__all__ = ["Block"]


class Block(nn.Module):
    """One spiking layer: ``s_out = delay(spike(psp(synapse(s_in))))``.

    Composes in :class:`torch.nn.Sequential`.

    Parameters
    ----------
    synapse : nn.Module
        :class:`~slayer.nn.Dense`, :class:`~slayer.nn.Conv`, :class:`~slayer.nn.Pool`, ...
    neuron : slayer.SRM
        Neuron parameters.
    sim : slayer.Simulation
        The simulation grid.
    delay : Delay, optional
        Learnable axonal delay applied to the output spikes.

    Example
    -------
    >>> layer = Block(Dense(200, 256), slayer.SRM(10, 10, 1), slayer.Simulation(1, 300))
    """

    def __init__(
        self, synapse: nn.Module, neuron: params.SRM, sim: params.Simulation, delay: Delay | None = None
    ) -> None:
        super().__init__()
        self.synapse = synapse
        self.neuron = SRM(neuron, sim)
        self.delay = delay

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.neuron(self.synapse(x))
        return s if self.delay is None else self.delay(s)
