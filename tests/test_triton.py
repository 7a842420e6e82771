"""The Triton backend without a GPU: its kernels in Triton's interpreter (``TRITON_INTERPRET=1``,
set by conftest.py) on CPU tensors.

Equality with the reference backend over the shared cases is tested in test_backends.py; here:
block edges (tiny blocks, many programs), the ``torch.library`` ops (schema, fake tensors,
autograd), ``torch.compile``, the registry's choices and errors, and that ``import slayer``
imports no Triton and asks nothing of CUDA.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable

import pytest
import torch

import slayer
from cases import CASES, Case
from slayer import backends
from slayer import functional as F
from test_backends import _close, _run

Runner = Callable[..., tuple[torch.Tensor, list[torch.Tensor]]]

needs_triton = pytest.mark.skipif(
    not backends.available("triton", "cpu"),
    reason="needs the triton package and TRITON_INTERPRET=1 (set by conftest.py without a GPU)",
)


def test_import_slayer_imports_no_triton_and_asks_nothing_of_cuda() -> None:
    script = textwrap.dedent(
        """
        import sys
        import torch

        asked = []
        for name in ("is_available", "device_count", "current_device", "get_device_name",
                     "get_device_capability", "get_device_properties", "init", "_lazy_init"):
            setattr(torch.cuda, name, lambda *a, _name=name, **k: asked.append(_name))

        import slayer
        from slayer import functional as F

        x = torch.zeros(2, 3, 20)
        x[:, :, ::4] = 1.0
        neuron, sim = slayer.SRM(10, 10, 1), slayer.Simulation(1.0, 20)
        F.spike(F.psp(x, neuron, sim), neuron, sim)  # backend "auto" on a CPU tensor
        assert slayer.backends.available("triton", "cuda") in (True, False)
        print(sorted(m for m in sys.modules if m == "triton" or m.startswith("triton.")), asked,
              torch.cuda.is_initialized())
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["[]", "[]", "False"], done.stdout + done.stderr


# ----------------------------------------------------------------------------- block edges
# several row blocks and time tiles; refractory rings of 16 (= len(nu)), 64 and 16 > T bins
EDGE_CASES = [c for c in CASES if c.id in ("basic", "full-ref", "ts-0.1", "short-T", "float64")]


