"""A small synthetic DVS Gesture folder in the original layout (AEDAT 3.1 + label CSVs)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from io_aedat31 import polarity_packet, write


def make(root: Path, seed: int = 0) -> dict[str, tuple[np.ndarray, ...]]:
    """Three recordings: two for training, one for testing; returns each one's events (x, y, p, t_us)."""
    rng = np.random.default_rng(seed)
    recordings = {}
    for name, labels in (
        ("user01_fluorescent", [(1, 1_000, 400_000), (11, 500_000, 900_000)]),
        ("user02_lab", [(5, 2_000, 300_000)]),
        ("user24_led", [(3, 10_000, 200_000), (4, 250_000, 600_000)]),
    ):
        n = 20_000
        t = np.sort(rng.integers(0, 1_000_000, n))
        x, y, p = rng.integers(0, 128, n), rng.integers(0, 128, n), rng.integers(0, 2, n)
        half = n // 2  # two packets
        write(
            root / f"{name}.aedat",
            [
                polarity_packet(x[:half], y[:half], p[:half], t[:half]),
                polarity_packet(x[half:], y[half:], p[half:], t[half:]),
            ],
        )
        rows = "".join(f"{c},{s},{e}\n" for c, s, e in labels)
        (root / f"{name}_labels.csv").write_text("class,startTime_usec,endTime_usec\n" + rows)
        recordings[name] = (x, y, p, t)
    (root / "trials_to_train.txt").write_text("user01_fluorescent.aedat\nuser02_lab.aedat\n\n")
    (root / "trials_to_test.txt").write_text("user24_led.aedat\n")
    return recordings
