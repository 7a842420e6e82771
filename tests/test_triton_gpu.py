"""The Triton backend compiled for a real GPU, against the reference backend on the same GPU.

Marked ``gpu``: skipped without a CUDA device (conftest.py). Run with ``pytest -m gpu``.
TF32 is switched off, so the reference's psp convolution runs in true float32 (cuDNN convolutions
default to TF32, which would differ from the kernels by ~1e-3).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

import slayer
from cases import CASES, Case
from slayer import backends
from test_triton import compare_with_reference

pytestmark = pytest.mark.gpu

CUDA = torch.device("cuda")


def _tf32(enabled: bool | None = None) -> bool:
    """Whether cuDNN convolutions may use TF32; set it (and the same for matmul) if ``enabled``."""
    if hasattr(torch.backends.cudnn, "conv") and hasattr(torch.backends.cudnn.conv, "fp32_precision"):
        if enabled is not None:
            torch.backends.cudnn.conv.fp32_precision = "tf32" if enabled else "ieee"
            torch.backends.cuda.matmul.fp32_precision = "tf32" if enabled else "ieee"
        return bool(torch.backends.cudnn.conv.fp32_precision == "tf32")
    if enabled is not None:  # torch < 2.9
        torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = enabled
    return bool(torch.backends.cudnn.allow_tf32)


@pytest.fixture(autouse=True)
def _no_tf32() -> Iterator[None]:
    before = _tf32()
    _tf32(False)
    yield
    _tf32(before)


def _run_cuda(fn, inputs: list[torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
    leaves = [t.detach().to(CUDA).requires_grad_() for t in inputs]
    out = fn(*leaves)
    g = torch.randn(out.shape, generator=torch.Generator(CUDA).manual_seed(5), device=CUDA, dtype=out.dtype)
    out.backward(g)
    return out.detach(), [leaf.grad if leaf.grad is not None else torch.zeros_like(leaf) for leaf in leaves]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_cases_match_reference_on_cuda(case: Case) -> None:
    compare_with_reference(case, case.spikes(), case.potential(), case.delays(), _run_cuda)


NEURON, SIM500 = slayer.SRM(10, 10, 1), slayer.Simulation(1.0, 500)
LARGE = [
    # the Open Neuromorphic benchmark layer at 4k and 16k neurons (batch 16, 500 steps)
    Case("bench-4k", (16, 4096, 500), NEURON, SIM500, density=0.02),
    Case("bench-16k", (16, 16384, 500), NEURON, SIM500, density=0.02),
    # the N-MNIST CNN's first layer output (batch 8, 12 x 30 x 30, 300 steps)
    Case("nmnist-conv", (8, 12, 30, 30, 300), NEURON, slayer.Simulation(1.0, 300), max_delay=20.0),
]


@pytest.mark.parametrize("case", LARGE, ids=[c.id for c in LARGE])
def test_large_shapes_match_reference_on_cuda(case: Case) -> None:
    gen = torch.Generator(CUDA).manual_seed(0)
    theta = case.neuron.theta
    x = (torch.rand(case.shape, generator=gen, device=CUDA) < case.density) / case.sim.ts
    u = theta * (0.55 + 0.6 * torch.randn(case.shape, generator=gen, device=CUDA))
    d = torch.rand(case.shape[1:-1], generator=gen, device=CUDA) * case.max_delay
    compare_with_reference(case, x, u, d, _run_cuda)


def test_auto_picks_triton_for_cuda_tensors() -> None:
    assert backends.get("auto", CUDA).name == "triton"


def test_compiled_model_matches_eager_on_cuda() -> None:
    torch.manual_seed(0)
    sim, neuron = slayer.Simulation(1.0, 100), slayer.SRM(10, 10, 1)
    model = torch.nn.Sequential(
        slayer.nn.Block(slayer.nn.Dense(200, 64), neuron, sim, delay=slayer.nn.Delay(64, sim, 5.0)),
        slayer.nn.Block(slayer.nn.Dense(64, 10), neuron, sim),
    ).to(CUDA)
    x = (torch.rand(4, 200, 100, device=CUDA) < 0.05).float()

    def step(m: torch.nn.Module) -> tuple[torch.Tensor, list[torch.Tensor]]:
        model.zero_grad()
        out = m(x)
        out.sum().backward()
        return out.detach(), [p.grad.clone() for p in model.parameters() if p.grad is not None]

    ref, grads_ref = step(model)
    out, grads = step(torch.compile(model))
    assert ref.sum() > 0 and len(grads) == len(grads_ref) == 3
    assert torch.equal(out, ref)
    for g, gr in zip(grads, grads_ref, strict=True):
        torch.testing.assert_close(g, gr, rtol=1e-4, atol=1e-5)
