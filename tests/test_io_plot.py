"""Raster plot, frame grid and GIF animation draw what the events say."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from slayer.io import Event
from slayer.io.plot import animate, frames, raster

pytest.importorskip("matplotlib")


def test_raster_of_tensor_and_events():
    spikes = torch.zeros(3, 10)
    spikes[0, 2] = spikes[2, 7] = 1.0
    ax = raster(spikes)
    offsets = np.concatenate([c.get_offsets() for c in ax.collections])
    assert sorted(map(tuple, offsets.tolist())) == [(2.0, 0.0), (7.0, 2.0)]
    on_off = raster(Event([1, 2], [0, 1], [0, 1], [5.0, 6.0]))
    assert len(on_off.collections) == 2 and on_off.get_xlabel() == "time (ms)"


def test_frames_and_animation(tmp_path):
    event = Event([0, 1, 2, 2], [0, 1, 2, 2], [1, 0, 1, 1], [0.0, 10.0, 55.0, 149.9])
    fig = frames(event, (3, 3), frame_ms=50.0)
    axes = fig.axes
    assert len(axes) == 3 and axes[2].get_title() == "100–150 ms"
    first = axes[0].images[0].get_array()
    assert first[0, 0] == 1 and first[1, 1] == -1 and first[2, 2] == 0
    assert axes[1].images[0].get_array()[2, 2] == 1
    fig.savefig(tmp_path / "frames.png")
    assert (tmp_path / "frames.png").read_bytes()[:4] == b"\x89PNG"
    path = animate(event, tmp_path / "events.gif", (3, 3), frame_ms=25.0)
    from PIL import Image

    with Image.open(path) as gif:  # 6 windows of 25 ms at 25 fps; Pillow merges the 2 equal empty ones
        durations = []
        for k in range(gif.n_frames):
            gif.seek(k)
            durations.append(gif.info["duration"])
    assert len(durations) == 5 and sum(durations) == 6 * 40
    with pytest.raises(ValueError, match="need 2-D events"):
        frames(Event([1], None, [0], [0.0]), (1, 3))
