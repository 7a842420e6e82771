"""The reference backend against the independent numpy oracle of SPEC.md, forward and backward."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import oracle
import slayer
from cases import CASES, Case
from slayer import functional as F

pytestmark = pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])


def _np(x: torch.Tensor) -> np.ndarray:
    return x.detach().reshape(-1, x.shape[-1]).numpy().astype(np.float64)


def _tol(case: Case) -> dict[str, float]:
    return {"rtol": 1e-12, "atol": 1e-12} if case.dtype == torch.float64 else {"rtol": 2e-5, "atol": 2e-5}


def _scaled_close(actual: np.ndarray, expected: np.ndarray, case: Case) -> None:
    scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
    tol = _tol(case)
    np.testing.assert_allclose(actual / scale, expected / scale, rtol=tol["rtol"], atol=tol["atol"])


def test_kernels_match_oracle(case: Case) -> None:
    n, sim = case.neuron, case.sim
    eps = oracle.alpha(n.tau_sr, 1.0, n.eps_sr, sim.ts, sim.t_sample)
    nu = oracle.alpha(n.tau_ref, -n.scale_ref * n.theta, n.eps_ref, sim.ts, sim.t_sample)
    assert n.psp_kernel(sim).shape == eps.shape
    assert n.ref_kernel(sim).shape == nu.shape
    np.testing.assert_allclose(n.psp_kernel(sim), eps, rtol=1e-13)
    np.testing.assert_allclose(n.ref_kernel(sim), nu, rtol=1e-13)


def test_psp_forward_backward(case: Case) -> None:
    x = case.spikes().requires_grad_()
    a = F.psp(x, case.neuron, case.sim, backend="reference")
    eps = case.neuron.psp_kernel(case.sim)
    _scaled_close(_np(a), oracle.psp(_np(x), eps, case.sim.ts), case)
    g = case.grad()
    a.backward(g)
    assert x.grad is not None
    _scaled_close(_np(x.grad), oracle.psp_backward(_np(g), eps, case.sim.ts), case)


def test_spike_forward_backward(case: Case) -> None:
    u = case.potential().requires_grad_()
    before = u.detach().clone()
    s = F.spike(u, case.neuron, case.sim, backend="reference")
    nu = torch.tensor(case.neuron.ref_kernel(case.sim), dtype=case.dtype).numpy()
    u_np = u.detach().reshape(-1, u.shape[-1]).numpy()
    s_ref, u_post = oracle.spike(u_np, nu, case.neuron.theta, case.sim.ts)
    np.testing.assert_array_equal(s.detach().reshape(s_ref.shape).numpy(), s_ref)
    assert torch.equal(u.detach(), before), "spike() must not modify its input"
    g = case.grad()
    s.backward(g)
    n = case.neuron
    expected = _np(g) * oracle.rho(u_post.astype(np.float64), n.theta, n.tau_rho, n.scale_rho)
    assert u.grad is not None
    _scaled_close(_np(u.grad), expected, case)


def test_delay_forward_backward(case: Case) -> None:
    x = case.spikes().requires_grad_()
    d = case.delays().requires_grad_()
    y = F.delay(x, d, case.sim, backend="reference")
    steps = torch.trunc(d.detach() / case.sim.ts).to(torch.int64).numpy().reshape(-1)
    rows = np.tile(steps, x.shape[0])
    y_ref = oracle.shift(_np(x), rows)
    np.testing.assert_array_equal(_np(y), y_ref)
    g = case.grad()
    y.backward(g)
    assert x.grad is not None and d.grad is not None
    np.testing.assert_array_equal(_np(x.grad), oracle.shift(_np(g), -rows))
    per_row = oracle.delay_grad(_np(g), y_ref).reshape(x.shape[0], -1).sum(0)
    _scaled_close(d.grad.numpy().reshape(-1), per_row, case)


def test_spike_count_loss(case: Case) -> None:
    if len(case.shape) != 3 or case.shape[-1] < 4:
        pytest.skip("count loss checked on (N, C, T) cases with a window")
    n, sim = case.neuron, case.sim
    steps = case.shape[-1]
    t_start, t_stop = sim.ts * (steps // 4), sim.ts * steps
    loss_fn = slayer.loss.SpikeCount(n, sim, t_start, t_stop, true_count=6, false_count=1)
    s = case.spikes().requires_grad_()
    label = torch.arange(case.shape[0]) % case.shape[1]
    loss = loss_fn(s, label)
    loss.backward()
    i0, i1 = int(np.rint(t_start / sim.ts)), int(np.rint(t_stop / sim.ts))
    eps = n.psp_kernel(sim)
    s_np = s.detach().numpy().astype(np.float64)
    expected_loss, expected_grad = oracle.spike_count_loss(s_np, label.numpy(), eps, sim.ts, i0, i1, 6, 1)
    tol = _tol(case)
    assert loss.item() == pytest.approx(expected_loss, rel=max(tol["rtol"], 1e-6))
    assert s.grad is not None
    _scaled_close(s.grad.numpy().reshape(-1, steps), expected_grad.reshape(-1, steps), case)


def test_pool_forward(case: Case) -> None:
    if len(case.shape) != 5:
        pytest.skip("pooling needs (N, C, H, W, T)")
    x = case.spikes()
    for k in (2, 3):
        y = F.pool(x, k, case.neuron.theta, backend="reference")
        expected = oracle.sum_pool(x.numpy().astype(np.float64), k, 1.1 * case.neuron.theta)
        assert y.shape == expected.shape
        np.testing.assert_allclose(y.numpy(), expected, rtol=1e-5)
