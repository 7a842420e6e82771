"""Data sets by name: what ``data: {name: ...}`` in a configuration refers to.

The real data sets live in :mod:`slayer.data` and are imported only when asked for, so this module
imports without them. Each is called as ``Class(root=..., train=..., sim=..., **options)`` and
yields ``(spikes, label)``: time-last float spikes of amplitude ``1/Ts`` and an ``int`` class.
For the spike-time loss a data set yields ``(spikes, target_spikes)`` instead.

An event data set's ``transform`` option may be written in YAML as a list of transforms of
:mod:`slayer.data.transforms`, each a name or a one-key mapping of name to arguments, e.g.
``transform: [{RandomTranslate: {max_shift: 2}}, Denoise]``; they are applied in order.

Two small data sets are defined here: ``synthetic`` (random class patterns, for smoke tests and CI)
and ``oxford`` (the spike-train regression task of the SLAYER paper's software).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset, Subset

from slayer.config import Config, ConfigError, CountLoss, DataConfig
from slayer.params import Simulation

__all__ = [
    "DatasetError",
    "OxfordSpikeTrains",
    "SyntheticSpikes",
    "build_dataset",
    "names",
    "register",
    "synthetic_data",
]

Factory = Callable[[Config, bool], Dataset]  # (config, train) -> data set


class DatasetError(RuntimeError):
    """A data set cannot be opened: missing package, missing folder or unreadable files."""


class SyntheticSpikes(Dataset):
    """Random, learnable spike patterns (for smoke tests and CI), deterministic in ``(seed, train, index)``.

    Class ``k`` fires input neuron ``j`` with probability ``p[k, j] ~ U(0, rate)`` in every time bin
    (fixed by ``seed``); sample ``i`` has label ``i mod classes``; 200 training and 50 test samples.
    With ``target_shape`` the samples carry a fixed random target spike train per class instead of
    the label (spike-time loss).

    Shape
    -----
    Spikes ``(*shape, T)`` with ``T = sim.steps``; amplitude ``1/Ts``.
    """

    def __init__(
        self,
        shape: tuple[int, ...] | list[int],
        classes: int,
        sim: Simulation,
        train: bool = True,
        rate: float = 0.1,
        seed: int = 0,
        target_shape: tuple[int, ...] | list[int] | None = None,
    ) -> None:
        self.shape, self.classes, self.sim, self.train = tuple(shape), int(classes), sim, train
        self.size = 200 if train else 50
        self.seed = int(seed)
        generator = torch.Generator().manual_seed(self.seed)
        self.rates = torch.rand((self.classes, *self.shape), generator=generator) * rate
        self.targets = None
        if target_shape is not None:
            probability = torch.full((self.classes, *target_shape, sim.steps), 0.05)
            self.targets = torch.bernoulli(probability, generator=generator) / sim.ts

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int | torch.Tensor]:
        if not 0 <= index < self.size:
            raise IndexError(index)
        label = index % self.classes
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + 2 * index + int(self.train) + 1)
        rates = self.rates[label].unsqueeze(-1).expand(*self.shape, self.sim.steps)
        spikes = torch.bernoulli(rates, generator=generator) / self.sim.ts
        return spikes, (label if self.targets is None else self.targets[label])


class OxfordSpikeTrains(Dataset):
    """The "Oxford" task: one sample, ``input.bs1`` must be mapped onto the spike times of ``output.bs1``.

    The same single sample serves as training and test set.
    """

    def __init__(self, root: Path, sim: Simulation, channels: int, out_channels: int) -> None:
        from slayer.io import read_bs1

        self.input = read_bs1(Path(root) / "input.bs1").to_tensor(sim, shape=(channels,))
        self.target = read_bs1(Path(root) / "output.bs1").to_tensor(sim, shape=(out_channels,))

    def __len__(self) -> int:
        return 1

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        if index != 0:
            raise IndexError(index)
        return self.input, self.target


def _option_error(config: Config, train: bool, key: str, message: str) -> ConfigError:
    assert config.data is not None
    split = "train_options" if train else "test_options"
    section = split if key in dict(getattr(config.data, split)) else "options"
    return ConfigError(f"{config.source}: data.{section}.{key}: {message}")


def _check_options(target: Callable[..., Any], config: Config, train: bool, what: str) -> None:
    assert config.data is not None
    parameters = inspect.signature(target).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return
    for key in config.data.kwargs(train):
        if key not in parameters:
            valid = ", ".join(k for k in parameters if k not in ("root", "train", "sim", "self"))
            raise _option_error(
                config, train, key, f"not an option of {what} (its options: {valid or 'none'})"
            )


def _root(config: Config, data: DataConfig) -> Path:
    if data.root is None:
        raise ConfigError(f"{config.source}: data.root: the {data.name} data set needs its folder")
    if not data.root.exists():
        raise DatasetError(
            f"{config.source}: data.root: {data.root} does not exist (the {data.name} data set)"
        )
    return data.root


def _import_data(attr: str) -> Any:
    try:
        module = importlib.import_module("slayer.data")
    except ImportError as exc:
        raise DatasetError(
            f"the data set slayer.data.{attr} is not available: slayer.data cannot be imported ({exc})"
        ) from None
    if not hasattr(module, attr):
        raise DatasetError(f"the data set slayer.data.{attr} is not available in this installation")
    return getattr(module, attr)


def _transform(config: Config, train: bool, spec: Any) -> Any:
    """The ``transform`` option: a list of names or ``{name: {argument: value}}`` -> one transform."""
    transforms = _import_data("transforms")
    known = [name for name in transforms.__all__ if name[0].isupper() and name != "Compose"]
    built = []
    for item in spec if isinstance(spec, list) else [spec]:
        name: Any = item
        arguments: Any = {}
        if isinstance(item, dict) and len(item) == 1:
            ((name, arguments),) = item.items()
            arguments = {} if arguments is None else arguments
        elif not isinstance(item, str):
            arguments = None
        if not isinstance(arguments, dict):
            raise _option_error(
                config, train, "transform", f"{item!r} is not a name or a mapping {{name: {{arguments}}}}"
            )
        if name not in known:
            raise _option_error(
                config, train, "transform", f"unknown transform {name!r}; choose from {', '.join(known)}"
            )
        try:
            built.append(getattr(transforms, name)(**arguments))
        except (TypeError, ValueError) as exc:
            raise _option_error(config, train, "transform", f"{name}: {exc}") from None
    return built[0] if len(built) == 1 else transforms.Compose(*built)


def _options(config: Config, train: bool) -> dict[str, Any]:
    """The data options of one split, with a YAML ``transform`` option built into transform objects."""
    assert config.data is not None
    options = config.data.kwargs(train)
    if isinstance(options.get("transform"), (str, list, dict)):
        options["transform"] = _transform(config, train, options["transform"])
    return options


def _library(attr: str, needs_root: bool) -> Factory:
    def factory(config: Config, train: bool) -> Dataset:
        assert config.data is not None
        cls = _import_data(attr)
        _check_options(cls, config, train, f"slayer.data.{attr}")
        kwargs = {"train": train, "sim": config.sim, **_options(config, train)}
        if needs_root:
            kwargs["root"] = _root(config, config.data)
        return cls(**kwargs)

    return factory


def _tonic(config: Config, train: bool) -> Dataset:
    assert config.data is not None
    options = _options(config, train)
    if "dataset" not in options:
        raise _option_error(config, train, "dataset", "name the Tonic data set, e.g. dataset: NMNIST")
    name, dataset_options = options.pop("dataset"), options.pop("dataset_options", {})
    try:
        tonic = importlib.import_module("tonic")
    except ImportError:
        raise DatasetError("the tonic data set needs the package tonic: pip install tonic") from None
    if not hasattr(tonic.datasets, str(name)):
        raise _option_error(config, train, "dataset", f"tonic has no data set {name!r}")
    root = str(_root(config, config.data))
    source = getattr(tonic.datasets, name)(save_to=root, train=train, **dataset_options)
    return _import_data("Tonic")(source, sim=config.sim, **options)


def _synthetic(config: Config, train: bool) -> Dataset:
    assert config.data is not None
    options = config.data.kwargs(train)
    _check_options(SyntheticSpikes, config, train, "the synthetic data set")
    if "shape" not in options or "classes" not in options:
        raise _option_error(
            config, train, "shape", "the synthetic data set needs the options shape and classes"
        )
    return SyntheticSpikes(sim=config.sim, train=train, **options)


def _oxford(config: Config, train: bool) -> Dataset:
    assert config.data is not None
    if config.data.kwargs(train):
        raise _option_error(
            config, train, next(iter(config.data.kwargs(train))), "the oxford data set has no options"
        )
    channels, out_channels = config.input_shape[0], config.output_shape[0]
    return OxfordSpikeTrains(_root(config, config.data), config.sim, channels, out_channels)


_FACTORIES: dict[str, Factory] = {
    "nmnist": _library("NMNIST", needs_root=True),
    "dvs_gesture": _library("DVSGesture", needs_root=True),
    "mnist": _library("MNIST", needs_root=True),
    "spoken_digits": _library("SpokenDigits", needs_root=True),
    "digits": _library("Digits", needs_root=False),
    "tonic": _tonic,
    "synthetic": _synthetic,
    "oxford": _oxford,
}


def register(name: str, factory: Factory) -> None:
    """Make ``data: {name: NAME}`` call ``factory(config, train)`` (to add your own data set)."""
    _FACTORIES[name.lower()] = factory


def names() -> tuple[str, ...]:
    """The registered data set names."""
    return tuple(_FACTORIES)


def _subset(dataset: Dataset, size: int | None, seed: int) -> Dataset:
    total = len(dataset)  # type: ignore[arg-type]
    if size is None or size >= total:
        return dataset
    order = torch.randperm(total, generator=torch.Generator().manual_seed(seed))[:size]
    return Subset(dataset, sorted(order.tolist()))


def build_dataset(config: Config, train: bool) -> Dataset:
    """The training (``train=True``) or test set of ``config``, cut to ``train_samples``/``test_samples``.

    A subset is a random choice of samples fixed by ``training.seed``.

    Raises
    ------
    ConfigError
        No ``data`` section, an unknown name or option.
    DatasetError
        The data set's package or folder is missing or its files cannot be read.
    """
    data = config.data
    if data is None:
        raise ConfigError(f"{config.source}: data: no data set; add e.g. data: {{name: nmnist, root: ...}}")
    factory = _FACTORIES.get(data.name)
    if factory is None:
        raise ConfigError(
            f"{config.source}: data.name: unknown data set {data.name!r}; choose one of {', '.join(names())}"
        )
    try:
        dataset = factory(config, train)
    except (ConfigError, DatasetError):
        raise
    except (OSError, ValueError) as exc:
        raise DatasetError(f"{config.source}: data: cannot open the {data.name} data set: {exc}") from exc
    return _subset(dataset, data.train_samples if train else data.test_samples, config.training.seed)


def synthetic_data(config: Config) -> dict[str, Any]:
    """A ``data`` section swapping the configured data set for :class:`SyntheticSpikes` of its shape."""
    subsets = (
        {}
        if config.data is None
        else {"train_samples": config.data.train_samples, "test_samples": config.data.test_samples}
    )
    options: dict[str, Any] = {"shape": list(config.input_shape)}
    if isinstance(config.training.loss, CountLoss):
        options["classes"] = int(np.prod(config.output_shape))
    else:
        options |= {"classes": 1, "target_shape": list(config.output_shape)}
    return {"name": "synthetic", "options": options, **{k: v for k, v in subsets.items() if v is not None}}
