"""Modules: shapes, initialisation, parameters, delay clamping, hooks, errors."""

from __future__ import annotations

import math

import pytest
import torch

import slayer
from slayer import nn as snn

SIM = slayer.Simulation(1.0, 40)
NEURON = slayer.SRM(theta=10, tau_sr=10, tau_ref=1)


def test_dense_shapes_and_init() -> None:
    torch.manual_seed(0)
    layer = snn.Dense((2, 6, 5), 300)
    bound = 10.0 / math.sqrt(60)
    assert layer.weight.shape == (300, 60)
    assert layer.weight.abs().max() <= bound
    assert layer.weight.abs().max() > 0.9 * bound  # uniform over the whole range
    assert layer(torch.rand(4, 2, 6, 5, 40)).shape == (4, 300, 40)
    assert layer(torch.rand(4, 60, 40)).shape == (4, 300, 40)
    with pytest.raises(ValueError, match="expects 60 input neurons, got 59"):
        layer(torch.rand(4, 59, 40))
    with pytest.raises(TypeError, match="floating-point"):
        layer(torch.ones(4, 60, 40, dtype=torch.int64))


def test_conv_pool_shapes_and_init() -> None:
    torch.manual_seed(0)
    conv = snn.Conv(2, 12, 5, padding=1)
    assert conv.weight.shape == (12, 2, 5, 5)
    assert conv.weight.abs().max() <= 100 / math.sqrt(50)
    x = torch.rand(2, 2, 34, 34, 10)
    y = conv(x)
    assert y.shape == (2, 12, 32, 32, 10)
    assert snn.Pool(2, theta=10)(y).shape == (2, 12, 16, 16, 10)
    assert snn.Pool(2, theta=10)(torch.rand(1, 3, 15, 9, 4)).shape == (1, 3, 8, 5, 4)
    assert snn.Unpool(2, theta=10)(torch.rand(1, 3, 4, 5, 4)).shape == (1, 3, 8, 10, 4)
    up = snn.ConvTranspose(12, 3, 2, stride=2)
    assert up(y).shape == (2, 3, 64, 64, 10)
    with pytest.raises(ValueError, match="expects 2 input channels, got 3"):
        conv(torch.rand(1, 3, 8, 8, 4))
    with pytest.raises(ValueError, match="5 dimensions"):
        conv(torch.rand(1, 2, 8))


def test_one_layer_against_the_functional_chain() -> None:
    torch.manual_seed(1)
    block = snn.Block(snn.Dense(20, 7), NEURON, SIM)
    x = (torch.rand(3, 20, 40) < 0.2).float()
    z = slayer.functional.dense(x, block.synapse.weight)
    expected = slayer.functional.spike(slayer.functional.psp(z, NEURON, SIM), NEURON, SIM)
    assert torch.equal(block(x), expected)


def test_network_trains_weights_and_delays() -> None:
    torch.manual_seed(2)
    net = torch.nn.Sequential(
        snn.Block(snn.Dense(20, 16), NEURON, SIM, delay=snn.Delay(16, SIM, max_delay=5.0)),
        snn.Dropout(0.1),
        snn.Block(snn.Dense(16, 4), NEURON, SIM),
    )
    x = (torch.rand(3, 20, 40) < 0.3).float() * 3
    loss = slayer.loss.SpikeCount(NEURON, SIM, 0, 40, 8, 1)(net(x), torch.tensor([0, 1, 3]))
    loss.backward()
    grads = {name: p.grad for name, p in net.named_parameters()}
    assert set(grads) == {"0.synapse.weight", "0.delay.delay", "2.synapse.weight"}
    assert all(g is not None and g.abs().sum() > 0 for g in grads.values())


