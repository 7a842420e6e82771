"""MNIST from IDX files (real and synthetic) and scikit-learn's digits, spike-encoded."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
import torch

import slayer
from io_paths import data
from slayer.data import MNIST, Digits
from slayer.data.idx import read_idx


def _idx(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, ">i4").tobytes()
    return header + array.astype(np.uint8).tobytes()


def test_real_mnist_files():
    root = data("mnist")
    test = MNIST(root, train=False, encoding="latency")
    train = MNIST(root, train=True, sim=slayer.Simulation(1.0, 50.0), seed=1)
    assert (len(test), len(train)) == (10000, 10000)
    assert sorted(set(test.labels)) == list(range(10)) and train.labels[:3] == [0, 0, 0]  # sorted by class
    spikes, label = test[0]
    assert spikes.shape == (1, 28, 28, 100) and label == 7
    image = test.images[0]
    assert int(spikes.sum().item()) == int((image > 0).sum())  # one spike per lit pixel
    first = spikes[0].argmax(-1)
    assert first[image == 1.0].eq(0).all()  # white pixels fire first
    rate, _ = train[0]
    assert torch.equal(rate, train[0][0])  # seed fixes each image's code


def test_idx_reader_and_errors(tmp_path):
    images = np.arange(2 * 3 * 4).reshape(2, 3, 4) % 256
    (tmp_path / "a.idx").write_bytes(_idx(images))
    np.testing.assert_array_equal(read_idx(tmp_path / "a.idx"), images)
    (tmp_path / "a.gz").write_bytes(gzip.compress(_idx(images)))
    np.testing.assert_array_equal(read_idx(tmp_path / "a.gz"), images)
    (tmp_path / "cut.idx").write_bytes(_idx(images)[:-3])
    with pytest.raises(
        ValueError, match=r"cut.idx \(byte offset 37\): IDX header announces shape \(2, 3, 4\)"
    ):
        read_idx(tmp_path / "cut.idx")
    (tmp_path / "bad.idx").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match=r"bad.idx \(byte offset 0\): not an IDX file \(magic 01020304\)"):
        read_idx(tmp_path / "bad.idx")
    (tmp_path / "badgz.idx").write_bytes(gzip.compress(_idx(images))[:-8])
    with pytest.raises(ValueError, match="corrupt gzip data"):
        read_idx(tmp_path / "badgz.idx")


def test_synthetic_mnist_layout_and_errors(tmp_path):
    images = np.zeros((3, 28, 28))
    images[:, 10, 10] = 255
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(_idx(images))
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(_idx(np.array([4, 2, 9])))
    test = MNIST(tmp_path, train=False, sim=slayer.Simulation(1.0, 1000.0), max_rate=100.0)
    assert test.labels == [4, 2, 9]
    torch.manual_seed(0)
    counts = torch.stack([test[i][0].sum(-1) for i in range(3)])
    assert counts.sum() == counts[:, 0, 10, 10].sum() and 200 < counts.sum() < 400  # 100 Hz for 1 s, x3
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(_idx(np.array([4, 2])))
    with pytest.raises(ValueError, match=r"expected \(N, H, W\) images and N labels"):
        MNIST(tmp_path, train=False)
    with pytest.raises(FileNotFoundError, match=r"expected one file matching 'train\*-images-idx3-ubyte\*'"):
        MNIST(tmp_path, train=True)
    with pytest.raises(ValueError, match="encoding must be 'rate' or 'latency'"):
        MNIST(data("mnist"), train=False, encoding="phase")  # type: ignore[arg-type]


def test_digits_split_and_encoding():
    train, test = Digits(train=True, seed=0), Digits(train=False, encoding="latency")
    assert (len(train), len(test)) == (1437, 360)
    from sklearn.datasets import load_digits

    target = load_digits().target
    assert test.labels == target[::5].tolist()
    spikes, label = train[0]
    assert spikes.shape == (1, 8, 8, 100) and label == int(target[1])
    assert torch.equal(spikes, train[0][0])
    image = train.images[0]
    rates = spikes.sum(-1)[0] * 1.0 / 100 * 1000  # Hz over 100 ms
    assert torch.corrcoef(torch.stack([rates.flatten(), image.flatten()]))[0, 1] > 0.8
