"""DVS Gesture's original layout, end to end on synthetic AEDAT 3.1 recordings."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import slayer
from data_gesture import make
from slayer.data import DVSGesture
from slayer.data.transforms import Downsample
from slayer.io import Event


def test_samples_are_cut_by_the_label_files(tmp_path):
    recordings = make(tmp_path)
    sim = slayer.Simulation(1.0, 300.0)
    train = DVSGesture(tmp_path, train=True, sim=sim, mode="sum")
    assert len(train) == 3 and train.labels == [0, 10, 4]
    x, y, p, t = recordings["user01_fluorescent"]
    inside = (t >= 500_000) & (t < 900_000)
    expected = Event(x[inside], y[inside], p[inside], (t[inside] - 500_000) / 1000.0)
    spikes, label = train[1]
    assert label == 10 and spikes.shape == (2, 128, 128, 300)
    assert torch.equal(spikes, expected.to_tensor(sim, (2, 128, 128), mode="sum"))
    first_bins = inside & (np.rint((t - 500_000) / 1000) < 300)  # the first 300 bins
    assert int(spikes.sum().item()) == int(first_bins.sum())
    test = DVSGesture(tmp_path, train=False, sim=sim, transform=Downsample(4))
    assert len(test) == 2 and test.labels == [2, 3]
    assert test[0][0].shape == (2, 32, 32, 300)


def test_layout_errors(tmp_path):
    make(tmp_path)
    (tmp_path / "user02_lab.aedat").unlink()
    with pytest.raises(FileNotFoundError, match=r"trials_to_train.txt, line 2: names user02_lab.aedat, but"):
        DVSGesture(tmp_path)
    (tmp_path / "user24_led_labels.csv").unlink()
    with pytest.raises(FileNotFoundError, match=r"user24_led.aedat: its label file .*user24_led_labels.csv"):
        DVSGesture(tmp_path, train=False)
    (tmp_path / "user24_led_labels.csv").write_text("class,startTime_usec,endTime_usec\n12,1,5\n")
    with pytest.raises(ValueError, match=r"user24_led_labels.csv, line 2: need class 1..11 and start < end"):
        DVSGesture(tmp_path, train=False)
    with pytest.raises(FileNotFoundError, match=r"trials_to_train\.txt not found"):
        DVSGesture(tmp_path / "nowhere")
