"""Where the shared real data lives: ``$SLAYER_DATA``, default ``<repo>/../shared/data``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DATA = Path(os.environ.get("SLAYER_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))


def data(*parts: str) -> Path:
    """The path under the shared data folder, or skip the test when it is absent."""
    path = DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not found at {path} (set SLAYER_DATA to the shared data folder)")
    return path
