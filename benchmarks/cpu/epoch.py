"""Seconds per training epoch of the 34x34x2-512-10 network on ``nmnist-small``, data loading included.

Uses ``slayer.data.NMNIST`` (1000 training samples, T = 300 at Ts = 1 ms) when it is importable,
and otherwise says so and stops: ``train_epoch`` itself takes any iterable of
``(spikes, labels)`` batches. The first epoch includes compiling (or loading the cached) kernels,
so two epochs are timed and both reported.

    python benchmarks/cpu/epoch.py [--epochs 2] [--batch 16] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import torch

import slayer
from slayer import nn as snn
from slayer.loss import SpikeCount, predict

ROOT = Path(__file__).resolve().parents[2]


def network(neuron: slayer.SRM, sim: slayer.Simulation) -> torch.nn.Module:
    """34x34x2-512-10 with the reference's defaults."""
    return torch.nn.Sequential(
        snn.Block(snn.Dense((2, 34, 34), 512), neuron, sim), snn.Block(snn.Dense(512, 10), neuron, sim)
    )


def train_epoch(
    batches: Iterable[tuple[torch.Tensor, torch.Tensor]],
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: torch.nn.Module,
) -> tuple[float, int, int]:
    """One pass over ``batches``: returns (seconds, samples, correct), loading time included."""
    start = time.perf_counter()
    samples = correct = 0
    for spikes, labels in batches:
        optimizer.zero_grad(set_to_none=True)
        out = model(spikes)
        loss_fn(out, labels).backward()
        optimizer.step()
        samples += labels.shape[0]
        correct += int((predict(out) == labels).sum())
    return time.perf_counter() - start, samples, correct


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--backend", default="auto")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    try:
        from slayer.data import NMNIST  # type: ignore[attr-defined]
    except ImportError as exc:
        print(
            f"epoch figure skipped: slayer.data.NMNIST is not importable ({exc}); "
            "it lands with the data loader"
        )
        sys.exit(0)
    folder = Path(os.environ.get("SLAYER_DATA", ROOT.parent / "shared" / "data")) / "nmnist-small"
    sim = slayer.Simulation(1.0, 300)
    neuron = slayer.SRM(theta=10, tau_sr=10, tau_ref=1)
    data = NMNIST(folder, train=True, sim=sim)
    loader = torch.utils.data.DataLoader(data, batch_size=args.batch, shuffle=True, num_workers=0)
    torch.manual_seed(0)
    model = network(neuron, sim)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = SpikeCount(neuron, sim, 0.0, 300.0, true_count=60, false_count=10)
    with slayer.backends.use(args.backend):
        for epoch in range(args.epochs):
            seconds, samples, correct = train_epoch(loader, model, optimizer, loss_fn)
            print(
                f"epoch {epoch + 1}: {seconds:.2f} s for {samples} samples "
                f"(batch {args.batch}, {torch.get_num_threads()} threads), "
                f"train accuracy {correct / samples:.3f}"
            )


if __name__ == "__main__":
    main()
