"""SLAYER learns the Oxford spike-train task from the paper's software (real data, SPEC §6).

200 input neurons -> 256 -> 200 output neurons must emit the target spike train: the spike-time
loss of the network trained with Adam (lr 0.01, amsgrad) must fall to at most half its initial value
within 500 steps, and keep falling after that.
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
        if halved_at is not None and step >= halved_at + 60:
            break
    best = min(losses) / losses[0]
    assert halved_at is not None, f"the loss fell only to {best:.1%} of its initial value in 500 steps"
    recent = sum(losses[-10:]) / 10
    assert recent < 0.9 * losses[halved_at], (
        f"the loss stopped falling: {losses[halved_at]:.0f} at step {halved_at}, "
        f"{recent:.0f} on average over the last 10 of {len(losses)} steps"
    )
