"""Events in numpy ``.npy`` files: a structured array (lossless) or a plain ``(N, 3|4)`` array."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from slayer.io.events import Event, EventFileError

__all__ = ["read_npy", "write_npy"]


def write_npy(path: str | Path, event: Event) -> None:
    """Write events as a structured array with fields ``x``, [``y``,] ``p`` (int64) and ``t`` (float64, ms).

    Every value an :class:`Event` holds round-trips exactly through :func:`read_npy`.
    """
    names = ["x", "p", "t"] if event.y is None else ["x", "y", "p", "t"]
    dtype = np.dtype([(name, np.float64 if name == "t" else np.int64) for name in names])
    array = np.empty(len(event), dtype=dtype)
    for name in names:
        array[name] = getattr(event, name)
    with open(path, "wb") as f:
        np.save(f, array, allow_pickle=False)


def read_npy(path: str | Path, fmt: str | None = None, time_unit: float = 1e-3) -> Event:
    """Read events from a ``.npy`` file.

    Parameters
    ----------
    path : str or Path
        A structured array with fields ``x``, ``p``, ``t`` and, for 2-D events, ``y`` (as written by
        :func:`write_npy`, or by Tonic), or a plain 2-D numeric array with one event per row.
    fmt : str, optional
        Column order of a plain array: ``"xypt"`` (the default for 4 columns) or ``"xpt"`` (the
        default for 3 columns); any order of those letters works.
    time_unit : float
        Seconds per unit of ``t`` in the file: ``1e-3`` (ms, the default and what :func:`write_npy`
        writes), ``1e-6`` for µs (Tonic's arrays).
    """
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise EventFileError(path, f"not a readable .npy array: {error}") from error
    if not isinstance(array, np.ndarray):
        raise EventFileError(path, "holds several arrays (an .npz archive?), expected one .npy array")
    if array.dtype.names is not None:
        fields = set(array.dtype.names)
        missing = {"x", "p", "t"} - fields
        if missing or array.ndim != 1:
            raise EventFileError(
                path,
                f"structured event array needs 1-D fields x, p, t (and y for 2-D events); "
                f"has {sorted(fields)}, shape {array.shape}",
            )
        columns = {name: array[name] for name in ("x", "y", "p", "t") if name in fields}
    else:
        width = array.shape[1] if array.ndim == 2 else None
        order = fmt or {4: "xypt", 3: "xpt"}.get(width or 0)
        if order is None or width != len(order) or sorted(order) not in (sorted("xypt"), sorted("xpt")):
            raise EventFileError(
                path,
                f"plain event array must be (N, 4) 'xypt' or (N, 3) 'xpt' (set fmt for another column "
                f"order), got shape {array.shape} and fmt={fmt!r}",
            )
        columns = {name: array[:, i] for i, name in enumerate(order)}
    scale = time_unit * 1000.0
    t = columns["t"].astype(np.float64)
    try:
        return Event(columns["x"], columns.get("y"), columns["p"], t if scale == 1.0 else t * scale)
    except ValueError as error:
        raise EventFileError(path, str(error)) from error
