"""Spike encoders against per-bin oracles and their statistics."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import slayer
from slayer.data import encode

SIM = slayer.Simulation(1.0, 1000.0)


def test_integrate_matches_integrate_and_fire_loop():
    rng = np.random.default_rng(0)
    rates = rng.uniform(0, 3000, (3, 50))  # up to 3 spikes per 1-ms bin
    sim = slayer.Simulation(1.0, 50.0)
    got = encode.integrate(torch.from_numpy(rates), sim).numpy() * sim.ts
    for row, out in zip(rates, got, strict=True):
        potential, spikes = 0.0, []
        for r in row:  # integrate, fire while above threshold 1, subtract
            potential += r * sim.ts / 1000
            n = 0
            while potential >= 1 - 1e-12:
                potential -= 1
                n += 1
            spikes.append(n)
        np.testing.assert_array_equal(out, spikes)


def test_integrate_regular_train_and_amplitude():
    sim = slayer.Simulation(0.5, 20.0)
    spikes = encode.integrate(torch.full((40,), 500.0), sim)  # 500 Hz: one spike every 2 ms = 4 bins
    assert torch.nonzero(spikes).flatten().tolist() == [3, 7, 11, 15, 19, 23, 27, 31, 35, 39]
    assert spikes.max().item() == 2.0 and spikes.dtype == torch.float32
    with pytest.raises(ValueError, match="rates must be >= 0"):
        encode.integrate(torch.tensor([-1.0]), sim)


def test_rate_statistics_and_reproducibility():
    intensity = torch.tensor([0.0, 0.25, 1.0])
    spikes = encode.rate(intensity, SIM, max_rate=200.0, generator=torch.Generator().manual_seed(0))
    assert spikes.shape == (3, 1000)
    counts = (spikes.sum(-1) * SIM.ts).tolist()
    assert counts[0] == 0
    assert abs(counts[1] - 50) < 4 * np.sqrt(50) and abs(counts[2] - 200) < 4 * np.sqrt(200)
    again = encode.rate(intensity, SIM, max_rate=200.0, generator=torch.Generator().manual_seed(0))
    assert torch.equal(spikes, again)
    saturated = encode.poisson(torch.full((1, 10), 5000.0), SIM)  # p clamps at 1
    assert saturated.sum().item() == 10.0
    with pytest.raises(ValueError, match=r"intensity must lie in \[0, 1\]"):
        encode.rate(torch.tensor([1.5]), SIM)


def test_latency_code():
    sim = slayer.Simulation(1.0, 11.0)
    spikes = encode.latency(torch.tensor([[1.0, 0.5, 0.04, 0.0]]), sim)
    assert spikes.shape == (1, 4, 11)
    first = [torch.nonzero(row).flatten().tolist() for row in spikes[0]]
    assert first == [[0], [5], [10], []]  # (1 - x) * 10 ms; x = 0 stays silent
    assert encode.latency(torch.tensor([0.5]), sim, t_max=4.0)[0, 2].item() == 1.0
    assert encode.latency(torch.tensor([0.5]), sim, threshold=0.5).sum().item() == 0
    with pytest.raises(ValueError, match="t_max"):
        encode.latency(torch.tensor([0.5]), sim, t_max=11.0)
