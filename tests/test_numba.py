"""The numba backend's own paths: which evaluation each input takes, the exact fallbacks, gradients
of its custom synapse Functions, threads, lazy import and the on-disk kernel cache.

Equality with the reference over the shared cases is in ``test_backends.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import slayer
from cases import SRM_DEFAULT, SYNAPSE_CASES
from slayer import backends
from slayer import functional as F
from slayer.backends.numba import neuron, synapse
from slayer.backends.numba.cache import cache_dir

REF = backends.get("reference", torch.device("cpu"))
FAST = backends.get("numba", torch.device("cpu"))


def test_auto_picks_numba_for_cpu() -> None:
    assert backends.get("auto", torch.device("cpu")).name == "numba"


def test_importing_slayer_imports_no_numba() -> None:
    code = "import sys, slayer, slayer.nn, slayer.functional; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("case", [c for c in SYNAPSE_CASES if c.op in ("dense", "conv")], ids=lambda c: c.id)
def test_sparse_cases_take_the_event_path(case) -> None:
    """The shared equality cases with sparse inputs really exercise the event-driven synapses."""
    x, _ = case.inputs()
    rows = x.reshape(x.shape[0], -1, x.shape[-1]) if case.op == "dense" else x
    taken = (synapse.dense_events if case.op == "dense" else synapse.conv_events)(rows) is not None
    density = (x != 0).double().mean().item()
    limit = synapse.MAX_DENSITY if case.op == "dense" else synapse.CONV_MAX_DENSITY
    assert taken == (density <= limit)


def _alpha(sim: slayer.Simulation, neuron: slayer.SRM = SRM_DEFAULT) -> np.ndarray:
    return neuron.psp_kernel(sim).astype(np.float32)


def test_recursion_only_for_the_alpha_kernel() -> None:
    sim = slayer.Simulation(1.0, 300)
    fir = _alpha(sim)
    assert neuron.alpha_recursion(fir, 1.0, 10.0) is not None
    assert neuron.alpha_recursion(fir, 1.0, 9.0) is None  # wrong time constant
    assert neuron.alpha_recursion(fir, 1.0, None) is None
    bumped = fir.copy()
    bumped[5] *= 1.01
    assert neuron.alpha_recursion(bumped, 1.0, 10.0) is None


@pytest.mark.parametrize("tau", [None, 10.0], ids=["no-tau", "foreign-kernel"])
def test_psp_of_a_foreign_kernel_equals_reference(tau: float | None) -> None:
    """A kernel that is not the alpha kernel (or comes without tau) is filtered exactly, both ways."""
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(7, 90, generator=gen)
    kernel = torch.rand(40, generator=gen)
    for method in ("psp", "psp_grad"):
        out = getattr(FAST, method)(x, kernel, 0.5, tau)
        ref = getattr(REF, method)(x, kernel, 0.5, tau)
        torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5 * ref.abs().max().item())


@pytest.mark.parametrize("density", [0.01, 0.5, 1.0])
def test_psp_paths_equal_reference(density: float) -> None:
    """Rows that take the scatter and the recursive path agree with the FIR convolution."""
    sim = slayer.Simulation(1.0, 300)
    fir = torch.from_numpy(_alpha(sim))
    gen = torch.Generator().manual_seed(1)
    x = (torch.rand(20, 300, generator=gen) < density).float() * torch.randn(20, 300, generator=gen)
    for method in ("psp", "psp_grad"):
        out = getattr(FAST, method)(x, fir, 1.0, 10.0)
        ref = getattr(REF, method)(x, fir, 1.0, 10.0)
        torch.testing.assert_close(out, ref, rtol=0, atol=1e-5 * ref.abs().max().item())


def test_first_layer_weight_gradient_without_input_gradient() -> None:
    """The usual first layer: input spikes need no gradient, only the weight does."""
    gen = torch.Generator().manual_seed(2)
    x = (torch.rand(3, 200, 50, generator=gen) < 0.01).float()
    grads = []
    for name in ("reference", "numba"):
        w = torch.randn(16, 200, generator=gen.manual_seed(4), requires_grad=True)
        (F.dense(x, w, backend=name) * torch.arange(50.0)).sum().backward()
        grads.append(w.grad)
    torch.testing.assert_close(grads[1], grads[0], rtol=1e-5, atol=1e-5 * grads[0].abs().max().item())


@pytest.mark.parametrize(
    ("call", "w_shape"),
    [
        (lambda x, w: F.dense(x, w, backend="numba"), (5, 48)),
        (lambda x, w: F.conv(x, w, stride=(2, 1), padding=1, dilation=(1, 2), backend="numba"), (5, 3, 3, 2)),
        (lambda x, w: F.pool(x, 3, 2.0, stride=2, padding=1, backend="numba") * w.sum(), (1,)),
        (lambda x, w: F.unpool(x, 2, 2.0, backend="numba") * w.sum(), (1,)),
    ],
    ids=["dense", "conv", "pool", "unpool"],
)
def test_synapse_gradcheck(call, w_shape: tuple[int, ...]) -> None:
    """The custom Functions' backward is the adjoint of their forward (float64 finite differences)."""
    gen = torch.Generator().manual_seed(0)
    x = (torch.rand(2, 3, 4, 4, 8, generator=gen, dtype=torch.float64) < 0.05).double().requires_grad_()
    w = torch.randn(w_shape, generator=gen, dtype=torch.float64, requires_grad=True)
    assert synapse.conv_events(x) is not None  # sparse enough for the event path
    assert torch.autograd.gradcheck(call, (x, w), eps=1e-6, atol=1e-6)