@needs_triton
@pytest.mark.parametrize("case", EDGE_CASES, ids=[c.id for c in EDGE_CASES])
def test_small_blocks_match_reference(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of 8 rows x 32 steps, 2-8 neurons per spike program: every program edge is hit."""
    from slayer.backends.triton import ops

    monkeypatch.setattr(ops, "INTERPRETER", ops.Blocks(rows=8, steps=32, ring_rows=8, warps=1))
    compare_with_reference(case, case.spikes(), case.potential(), case.delays(), _run)


def compare_with_reference(
    case: Case, x: torch.Tensor, u: torch.Tensor, d: torch.Tensor, run: Runner
) -> None:
    """psp of ``x``, spike of ``u`` and delay of ``x`` by ``d``: triton against reference, forward
    (spikes identical) and backward, each run by ``run(fn, inputs) -> (output, input grads)``."""
    for what, op, inputs in (
        ("psp", lambda b: lambda t: F.psp(t, case.neuron, case.sim, backend=b), [x]),
        ("spike", lambda b: lambda t: F.spike(t, case.neuron, case.sim, backend=b), [u]),
        ("delay", lambda b: lambda t, dd: F.delay(t, dd, case.sim, backend=b), [x, d]),
    ):
        ref, grads_ref = run(op("reference"), inputs)
        out, grads = run(op("triton"), inputs)
        if what == "psp":
            _close(out, ref, what)
        else:
            assert torch.equal(out, ref), f"{what}: spikes differ"
        for g, gr in zip(grads, grads_ref, strict=True):
            _close(g, gr, f"{what} backward")


# ----------------------------------------------------------------------------- custom ops
def _op_samples() -> list[tuple[object, tuple[object, ...]]]:
    from slayer.backends.triton import ops

    gen = torch.Generator().manual_seed(3)
    samples: list[tuple[object, tuple[object, ...]]] = []
    for dtype in (torch.float32, torch.float64):
        x = torch.randn(5, 23, generator=gen, dtype=dtype)
        k = torch.rand(7, generator=gen, dtype=dtype)
        nu = -torch.rand(4, generator=gen, dtype=dtype)
        n = torch.randint(-3, 9, (5,), generator=gen)
        for grad in (False, True):
            xg = x.clone().requires_grad_(grad)
            samples += [(ops.fir, (xg, k, 0.5, False)), (ops.fir, (xg, k, 2.0, True)), (ops.shift, (xg, n))]
        samples += [
            (ops.spike, (x * 3, nu, 0.7, 2.0)),
            (ops.spike_grad, (x, x * 2, 0.7, 1.5, 0.3)),
            (ops.delay_grad, (x, x.flip(-1))),
        ]
    samples.append((ops.fir, (torch.randn(3, 10, dtype=torch.float64).t(), k, 1.0, False)))  # strided
    return samples


@needs_triton
def test_custom_ops_pass_opcheck() -> None:
    """Schema, fake (meta) implementations, autograd registration and AOT dispatch of every op."""
    for op, args in _op_samples():
        torch.library.opcheck(op, args)


@needs_triton
def test_differentiable_ops_pass_gradcheck() -> None:
    from slayer.backends.triton import ops

    gen = torch.Generator().manual_seed(4)
    x = torch.randn(3, 11, generator=gen, dtype=torch.float64, requires_grad=True)
    k = torch.rand(5, generator=gen, dtype=torch.float64)
    n = torch.tensor([-2, 0, 4])
    assert torch.autograd.gradcheck(lambda t: ops.fir(t, k, 0.5, False), (x,))
    assert torch.autograd.gradcheck(lambda t: ops.fir(t, k, 0.5, True), (x,))
    assert torch.autograd.gradcheck(lambda t: ops.shift(t, n), (x,))
    with pytest.raises(NotImplementedError, match="psp_filter"):
        ops.fir(x, k.clone().requires_grad_(), 1.0, False).sum().backward()


@needs_triton
def test_ops_refuse_mismatched_inputs_with_a_clear_error() -> None:
    from slayer.backends.triton import ops

    x, k = torch.zeros(3, 8), torch.ones(4)
    with pytest.raises(TypeError, match=r"must be torch\.float32 on cpu like the input"):
        ops.fir(x, k.double(), 1.0, False)
    with pytest.raises(ValueError, match="must be a 2-D"):
        ops.fir(x[None], k, 1.0, False)
    with pytest.raises(ValueError, match=r"must have shape \(3, 8\)"):
        ops.spike_grad(x, x[:2], 1.0, 1.0, 1.0)
    with pytest.raises(TypeError, match="int64"):
        ops.shift(x, torch.zeros(3, dtype=torch.int32))


@needs_triton
def test_ops_are_registered_in_the_slayer_namespace() -> None:
    from slayer.backends.triton import ops  # noqa: F401  (registers the ops)

    for name in ("triton_fir", "triton_spike", "triton_spike_grad", "triton_shift", "triton_delay_grad"):
        assert hasattr(torch.ops.slayer, name), name


# ----------------------------------------------------------------------------- torch.compile
@needs_triton
def test_functional_autograd_traces_in_one_graph() -> None:
    """psp -> spike -> delay through slayer.functional's autograd Functions, with fullgraph=True:
    the ops' fake implementations let dynamo/AOTAutograd trace forward and backward."""
    from slayer.functional._util import kernel
    from slayer.functional.delay import _Delay
    from slayer.functional.neuron import _PSP, _Spike

    case = CASES[0]
    impl = backends.get("triton", torch.device("cpu"))
    x = case.spikes().reshape(-1, case.shape[-1]) * 30
    fir, nu = kernel(case.neuron, case.sim, "psp", x), kernel(case.neuron, case.sim, "ref", x)
    d = case.delays().reshape(-1)
    shifts = torch.trunc(d / case.sim.ts).long().repeat(case.shape[0])

    def layer(t: torch.Tensor, dd: torch.Tensor) -> torch.Tensor:
        a = _PSP.apply(t, fir, case.sim.ts, case.neuron.tau_sr, impl)
        s = _Spike.apply(a, nu, case.neuron, case.sim.ts, impl)
        return _Delay.apply(s, dd, shifts, tuple(d.shape), impl)

    ref, grads_ref = _run(layer, [x, d])
    out, grads = _run(torch.compile(layer, backend="aot_eager", fullgraph=True), [x, d])
    assert ref.sum() > 0
    assert torch.equal(out, ref)
    for g, gr in zip(grads, grads_ref, strict=True):
        assert torch.equal(g, gr)


@needs_triton
@pytest.mark.filterwarnings("ignore:Dynamo detected a call to a `functools.lru_cache`")
def test_compiled_model_matches_eager() -> None:
    """A two-layer network with delays under torch.compile equals eager execution."""
    torch.manual_seed(0)
    sim, neuron = slayer.Simulation(1.0, 50), slayer.SRM(10, 10, 1)
    model = torch.nn.Sequential(
        slayer.nn.Block(slayer.nn.Dense(30, 16), neuron, sim, delay=slayer.nn.Delay(16, sim, 5.0)),
        slayer.nn.Block(slayer.nn.Dense(16, 5), neuron, sim),
    )
    x = (torch.rand(2, 30, 50) < 0.3).float()

    def step(m: torch.nn.Module) -> tuple[torch.Tensor, list[torch.Tensor]]:
        model.zero_grad()
        with backends.use("triton"):
            out = m(x)
            out.sum().backward()
        return out.detach(), [p.grad.clone() for p in model.parameters() if p.grad is not None]

    ref, grads_ref = step(model)
    out, grads = step(torch.compile(model, backend="aot_eager"))
    assert ref.sum() >= 20 and len(grads) == len(grads_ref) == 3
    assert torch.equal(out, ref)
    for g, gr in zip(grads, grads_ref, strict=True):
        torch.testing.assert_close(g, gr, rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------- registry
@needs_triton
def test_auto_picks_triton_for_cuda_tensors_but_never_for_cpu() -> None:
    assert backends.get("auto", torch.device("cuda")).name == "triton"  # queries no device
    assert backends.get("auto", torch.device("cpu")).name != "triton"  # the interpreter is opt-in
    assert backends.get("triton", torch.device("cpu")).name == "triton"  # the interpreter


def test_explicit_triton_on_cpu_without_interpreter_says_how(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    with pytest.raises(backends.BackendUnavailable, match="TRITON_INTERPRET=1"):
        F.psp(torch.zeros(1, 1, 5), slayer.SRM(10, 10, 1), slayer.Simulation(1, 5), backend="triton")


def test_explicit_triton_without_the_package_says_how(monkeypatch: pytest.MonkeyPatch) -> None:
    real = backends.importlib.util.find_spec
    monkeypatch.setattr(
        backends.importlib.util, "find_spec", lambda name, *a: None if name == "triton" else real(name, *a)
    )
    with pytest.raises(backends.BackendUnavailable, match=r"pip install 'slayer-snn\[gpu\]'"):
        backends.get("triton", torch.device("cuda"))


@needs_triton
def test_half_precision_takes_the_reference_path() -> None:
    case = CASES[0]
    x = case.spikes().to(torch.bfloat16)
    u = case.potential().to(torch.bfloat16)
    for ref, out in (
        (F.psp(x, case.neuron, case.sim, "reference"), F.psp(x, case.neuron, case.sim, "triton")),
        (F.spike(u, case.neuron, case.sim, "reference"), F.spike(u, case.neuron, case.sim, "triton")),
    ):
        assert out.dtype == torch.bfloat16 and torch.equal(out, ref)
