"""Spoken digits (Free Spoken Digit Dataset WAVs) through an auditory front end and a spike encoder."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import torch
from torch.utils.data import Dataset

from slayer.data import audio, encode
from slayer.params import Simulation

__all__ = ["SpokenDigits"]

_NAME = re.compile(r"(\d)_([A-Za-z0-9]+)_(\d+)\.wav")


class SpokenDigits(Dataset[tuple[torch.Tensor, int]]):
    """FSDD recordings as ``(channels, T)`` spike tensors with their digit.

    Each recording goes through :mod:`slayer.data.audio`: resampled to ``fs``, a bank of
    ``channels`` gammatone filters between ``f_low`` and ``f_high`` Hz (ERB-spaced), log level in
    [0, 1] over ``dynamic_range`` dB per time bin; then a level ``L`` becomes a rate ``L * max_rate``
    Hz, encoded by deterministic integrate-and-fire (``"integrate"``, the default) or Bernoulli
    spikes (``"poisson"``).

    Parameters
    ----------
    root : str or Path
        The FSDD folder (or its ``recordings`` subfolder) of ``{digit}_{speaker}_{index}.wav``.
    train : bool
        The official split: index 5–49 is training (2700), index 0–4 is test (300).
    sim : Simulation
        The grid; ``fs * sim.ts / 1000`` must be a whole number of samples. Sound after
        ``sim.t_sample`` is cut (1 s keeps 99% of the FSDD recordings whole).
    transform : callable, optional
        ``Tensor -> Tensor``, applied to the spike tensor.
    seed : int, optional
        For ``"poisson"``: fix each recording's spikes (as :class:`~slayer.data.MNIST`).
    """

    def __init__(
        self,
        root: str | Path,
        train: bool = True,
        sim: Simulation = Simulation(1.0, 1000.0),  # noqa: B008 (frozen dataclass)
        transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
        channels: int = 32,
        f_low: float = 100.0,
        f_high: float = 3800.0,
        dynamic_range: float = 60.0,
        max_rate: float = 200.0,
        encoding: Literal["integrate", "poisson"] = "integrate",
        fs: int = 8000,
        n_fft: int = 128,
        seed: int | None = None,
    ) -> None:
        if encoding not in ("integrate", "poisson"):
            raise ValueError(f"encoding must be 'integrate' or 'poisson', got {encoding!r}")
        if not 0 < f_low < f_high <= fs / 2:
            raise ValueError(f"need 0 < f_low < f_high <= fs / 2 = {fs / 2} Hz, got {f_low}, {f_high}")
        root = Path(root)
        folder = root / "recordings" if (root / "recordings").is_dir() else root
        self.files: list[Path] = []
        self.labels: list[int] = []
        self.speakers: list[str] = []
        for path in sorted(folder.glob("*.wav")):
            match = _NAME.fullmatch(path.name)
            if match is None:
                raise ValueError(f"{path}: not named {{digit}}_{{speaker}}_{{index}}.wav")
            if (int(match[3]) >= 5) == train:
                self.files.append(path)
                self.labels.append(int(match[1]))
                self.speakers.append(match[2])
        if not self.files:
            raise FileNotFoundError(f"{folder}: no {{digit}}_{{speaker}}_{{index}}.wav recordings")
        self.sim, self.transform, self.encoding, self.seed = sim, transform, encoding, seed
        self.fs, self.n_fft, self.dynamic_range, self.max_rate = fs, n_fft, dynamic_range, max_rate
        self.weights = audio.gammatone_weights(fs, n_fft, audio.erb_space(f_low, f_high, channels))

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        sound = audio.read_wav(self.files[index], self.fs)
        level = audio.level(sound, self.fs, self.sim, self.weights, self.n_fft, self.dynamic_range)
        rates = torch.from_numpy(level) * self.max_rate
        if self.encoding == "integrate":
            spikes = encode.integrate(rates, self.sim)
        else:
            generator = (
                None if self.seed is None else torch.Generator().manual_seed(self.seed * 1_000_003 + index)
            )
            spikes = encode.poisson(rates, self.sim, generator)
        if self.transform is not None:
            spikes = self.transform(spikes)
        return spikes, self.labels[index]
