"""Thin :class:`torch.nn.Module` s over :mod:`slayer.functional`."""

from slayer.nn.block import Block
from slayer.nn.delay import Delay, clamp_delays
from slayer.nn.neuron import PSP, SRM, PSPFilter
from slayer.nn.synapse import Conv, ConvTranspose, Dense, Dropout, Pool, Quantize, Unpool

__all__ = [
    "PSP",
    "SRM",
    "Block",
    "Conv",
    "ConvTranspose",
    "Delay",
    "Dense",
    "Dropout",
    "PSPFilter",
    "Pool",
    "Quantize",
    "Unpool",
    "clamp_delays",
]
