"""The Tonic adapter on a Tonic-style data set built with Tonic's own reader and transforms."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import slayer
from io_paths import data
from slayer.data import NMNIST, Tonic
from slayer.data.transforms import Downsample

tonic = pytest.importorskip("tonic")


class _TonicNMNIST(tonic.Dataset):
    """Tonic's N-MNIST reader over nmnist-small (Tonic's NMNIST class wants the full download)."""

    sensor_size = (34, 34, 2)
    dtype = np.dtype([("x", int), ("y", int), ("t", int), ("p", int)])
    ordering = dtype.names

    def __init__(self, reference: NMNIST, transform=None):
        super().__init__(save_to=".", transform=transform)
        self.data, self.targets = [str(f) for f in reference.files], reference.labels

    def __getitem__(self, index):
        events = tonic.io.read_mnist_file(self.data[index], dtype=self.dtype)
        if self.transform is not None:
            events = self.transform(events)
        return events, np.int64(self.targets[index])

    def __len__(self):
        return len(self.data)


def test_adapter_matches_our_reader():
    ours = NMNIST(data("nmnist-small"), train=False, mode="sum")
    adapted = Tonic(_TonicNMNIST(ours), ours.sim, mode="sum")
    assert len(adapted) == 100
    for index in (0, 57):
        spikes, label = adapted[index]
        assert isinstance(label, int) and label == ours.labels[index]
        assert torch.equal(spikes, ours[index][0])
    small = Tonic(_TonicNMNIST(ours), ours.sim, transform=Downsample(2), mode="sum")
    assert small[0][0].shape == (2, 17, 17, 300) and small[0][0].sum() == adapted[0][0].sum()


def test_adapter_with_tonic_transforms_and_errors():
    ours = NMNIST(data("nmnist-small"), train=False)
    denoised = Tonic(_TonicNMNIST(ours, transform=tonic.transforms.Denoise(filter_time=10000)), ours.sim)
    assert 0 < denoised[0][0].sum() < Tonic(_TonicNMNIST(ours), ours.sim)[0][0].sum()
    framed = _TonicNMNIST(ours, transform=tonic.transforms.ToFrame(sensor_size=(34, 34, 2), n_time_bins=3))
    with pytest.raises(TypeError, match="item 0 of the Tonic data set is not an event array"):
        Tonic(framed, ours.sim)[0]
    with pytest.raises(ValueError, match=r"sensor_size = \(W, H, P\)"):
        Tonic([], ours.sim)


def test_adapter_one_dimensional_sensor():
    class Audio:  # as Tonic's SHD: sensor (700, 1, 1), fields t, x, p
        sensor_size = (5, 1, 2)

        def __len__(self):
            return 1

        def __getitem__(self, index):
            events = np.zeros(3, dtype=[("t", "<f8"), ("x", "<i4"), ("p", "<i4")])
            events["t"], events["x"], events["p"] = [1000, 2000, 2000], [4, 0, 0], [0, 1, 0]
            return events, 3

    spikes, label = Tonic(Audio(), slayer.Simulation(1.0, 4.0))[0]
    assert spikes.shape == (10, 4) and label == 3
    assert torch.nonzero(spikes).tolist() == [[0, 2], [4, 1], [5, 2]]  # channel p * W + x
