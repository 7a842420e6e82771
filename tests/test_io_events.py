"""Event type and binning (SPEC §7) against a per-event oracle; shifts; tensor -> events."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import slayer
from io_paths import data
from slayer.io import Event, random_shift, read_bs1


def _oracle(event: Event, ts: float, steps: int, shape: tuple[int, ...], mode: str, shift: int = 0):
    """Per-event loop, written from SPEC §7 independently of the vectorised code."""
    out = np.zeros((*shape, steps), dtype=np.float64)
    for i in range(len(event)):
        b = round(float(event.t[i]) / ts) + shift  # Python's round is half to even
        place = [int(event.x[i])] if event.y is None else [int(event.y[i]), int(event.x[i])]
        if len(shape) == event.dim + 1:
            place.insert(0, int(event.p[i]))
        index = (*place, b)
        if all(0 <= k < n for k, n in zip(index, (*shape, steps), strict=True)):
            out[index] = 1 / ts if mode == "or" else out[index] + 1 / ts
    return torch.from_numpy(out.astype(np.float32))


def _random(rng: np.random.Generator, n: int, dim: int, size: int = 6, channels: int = 2, t_max: float = 20):
    y = rng.integers(-1, size + 1, n) if dim == 2 else None
    t = np.round(rng.uniform(-1, t_max, n) * 4) / 4  # quarter-ms times: many exact ties at .5
    return Event(rng.integers(-1, size + 1, n), y, rng.integers(0, channels + 1, n), t)


@pytest.mark.parametrize("dim", [1, 2])
@pytest.mark.parametrize("mode", ["or", "sum"])
@pytest.mark.parametrize("with_channel", [True, False])
@pytest.mark.parametrize("ts", [1.0, 0.5, 2.0])
def test_binning_matches_oracle(dim, mode, with_channel, ts):
    rng = np.random.default_rng(dim * 100 + int(ts * 10))
    event = _random(rng, 400, dim)
    shape = (5,) * dim if not with_channel else (2, *(5,) * dim)
    sim = slayer.Simulation(ts, 16)
    got = event.to_tensor(sim, shape, mode=mode)
    assert got.dtype == torch.float32 and got.shape == (*shape, sim.steps)
    torch.testing.assert_close(got, _oracle(event, ts, sim.steps, shape, mode), rtol=0, atol=0)


def test_round_half_to_even_and_amplitude():
    event = Event([0, 0, 0, 0, 0], None, [0] * 5, [0.5, 1.5, 2.5, 3.49, 3.51])
    spikes = event.to_tensor(slayer.Simulation(1.0, 8), shape=(1,))
    assert torch.nonzero(spikes[0]).flatten().tolist() == [0, 2, 3, 4]
    half = Event([0], None, [0], [1.0]).to_tensor(slayer.Simulation(0.5, 4), shape=(1,))
    assert half[0, 2].item() == 2.0  # amplitude 1/Ts


def test_sum_counts_coincident_events_or_keeps_one():
    event = Event([1, 1, 1, 0], [2, 2, 2, 0], [1, 1, 1, 0], [3.0, 3.2, 2.9, 0.0])
    sim = slayer.Simulation(1.0, 5)
    total = event.to_tensor(sim, (2, 3, 3), mode="sum")
    assert total[1, 2, 1, 3].item() == 3.0 and total.sum().item() == 4.0
    assert event.to_tensor(sim, (2, 3, 3), mode="or")[1, 2, 1, 3].item() == 1.0
    with pytest.raises(ValueError, match="mode"):
        event.to_tensor(sim, (2, 3, 3), mode="max")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"\(C, H, W\) or \(H, W\)"):
        event.to_tensor(sim, (3,))


def test_shift_moves_bins_exactly_and_drops_outside():
    rng = np.random.default_rng(3)
    event = _random(rng, 300, 2, t_max=10)
    event = event.select(event.t >= 0)  # bins 0..10: moved by -3..7 they stay inside or drop at the ends
    sim = slayer.Simulation(1.0, 30)
    base = event.to_tensor(sim, (2, 5, 5), mode="sum")
    for k in (-3, 0, 7):
        moved = event.to_tensor(sim, (2, 5, 5), mode="sum", shift=k)
        expected = torch.zeros_like(base)
        if k >= 0:
            expected[..., k:] = base[..., : sim.steps - k]
        else:
            expected[..., :k] = base[..., -k:]
        torch.testing.assert_close(moved, expected, rtol=0, atol=0)


def test_random_shift_keeps_events_inside_and_covers_range():
    event = Event([0, 1], None, [0, 0], [4.0, 10.0])
    sim = slayer.Simulation(1.0, 20)
    gen = torch.Generator().manual_seed(0)
    shifts = {random_shift(event, sim, gen) for _ in range(300)}
    assert shifts == set(range(-4, 10))  # bins 4..10 may move to 0..19
    again = torch.Generator().manual_seed(0)
    assert random_shift(event, sim, again) == random_shift(event, sim, torch.Generator().manual_seed(0))
    long = Event([0, 1], None, [0, 0], [0.0, 30.0])  # longer than the 20-bin window
    assert {random_shift(long, sim, gen) for _ in range(300)} == set(range(-11, 1))
    assert random_shift(Event([], None, [], []), sim, gen) == 0


@pytest.mark.parametrize("shape", [(4, 9), (2, 4, 9), (2, 3, 4, 9)])
def test_tensor_to_events_round_trip(shape):
    ts = 0.5
    counts = torch.randint(0, 3, shape, generator=torch.Generator().manual_seed(1)).float()
    spikes = counts / ts
    event = Event.from_tensor(spikes, ts)
    assert len(event) == int(counts.sum())
    assert np.all(np.diff(event.t) >= 0)
    sim = slayer.Simulation(ts, shape[-1] * ts)
    space = shape[:-1]
    torch.testing.assert_close(event.to_tensor(sim, space, mode="sum"), spikes, rtol=0, atol=0)
    torch.testing.assert_close(event.to_tensor(sim, space, mode="or"), (counts > 0).float() / ts)


def test_from_tensor_refuses_non_spike_values():
    with pytest.raises(ValueError, match="multiples of 1/Ts"):
        Event.from_tensor(torch.tensor([[0.0, 0.7]]), 1.0)
    with pytest.raises(ValueError, match="multiples of 1/Ts"):
        Event.from_tensor(torch.tensor([[0.0, -1.0]]), 1.0)


def test_event_validation():
    with pytest.raises(ValueError, match=r"Event\.x has 2 values"):
        Event([1, 2], None, [0], [0.0])
    with pytest.raises(ValueError, match=r"Event.x\[1\] = 1.5 is not an integer"):
        Event([1, 1.5], None, [0, 0], [0.0, 1.0])
    with pytest.raises(ValueError, match=r"Event.t\[0\] = nan is not finite"):
        Event([1], None, [0], [np.nan])
    with pytest.raises(ValueError, match="1-D"):
        Event([[1]], None, [0], [0.0])
    event = Event(np.array([3], np.uint8), None, [True], [1])
    assert event.x.dtype == np.int64 and event.p.tolist() == [1] and event.t.dtype == np.float64


def test_event_helpers():
    event = Event([3, 1, 2], [0, 0, 1], [1, 2, 1], [5.0, 1.0, 3.0])
    assert event.sorted().t.tolist() == [1.0, 3.0, 5.0] and event.sorted().x.tolist() == [1, 2, 3]
    assert event.rebase_polarity().p.tolist() == [0, 1, 0]
    assert event.shift(2.5).t.tolist() == [7.5, 3.5, 5.5]
    assert event.select(event.p == 1).equals(Event([3, 2], [0, 1], [1, 1], [5.0, 3.0]))
    assert not event.equals(event.shift(1))
    assert "3 events, 2-D" in repr(event)


def test_oxford_bs1_to_tensor():
    """The engine's Oxford learning test: 200 neurons, Ts = 1 ms, T = 1900."""
    sim = slayer.Simulation(ts=1.0, t_sample=1900)
    for name in ("input.bs1", "output.bs1"):
        event = read_bs1(data("oxford", name))
        assert event.dim == 1 and set(np.unique(event.p)) == {1}  # ON only: not re-based
        spikes = event.to_tensor(sim, shape=(200,))
        assert spikes.shape == (200, 1900)
        unique = {(int(x), round(t)) for x, t in zip(event.x, event.t, strict=True)}
        assert int(spikes.sum().item()) == len(unique)
        assert spikes.max().item() == 1.0
    output = read_bs1(data("oxford", "output.bs1"))
    assert np.any(np.diff(output.t) < 0)  # this real file is grouped by neuron: order is kept
