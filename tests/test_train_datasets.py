"""The data set registry (against a stand-in ``slayer.data``), subsets, the synthetic and Oxford data sets."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from slayer import Simulation
from slayer.config import ConfigError
from slayer.io import EventFileError
from slayer.train import DatasetError, SyntheticSpikes, build_dataset
from slayer.train.datasets import OxfordSpikeTrains, synthetic_data
from test_train_support import config

DATA = Path(
    __import__("os").environ.get("SLAYER_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)


class _Recorder(torch.utils.data.Dataset):
    """Stands in for a slayer.data class: records its keyword arguments."""

    def __init__(
        self,
        root: Path,
        train: bool = True,
        sim: Simulation | None = None,
        transform: Any = None,
        encoding: str = "rate",
    ) -> None:
        self.kwargs = {"root": root, "train": train, "sim": sim, "transform": transform, "encoding": encoding}

    def __len__(self) -> int:
        return 10

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        return torch.zeros(1), index


class _Digits(_Recorder):
    def __init__(self, train: bool = True, sim: Simulation | None = None, encoding: str = "rate") -> None:
        self.kwargs = {"train": train, "sim": sim, "encoding": encoding}


@pytest.fixture
def fake_data(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    module = types.ModuleType("slayer.data")
    module.NMNIST = _Recorder  # type: ignore[attr-defined]
    module.MNIST = _Recorder  # type: ignore[attr-defined]
    module.Digits = _Digits  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "slayer.data", module)
    return module


def test_library_data_sets_get_root_split_sim_and_options(
    fake_data: types.ModuleType, tmp_path: Path
) -> None:
    cfg = config(
        data_section={
            "name": "mnist",
            "root": str(tmp_path),
            "options": {"encoding": "latency"},
            "train_samples": None,
            "test_samples": None,
        }
    )
    train, test = build_dataset(cfg, train=True), build_dataset(cfg, train=False)
    assert isinstance(train, _Recorder) and isinstance(test, _Recorder)
    assert train.kwargs == {
        "root": tmp_path,
        "train": True,
        "sim": cfg.sim,
        "transform": None,
        "encoding": "latency",
    }
    assert test.kwargs["train"] is False
    digits = build_dataset(config(data_section={"name": "digits"}), train=False)
    assert isinstance(digits, _Digits) and digits.kwargs == {
        "train": False,
        "sim": cfg.sim,
        "encoding": "rate",
    }
    cut = build_dataset(config(data_section={"name": "digits", "test_samples": 4}), train=False)
    assert isinstance(cut, torch.utils.data.Subset) and len(cut) == 4 and isinstance(cut.dataset, _Digits)


def test_library_data_set_errors(
    fake_data: types.ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad_option = config(
        data_section={"name": "mnist", "root": str(tmp_path), "options": {"encodings": "rate"}}
    )
    with pytest.raises(
        ConfigError,
        match=r"test.yaml: data.options.encodings: not an option of slayer.data.MNIST "
        r"\(its options: transform, encoding\)",
    ):
        build_dataset(bad_option, train=True)
    with pytest.raises(DatasetError, match=r"data.root: .*missing does not exist"):
        build_dataset(
            config(data_section={"name": "nmnist", "root": str(tmp_path / "missing"), "options": {}}),
            train=True,
        )
    with pytest.raises(ConfigError, match=r"data.root: the nmnist data set needs its folder"):
        build_dataset(config(data_section={"name": "nmnist", "options": {}}), train=True)
    with pytest.raises(DatasetError, match=r"slayer.data.SpokenDigits is not available"):
        build_dataset(
            config(data_section={"name": "spoken_digits", "root": str(tmp_path), "options": {}}), train=True
        )
    with pytest.raises(ConfigError, match=r"data.name: unknown data set 'cifar'; choose one of nmnist, "):
        build_dataset(config(data_section={"name": "cifar", "options": {}}), train=True)
    monkeypatch.setitem(sys.modules, "slayer.data", None)  # as if slayer.data were not installed
    with pytest.raises(
        DatasetError, match=r"slayer.data.Digits is not available: slayer.data cannot be imported"
    ):
        build_dataset(config(data_section={"name": "digits", "options": {}}), train=True)


def test_transform_option_builds_transforms_from_yaml(fake_data: types.ModuleType, tmp_path: Path) -> None:
    from slayer.data import transforms

    fake_data.transforms = transforms  # type: ignore[attr-defined]

    def built(spec: Any, split: str = "train_options", train: bool = True) -> Any:
        section = {"name": "nmnist", "root": str(tmp_path), split: {"transform": spec}}
        return build_dataset(config(data_section=section), train=train).kwargs["transform"]

    one = built([{"RandomTranslate": {"max_shift": 3}}])
    assert isinstance(one, transforms.RandomTranslate) and one.max_shift == 3
    assert built([{"RandomTranslate": {"max_shift": 3}}], train=False) is None  # train_options only
    assert isinstance(built("Denoise", "options", train=False), transforms.Denoise)
    chain = built([{"Crop": {"top": 1, "left": 2, "height": 10, "width": 12}}, {"Downsample": {"factor": 2}}])
    assert isinstance(chain, transforms.Compose) and chain.size((34, 34)) == (5, 6)
    assert [type(t).__name__ for t in chain.transforms] == ["Crop", "Downsample"]
    head = r"test.yaml: data.train_options.transform: "
    for spec, message in [
        (["Rotate"], r"unknown transform 'Rotate'; choose from Crop, Denoise, Downsample, RandomTranslate"),
        ([3], r"3 is not a name or a mapping \{name: \{arguments\}\}"),
        ([{"Crop": 2}], r"\{'Crop': 2\} is not a name"),
        ([{"RandomTranslate": {"max_shift": -1}}], r"RandomTranslate: max_shift must be a whole number"),
        ([{"Downsample": {"size": 2}}], r"Downsample: .*unexpected keyword argument 'size'"),
    ]:
        with pytest.raises(ConfigError, match=head + message):
            built(spec)


def test_subsets_are_random_but_fixed_by_the_seed() -> None:
    def labels(seed: int) -> list[int]:
        subset = build_dataset(config(training={"seed": seed}, data={"train_samples": 20}), train=True)
        return list(subset.indices)  # type: ignore[attr-defined]

    assert labels(0) == labels(0) and labels(0) != labels(1)
    assert len(set(labels(0))) == 20 and labels(0) != list(range(20))


def test_synthetic_data_is_deterministic_and_shaped() -> None:
    sim = Simulation(1.0, 30)
    a, b = SyntheticSpikes((2, 4, 4), 5, sim, seed=3), SyntheticSpikes((2, 4, 4), 5, sim, seed=3)
    (x, y), (x2, y2) = a[7], b[7]
    assert x.shape == (2, 4, 4, 30) and y == 7 % 5 and torch.equal(x, x2) and y == y2
    assert (
        set(x.unique().tolist()) <= {0.0, 1.0}
        and len(a) == 200
        and len(SyntheticSpikes((3,), 2, sim, train=False)) == 50
    )
    assert not torch.equal(a[0][0], SyntheticSpikes((2, 4, 4), 5, sim, train=False, seed=3)[0][0])
    half = SyntheticSpikes((3,), 2, Simulation(0.5, 10))
    assert set(half[0][0].unique().tolist()) <= {0.0, 2.0}  # amplitude 1/Ts
    with pytest.raises(IndexError):
        a[200]


def test_synthetic_section_matches_the_network() -> None:
    cfg = config(
        layer=[{"dim": "6x5x2"}, {"dim": 7}, {"dim": "4o"}],
        data_section={"name": "nmnist", "root": "/x", "train_samples": 9, "test_samples": None},
    )
    assert synthetic_data(cfg) == {
        "name": "synthetic",
        "options": {"shape": [2, 5, 6], "classes": 4},
        "train_samples": 9,
    }


def _write_bs1(path: Path, events: list[tuple[int, int, float]]) -> None:
    """Independent writer: (neuron id, polarity, time in ms) as 5-byte big-endian records."""
    data = bytearray()
    for neuron, polarity, ms in events:
        micros = round(ms * 1000)
        data += bytes(
            [
                neuron >> 8,
                neuron & 0xFF,
                (polarity << 7) | (micros >> 16),
                (micros >> 8) & 0xFF,
                micros & 0xFF,
            ]
        )
    path.write_bytes(bytes(data))


def test_oxford_reader_bins_bs1_events(tmp_path: Path) -> None:
    _write_bs1(tmp_path / "input.bs1", [(0, 0, 0.0), (3, 1, 2.4), (3, 0, 2.6), (299, 0, 1.0), (1, 0, 9.7)])
    _write_bs1(tmp_path / "output.bs1", [(1, 0, 4.0), (0, 0, 5.5)])  # 5.5 rounds half to even: bin 6
    sample = OxfordSpikeTrains(tmp_path, Simulation(1.0, 10), channels=4, out_channels=2)
    x, target = sample[0]
    assert len(sample) == 1 and x.shape == (4, 10) and target.shape == (2, 10)
    assert sorted(map(tuple, torch.nonzero(x).tolist())) == [
        (0, 0),
        (3, 2),
        (3, 3),
    ]  # 299 >= 4 and 9.7 -> bin 10 dropped
    assert sorted(map(tuple, torch.nonzero(target).tolist())) == [(0, 6), (1, 4)]
    (tmp_path / "input.bs1").write_bytes(b"\x00" * 7)
    with pytest.raises(EventFileError, match=r"byte offset 5.*not a whole number of 5-byte"):
        OxfordSpikeTrains(tmp_path, Simulation(1.0, 10), 4, 2)


@pytest.mark.skipif(
    not (DATA / "oxford" / "input.bs1").exists(), reason="shared/data/oxford not found (set SLAYER_DATA)"
)
def test_oxford_reader_on_the_real_files() -> None:
    raw = np.fromfile(DATA / "oxford" / "input.bs1", dtype=np.uint8).reshape(-1, 5)
    x, target = OxfordSpikeTrains(DATA / "oxford", Simulation(1.0, 1900), 200, 200)[0]
    assert raw.shape[0] == 1889 and x.shape == (200, 1900)
    assert 0.9 * 1889 <= int(x.sum()) <= 1889 and int(target.sum()) > 5000
