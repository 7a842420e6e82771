"""N-MNIST in both layouts, on the real nmnist-small files."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

import slayer
from io_paths import data
from slayer.data import NMNIST
from slayer.data.transforms import Downsample
from slayer.io import read_bs2


def test_list_file_layout_reads_nmnist_small():
    root = data("nmnist-small")
    train, test = NMNIST(root, train=True), NMNIST(root, train=False)
    assert (len(train), len(test)) == (1000, 100)
    assert sorted(set(train.labels)) == list(range(10)) and sorted(set(test.labels)) == list(range(10))
    spikes, label = train[0]
    assert spikes.shape == (2, 34, 34, 300) and spikes.dtype == torch.float32
    assert isinstance(label, int) and label == 5  # train1K.txt: "1<TAB>5"
    expected = read_bs2(root / "1.bs2").to_tensor(slayer.Simulation(1.0, 300.0), (2, 34, 34))
    assert torch.equal(spikes, expected)
    assert test[0][1] == 7 and test.files[0].name == "60001.bs2"
    batch, labels = next(iter(DataLoader(test, batch_size=4)))
    assert batch.shape == (4, 2, 34, 34, 300) and labels.tolist() == test.labels[:4]


def test_options_shift_transform_and_mode():
    root = data("nmnist-small")
    sim = slayer.Simulation(1.0, 350.0)
    plain = NMNIST(root, sim=sim, mode="sum")[3][0]
    torch.manual_seed(0)
    shifted = NMNIST(root, sim=sim, mode="sum", random_shift=True)[3][0]
    assert shifted.sum() == plain.sum() and not torch.equal(shifted, plain)  # moved, nothing dropped
    small = NMNIST(root, sim=sim, transform=Downsample(2), mode="sum")
    assert small.shape == (2, 17, 17) and small[3][0].sum() == plain.sum()


def test_original_layout(tmp_path):
    root = data("nmnist-small")
    for part, digit, ids in (("Train", 3, [1, 2]), ("Train", 7, [3]), ("Test", 0, [60001])):
        folder = tmp_path / part / str(digit)
        folder.mkdir(parents=True, exist_ok=True)
        for i in ids:
            shutil.copy(root / f"{i}.bs2", folder / f"{i:05d}.bin")
    train = NMNIST(tmp_path, train=True)
    assert train.labels == [3, 3, 7] and [f.name for f in train.files] == [
        "00001.bin",
        "00002.bin",
        "00003.bin",
    ]
    assert torch.equal(train[2][0], NMNIST(root)[2][0])
    assert NMNIST(tmp_path, train=False).labels == [0]
    shutil.rmtree(tmp_path / "Test")
    (tmp_path / "Test").mkdir()
    with pytest.raises(FileNotFoundError, match=r"no <digit>/\*\.bin samples"):
        NMNIST(tmp_path, train=False)


def test_list_file_errors(tmp_path):
    (tmp_path / "train5.txt").write_text("#sample #class\n1\t5\n\n2\t0\n")
    (tmp_path / "1.bs2").write_bytes(b"")
    with pytest.raises(
        FileNotFoundError, match=r"train5.txt, line 4: names sample 2, but .*2.bs2 does not exist"
    ):
        NMNIST(tmp_path)
    (tmp_path / "2.bs2").write_bytes(bytes(7))
    dataset = NMNIST(tmp_path)
    assert len(dataset) == 2 and dataset[0][0].sum() == 0  # an empty recording is an empty sample
    with pytest.raises(slayer.io.EventFileError, match=r"2.bs2 \(byte offset 5\)"):
        dataset[1]
    (tmp_path / "bad.txt").write_text("1 5 extra\n")
    with pytest.raises(ValueError, match=r"bad.txt, line 1: expected 2 integers, got '1 5 extra'"):
        NMNIST(tmp_path, list_file="bad.txt")
    with pytest.raises(FileNotFoundError, match=r"exactly one test\*.txt list file"):
        NMNIST(tmp_path, train=False)


def test_counts_match_file_events():
    root = data("nmnist-small")
    dataset = NMNIST(root, train=False, mode="sum", sim=slayer.Simulation(1.0, 400.0))
    for index in range(5):
        event = read_bs2(dataset.files[index])
        assert int(dataset[index][0].sum().item()) == len(event)
        assert np.all(event.t < 400)
