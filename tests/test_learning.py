"""SLAYER learns the Oxford spike-train task from the paper's software (real data, SPEC §6).

200 input neurons -> 256 -> 200 output neurons must emit the target spike train: the spike-time
loss of the network trained with Adam (lr 0.01, amsgrad) must fall to at most half its initial value
within 500 steps, and keep falling after that (the last 100 of the 500 steps average at least 10%
below the 20 steps that follow the halving).
"""

from __future__ import annotations

import torch

import slayer
from io_paths import data
from slayer import nn as snn


def test_oxford_spike_train_is_learned() -> None:
    folder = data("oxford")
    sim = slayer.Simulation(ts=1.0, t_sample=1900)
    neuron = slayer.SRM(theta=10, tau_sr=10, tau_ref=1)
    inputs = slayer.io.read_bs1(folder / "input.bs1").to_tensor(sim, shape=(200,)).unsqueeze(0)
    target = slayer.io.read_bs1(folder / "output.bs1").to_tensor(sim, shape=(200,)).unsqueeze(0)
    assert inputs.shape == target.shape == (1, 200, 1900)

    torch.manual_seed(0)
    net = torch.nn.Sequential(
        snn.Block(snn.Dense(200, 256), neuron, sim),
        snn.Block(snn.Dense(256, 200), neuron, sim),
    )
    loss_fn = slayer.loss.SpikeTime(neuron, sim)
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01, amsgrad=True)
    losses: list[float] = []
    halved_at = None
    for step in range(500):
        loss = loss_fn(net(inputs), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if halved_at is None and losses[-1] <= 0.5 * losses[0]:
            halved_at = step
    best = min(losses) / losses[0]
    assert halved_at is not None, f"the loss fell only to {best:.1%} of its initial value in 500 steps"
    assert halved_at <= 400, f"the loss halved only at step {halved_at}: too late to see it keep falling"
    at_half = sum(losses[halved_at : halved_at + 20]) / 20
    final = sum(losses[-100:]) / 100
    assert final < 0.9 * at_half, (
        f"the loss stopped falling: {at_half:.0f} on average over the 20 steps after it halved "
        f"(step {halved_at}), {final:.0f} over the last 100 steps"
    )
