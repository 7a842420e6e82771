"""Small helpers shared by the functional ops: argument checks and cached kernels."""

from __future__ import annotations

import functools

import torch

from slayer.params import SRM, Simulation

Pair = tuple[int, int]


def check_spikes(x: torch.Tensor, name: str, min_dim: int = 2, max_dim: int | None = None) -> None:
    """Raise a clear error unless ``x`` is a floating, time-last tensor of a supported rank."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor (float32 or float64), got {x.dtype}")
    if x.dim() < min_dim or (max_dim is not None and x.dim() > max_dim):
        wanted = f"{min_dim}" if max_dim == min_dim else f"{min_dim}..{max_dim or 'any'}"
        raise ValueError(
            f"{name} must be time-last with {wanted} dimensions, e.g. (N, C, T) or (N, C, H, W, T); "
            f"got shape {tuple(x.shape)}"
        )


def pair(value: int | tuple[int, int] | list[int], name: str) -> Pair:
    """Normalise an int or a pair of ints (height, width) to a pair of non-negative ints."""
    if isinstance(value, int) and not isinstance(value, bool):
        result = (value, value)
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, int) for v in value):
        result = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if min(result) < 0:
        raise ValueError(f"{name} must be non-negative, got {value!r}")
    return result


def as_ts(sim: float | Simulation) -> float:
    """The sampling time of ``sim`` (a :class:`~slayer.Simulation` or a number of ms)."""
    ts = sim.ts if isinstance(sim, Simulation) else float(sim)
    if not ts > 0:
        raise ValueError(f"the sampling time must be positive, got {ts!r} ms")
    return ts


@functools.lru_cache(maxsize=256)
def _kernel_cached(
    neuron: SRM, sim: Simulation, which: str, dtype: torch.dtype, device: torch.device
) -> torch.Tensor:
    values = neuron.psp_kernel(sim) if which == "psp" else neuron.ref_kernel(sim)
    return torch.tensor(values, dtype=dtype, device=device)


def kernel(neuron: SRM, sim: Simulation, which: str, like: torch.Tensor) -> torch.Tensor:
    """The psp (``which="psp"``) or refractory (``"ref"``) kernel of ``neuron`` as a tensor like ``like``.

    Sampled in float64 and rounded once to ``like.dtype``, as the reference rounds its kernels.
    """
    return _kernel_cached(neuron, sim, which, like.dtype, like.device)
