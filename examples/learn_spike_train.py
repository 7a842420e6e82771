"""Learn a target spike train from fixed random input spikes (self-contained, no data files).

Run: python examples/learn_spike_train.py
"""

from __future__ import annotations

import torch

import slayer
from slayer import nn as snn


def main(steps: int = 200) -> None:
    torch.manual_seed(0)
    sim = slayer.Simulation(ts=1.0, t_sample=300)
    neuron = slayer.SRM(theta=10, tau_sr=10, tau_ref=1)
    inputs = (torch.rand(1, 50, sim.steps) < 0.02).float() / sim.ts
    target = torch.zeros(1, 10, sim.steps)
    for i in range(10):  # neuron i fires every 30 ms, starting at 20 + 3 i ms
        target[0, i, 20 + 3 * i :: 30] = 1 / sim.ts
    net = torch.nn.Sequential(
        snn.Block(snn.Dense(50, 64), neuron, sim),
        snn.Block(snn.Dense(64, 10), neuron, sim),
    )
    loss_fn = slayer.loss.SpikeTime(neuron, sim)
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01, amsgrad=True)
    for step in range(steps + 1):
        loss = loss_fn(net(inputs), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 20 == 0:
            print(f"step {step:4d}  spike-time loss {loss.item():9.3f}")


if __name__ == "__main__":
    main()
