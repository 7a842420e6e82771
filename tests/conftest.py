"""Test-session setup shared by every test file.

* Without a CUDA device, run Triton kernels in Triton's interpreter on CPU tensors
  (``TRITON_INTERPRET=1``), so the ``triton`` backend is tested against the reference everywhere.
  Triton reads the variable when a kernel is defined, i.e. when ``slayer.backends.triton`` is
  first imported, which happens lazily, after this file runs. An explicit ``TRITON_INTERPRET``
  in the environment wins.
* Tests marked ``gpu`` are skipped without a CUDA device.
"""

from __future__ import annotations

import os

import pytest
import torch

HAS_CUDA = torch.cuda.is_available()

if not HAS_CUDA:
    os.environ.setdefault("TRITON_INTERPRET", "1")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if HAS_CUDA:
        return
    skip = pytest.mark.skip(reason="needs a CUDA device (tests marked 'gpu')")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
