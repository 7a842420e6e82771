"""Backend registry: chooses the implementation of the hot ops by device and availability.

A backend is a :class:`~slayer.backends.reference.ReferenceBackend` (or subclass) that implements
the primitive kernels of SPEC.md on 2-D ``(M, T)`` tensors. The reference backend is plain torch
and runs on any device; faster backends subclass it and override what they accelerate.

Nothing is imported, compiled or queried here at import time: a backend module is imported the
first time a tensor asks for it.

Selection
---------
``"auto"`` picks, for the tensor's device type, the first available backend of
``AUTO_ORDER[device_type]`` (falling back to ``"reference"``). An explicit name that cannot serve
the tensor raises :class:`BackendUnavailable` naming the missing piece and the fix. The choice can
be scoped with :func:`use`, or passed per call as ``backend=``.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from slayer.backends.reference import ReferenceBackend

__all__ = ["AUTO_ORDER", "BackendUnavailable", "available", "current", "get", "names", "use"]


class BackendUnavailable(RuntimeError):
    """An explicitly requested backend cannot run here."""


@dataclass(frozen=True)
class _Spec:
    module: str
    cls: str
    requires: tuple[str, ...]
    devices: tuple[str, ...] | None  # None: any device
    install: str


_SPECS: dict[str, _Spec] = {
    "reference": _Spec("slayer.backends.reference", "ReferenceBackend", (), None, ""),
    "numba": _Spec("slayer.backends.numba", "NumbaBackend", ("numba",), ("cpu",), "pip install numba"),
    "triton": _Spec(
        "slayer.backends.triton",
        "TritonBackend",
        ("triton",),
        ("cuda",),
        "pip install 'slayer-snn[gpu]' (Triton ships with PyTorch's CUDA builds)",
    ),
}

AUTO_ORDER: dict[str, tuple[str, ...]] = {"cpu": ("numba",), "cuda": ("triton",)}

_scope: list[str] = ["auto"]  # the innermost use() choice last; a plain list keeps torch.compile tracing
_instances: dict[str, ReferenceBackend] = {}


def names() -> tuple[str, ...]:
    """Names of all registered backends."""
    return tuple(_SPECS)


def _missing(spec: _Spec) -> list[str]:
    return [pkg for pkg in spec.requires if importlib.util.find_spec(pkg) is None]


def _device_problem(name: str, spec: _Spec, device: torch.device) -> str | None:
    if spec.devices is None or device.type in spec.devices:
        return None
    if name == "triton" and os.environ.get("TRITON_INTERPRET") == "1":
        return None  # Triton's interpreter runs the kernels on CPU tensors
    hint = " (or set TRITON_INTERPRET=1 to run its interpreter on CPU)" if name == "triton" else ""
    return (
        f"backend {name!r} runs on {', '.join(spec.devices)} tensors, got a {device.type} "
        f"tensor{hint}; use backend='auto' or 'reference'"
    )


def available(name: str, device: torch.device | str = "cpu") -> bool:
    """Whether backend ``name`` can serve tensors on ``device`` (imports nothing)."""
    spec = _SPECS.get(name)
    if spec is None:
        return False
    return not _missing(spec) and _device_problem(name, spec, torch.device(device)) is None


def _load(name: str) -> ReferenceBackend:
    backend = _instances.get(name)
    if backend is None:
        spec = _SPECS[name]
        backend = getattr(importlib.import_module(spec.module), spec.cls)()
        _instances[name] = backend
    return backend


def get(name: str | None, device: torch.device) -> ReferenceBackend:
    """The backend for a tensor on ``device``.

    Parameters
    ----------
    name : str or None
        ``"auto"``, a registered name, or None for the current scope's choice (see :func:`use`).
    device : torch.device
        Device of the tensors the backend will process.
    """
    name = current() if name is None else name
    if name == "auto":
        for candidate in AUTO_ORDER.get(device.type, ()):
            spec = _SPECS[candidate]
            if not _missing(spec) and spec.devices is not None and device.type in spec.devices:
                return _load(candidate)
        return _load("reference")
    if name not in _SPECS:
        raise BackendUnavailable(f"unknown backend {name!r}; choose one of auto, {', '.join(_SPECS)}")
    spec = _SPECS[name]
    missing = _missing(spec)
    if missing:
        raise BackendUnavailable(
            f"backend {name!r} needs the package {', '.join(missing)}, which is not installed: {spec.install}"
        )
    problem = _device_problem(name, spec, device)
    if problem:
        raise BackendUnavailable(problem)
    return _load(name)


def current() -> str:
    """The backend name in force (``"auto"`` unless an enclosing :func:`use` set one)."""
    return _scope[-1]


@contextlib.contextmanager
def use(name: str) -> Iterator[None]:
    """Run the enclosed code with backend ``name`` (``"auto"``, ``"reference"``, ...).

    The choice holds for the whole process while the block runs (every thread), and is read when an
    op runs, so it also applies inside ``torch.compile``-d code traced within the block.

    Example
    -------
    >>> with slayer.backends.use("reference"):
    ...     loss = model(x).sum()
    """
    if name != "auto" and name not in _SPECS:
        raise BackendUnavailable(f"unknown backend {name!r}; choose one of auto, {', '.join(_SPECS)}")
    _scope.append(name)
    try:
        yield
    finally:
        _scope.pop()
