"""Every fast backend against the reference backend, forward and backward, over the shared cases.

Spikes must be identical; values and gradients equal within 1e-5 relative (to the largest value).
A backend that cannot run here (package missing, no device) is skipped with the reason.
"""

from __future__ import annotations

import pytest
import torch

from cases import CASES, SYNAPSE_CASES, Case, SynapseCase
from slayer import backends
from slayer import functional as F

FAST = [name for name in backends.names() if name != "reference"]
RTOL = {torch.float32: 1e-5, torch.float64: 1e-10}


def _require(name: str) -> None:
    if name != "reference" and not backends.available(name, "cpu"):
        pytest.skip(f"backend {name!r} is not available on this machine")


def _close(actual: torch.Tensor, expected: torch.Tensor, what: str) -> None:
    assert actual.shape == expected.shape, what
    scale = max(1.0, expected.abs().max().item()) if expected.numel() else 1.0
    torch.testing.assert_close(
        actual / scale, expected / scale, rtol=RTOL[expected.dtype], atol=RTOL[expected.dtype], msg=what
    )


def _run(fn, inputs: list[torch.Tensor], grad_seed: int = 5) -> tuple[torch.Tensor, list[torch.Tensor]]:
    leaves = [t.detach().clone().requires_grad_() for t in inputs]
    out = fn(*leaves)
    g = torch.randn(out.shape, generator=torch.Generator().manual_seed(grad_seed), dtype=out.dtype)
    out.backward(g)
    return out.detach(), [leaf.grad if leaf.grad is not None else torch.zeros_like(leaf) for leaf in leaves]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
@pytest.mark.parametrize("name", FAST)
class TestNeuronOps:
    def test_psp(self, name: str, case: Case) -> None:
        _require(name)
        x = case.spikes()
        ref, (gref,) = _run(lambda t: F.psp(t, case.neuron, case.sim, backend="reference"), [x])
        out, (g,) = _run(lambda t: F.psp(t, case.neuron, case.sim, backend=name), [x])
        _close(out, ref, "psp forward")
        _close(g, gref, "psp backward")

    def test_spike(self, name: str, case: Case) -> None:
        _require(name)
        u = case.potential()
        ref, (gref,) = _run(lambda t: F.spike(t, case.neuron, case.sim, backend="reference"), [u])
        out, (g,) = _run(lambda t: F.spike(t, case.neuron, case.sim, backend=name), [u])
        assert torch.equal(out, ref), "spikes differ"
        _close(g, gref, "spike backward")

    def test_neuron_chain(self, name: str, case: Case) -> None:
        """psp -> spike on spikes scaled to cross the threshold: spikes identical, grads close."""
        _require(name)
        x = case.spikes() * (2.5 * case.neuron.theta)

        def chain(backend: str):
            return lambda t: F.spike(
                F.psp(t, case.neuron, case.sim, backend=backend), case.neuron, case.sim, backend=backend
            )

        ref, (gref,) = _run(chain("reference"), [x])
        out, (g,) = _run(chain(name), [x])
        mismatch = (out != ref).float().mean().item()
        assert mismatch <= 1e-3, f"{mismatch:.2%} of spikes differ (psp rounding at the threshold)"
        if mismatch == 0:
            _close(g, gref, "psp->spike backward")

    def test_delay(self, name: str, case: Case) -> None:
        _require(name)
        x, d = case.spikes(), case.delays()
        ref, grads_ref = _run(lambda t, dd: F.delay(t, dd, case.sim, backend="reference"), [x, d])
        out, grads = _run(lambda t, dd: F.delay(t, dd, case.sim, backend=name), [x, d])
        assert torch.equal(out, ref), "delayed spikes differ"
        _close(grads[0], grads_ref[0], "delay input gradient")
        _close(grads[1], grads_ref[1], "delay gradient")


@pytest.mark.parametrize("case", SYNAPSE_CASES, ids=[c.id for c in SYNAPSE_CASES])
@pytest.mark.parametrize("name", FAST)
def test_synapse(name: str, case: SynapseCase) -> None:
    _require(name)
    x, w = case.inputs()
    inputs = [x] if w is None else [x, w]

    def call(backend: str):
        return lambda *t: case.call(t[0], t[1] if len(t) > 1 else None, backend)

    ref, grads_ref = _run(call("reference"), inputs)
    out, grads = _run(call(name), inputs)
    _close(out, ref, f"{case.op} forward")
    for i, (g, gr) in enumerate(zip(grads, grads_ref, strict=True)):
        _close(g, gr, f"{case.op} gradient of input {i}")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
@pytest.mark.parametrize("name", ["reference", *FAST])
def test_srm_equals_psp_then_spike(name: str, case: Case) -> None:
    """The (possibly fused) whole-neuron op equals the backend's own psp -> spike chain exactly."""
    _require(name)
    x = case.spikes() * (2.5 * case.neuron.theta)

    def chain(t: torch.Tensor) -> torch.Tensor:
        return F.spike(F.psp(t, case.neuron, case.sim, backend=name), case.neuron, case.sim, backend=name)

    ref, (gref,) = _run(chain, [x])
    out, (g,) = _run(lambda t: F.srm(t, case.neuron, case.sim, backend=name), [x])
    assert torch.equal(out, ref), "fused spikes differ from psp -> spike"
    torch.testing.assert_close(g, gref, rtol=1e-6, atol=1e-7)
