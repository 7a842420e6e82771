"""N-MNIST (Orchard et al. 2015): the SLAYER list-file layout and the original folder layout."""

from __future__ import annotations

from pathlib import Path

import torch

from slayer.data._events import EventDataset, EventTransform, read_table
from slayer.io import read_bs2
from slayer.io.binning import Mode
from slayer.params import Simulation

__all__ = ["NMNIST"]


class NMNIST(EventDataset):
    """N-MNIST samples as ``(2, 34, 34, T)`` spike tensors with their digit.

    Parameters
    ----------
    root : str or Path
        Either the original layout, ``root/Train/<digit>/*.bin`` and ``root/Test/<digit>/*.bin``, or
        SLAYER's list-file layout: ``root/<id>.bs2`` samples listed in a text file of
        ``<id> <class>`` lines (``#`` comments allowed), found as the single ``train*.txt`` or
        ``test*.txt`` in ``root`` (e.g. ``train1K.txt``, ``test100.txt``) unless ``list_file`` names it.
    train : bool
        The training or the test part.
    sim : Simulation
        The grid; events after ``sim.t_sample`` are dropped.
    transform : callable, optional
        ``Event -> Event``, applied before binning (see :mod:`slayer.data.transforms`).
    mode : {"or", "sum"}
        Binning of coincident events (see :meth:`slayer.io.Event.to_tensor`).
    random_shift : bool
        Shift each sample by a random number of bins that keeps its events inside (augmentation).
    list_file : str or Path, optional
        The list file of the list-file layout (relative to ``root``).
    """

    channels = 2
    sensor = (34, 34)

    def __init__(
        self,
        root: str | Path,
        train: bool = True,
        sim: Simulation = Simulation(1.0, 300.0),  # noqa: B008 (frozen dataclass)
        transform: EventTransform | None = None,
        mode: Mode = "or",
        random_shift: bool = False,
        list_file: str | Path | None = None,
    ) -> None:
        super().__init__(sim, transform, mode, random_shift)
        self.root = Path(root)
        folder = self.root / ("Train" if train else "Test")
        if list_file is None and folder.is_dir():
            self.files, self.labels = _original(folder)
        else:
            self.files, self.labels = _listed(self.root, train, list_file)

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        return self.to_spikes(read_bs2(self.files[index])), self.labels[index]


def _original(folder: Path) -> tuple[list[Path], list[int]]:
    files, labels = [], []
    for digit in range(10):
        found = sorted((folder / str(digit)).glob("*.bin"))
        files += found
        labels += [digit] * len(found)
    if not files:
        raise FileNotFoundError(f"{folder}: no <digit>/*.bin samples (original N-MNIST layout)")
    return files, labels


def _listed(root: Path, train: bool, list_file: str | Path | None) -> tuple[list[Path], list[int]]:
    if list_file is None:
        part = "train" if train else "test"
        found = sorted(root.glob(f"{part}*.txt"))
        if len(found) != 1:
            raise FileNotFoundError(
                f"{root}: expected Train/ and Test/ folders (original N-MNIST layout) or exactly one "
                f"{part}*.txt list file (SLAYER layout), found {[p.name for p in found]}; pass list_file"
            )
        path = found[0]
    else:
        path = root / list_file
    files, labels = [], []
    for number, (sample, label) in read_table(path, 2):
        file = root / f"{sample}.bs2"
        if not file.is_file():
            raise FileNotFoundError(
                f"{path}, line {number}: names sample {sample}, but {file} does not exist"
            )
        files.append(file)
        labels.append(label)
    return files, labels