def test_thread_count_does_not_change_results() -> None:
    gen = torch.Generator().manual_seed(5)
    sim = slayer.Simulation(1.0, 100)
    x = (torch.rand(4, 64, 100, generator=gen) < 0.3).float() * 20
    w = torch.randn(8, 2, 3, 3, generator=gen)
    xc = (torch.rand(2, 2, 9, 9, 100, generator=gen) < 0.02).float()
    saved = torch.get_num_threads()
    results = []
    try:
        for threads in (1, 2):
            torch.set_num_threads(threads)
            s = F.spike(F.psp(x, SRM_DEFAULT, sim, backend="numba"), SRM_DEFAULT, sim, backend="numba")
            results.append((s, F.conv(xc, w, backend="numba")))
    finally:
        torch.set_num_threads(saved)
    assert torch.equal(results[0][0], results[1][0])
    assert torch.equal(results[0][1], results[1][1])


def test_cache_dir_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.delenv("SLAYER_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "slayer" / "numba"
    monkeypatch.setenv("SLAYER_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine" / "numba"
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "numba"))
    assert cache_dir() == tmp_path / "numba"


def test_kernels_are_cached_on_disk(tmp_path: Path) -> None:
    """A fresh process compiles into the cache folder; the next one loads from it."""
    code = (
        "import torch, slayer, slayer.functional as F\n"
        "sim = slayer.Simulation(1.0, 20); n = slayer.SRM(10, 10, 1)\n"
        "print(F.spike(F.psp(torch.ones(2, 3, 20) * 5, n, sim), n, sim).sum().item())\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["SLAYER_CACHE_DIR"] = str(tmp_path)
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    index = sorted(p.name for p in (tmp_path / "numba").rglob("*.nbi"))
    assert any(name.startswith("neuron._filter") for name in index), index
    assert any(name.startswith("neuron._spike") for name in index), index
    data_files = len(list((tmp_path / "numba").rglob("*.nbc")))
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert second.stdout == first.stdout
    assert len(list((tmp_path / "numba").rglob("*.nbc"))) == data_files  # nothing recompiled


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or __import__("platform").libc_ver()[0] != "glibc",
    reason="the malloc setting applies to glibc only",
)
def test_loading_the_backend_keeps_freed_buffers_for_reuse() -> None:
    """Freed 64 MiB tensors are reused by the next ones (no page faults), unless SLAYER_KEEP_MEMORY=0.

    The heap takes a few rounds to settle (aligned allocations land at new addresses at first), so
    the count is the smallest of rounds 7-10. (A torch tensor: numpy asks for huge pages, which
    fault 512 times less often.)
    """
    code = (
        "import resource, torch, slayer.backends.numba\n"
        "def faults():\n"
        "    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n"
        "    buffer = torch.ones(16 << 20); del buffer\n"
        "    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before\n"
        "print(min([faults() for _ in range(10)][-4:]))\n"
    )
    pages = (64 << 20) // os.sysconf("SC_PAGE_SIZE")
    counts = {}
    for keep in ("1", "0"):
        env = {**os.environ, "SLAYER_KEEP_MEMORY": keep}
        run = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        counts[keep] = int(run.stdout)
    assert counts["1"] < pages // 20 and counts["0"] > pages // 2, (counts, pages)


