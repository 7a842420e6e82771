"""Pictures of events and spikes (matplotlib, optional extra ``slayer-snn[plot]``): a raster plot,
a grid of event frames (PNG) and an event-stream animation (GIF), as the reference's ``showTD``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from slayer.io.events import Event
from slayer.params import Simulation

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["animate", "frames", "raster"]


def _figure(**kwargs: Any) -> Figure:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("plots need matplotlib: pip install 'slayer-snn[plot]'") from None
    return Figure(**kwargs)


def raster(spikes: torch.Tensor | Event, ts: float = 1.0, ax: Axes | None = None) -> Axes:
    """Raster plot: one dot per spike at (time in ms, neuron).

    ``spikes`` is a spike tensor ``(..., T)`` (neurons flattened in C order; ``ts`` gives the time of
    a bin) or an :class:`Event` (1-D: neuron ``x``; 2-D: neuron ``y * W + x`` with ``W`` the largest
    ``x`` + 1). ON (``p > 0``) and OFF events get two colours. Returns the axes (a new figure's when
    ``ax`` is None).
    """
    event = (
        spikes if isinstance(spikes, Event) else Event.from_tensor(spikes.reshape(-1, spikes.shape[-1]), ts)
    )
    if ax is None:
        ax = _figure(figsize=(8, 4)).add_subplot()
    neuron = event.x if event.y is None else event.y * (int(event.x.max(initial=0)) + 1) + event.x
    for on, colour in ((False, "tab:blue"), (True, "tab:red")):
        pick = (event.p > 0) == on
        if pick.any():
            ax.scatter(event.t[pick], neuron[pick], s=2, c=colour, marker="|", label="ON" if on else "OFF")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("neuron")
    return ax


def _images(event: Event, shape: tuple[int, int], frame_ms: float, count: int | None) -> np.ndarray:
    """``(F, H, W)`` images: sign of ON (p = 1) minus OFF (p = 0) events per pixel in each window."""
    if event.y is None:
        raise ValueError("frames and animations need 2-D events (with y)")
    window = np.floor(event.t / frame_ms)  # window k holds [k f, (k + 1) f)
    count = count or int(window.max(initial=0.0)) + 1
    grid = Simulation(frame_ms, count * frame_ms)
    framed = Event(event.x, event.y, event.p, window * frame_ms)
    counts = framed.to_tensor(grid, (2, *shape), mode="sum").numpy() * frame_ms
    return np.moveaxis(np.sign(counts[1] - counts[0]), -1, 0)


def frames(
    event: Event, shape: tuple[int, int], frame_ms: float = 50.0, count: int | None = None, columns: int = 6
) -> Figure:
    """A grid of event frames: each shows a ``frame_ms`` window (ON white, OFF black, none grey).

    ``shape`` is the sensor ``(H, W)``; ``count`` frames (default: enough to cover the events).
    Save with ``fig.savefig("frames.png")``.
    """
    images = _images(event, shape, frame_ms, count)
    rows = -(-len(images) // columns)
    fig = _figure(figsize=(2 * min(columns, len(images)), 2 * rows))
    for k, image in enumerate(images):
        ax = fig.add_subplot(rows, min(columns, len(images)), k + 1)
        ax.imshow(image, cmap="gray", vmin=-1, vmax=1, interpolation="nearest")
        ax.set_title(f"{k * frame_ms:g}–{(k + 1) * frame_ms:g} ms", fontsize=8)
        ax.axis("off")
    return fig


def animate(
    event: Event, path: str | Path, shape: tuple[int, int], frame_ms: float = 20.0, fps: int = 25
) -> Path:
    """Write an animated GIF of the event stream, one ``frame_ms`` window per frame (as :func:`frames`)."""
    from matplotlib.animation import FuncAnimation, PillowWriter

    images = _images(event, shape, frame_ms, None)
    fig = _figure(figsize=(4, 4 * shape[0] / shape[1]))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.axis("off")
    picture = ax.imshow(images[0], cmap="gray", vmin=-1, vmax=1, interpolation="nearest")

    def show(k: int) -> list[Any]:
        picture.set_data(images[k])
        return [picture]

    FuncAnimation(fig, show, frames=len(images), blit=True).save(str(path), writer=PillowWriter(fps=fps))
    return Path(path)
