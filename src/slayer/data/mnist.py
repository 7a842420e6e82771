"""MNIST from IDX files, and scikit-learn's embedded 8x8 digits, spike-encoded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from torch.utils.data import Dataset

from slayer.data import encode
from slayer.data.idx import read_idx
from slayer.params import Simulation

__all__ = ["MNIST", "Digits"]

Encoding = Literal["rate", "latency"]
TensorTransform = Callable[[torch.Tensor], torch.Tensor]


class _Encoded(Dataset[tuple[torch.Tensor, int]]):
    """Images in [0, 1] ``(N, H, W)`` and labels -> ``(1, H, W, T)`` spikes."""

    def __init__(
        self,
        images: np.ndarray,
        labels: np.ndarray,
        sim: Simulation,
        transform: TensorTransform | None,
        encoding: Encoding,
        max_rate: float,
        seed: int | None,
    ) -> None:
        if encoding not in ("rate", "latency"):
            raise ValueError(f"encoding must be 'rate' or 'latency', got {encoding!r}")
        self.images, self.labels = torch.from_numpy(images), [int(v) for v in labels]
        self.sim, self.transform, self.encoding = sim, transform, encoding
        self.max_rate, self.seed = max_rate, seed

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        image = self.images[index].unsqueeze(0)
        if self.encoding == "latency":
            spikes = encode.latency(image, self.sim)
        else:
            generator = (
                None if self.seed is None else torch.Generator().manual_seed(self.seed * 1_000_003 + index)
            )
            spikes = encode.rate(image, self.sim, self.max_rate, generator)
        if self.transform is not None:
            spikes = self.transform(spikes)
        return spikes, self.labels[index]


def _find(root: Path, pattern: str) -> Path:
    found = sorted(root.glob(pattern))
    if len(found) != 1:
        raise FileNotFoundError(
            f"{root}: expected one file matching {pattern!r}, found {[p.name for p in found]}"
        )
    return found[0]


class MNIST(_Encoded):
    """MNIST images as ``(1, 28, 28, T)`` spike tensors with their digit.

    Parameters
    ----------
    root : str or Path
        Folder of the IDX files (gzip or not): ``train*-images-idx3-ubyte*`` with
        ``train*-labels-idx1-ubyte*``, and ``t10k-images-idx3-ubyte*`` with ``t10k-labels-idx1-ubyte*``.
    train : bool
        The training or the test images.
    sim : Simulation
        The grid.
    transform : callable, optional
        ``Tensor -> Tensor``, applied to the spike tensor.
    encoding : {"rate", "latency"}
        Pixel ``x = value / 255`` to spikes: Bernoulli spikes at ``x * max_rate`` Hz
        (:func:`slayer.data.encode.rate`), or one spike at ``(1 - x)(T - 1) Ts`` ms for ``x > 0``
        (:func:`slayer.data.encode.latency`).
    max_rate : float
        Rate (Hz) of a white pixel in rate coding.
    seed : int, optional
        Fix the rate code of each image (``seed`` and index give its generator); by default it is
        drawn anew at each access from torch's global generator.
    """

    def __init__(
        self,
        root: str | Path,
        train: bool = True,
        sim: Simulation = Simulation(1.0, 100.0),  # noqa: B008 (frozen dataclass)
        transform: TensorTransform | None = None,
        encoding: Encoding = "rate",
        max_rate: float = 200.0,
        seed: int | None = None,
    ) -> None:
        root = Path(root)
        prefix = "train*" if train else "t10k"
        images_file = _find(root, f"{prefix}-images-idx3-ubyte*")
        labels_file = _find(root, f"{prefix}-labels-idx1-ubyte*")
        images, labels = read_idx(images_file), read_idx(labels_file)
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(
                f"{images_file} {images.shape} and {labels_file} {labels.shape}: expected (N, H, W) images "
                f"and N labels"
            )
        super().__init__(images.astype(np.float32) / 255.0, labels, sim, transform, encoding, max_rate, seed)


class Digits(_Encoded):
    """scikit-learn's embedded 8x8 handwritten digits (1797 images), ``(1, 8, 8, T)``; no download.

    The split is fixed: image ``i`` is a test image when ``i % 5 == 0`` (360 images), a training
    image otherwise (1437). Pixels ``x = value / 16`` are encoded as for :class:`MNIST`. Needs
    scikit-learn (``pip install 'slayer-snn[data]'``).
    """

    def __init__(
        self,
        train: bool = True,
        sim: Simulation = Simulation(1.0, 100.0),  # noqa: B008 (frozen dataclass)
        transform: TensorTransform | None = None,
        encoding: Encoding = "rate",
        max_rate: float = 200.0,
        seed: int | None = None,
    ) -> None:
        try:
            from sklearn.datasets import load_digits
        except ImportError:
            raise ImportError("Digits needs scikit-learn: pip install 'slayer-snn[data]'") from None
        bunch = load_digits()
        test = np.arange(len(bunch.target)) % 5 == 0
        pick = ~test if train else test
        images = (bunch.images[pick] / 16.0).astype(np.float32)
        super().__init__(images, bunch.target[pick], sim, transform, encoding, max_rate, seed)
