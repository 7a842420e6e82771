"""The layer list of the reference YAML: dim strings, per-layer keys and shape inference (SPEC §8).

A dim is ``"34x34x2"`` / ``"28x28"`` (input ``W x H [x C]``), an integer as the first entry (a 1-D
input of that many channels), ``"12c5"`` (convolution, 12 channels, 5x5 kernel), ``"2a"`` (2x2 sum
pooling), an integer (dense layer) or ``"10o"`` (the dense output layer, in the paper's notation).
Shapes are neuron shapes: ``(C,)`` for 1-D layers, ``(C, H, W)`` for 2-D ones.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from slayer.config._reader import ConfigError, Section

__all__ = ["ConvLayer", "DenseLayer", "InputLayer", "LayerSpec", "PoolLayer", "parse_layers"]

Pair = tuple[int, int]
_INPUT = re.compile(r"^(\d+)x(\d+)(?:x(\d+))?$")
_CONV = re.compile(r"^(\d+)c(\d+)$")
_POOL = re.compile(r"^(\d+)a$")
_DENSE = re.compile(r"^(\d+)(o?)$")
_DIM_HELP = "expected e.g. 34x34x2 (input W x H x C), 12c5 (conv), 2a (pool), 512 (dense) or 10o (output)"


@dataclass(frozen=True)
class InputLayer:
    """The input: ``shape`` is ``(C,)`` or ``(C, H, W)``."""

    dim: str
    shape: tuple[int, ...]


@dataclass(frozen=True)
class DenseLayer:
    """A dense layer of ``features`` neurons (``output``: marked ``o`` in the dim string)."""

    dim: str
    shape: tuple[int, ...]
    features: int
    w_scale: float
    delay: bool
    max_delay: float
    dropout: float
    output: bool


@dataclass(frozen=True)
class ConvLayer:
    """A 2-D convolution layer of ``channels`` output channels and a ``kernel`` x ``kernel`` kernel."""

    dim: str
    shape: tuple[int, ...]
    channels: int
    kernel: int
    stride: Pair
    padding: Pair
    dilation: Pair
    groups: int
    w_scale: float
    delay: bool
    max_delay: float
    dropout: float


@dataclass(frozen=True)
class PoolLayer:
    """A fixed ``kernel`` x ``kernel`` sum-pooling layer (weights ``1.1 * theta``)."""

    dim: str
    shape: tuple[int, ...]
    kernel: int
    stride: Pair
    padding: Pair
    dilation: Pair
    dropout: float


LayerSpec = InputLayer | DenseLayer | ConvLayer | PoolLayer

_KEYS = {
    "input": {"dim"},
    "dense": {"dim", "wScale", "delay", "maxDelay", "dropout"},
    "conv": {"dim", "wScale", "delay", "maxDelay", "dropout", "stride", "padding", "dilation", "groups"},
    "pool": {"dim", "dropout", "stride", "padding", "dilation"},
}

_ALL_KEYS = set().union(*_KEYS.values())


def _kind(dim: int | str, first: bool, where: Section) -> tuple[str, re.Match[str] | int]:
    if isinstance(dim, int):
        if dim < 1:
            raise where.error("dim", f"must be positive, got {dim}")
        return ("input" if first else "dense"), dim
    text = dim.strip()
    for kind, pattern in (("input", _INPUT), ("conv", _CONV), ("pool", _POOL), ("dense", _DENSE)):
        match = pattern.match(text)
        if match:
            if kind == "input" and not first:
                raise where.error("dim", f"{text!r} is an input dim but only the first layer is the input")
            if any(int(g) < 1 for g in match.groups() if g and g.isdigit()):
                raise where.error("dim", f"sizes in {text!r} must be positive")
            if first and kind == "dense" and not match.group(2):
                return "input", int(match.group(1))  # a 1-D input of that many channels
            if first and kind != "input":
                raise where.error(
                    "dim", f"the first layer must be the input (e.g. 34x34x2 or 200), got {text!r}"
                )
            return kind, match
    raise where.error("dim", f"cannot parse {text!r}: {_DIM_HELP}")


def _pair(section: Section, key: str, default: int, minimum: int) -> Pair:
    value = section.take(key, (int, list), default)
    if isinstance(value, int):
        value = [value, value]
    if len(value) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise section.error(key, f"must be an integer or a pair [height, width] of integers, got {value!r}")
    if min(value) < minimum:
        raise section.error(key, f"must be >= {minimum}, got {value!r}")
    return (value[0], value[1])


def _conv_out(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _spatial(
    section: Section,
    shape: tuple[int, ...],
    kind: str,
    kernel: int,
    stride: Pair,
    padding: Pair,
    dilation: Pair,
) -> tuple[int, int]:
    if len(shape) != 3:
        raise section.error(
            "dim", f"a {kind} layer needs a 2-D input (C, H, W), but its input is 1-D {shape}"
        )
    _, height, width = shape
    if kind == "pool":  # zero-pad at the end to a multiple of the kernel first (SPEC §5)
        height, width = math.ceil(height / kernel) * kernel, math.ceil(width / kernel) * kernel
    out = tuple(
        _conv_out(size, kernel, s, p, d)
        for size, s, p, d in zip((height, width), stride, padding, dilation, strict=True)
    )
    if min(out) < 1:
        raise section.error(
            "dim",
            f"the {kind} kernel {kernel}x{kernel} (dilation {dilation}, padding {padding}) does not fit its "
            f"{shape[1]}x{shape[2]} input",
        )
    return out[0], out[1]


def _layer(section: Section, first: bool, previous: tuple[int, ...], t_sample: float) -> LayerSpec:
    dim = section.take("dim", (int, str))
    kind, match = _kind(dim, first, section)
    section.allow(_KEYS[kind], f"a {kind} layer")
    dim_text = str(dim).strip()
    if kind == "input":
        if isinstance(match, int):
            return InputLayer(dim_text, (match,))
        if isinstance(match, re.Match):
            width, height, channels = match.group(1), match.group(2), match.group(3) or "1"
            return InputLayer(dim_text, (int(channels), int(height), int(width)))
    assert isinstance(match, (int, re.Match))
    dropout = section.take("dropout", float, 0.0)
    if not 0.0 <= dropout < 1.0:
        raise section.error("dropout", f"must be in [0, 1), got {dropout}")
    if kind == "pool":
        assert isinstance(match, re.Match)
        kernel = int(match.group(1))
        stride = _pair(section, "stride", kernel, 1)
        padding, dilation = _pair(section, "padding", 0, 0), _pair(section, "dilation", 1, 1)
        height, width = _spatial(section, previous, "pool", kernel, stride, padding, dilation)
        return PoolLayer(dim_text, (previous[0], height, width), kernel, stride, padding, dilation, dropout)
    delay = section.take("delay", bool, False)
    max_delay = section.take("maxDelay", float, float(t_sample))
    if max_delay < 0:
        raise section.error("maxDelay", f"must be >= 0 ms, got {max_delay}")
    if kind == "dense":
        features = match if isinstance(match, int) else int(match.group(1))
        output = isinstance(match, re.Match) and bool(match.group(2))
        w_scale = section.take("wScale", float, 10.0)
        return DenseLayer(dim_text, (features,), features, w_scale, delay, max_delay, dropout, output)
    assert isinstance(match, re.Match)
    channels, kernel = int(match.group(1)), int(match.group(2))
    stride, padding = _pair(section, "stride", 1, 1), _pair(section, "padding", 0, 0)
    dilation = _pair(section, "dilation", 1, 1)
    groups = section.take("groups", int, 1)
    if len(previous) == 3 and (groups < 1 or previous[0] % groups or channels % groups):
        raise section.error(
            "groups", f"{groups} groups do not divide the {previous[0]} input and {channels} output channels"
        )
    height, width = _spatial(section, previous, "conv", kernel, stride, padding, dilation)
    w_scale = section.take("wScale", float, 100.0)
    return ConvLayer(
        dim_text,
        (channels, height, width),
        channels,
        kernel,
        stride,
        padding,
        dilation,
        groups,
        w_scale,
        delay,
        max_delay,
        dropout,
    )


def parse_layers(sections: list[Section], t_sample: float) -> tuple[LayerSpec, ...]:
    """Parse and check the layer list, inferring every layer's output shape.

    Raises
    ------
    ConfigError
        On an unknown key, a bad dim string or a shape that does not fit, naming ``layer[i].key``.
    """
    if len(sections) < 2:
        where = sections[0] if sections else None
        message = "needs at least an input and one more layer, e.g. [{dim: 34x34x2}, {dim: 10}]"
        raise (where.error("dim", message) if where else ConfigError(message))
    layers: list[LayerSpec] = []
    for i, section in enumerate(sections):
        layer = _layer(section, i == 0, layers[-1].shape if layers else (), t_sample)
        if isinstance(layer, DenseLayer) and layer.output and i != len(sections) - 1:
            raise section.error("dim", f"{layer.dim!r} marks the output layer but is not the last layer")
        section.done(known=_ALL_KEYS)
        layers.append(layer)
    return tuple(layers)
