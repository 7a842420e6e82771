"""Gradients against finite differences (float64) wherever the op is smooth."""

from __future__ import annotations

import pytest
import torch
from torch.autograd import gradcheck

import slayer
from slayer import functional as F

SIM = slayer.Simulation(1.0, 24)
NEURON = slayer.SRM(theta=2.0, tau_sr=3.0, tau_ref=1.0)


def _rand(*shape: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=torch.float64).requires_grad_()


def test_psp() -> None:
    assert gradcheck(lambda x: F.psp(x, NEURON, SIM, backend="reference"), (_rand(2, 3, 24),))


def test_psp_half_ms() -> None:
    sim = slayer.Simulation(0.5, 12)
    assert gradcheck(lambda x: F.psp(x, NEURON, sim, backend="reference"), (_rand(2, 24),))


def test_delay_input() -> None:
    d = torch.tensor([0.0, 2.5, 7.9], dtype=torch.float64)
    assert gradcheck(lambda x: F.delay(x, d, SIM, backend="reference"), (_rand(2, 3, 24),))
    assert gradcheck(lambda x: F.delay_shift(x, 3.0, 1.0, backend="reference"), (_rand(2, 3, 24),))


def test_delay_gradient_is_the_one_bin_difference() -> None:
    """For a loss linear in y, the SPEC §4 delay gradient is exactly L(n + 1) - L(n) (Ts = 1 scale)."""
    x = torch.rand(3, 4, 30, dtype=torch.float64)
    g = torch.randn(3, 4, 30, dtype=torch.float64)
    for sim in (SIM, slayer.Simulation(0.5, 15)):
        d = torch.tensor([0.0, 1.0, 3.0, 6.5], dtype=torch.float64, requires_grad=True)
        (F.delay(x, d, sim, backend="reference") * g).sum().backward()
        one_bin_later = (d + sim.ts).detach()
        expected = []
        for i in range(4):
            later = d.detach().clone()
            later[i] = one_bin_later[i]
            diff = (F.delay(x, later, sim) * g).sum() - (F.delay(x, d.detach(), sim) * g).sum()
            expected.append(diff.item())
        assert d.grad is not None
        torch.testing.assert_close(d.grad, torch.tensor(expected, dtype=torch.float64))


def test_dense() -> None:
    assert gradcheck(lambda x, w: F.dense(x, w, backend="reference"), (_rand(2, 5, 7), _rand(3, 5, seed=1)))


@pytest.mark.parametrize(
    "kwargs", [{}, {"stride": 2, "padding": 1}, {"dilation": (1, 2), "groups": 2}], ids=["plain", "sp", "dg"]
)
def test_conv(kwargs: dict[str, object]) -> None:
    groups = int(kwargs.get("groups", 1))  # type: ignore[call-overload]
    x, w = _rand(1, 4, 6, 7, 3), _rand(2, 4 // groups, 3, 3, seed=1)
    assert gradcheck(lambda a, b: F.conv(a, b, backend="reference", **kwargs), (x, w))


def test_conv_transpose() -> None:
    x, w = _rand(1, 2, 3, 4, 3), _rand(2, 3, 2, 2, seed=1)
    assert gradcheck(lambda a, b: F.conv_transpose(a, b, stride=2, backend="reference"), (x, w))


def test_pool_unpool() -> None:
    assert gradcheck(lambda x: F.pool(x, 2, 1.5, backend="reference"), (_rand(1, 2, 5, 4, 3),))
    assert gradcheck(lambda x: F.unpool(x, 2, 1.5, backend="reference"), (_rand(1, 2, 2, 3, 3),))


def test_psp_filter() -> None:
    x, h = _rand(2, 3, 10), _rand(2, 4, seed=1)
    assert gradcheck(lambda a, b: F.psp_filter(a, b, 0.5), (x, h))


def test_spike_time_loss() -> None:
    loss = slayer.loss.SpikeTime(NEURON, SIM)
    target = torch.rand(2, 3, 24, dtype=torch.float64)
    assert gradcheck(lambda s: loss(s, target), (_rand(2, 3, 24),))


def test_spike_count_loss() -> None:
    loss = slayer.loss.SpikeCount(NEURON, SIM, t_start=4, t_stop=20, true_count=5, false_count=1)
    label = torch.tensor([0, 2])
    # gradcheck holds the no-gradient count fixed only if the perturbation does not change it:
    # the count and s_hat are constants of the graph, so compare to the analytic form instead.
    s = _rand(2, 3, 24)
    value = loss(s, label)
    value.backward()
    with torch.no_grad():
        window = torch.zeros(24, dtype=torch.float64)
        window[4:20] = 1
        count = s[..., 4:20].sum(-1, keepdim=True)
        wanted = torch.tensor([[5.0, 1, 1], [1, 1, 5.0]], dtype=torch.float64).unsqueeze(-1)
        e = F.psp(s - s * window, NEURON, SIM) + window * (count - wanted) / 16
    e_leaf = e.clone().requires_grad_()
    (0.5 * (e_leaf**2).sum()).backward()
    assert e_leaf.grad is not None
    expected = torch.autograd.grad(F.psp(s, NEURON, SIM), s, e_leaf.grad)[0]
    assert value.item() == pytest.approx(0.5 * (e**2).sum().item())
    assert s.grad is not None
    torch.testing.assert_close(s.grad, expected)