def test_fold_is_channels_last_and_unfold_inverts_it() -> None:
    x = torch.randn(3, 5, 7, 6, 40)  # (N, C, H, W, T), T above one tile
    folded = synapse.fold(x)
    assert folded.shape == (3 * 40, 5, 7, 6) and folded.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(folded, x.permute(0, 4, 1, 2, 3).reshape(120, 5, 7, 6), rtol=0, atol=0)
    torch.testing.assert_close(synapse.unfold(folded, 3), x, rtol=0, atol=0)
    plain = folded.contiguous()  # the default memory format unfolds the same
    torch.testing.assert_close(synapse.unfold(plain, 3), x, rtol=0, atol=0)


def test_concurrent_calls_from_python_threads() -> None:
    """Kernel launches from several Python threads are serialised (numba's workqueue layer would abort)."""
    import threading

    sim = slayer.Simulation(1.0, 200)
    x = (torch.rand(8, 64, 200, generator=torch.Generator().manual_seed(6)) < 0.3).float() * 20
    expected = F.spike(F.psp(x, SRM_DEFAULT, sim, backend="numba"), SRM_DEFAULT, sim, backend="numba")
    results: list[torch.Tensor] = []

    def work() -> None:
        for _ in range(20):
            results.append(
                F.spike(F.psp(x, SRM_DEFAULT, sim, backend="numba"), SRM_DEFAULT, sim, backend="numba")
            )

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 60
    assert all(torch.equal(r, expected) for r in results)


def test_no_subnormal_gradients() -> None:
    """Surrogate gradients far from the threshold underflow to 0, not to float32 subnormals
    (which slow every later product ~100x); the reference keeps them, the values agree."""
    u = torch.linspace(-2000.0, 2000.0, 4001).reshape(1, -1)
    grad = torch.ones_like(u)
    exact = (0.1 * torch.exp(-(u.double() - 10.0).abs() / 10.0)).float()  # float64 oracle, rounded once
    out = FAST.spike_grad(grad, u, 10.0, 10.0, 0.1)
    tiny = torch.finfo(torch.float32).tiny
    assert ((exact.abs() < tiny) & (exact != 0)).any()  # the case exists
    assert not ((out.abs() < tiny) & (out != 0)).any()
    torch.testing.assert_close(out, exact, rtol=1e-6, atol=tiny)
    fir = torch.from_numpy(_alpha(slayer.Simulation(1.0, 300)))
    small = torch.full((2, 300), 3e-38)  # normal, but the filter's first taps make subnormals
    ref = REF.psp_grad(small, fir, 1.0, 10.0)
    out = FAST.psp_grad(small, fir, 1.0, 10.0)
    assert ((ref.abs() < tiny) & (ref != 0)).any()
    assert not ((out.abs() < tiny) & (out != 0)).any()
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=tiny)
