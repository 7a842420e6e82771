"""PNG plots of a run: learning curves and an output spike raster (matplotlib, imported lazily)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from slayer.train.stats import History

__all__ = ["PlotsUnavailable", "plot_learning_curves", "plot_raster"]


class PlotsUnavailable(ImportError):
    """matplotlib is not installed."""


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise PlotsUnavailable(
            "plots need matplotlib, which is not installed: pip install 'slayer-snn[train]'"
        ) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_learning_curves(history: History, path: Path) -> None:
    """Loss and accuracy per epoch, training and test, with the best epoch marked."""
    plt = _pyplot()
    epochs = [row.epoch for row in history.rows]
    with_accuracy = history.rows[0].train_accuracy is not None
    figure, axes = plt.subplots(1, 2 if with_accuracy else 1, figsize=(10 if with_accuracy else 5, 3.8))
    axes = list(axes) if with_accuracy else [axes]
    axes[0].plot(epochs, [r.train_loss for r in history.rows], label="train")
    axes[0].plot(epochs, [r.test_loss for r in history.rows], label="test")
    axes[0].set(xlabel="epoch", ylabel="loss per sample", yscale="log")
    best = history.best
    if with_accuracy:
        axes[1].plot(epochs, [r.train_accuracy for r in history.rows], label="train")
        axes[1].plot(epochs, [r.test_accuracy for r in history.rows], label="test")
        axes[1].set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1.02))
    if best is not None:
        for axis in axes:
            axis.axvline(best.epoch, color="0.6", linestyle=":", label=f"best epoch {best.epoch}")
    for axis in axes:
        axis.grid(alpha=0.3)
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def plot_raster(
    spikes: torch.Tensor, ts: float, path: Path, titles: list[str], targets: torch.Tensor | None = None
) -> None:
    """Spike rasters of the output neurons of a few samples (``targets``: wanted spikes, in grey).

    Shape
    -----
    ``spikes``: ``(S, K, T)`` output spikes of ``S`` samples; ``targets`` the same shape.
    """
    plt = _pyplot()
    count = spikes.shape[0]
    figure, axes = plt.subplots(1, count, figsize=(3.2 * count, 3.2), squeeze=False, sharey=True)
    for i, axis in enumerate(axes[0]):
        if targets is not None:
            neuron, step = torch.nonzero(targets[i], as_tuple=True)
            axis.scatter(step.numpy() * ts, neuron.numpy(), s=14, color="0.75", marker="|", label="target")
        neuron, step = torch.nonzero(spikes[i], as_tuple=True)
        axis.scatter(step.numpy() * ts, neuron.numpy(), s=6, color="C0", marker="|", label="output")
        axis.set(title=titles[i], xlabel="time (ms)", xlim=(0, spikes.shape[-1] * ts))
        axis.set_ylim(-0.5, spikes.shape[1] - 0.5)
    axes[0][0].set_ylabel("output neuron")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
