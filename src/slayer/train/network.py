"""Build the network of a configuration: one :class:`slayer.nn.Block` per layer, and its summary table."""

from __future__ import annotations

import math

import torch
from torch import nn

from slayer import nn as snn
from slayer.config import Config, ConvLayer, DenseLayer, InputLayer, LayerSpec, PoolLayer

__all__ = ["build_network", "count_parameters", "summary"]


def _with_dropout(synapse: nn.Module, p: float) -> nn.Module:
    return nn.Sequential(snn.Dropout(p), synapse) if p > 0 else synapse


def _block(layer: LayerSpec, previous: tuple[int, ...], config: Config) -> snn.Block:
    sim, neuron = config.sim, config.neuron
    if isinstance(layer, DenseLayer):
        synapse: nn.Module = snn.Dense(previous, layer.features, weight_scale=layer.w_scale)
        delay = snn.Delay((layer.features,), sim, layer.max_delay) if layer.delay else None
    elif isinstance(layer, ConvLayer):
        synapse = snn.Conv(
            previous[0],
            layer.channels,
            layer.kernel,
            layer.stride,
            layer.padding,
            layer.dilation,
            layer.groups,
            weight_scale=layer.w_scale,
        )
        delay = snn.Delay((layer.channels, 1, 1), sim, layer.max_delay) if layer.delay else None
    elif isinstance(layer, PoolLayer):
        synapse = snn.Pool(layer.kernel, neuron.theta, layer.stride, layer.padding, layer.dilation)
        delay = None
    else:
        raise TypeError(f"cannot build a block for {layer!r}")
    return snn.Block(_with_dropout(synapse, layer.dropout), neuron, sim, delay=delay)


def build_network(config: Config) -> nn.Sequential:
    """The configuration's layer list as a :class:`torch.nn.Sequential` of Blocks.

    Each entry after the input becomes ``Block(synapse, neuron, sim, delay)``: a dense layer
    ``Dense(previous shape, n)`` (``wScale`` default 10), ``12c5`` a ``Conv(C, 12, 5)`` (default 100),
    ``2a`` a ``Pool(2, theta)``; ``dropout: p`` puts :class:`~slayer.nn.Dropout` before the synapse;
    ``delay: true`` adds a :class:`~slayer.nn.Delay` per neuron (dense) or per channel (conv),
    clamped to ``[0, maxDelay]`` ms. Weights are initialised from torch's global generator (seed it
    first for reproducible runs).

    Shape
    -----
    Input ``(N, C, T)`` or ``(N, C, H, W, T)`` as ``config.input_shape``; output ``(N, K, T)`` for a
    dense output layer, ``(N, C, H, W, T)`` otherwise.
    """
    blocks = []
    for previous, layer in zip(config.layers, config.layers[1:], strict=False):
        blocks.append(_block(layer, previous.shape, config))
    return nn.Sequential(*blocks)


def _describe(layer: LayerSpec) -> str:
    text = _kind(layer)
    dropout = getattr(layer, "dropout", 0.0)
    return f"{text} (dropout {dropout:g})" if dropout else text


def _kind(layer: LayerSpec) -> str:
    if isinstance(layer, InputLayer):
        return f"input {layer.dim}"
    if isinstance(layer, DenseLayer):
        return f"{'output' if layer.output else 'dense'} {layer.features}"
    if isinstance(layer, ConvLayer):
        extra = "".join(
            f" {name}={value[0] if value[0] == value[1] else value}"
            for name, value, default in (("stride", layer.stride, 1), ("pad", layer.padding, 0))
            if value != (default, default)
        )
        return f"conv {layer.dim}{extra}"
    return f"pool {layer.dim}"


def summary(config: Config, model: nn.Sequential) -> str:
    """A table of the network: layer, output shape (without N and T), parameters, delays."""
    rows = [("#", "layer", "output shape", "parameters", "delays")]
    rows.append(("0", _describe(config.layers[0]), str(config.input_shape), "-", "-"))
    total = 0
    for i, (layer, block) in enumerate(zip(config.layers[1:], model, strict=True), start=1):
        count = count_parameters(block)
        total += count
        delays = "-"
        if isinstance(block, snn.Block) and block.delay is not None:
            size = block.delay.delay.numel()
            per = "channel" if isinstance(layer, ConvLayer) else "neuron"
            delays = f"{size} (per {per}, <= {getattr(layer, 'max_delay', 0):g} ms)"
        rows.append((str(i), _describe(layer), str(layer.shape), f"{count:,}", delays))
    widths = [max(len(row[k]) for row in rows) for k in range(5)]
    line = "-+-".join("-" * w for w in widths)
    text = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    text.insert(1, line)
    neurons = sum(math.prod(layer.shape) for layer in config.layers[1:])
    text += [
        line,
        f"{total:,} trainable parameters, {neurons:,} spiking neurons, T = {config.sim.steps} steps",
    ]
    return "\n".join(text)


def count_parameters(model: torch.nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
