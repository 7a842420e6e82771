"""The Triton kernels compile for real GPUs, without one: Triton's ahead-of-time compiler (and the
``ptxas`` shipped in its wheel) turns every kernel into a cubin for Hopper (sm_90, H100/H200), and
the spike kernel also for Ampere (sm_80) and Blackwell (sm_100). This catches what the interpreter
lets through (types, layouts), and checks that the spike kernel keeps a neuron's ring in its
thread (no shared memory, so no barriers).

Runs in a subprocess: conftest.py puts this process's Triton into interpreter mode.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("triton")

SCRIPT = textwrap.dedent(
    """
    import json
    import triton
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource
    from slayer.backends.triton import kernels as K

    def fir(p):
        return {"x_ptr": p, "k_ptr": p, "y_ptr": p, "M": "i32", "T": "i32", "K": "i32", "ts": "fp64"}

    def spike(p):
        return {"u_ptr": p, "nu_ptr": p, "s_ptr": p, "post_ptr": p, "M": "i32", "T": "i32",
                "L": "i32", "theta": "fp64", "amplitude": "fp64"}

    def spike_grad(p):
        return {"g_ptr": p, "u_ptr": p, "out_ptr": p, "N": "i32", "theta": "fp64",
                "rho_tau": "fp64", "rho_scale": "fp64"}

    def shift(p):
        return {"x_ptr": p, "n_ptr": "*i64", "y_ptr": p, "M": "i32", "T": "i32"}

    def delay_grad(p):
        return {"g_ptr": p, "y_ptr": p, "out_ptr": p, "M": "i32", "T": "i32"}

    tile = {"BLOCK_M": 16, "BLOCK_T": 128}
    jobs = []
    for dtype in ("fp32", "fp64"):
        p = "*" + dtype
        jobs += [
            ("fir", dtype, K.fir_kernel, fir(p), {"REVERSE": False, **tile}, 4),
            ("fir-reverse", dtype, K.fir_kernel, fir(p), {"REVERSE": True, **tile}, 4),
            ("spike-16", dtype, K.spike_kernel, spike(p), {"BLOCK_M": 128, "RING": 16}, 4),
            ("spike-64", dtype, K.spike_kernel, spike(p), {"BLOCK_M": 32, "RING": 64}, 1),
            ("spike-512", dtype, K.spike_kernel, spike(p), {"BLOCK_M": 4, "RING": 512}, 1),
            ("spike_grad", dtype, K.spike_grad_kernel, spike_grad(p), {"BLOCK": 2048}, 4),
            ("shift", dtype, K.shift_kernel, shift(p), tile, 4),
            ("delay_grad", dtype, K.delay_grad_kernel, delay_grad(p), tile, 4),
        ]
    jobs = [(90, *job) for job in jobs] + [(arch, *jobs[2]) for arch in (80, 100)]
    out = []
    for arch, name, dtype, fn, signature, constexprs, warps in jobs:
        signature = {**signature, **{key: "constexpr" for key in constexprs}}
        compiled = triton.compile(
            ASTSource(fn, signature, constexprs),
            target=GPUTarget("cuda", arch, 32),
            options={"num_warps": warps, "enable_fp_fusion": True},
        )
        out.append([arch, name, dtype, len(compiled.asm["cubin"]), compiled.metadata.shared])
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def compiled() -> list[list[object]]:
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env)
    if done.returncode != 0 and "ptxas" in done.stderr and "No such file" in done.stderr:
        pytest.skip("this Triton install has no ptxas to compile cubins with")
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_kernel_compiles_for_a_gpu(compiled: list[list[object]]) -> None:
    assert len(compiled) == 16 + 2
    for arch, name, dtype, cubin_bytes, _ in compiled:
        assert isinstance(cubin_bytes, int) and cubin_bytes > 1000, (arch, name, dtype)


def test_spike_kernel_keeps_each_ring_in_its_thread(compiled: list[list[object]]) -> None:
    """No shared memory in the common rings (16 bins, 128 neurons, 4 warps): no barrier per step."""
    shared = {(arch, dtype): smem for arch, name, dtype, _, smem in compiled if name == "spike-16"}
    assert shared and all(smem == 0 for smem in shared.values()), shared
