"""The network builder: one Block per layer, delays per neuron or channel, shapes as inferred, summary."""

from __future__ import annotations

import torch

from slayer import nn as snn
from slayer.train import build_network, count_parameters, summary
from test_train_support import config


def test_blocks_shapes_delays_and_dropout() -> None:
    layers = [
        {"dim": "12x10x2"},
        {"dim": "4c3", "padding": 1, "delay": True, "maxDelay": 5, "wScale": 50},
        {"dim": "2a"},
        {"dim": "6c3", "stride": 2, "dropout": 0.25},
        {"dim": 7, "delay": True},
        {"dim": "3o"},
    ]
    cfg = config(layer=layers)
    torch.manual_seed(0)
    net = build_network(cfg)
    assert len(net) == 5 and all(isinstance(block, snn.Block) for block in net)
    conv, pool, strided, dense, out = net
    assert isinstance(conv.synapse, snn.Conv) and conv.synapse.weight.shape == (4, 2, 3, 3)
    assert conv.synapse.weight_scale == 50 and conv.delay is not None
    assert conv.delay.delay.shape == (4, 1, 1) and conv.delay.max_delay == 5  # one delay per channel
    assert (
        isinstance(pool.synapse, snn.Pool) and pool.synapse.theta == cfg.neuron.theta and pool.delay is None
    )
    assert isinstance(strided.synapse, torch.nn.Sequential)
    assert isinstance(strided.synapse[0], snn.Dropout) and strided.synapse[0].p == 0.25
    assert dense.delay is not None and dense.delay.delay.shape == (7,)  # one delay per neuron
    assert dense.delay.max_delay == cfg.sim.t_sample and out.delay is None
    x = (torch.rand(2, 2, 10, 12, cfg.sim.steps) < 0.3).float()
    for block, layer in zip(net, cfg.layers[1:], strict=True):
        x = block(x)
        shape = tuple(x.shape[1:-1])
        assert shape == layer.shape, (layer.dim, shape)
    assert x.shape == (2, 3, cfg.sim.steps)


def test_summary_counts_parameters_and_delays() -> None:
    cfg = config(layer=[{"dim": "8x8x1"}, {"dim": 16, "delay": True, "maxDelay": 2}, {"dim": "3o"}])
    net = build_network(cfg)
    text = summary(cfg, net)
    assert count_parameters(net) == 64 * 16 + 16 + 16 * 3
    assert "1,088 trainable parameters, 19 spiking neurons, T = 20 steps" in text
    assert "16 (per neuron, <= 2 ms)" in text and "input 8x8x1" in text and "output 3" in text
    rows = text.splitlines()
    assert rows[0].split(" | ") == ["#", "layer      ", "output shape", "parameters", "delays"]
