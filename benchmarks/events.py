"""Decode + bin throughput on the 10 real DVS Gesture recordings, beside Tonic doing the same work.

    python benchmarks/events.py [--repeats 7] [--data PATH]

Each timing runs over all 10 files (about 1.2 M events) in this process, one thread; the figure is
the median over the repeats, in million events per second. "decode" reads the ``.bs2`` files into
events; "decode + bin" also builds the dense spike tensor of each recording (1.45 s at Ts = 1 ms,
T = 1450). Tonic's reader for this layout is ``tonic.io.read_mnist_file`` (N-MNIST ``.bin`` =
``.bs2``), its binning ``tonic.transforms.ToFrame(time_window=1 ms)``, whose int16 time-first frames
are then made the same tensor as ours (float32, time last). Both count coincident events (SUM).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import slayer
from slayer.data.transforms import Downsample
from slayer.io import read_bs2

SIM = slayer.Simulation(ts=1.0, t_sample=1450.0)


def _median_rate(work: Callable[[], int], repeats: int) -> float:
    """Median events per second of ``work`` (which returns the number of events it handled)."""
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        events = work()
        rates.append(events / (time.perf_counter() - start))
    return statistics.median(rates)


def _ours(files: list[Path], shape: tuple[int, int, int] | None, factor: int) -> Callable[[], int]:
    down = Downsample(factor)

    def work() -> int:
        total = 0
        for path in files:
            event = read_bs2(path)
            total += len(event)
            if shape is not None:
                event = down(event) if factor > 1 else event
                spikes = event.to_tensor(SIM, shape, mode="sum")
                assert spikes.shape[-1] == SIM.steps
        return total

    return work


def _tonic(files: list[Path], size: tuple[int, int, int] | None, factor: int) -> Callable[[], int] | None:
    try:
        import tonic
    except ImportError:
        return None
    dtype = np.dtype([("x", int), ("y", int), ("t", int), ("p", int)])
    to_frame = None
    if size is not None:
        to_frame = tonic.transforms.ToFrame(
            sensor_size=size, time_window=1000, start_time=0, end_time=1_450_000
        )
    down = tonic.transforms.Downsample(spatial_factor=1 / factor)

    def work() -> int:
        total = 0
        for path in files:
            events = tonic.io.read_mnist_file(str(path), dtype=dtype)
            total += len(events)
            if to_frame is not None:
                frames = to_frame(down(events) if factor > 1 else events)  # (T, P, H, W) int16
                spikes = np.moveaxis(frames, 0, -1).astype(np.float32)  # our tensor: float32, time last
                assert spikes.shape[-1] == SIM.steps
        return total

    return work


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    default = Path(
        os.environ.get("SLAYER_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data")
    )
    parser.add_argument("--data", type=Path, default=default / "dvs-gesture-samples")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    files = sorted(args.data.glob("*.bs2"))
    if not files:
        raise SystemExit(f"no .bs2 recordings in {args.data} (set --data or SLAYER_DATA)")
    events = sum(len(read_bs2(path)) for path in files)
    print(f"{len(files)} recordings, {events} events; median of {args.repeats} runs, million events/s\n")
    cases = [
        ("decode", None, None, 1),
        ("decode + bin (2, 32, 32, 1450), downsampled 4x", (2, 32, 32), (32, 32, 2), 4),
        ("decode + bin (2, 128, 128, 1450)", (2, 128, 128), (128, 128, 2), 1),
    ]
    print(f"{'work':<48} {'slayer':>8} {'Tonic':>8} {'ratio':>7}")
    for name, shape, size, factor in cases:
        ours = _median_rate(_ours(files, shape, factor), args.repeats) / 1e6
        theirs_work = _tonic(files, size, factor)
        theirs = _median_rate(theirs_work, args.repeats) / 1e6 if theirs_work else float("nan")
        print(f"{name:<48} {ours:8.1f} {theirs:8.1f} {ours / theirs:6.1f}x")


if __name__ == "__main__":
    main()