def test_delays_stay_in_range_without_user_clamping() -> None:
    delay = snn.Delay((3, 1, 1), SIM, max_delay=4.0)
    assert delay.delay.shape == (3, 1, 1)
    assert ((delay.delay >= 0) & (delay.delay < 1)).all()
    opt = torch.optim.SGD(delay.parameters(), lr=1.0)
    with torch.no_grad():
        delay.delay.copy_(torch.tensor([-3.0, 2.0, 9.0]).view(3, 1, 1))
    y = delay(torch.rand(2, 3, 4, 4, 40))
    assert delay.delay.flatten().tolist() == [0.0, 2.0, 4.0]
    y.sum().backward()
    with torch.no_grad():
        delay.delay.grad = torch.tensor([100.0, -100.0, 0.0]).view(3, 1, 1)
    opt.step()
    snn.clamp_delays(delay)
    assert delay.delay.flatten().tolist() == [0.0, 4.0, 4.0]


def test_quantize_pre_hook_has_straight_through_gradient() -> None:
    layer = snn.Dense(4, 2, pre_hook=snn.Quantize(0.5))
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[0.2, 0.3, -0.7, 1.24], [0.0, 0.26, 2.0, -0.24]]))
    x = torch.rand(1, 4, 3)
    out = layer(x)
    quantised = torch.tensor([[0.0, 0.5, -0.5, 1.0], [0.0, 0.5, 2.0, 0.0]])
    torch.testing.assert_close(out, torch.matmul(quantised, x))
    out.sum().backward()
    assert layer.weight.grad is not None
    torch.testing.assert_close(layer.weight.grad, x.sum(-1).expand(2, 4))


def test_psp_modules() -> None:
    psp = snn.PSP(NEURON, SIM)
    x = (torch.rand(2, 3, 40) < 0.2).float()
    torch.testing.assert_close(psp(x), slayer.functional.psp(x, NEURON, SIM))
    bank = snn.PSPFilter(n_filter=3, filter_length=6, sim=SIM)
    y = bank(torch.rand(2, 4, 5, 5, 40))
    assert y.shape == (2, 12, 5, 5, 40)
    assert bank.weight.abs().max() <= 1 / math.sqrt(6)


def test_state_dict_round_trip() -> None:
    def make() -> torch.nn.Module:
        return torch.nn.Sequential(
            snn.Block(snn.Conv(2, 4, 3), NEURON, SIM, delay=snn.Delay((4, 1, 1), SIM)),
            snn.Block(snn.Pool(2, NEURON.theta), NEURON, SIM),
            snn.Block(snn.Dense((4, 3, 3), 5), NEURON, SIM),
        )

    a, b = make(), make()
    b.load_state_dict(a.state_dict())
    x = (torch.rand(2, 2, 8, 8, 40) < 0.3).float() * 5
    assert torch.equal(a(x), b(x))
    assert "weight_scale=100.0" in repr(a) and "max_delay=None" in repr(a)


def test_parameter_validation() -> None:
    with pytest.raises(ValueError, match="ts"):
        slayer.Simulation(0, 10)
    with pytest.raises(ValueError, match="must not exceed"):
        slayer.Simulation(5, 1)
    with pytest.raises(ValueError, match="tau_sr"):
        slayer.SRM(theta=10, tau_sr=-1, tau_ref=1)
    with pytest.raises(ValueError, match="theta must be a number"):
        slayer.SRM(theta="10", tau_sr=1, tau_ref=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty"):
        slayer.loss.SpikeCount(NEURON, SIM, 10, 10, 1, 0)
    with pytest.raises(ValueError, match="dropout probability"):
        snn.Dropout(1.5)


def test_backend_selection() -> None:
    x = torch.rand(2, 3, 40)
    with slayer.backends.use("reference"):
        assert slayer.backends.current() == "reference"
        y = slayer.functional.psp(x, NEURON, SIM)
    assert slayer.backends.current() == "auto"
    torch.testing.assert_close(y, slayer.functional.psp(x, NEURON, SIM, backend="auto"))
    with pytest.raises(slayer.backends.BackendUnavailable, match="unknown backend 'fast'"):
        slayer.functional.psp(x, NEURON, SIM, backend="fast")
    with pytest.raises(slayer.backends.BackendUnavailable, match="unknown backend"):
        with slayer.backends.use("fast"):
            pass
