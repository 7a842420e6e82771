"""Learning statistics: one row per epoch, the best epoch, and the CSV file."""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

__all__ = ["EpochStats", "History", "atomic_write_bytes"]


@dataclass(frozen=True)
class EpochStats:
    """The numbers of one epoch. Losses are per sample; accuracies are None without class labels."""

    epoch: int
    train_loss: float
    train_accuracy: float | None
    test_loss: float
    test_accuracy: float | None
    seconds: float
    samples_per_s: float
    spikes_per_s: float


@dataclass
class History:
    """All epochs so far (what a checkpoint stores to resume the statistics)."""

    rows: list[EpochStats]

    @property
    def best(self) -> EpochStats | None:
        """The epoch with the highest test accuracy (the lowest test loss without labels); first wins ties."""
        if not self.rows:
            return None
        if self.rows[0].test_accuracy is not None:
            return max(self.rows, key=lambda r: (r.test_accuracy or 0.0, -r.epoch))
        return min(self.rows, key=lambda r: (r.test_loss, r.epoch))

    def to_state(self) -> list[dict[str, float | int | None]]:
        return [asdict(row) for row in self.rows]

    @classmethod
    def from_state(cls, state: list[dict[str, float | int | None]]) -> History:
        return cls([EpochStats(**row) for row in state])  # type: ignore[arg-type]

    def csv_text(self) -> str:
        """The CSV table: one row per epoch, the column ``best`` marks the best epoch with ``*``."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([f.name for f in fields(EpochStats)] + ["best"])
        best = self.best
        for row in self.rows:
            values = [_format(getattr(row, f.name)) for f in fields(EpochStats)]
            writer.writerow([*values, "*" if row is best else ""])
        return buffer.getvalue()

    def write_csv(self, path: Path) -> None:
        atomic_write_bytes(path, self.csv_text().encode())


def _format(value: float | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return f"{value:.6g}" if math.isfinite(value) else str(value)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and :func:`os.replace` (never a torn file)."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
