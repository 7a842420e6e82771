"""Read a configuration file (the reference SLAYER YAML plus our sections) into a :class:`Config`.

The file is parsed once; every key is type-checked, unknown keys are errors naming the key and the
file, and the layer shapes are inferred and checked here, before anything is built.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from slayer.config._reader import ConfigError, Section
from slayer.config.layers import DenseLayer, parse_layers
from slayer.config.schema import (
    Config,
    CountLoss,
    DataConfig,
    LossSpec,
    OptimizerConfig,
    TimeLoss,
    TrainingConfig,
)
from slayer.params import SRM, Simulation

__all__ = ["load_config", "merge", "parse_config", "with_section"]

_TOP = ("simulation", "neuron", "layer", "training", "data", "output", "smoke")
_OPTIMIZERS = {"adam", "nadam", "sgd"}
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def merge(base: Mapping[Any, Any], overlay: Mapping[Any, Any]) -> dict[Any, Any]:
    """Deep-merge ``overlay`` into a copy of ``base`` (mappings merge, anything else replaces)."""
    result = copy.deepcopy(dict(base))
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def _expand(section: Section, key: str, value: str) -> str:
    def substitute(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in os.environ:
            return os.environ[name]
        if default is None:
            raise section.error(
                key, f"the environment variable {name} is not set (or write ${{{name}:-default}})"
            )
        return default

    return _VAR.sub(substitute, value)


def _path(section: Section, key: str, base: Path | None) -> Path | None:
    value = section.take(key, str, None)
    if value is None:
        return None
    path = Path(_expand(section, key, value)).expanduser()
    return (base / path if base is not None and not path.is_absolute() else path).resolve()


def _simulation(top: Section) -> Simulation:
    sec = top.section("simulation", required=True)
    assert sec is not None
    sec.ignore(["nSample"])
    try:
        sim = Simulation(sec.take("Ts", float), sec.take("tSample", float))
    except ValueError as exc:
        raise sec.error(None, str(exc)) from None
    sec.done()
    return sim


def _neuron(top: Section) -> SRM:
    sec = top.section("neuron", required=True)
    assert sec is not None
    kind = sec.take("type", str, "SRMALPHA")
    if kind.upper() != "SRMALPHA":
        raise sec.error("type", f"neuron type {kind!r} is not supported; use SRMALPHA")
    names = {"theta": "theta", "tauSr": "tau_sr", "tauRef": "tau_ref", "scaleRef": "scale_ref"}
    names |= {"tauRho": "tau_rho", "scaleRho": "scale_rho", "epsSr": "eps_sr", "epsRef": "eps_ref"}
    required = {"theta", "tauSr", "tauRef"}
    values = {names[k]: sec.take(k, float) if k in required else sec.take(k, float, None) for k in names}
    try:
        neuron = SRM(**{k: v for k, v in values.items() if v is not None})
    except ValueError as exc:
        raise sec.error(None, str(exc)) from None
    sec.done()
    return neuron


def _loss(training: Section, sim: Simulation) -> LossSpec:
    sec = training.section("error", required=True)
    assert sec is not None
    kind = sec.take("type", str)
    sec.ignore(["probSlidingWin"])
    if kind.lower() == "spiketime":
        sec.done()
        return TimeLoss()
    if kind.lower() != "numspikes":
        raise sec.error("type", f"error type {kind!r} is not supported; use NumSpikes or SpikeTime")
    region = sec.section("tgtSpikeRegion", required=True)
    count = sec.section("tgtSpikeCount", required=True)
    assert region is not None and count is not None
    start, stop = region.take("start", float), region.take("stop", float)
    region.done()
    if not 0 <= start < stop:
        raise region.error(None, f"needs 0 <= start < stop, got start {start}, stop {stop}")
    if stop > sim.t_sample:
        raise region.error(
            "stop", f"{stop} ms is after the end of the sample (simulation.tSample {sim.t_sample})"
        )
    for text, flag in (("true", True), ("false", False)):  # YAML reads `true:` as a boolean key
        if text in count.data:
            count.data[flag] = count.data.pop(text)
    counts = count.take(True, float), count.take(False, float)
    count.done()
    if min(counts) < 0:
        raise count.error(None, f"target counts must be >= 0, got {counts}")
    sec.done()
    return CountLoss(start, stop, counts[0], counts[1])


def _optimizer(training: Section) -> OptimizerConfig:
    sec = training.section("optimizer")
    if sec is None:
        return OptimizerConfig()
    name = sec.take("name", str, "adam").lower()
    if name not in _OPTIMIZERS:
        raise sec.error("name", f"unknown optimiser {name!r}; choose one of {', '.join(sorted(_OPTIMIZERS))}")
    keys = {"name", "lr", "weight_decay", "schedule"} | ({"amsgrad"} if name == "adam" else set())
    keys |= {"beta1", "beta2", "epsilon"} if name in ("adam", "nadam") else {"momentum"}
    sec.allow(keys, f"the {name} optimiser")
    default = OptimizerConfig()
    opt = OptimizerConfig(
        name=name,
        lr=sec.take("lr", float, default.lr),
        weight_decay=sec.take("weight_decay", float, 0.0),
        amsgrad=sec.take("amsgrad", bool, default.amsgrad) if name == "adam" else False,
        betas=(sec.take("beta1", float, 0.9), sec.take("beta2", float, 0.999))
        if "beta1" in keys
        else default.betas,
        eps=sec.take("epsilon", float, default.eps) if "epsilon" in keys else default.eps,
        momentum=sec.take("momentum", float, 0.0) if "momentum" in keys else 0.0,
        schedule=sec.take("schedule", str, "constant"),
    )
    sec.done(known={"amsgrad", "beta1", "beta2", "epsilon", "momentum"})
    if not opt.lr > 0:
        raise sec.error("lr", f"must be positive, got {opt.lr}")
    if opt.schedule not in ("constant", "cosine"):
        raise sec.error("schedule", f"must be constant or cosine, got {opt.schedule!r}")
    return opt


def _positive(sec: Section, key: str, default: int, minimum: int = 1) -> int:
    value: int = sec.take(key, int, default)
    if value < minimum:
        raise sec.error(key, f"must be >= {minimum}, got {value}")
    return value


def _training(
    top: Section, sim: Simulation, notes: list[str], base: Path | None
) -> tuple[TrainingConfig, dict[str, Path | None]]:
    sec = top.section("training", required=True)
    assert sec is not None
    loss = _loss(sec, sim)
    compat: dict[str, Path | None] = {}
    path = sec.section("path")
    if path is not None:
        compat = {"in": _path(path, "in", base), "out": _path(path, "out", base)}
        notes += [
            f"{k} is not used (the data set finds its own list files)"
            for k in path.ignore(["train", "test", "desired"])
        ]
        path.done()
    choices = {"device": ("auto", "cpu", "cuda"), "dtype": ("float32", "float64")}
    values = {k: sec.take(k, str, v[0]) for k, v in choices.items()}
    for key, allowed in choices.items():
        if values[key] not in allowed and not (key == "device" and values[key].startswith("cuda:")):
            raise sec.error(key, f"must be one of {', '.join(allowed)}, got {values[key]!r}")
    training = TrainingConfig(
        loss=loss,
        optimizer=_optimizer(sec),
        epochs=_positive(sec, "epochs", 100),
        batch_size=_positive(sec, "batch_size", 12),
        seed=_positive(sec, "seed", 0, minimum=0),
        num_workers=_positive(sec, "num_workers", 0, minimum=0),
        device=values["device"],
        backend=sec.take("backend", str, "auto"),
        dtype=values["dtype"],
    )
    sec.done()
    return training, compat


def _data(top: Section, base: Path | None, default_root: Path | None) -> DataConfig | None:
    sec = top.section("data")
    if sec is None:
        return None
    options = []
    for key in ("options", "train_options", "test_options"):
        section = sec.section(key)
        raw_options = section.data if section is not None else {}
        if any(not isinstance(k, str) for k in raw_options):
            raise sec.error(key, "option names must be strings")
        options.append(tuple(sorted((str(k), v) for k, v in raw_options.items())))
    samples = [sec.take(k, int, None) for k in ("train_samples", "test_samples")]
    for key, value in zip(("train_samples", "test_samples"), samples, strict=True):
        if value is not None and value < 1:
            raise sec.error(key, f"must be >= 1, got {value}")
    root = _path(sec, "root", base) or default_root
    data = DataConfig(sec.take("name", str).lower(), root, options[0], options[1], options[2], *samples)
    sec.done()
    return data


def parse_config(raw: Any, source: str = "<config>", base_dir: Path | None = None) -> Config:
    """Check a configuration mapping (as read from YAML) and build the :class:`Config`.

    Parameters
    ----------
    raw : mapping
        The YAML document.
    source : str
        File name used in error messages.
    base_dir : Path, optional
        Folder that relative data paths are resolved against (the config file's folder).

    Raises
    ------
    ConfigError
        One line naming the file and the key: an unknown key, a wrong type, a bad dim string,
        a shape that does not fit.
    """
    raw = copy.deepcopy(raw)
    top = Section(raw, "", source)
    top.ignore(["smoke"])
    notes: list[str] = []
    sim = _simulation(top)
    neuron = _neuron(top)
    layers = parse_layers(top.sections("layer"), sim.t_sample)
    training, compat = _training(top, sim, notes, base_dir)
    data = _data(top, base_dir, compat.get("in"))
    output = top.section("output")
    output_dir, plots = compat.get("out"), True
    if output is not None:
        output_dir = _path(output, "dir", Path.cwd()) or output_dir
        plots = output.take("plots", bool, True)
        output.done()
    top.done(known=_TOP)
    last = layers[-1]
    if isinstance(training.loss, CountLoss) and not (isinstance(last, DenseLayer) or len(last.shape) == 1):
        raise top.error(
            "layer", f"the spike-count loss needs a dense output layer, the last layer is {last.dim!r}"
        )
    normal = {k: v for k, v in raw.items() if k != "smoke"}
    if data is not None:
        normal["data"] = {**normal["data"], "root": None if data.root is None else str(data.root)}
    if output_dir is not None:
        normal["output"] = {**normal.get("output", {}), "dir": str(output_dir)}
    text = yaml.safe_dump(normal, sort_keys=False)
    return Config(source, sim, neuron, layers, training, data, output_dir, plots, text, tuple(notes))


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the file ({exc.strerror})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}: invalid YAML{where}: {problem}") from None


def load_config(
    path: str | os.PathLike[str], smoke: bool = False, overlay: Mapping[str, Any] | None = None
) -> Config:
    """Read and check a configuration file.

    Parameters
    ----------
    path : path-like
        The YAML file.
    smoke : bool
        Apply the file's ``smoke`` section (a partial configuration merged over the rest) for a
        tiny run: fewer samples, one epoch, shorter samples.
    overlay : mapping, optional
        A partial configuration merged last (command-line overrides such as ``training.epochs``).

    Without ``output.dir`` (or the reference ``training.path.out``), runs go to ``runs/<file stem>``
    in the working folder.
    """
    path = Path(path)
    raw = _read(path)
    source = str(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: the file must hold a mapping (simulation:, neuron:, layer:, ...)")
    if smoke:
        if not isinstance(raw.get("smoke"), dict):
            raise ConfigError(
                f"{source}: smoke: no smoke section in this file (a partial config for a tiny run)"
            )
        raw = merge(raw, raw["smoke"])
        source += " (smoke)"
    if overlay:
        raw = merge(raw, overlay)
    config = parse_config(raw, source, path.resolve().parent)
    if config.output_dir is None:  # runs/<file name>, in the working folder
        config = dataclasses.replace(config, output_dir=(Path("runs") / path.stem).resolve())
    return config


def with_section(config: Config, key: str, value: Any) -> Config:
    """``config`` with its top-level section ``key`` replaced by ``value``, checked again."""
    raw = yaml.safe_load(config.text)
    raw[key] = value
    return parse_config(raw, config.source)
