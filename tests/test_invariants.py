"""Invariants of the SPEC's ops that hold whatever the implementation."""

from __future__ import annotations

import pytest
import torch

import slayer
from slayer import functional as F

SIM = slayer.Simulation(1.0, 100)
NEURON = slayer.SRM(theta=10, tau_sr=10, tau_ref=1)


def test_psp_of_one_spike_is_the_kernel() -> None:
    for sim in (SIM, slayer.Simulation(0.5, 50)):
        x = torch.zeros(1, 1, sim.steps, dtype=torch.float64)
        x[0, 0, 7] = 1 / sim.ts
        a = F.psp(x, NEURON, sim)
        eps = torch.from_numpy(NEURON.psp_kernel(sim))
        k = min(len(eps), sim.steps - 7)
        torch.testing.assert_close(a[0, 0, 7 : 7 + k], eps[:k])
        assert a[0, 0, :7].abs().sum() == 0 and a[0, 0, 7 + k :].abs().sum() == 0


def test_psp_is_linear_and_causal() -> None:
    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(3, 4, 100, generator=g), torch.rand(3, 4, 100, generator=g)
    torch.testing.assert_close(
        F.psp(2 * x - 3 * y, NEURON, SIM), 2 * F.psp(x, NEURON, SIM) - 3 * F.psp(y, NEURON, SIM)
    )
    z = x.clone()
    z[..., 60:] += 5.0
    torch.testing.assert_close(F.psp(z, NEURON, SIM)[..., :60], F.psp(x, NEURON, SIM)[..., :60])


def test_refractory_follows_a_spike_and_spares_its_own_bin() -> None:
    u = torch.full((1, 20), 5.0)
    u[0, 3] = 10.0  # exactly theta: fires (>=)
    u[0, 4] = 12.0  # would fire, but the refractory response of bin 3 pulls it down
    u_in = u.clone()
    s = F.spike(u, NEURON, slayer.Simulation(1.0, 20))
    assert torch.equal(u, u_in), "input modified"
    assert s[0].nonzero().flatten().tolist() == [3]
    nu = NEURON.ref_kernel(slayer.Simulation(1.0, 20))
    assert 12.0 + nu[1] < NEURON.theta  # the premise of the test
    assert set(s.unique().tolist()) <= {0.0, 1.0}


def test_spike_amplitude_is_one_over_ts() -> None:
    sim = slayer.Simulation(0.5, 10)
    s = F.spike(torch.full((2, 20), 50.0), NEURON, sim)
    assert set(s.unique().tolist()) == {0.0, 2.0}
    assert s[:, 0].eq(2.0).all()


def test_surrogate_uses_post_refractory_potential() -> None:
    sim = slayer.Simulation(1.0, 6)
    u = torch.tensor([[10.0, 12.0, 5.0, 5.0, 5.0, 5.0]], requires_grad=True)
    F.spike(u, NEURON, sim).sum().backward()
    nu = torch.tensor(NEURON.ref_kernel(sim), dtype=torch.float32)
    u_post = u.detach().clone()
    u_post[0, 1:] += nu[1:6]
    rho = NEURON.rho_scale * torch.exp(-(u_post - NEURON.theta).abs() / NEURON.rho_tau)
    assert u.grad is not None
    torch.testing.assert_close(u.grad, rho)


@pytest.mark.parametrize("ts", [1.0, 0.5])
def test_delay_is_an_exact_integer_shift(ts: float) -> None:
    x = torch.rand(2, 3, 40)
    bins = torch.tensor([0, 1, 7])
    d = bins.double() * ts
    y = F.delay(x, d.float(), ts)
    for i, b in enumerate(bins.tolist()):
        assert torch.equal(y[:, i, b:], x[:, i, : 40 - b])
        assert y[:, i, :b].abs().sum() == 0
    # fractions of a bin are truncated
    assert torch.equal(F.delay(x, torch.full((3,), 0.99 * ts), ts), x)
    assert torch.equal(F.delay_shift(x, 7 * ts, ts), torch.cat([torch.zeros(2, 3, 7), x[..., :33]], -1))


def test_per_channel_delay_broadcasts_over_space() -> None:
    x = torch.rand(2, 3, 4, 5, 30)
    d = torch.tensor([1.0, 2.0, 3.0]).view(3, 1, 1).requires_grad_()
    y = F.delay(x, d, 1.0)
    for c in range(3):
        assert torch.equal(y[:, c, :, :, c + 1 :], x[:, c, :, :, : 30 - c - 1])
    y.sum().backward()
    assert d.grad is not None and d.grad.shape == (3, 1, 1)


def test_dropout_silences_whole_neurons() -> None:
    torch.manual_seed(0)
    x = torch.ones(8, 50, 3, 3, 20)
    y = F.dropout(x, p=0.4, training=True)
    per_neuron = y.reshape(8, -1, 20)
    assert torch.all(per_neuron.amax(-1) == per_neuron.amin(-1)), "mask changes over time"
    values = per_neuron.unique()
    assert values.numel() == 2 and values[0] == 0 and values[1].item() == pytest.approx(1 / 0.6)
    dropped = (per_neuron[..., 0] == 0).float().mean().item()
    assert 0.3 < dropped < 0.5
    assert torch.equal(F.dropout(x, 0.4, training=False), x)


def test_pool_of_one_spike() -> None:
    x = torch.zeros(1, 2, 5, 5, 3)
    x[0, 1, 4, 2, 1] = 1.0  # in the padded last row/column window
    y = F.pool(x, 2, theta=10.0)
    assert y.shape == (1, 2, 3, 3, 3)
    assert y[0, 1, 2, 1, 1].item() == pytest.approx(11.0)
    assert y.abs().sum().item() == pytest.approx(11.0)
    up = F.unpool(y[..., :1] * 0 + 1, 2, theta=1.0)
    assert up.shape == (1, 2, 6, 6, 1) and torch.allclose(up, torch.full_like(up, 1.1))


def test_spike_count_loss_is_zero_on_target() -> None:
    sim = slayer.Simulation(1.0, 100)
    loss = slayer.loss.SpikeCount(NEURON, sim, t_start=20, t_stop=80, true_count=6, false_count=2)
    s = torch.zeros(2, 3, 100)
    labels = torch.tensor([1, 0])
    for n, lab in enumerate(labels.tolist()):
        for c in range(3):
            count = 6 if c == lab else 2
            s[n, c, torch.arange(count) * 9 + 25] = 1.0
    assert loss(s, labels).item() == 0.0
    one_hot = torch.nn.functional.one_hot(labels, 3).bool()
    assert loss(s, one_hot).item() == 0.0
    s[0, 0, 5] = 1.0  # a spike outside the window is an error
    assert loss(s, labels).item() > 0


def test_predict_takes_the_most_spikes() -> None:
    s = torch.zeros(3, 4, 10)
    s[0, 2, :5] = 1
    s[1, 1, :2] = 1
    s[1, 3, :2] = 1  # tie: lowest index
    assert slayer.predict(s).tolist() == [2, 1, 0]
