"""Event transforms; the vectorised denoise filter against a brute-force oracle."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from slayer import Simulation
from slayer.data.transforms import (
    Compose,
    Crop,
    Denoise,
    Downsample,
    RandomTranslate,
    SpatialJitter,
    output_size,
)
from slayer.io import Event


def _denoise_oracle(event: Event, window: float, neighbourhood: int) -> np.ndarray:
    keep = np.zeros(len(event), bool)
    for i in range(len(event)):
        for j in range(len(event)):
            dx, dy = abs(event.x[i] - event.x[j]), abs(event.y[i] - event.y[j])
            near = (dx, dy) != (0, 0) and max(dx, dy) <= 1 and (neighbourhood == 8 or dx + dy == 1)
            if near and event.t[i] - window < event.t[j] <= event.t[i]:
                keep[i] = True
    return keep


@pytest.mark.parametrize("neighbourhood", [4, 8])
def test_denoise_matches_oracle(neighbourhood):
    rng = np.random.default_rng(neighbourhood)
    n = 400
    event = Event(
        rng.integers(0, 8, n), rng.integers(0, 8, n), rng.integers(0, 2, n), rng.integers(0, 60, n) * 0.5
    )
    got = Denoise(window=2.0, neighbourhood=neighbourhood)(event)
    keep = _denoise_oracle(event, 2.0, neighbourhood)
    assert 0 < keep.sum() < n
    assert got.equals(event.select(keep))


def test_denoise_drops_isolated_noise_keeps_edges():
    edge = Event(np.arange(10), np.full(10, 5), np.ones(10, int), np.arange(10) * 0.1)  # a moving edge
    noise = Event([30], [30], [1], [0.5])
    both = Event(
        np.r_[edge.x, noise.x], np.r_[edge.y, noise.y], np.r_[edge.p, noise.p], np.r_[edge.t, noise.t]
    )
    kept = Denoise(window=1.0)(both)
    assert kept.x.tolist() == list(range(1, 10))  # the first edge event has no earlier neighbour
    assert len(Denoise()(Event([], [], [], []))) == 0


def test_crop_downsample_and_sizes():
    event = Event([0, 5, 9, 12], [0, 6, 3, 12], [0, 1, 0, 1], [1.0, 2.0, 3.0, 4.0])
    crop = Crop(top=2, left=4, height=6, width=6)
    assert crop(event).equals(Event([1, 5], [4, 1], [1, 0], [2.0, 3.0]))
    down = Downsample(4)
    assert down(event).equals(Event([0, 1, 2, 3], [0, 1, 0, 3], [0, 1, 0, 1], [1.0, 2.0, 3.0, 4.0]))
    assert down(Event([7], None, [0], [0.0])).x.tolist() == [1]
    assert output_size(down, (34, 34)) == (9, 9)
    assert output_size(Compose(crop, down), (128, 128)) == (2, 2)
    assert output_size(None, (5, 6)) == (5, 6)
    with pytest.raises(ValueError, match="needs 2-D events"):
        crop(Event([1], None, [0], [0.0]))


def test_spatial_jitter():
    rng = np.random.default_rng(1)
    event = Event(rng.integers(0, 100, 5000), rng.integers(0, 100, 5000), np.zeros(5000, int), np.zeros(5000))
    assert SpatialJitter(0.0)(event).equals(event)
    moved = SpatialJitter(2.0, generator=torch.Generator().manual_seed(0))(event)
    dx, dy = moved.x - event.x, moved.y - event.y
    assert abs(dx.std() - 2.0) < 0.15 and abs(dy.mean()) < 0.15 and np.array_equal(moved.t, event.t)
    again = SpatialJitter(2.0, generator=torch.Generator().manual_seed(0))(event)
    assert again.equals(moved)


def test_random_translate_moves_the_whole_sample_and_binning_drops_what_falls_off():
    rng = np.random.default_rng(2)
    n = 400
    x, y, p, t = rng.integers(0, 8, n), rng.integers(0, 6, n), rng.integers(0, 2, n), rng.integers(0, 20, n)
    event = Event(x, y, p, t * 1.0)
    assert RandomTranslate(0)(event).equals(event)
    translate = RandomTranslate(2, generator=torch.Generator().manual_seed(0))
    seen = set()
    sim = Simulation(1.0, 20.0)
    for _ in range(200):
        moved = translate(event)
        dx, dy = np.unique(moved.x - event.x), np.unique(moved.y - event.y)
        assert dx.size == dy.size == 1
        assert np.array_equal(moved.t, event.t) and np.array_equal(moved.p, event.p)
        seen.add((int(dx[0]), int(dy[0])))
        # oracle: the binned tensor is the original one moved, with zeros where nothing moved in
        dense = event.to_tensor(sim, (2, 6, 8)).numpy()
        expect = np.zeros_like(dense)
        sx, sy = int(dx[0]), int(dy[0])
        expect[:, max(sy, 0) : 6 + min(sy, 0), max(sx, 0) : 8 + min(sx, 0)] = dense[
            :, max(-sy, 0) : 6 - max(sy, 0), max(-sx, 0) : 8 - max(sx, 0)
        ]
        np.testing.assert_array_equal(moved.to_tensor(sim, (2, 6, 8)).numpy(), expect)
    assert seen == {(x, y) for x in range(-2, 3) for y in range(-2, 3)}
    again = RandomTranslate(2, generator=torch.Generator().manual_seed(0))
    assert again(event).equals(RandomTranslate(2, generator=torch.Generator().manual_seed(0))(event))
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="max_shift must be a whole number"):
            RandomTranslate(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs 2-D events"):
        translate(Event([1], None, [0], [0.0]))
