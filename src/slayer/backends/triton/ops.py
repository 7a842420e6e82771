"""The Triton kernels as ``torch.library`` custom ops (namespace ``slayer``), so they compose with
autograd, fake tensors and ``torch.compile``.

==============================  ===============================================================
op                              computes (rows ``m`` of 2-D ``(M, T)`` tensors, time last)
==============================  ===============================================================
``slayer::triton_fir``          ``y[m, t] = ts * sum_k kernel[k] * x[m, t -/+ k]`` (psp / its
                                correlation backward, ``reverse``); differentiable in ``x``
``slayer::triton_spike``        ``(s, u_post)``: spikes with refractory response, in time order
``slayer::triton_spike_grad``   ``grad * rho_scale * exp(-|u - theta| / rho_tau)``
``slayer::triton_shift``        ``y[m, t] = x[m, t - n[m]]``; differentiable in ``x``
``slayer::triton_delay_grad``   ``sum_t grad[m, t] * (y[m, t - 1] - y[m, t])``
==============================  ===============================================================

Every op has a fake (meta) implementation, so ``torch.compile`` traces through it without running
it. The spike op carries no autograd formula of its own: the spike function's derivative is the
surrogate chosen by :func:`slayer.functional.spike`, which wraps these ops (its backward calls
``triton_spike_grad``). ``triton_delay_grad`` is itself a backward kernel.

Inputs are made contiguous; outputs are new contiguous tensors. The ops run on CUDA tensors, and on
CPU tensors under ``TRITON_INTERPRET=1`` (Triton's interpreter, set before Triton is imported).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import triton

from slayer.backends.triton import kernels

__all__ = ["GPU", "INTERPRETER", "Blocks", "delay_grad", "fir", "shift", "spike", "spike_grad"]


@dataclass(frozen=True)
class Blocks:
    """Largest block sizes (powers of two) of the kernels on one kind of device.

    Attributes
    ----------
    rows, steps : int
        Tile ``(rows, steps)`` of the fir, shift and delay-gradient kernels.
    ring_rows : int
        Neurons per program of the spike kernel for a refractory ring of 16 bins; a longer ring
        gets proportionally fewer, so a program's ring stays ``ring_rows * 16`` values. A spike
        program runs one neuron per thread: ``neurons / 32`` warps, at most ``warps``.
    warps : int
        ``num_warps`` of a launch on a GPU (ignored by the interpreter).
    """

    rows: int
    steps: int
    ring_rows: int
    warps: int


# A GPU tile is 2048 values (16 per thread at 4 warps); the spike kernel keeps 128 neurons x 16
# ring bins in registers (a thread's ring: 16 registers), 2048 programs for the 16k x batch-16
# benchmark layer. The interpreter runs a program as numpy calls: it wants few, large programs.
GPU = Blocks(rows=16, steps=128, ring_rows=128, warps=4)
INTERPRETER = Blocks(rows=256, steps=512, ring_rows=1024, warps=1)


def _blocks(x: torch.Tensor) -> Blocks:
    return GPU if x.is_cuda else INTERPRETER


def _options(blocks: Blocks, warps: int | None = None) -> dict[str, Any]:
    """Launch options. Multiply-add contraction (FMA) is asked for explicitly (Triton's default is
    changing); only the FIR has multiply-adds, the spike kernel's refractory path is pure adds."""
    return {"num_warps": blocks.warps if warps is None else warps, "enable_fp_fusion": True}


def _fit(limit: int, size: int) -> int:
    return max(1, min(limit, triton.next_power_of_2(size)))


def _rows(x: torch.Tensor, what: str) -> torch.Tensor:
    if x.dim() != 2:
        raise ValueError(f"{what} must be a 2-D (M, T) tensor, got shape {tuple(x.shape)}")
    return x.contiguous()


def _like(
    x: torch.Tensor, other: torch.Tensor, what: str, shape: tuple[int, ...] | None = None
) -> torch.Tensor:
    """``other`` made contiguous, after checking it has ``x``'s dtype and device (and ``shape``)."""
    if other.dtype != x.dtype or other.device != x.device:
        raise TypeError(
            f"{what} must be {x.dtype} on {x.device} like the input, got {other.dtype} on {other.device}"
        )
    if shape is not None and tuple(other.shape) != shape:
        raise ValueError(f"{what} must have shape {shape}, got {tuple(other.shape)}")
    return other.contiguous()


# ---------------------------------------------------------------------------------------- fir
@torch.library.custom_op("slayer::triton_fir", mutates_args=())
def fir(x: torch.Tensor, kernel: torch.Tensor, ts: float, reverse: bool) -> torch.Tensor:
    """Causal FIR (``reverse=False``, the psp) or anti-causal correlation (``True``, its backward)."""
    x, kernel = _rows(x, "fir input"), _like(x, kernel, "the fir kernel", (kernel.numel(),))
    y = x.new_empty(x.shape)
    m, steps = x.shape
    if y.numel() == 0:
        return y
    blocks = _blocks(x)
    bm, bt = _fit(blocks.rows, m), _fit(blocks.steps, steps)
    grid, opts = (triton.cdiv(m, bm), triton.cdiv(steps, bt)), _options(blocks)
    kernels.fir_kernel[grid](
        x, kernel, y, m, steps, kernel.numel(), ts, REVERSE=reverse, BLOCK_M=bm, BLOCK_T=bt, **opts
    )
    return y


@fir.register_fake
def _fir_fake(x: torch.Tensor, kernel: torch.Tensor, ts: float, reverse: bool) -> torch.Tensor:
    return x.new_empty(x.shape)


def _fir_setup(ctx: Any, inputs: tuple[Any, ...], output: torch.Tensor) -> None:
    _, kernel, ts, reverse = inputs
    ctx.save_for_backward(kernel)
    ctx.ts, ctx.reverse = ts, reverse


def _fir_backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, None, None, None]:
    if ctx.needs_input_grad[1]:
        raise NotImplementedError(
            "slayer::triton_fir does not differentiate its kernel; for a learnable filter use "
            "slayer.functional.psp_filter"
        )
    (kernel,) = ctx.saved_tensors
    return fir(grad, kernel, ctx.ts, not ctx.reverse), None, None, None


fir.register_autograd(_fir_backward, setup_context=_fir_setup)


# -------------------------------------------------------------------------------------- spike
@torch.library.custom_op("slayer::triton_spike", mutates_args=())
def spike(
    u: torch.Tensor, nu: torch.Tensor, theta: float, amplitude: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Spikes (``amplitude`` where the post-refractory potential ``>= theta``) and that potential."""
    u, nu = _rows(u, "membrane potential"), _like(u, nu, "the refractory kernel", (nu.numel(),))
    s, post = u.new_empty(u.shape), u.new_empty(u.shape)
    m, steps = u.shape
    if u.numel() == 0:
        return s, post
    blocks = _blocks(u)
    ring = triton.next_power_of_2(max(nu.numel(), 1))
    bm = _fit(max(1, blocks.ring_rows * 16 // ring), m)
    warps = min(blocks.warps, max(1, bm // 32))  # one neuron per thread (fewer warps, longer rings)
    grid, opts = (triton.cdiv(m, bm),), _options(blocks, warps)
    kernels.spike_kernel[grid](
        u, nu, s, post, m, steps, nu.numel(), theta, amplitude, BLOCK_M=bm, RING=ring, **opts
    )
    return s, post


@spike.register_fake
def _spike_fake(
    u: torch.Tensor, nu: torch.Tensor, theta: float, amplitude: float
) -> tuple[torch.Tensor, torch.Tensor]:
    return u.new_empty(u.shape), u.new_empty(u.shape)


@torch.library.custom_op("slayer::triton_spike_grad", mutates_args=())
def spike_grad(
    grad: torch.Tensor, u: torch.Tensor, theta: float, rho_tau: float, rho_scale: float
) -> torch.Tensor:
    """Surrogate backward ``grad * rho_scale * exp(-|u - theta| / rho_tau)``, elementwise."""
    grad, u = grad.contiguous(), _like(grad, u, "the potential", tuple(grad.shape))
    out = grad.new_empty(grad.shape)
    if out.numel() == 0:
        return out
    blocks = _blocks(grad)
    block = _fit(blocks.rows * blocks.steps, grad.numel())
    grid = (triton.cdiv(grad.numel(), block),)
    kernels.spike_grad_kernel[grid](
        grad, u, out, grad.numel(), theta, rho_tau, rho_scale, BLOCK=block, **_options(blocks)
    )
    return out


@spike_grad.register_fake
def _spike_grad_fake(
    grad: torch.Tensor, u: torch.Tensor, theta: float, rho_tau: float, rho_scale: float
) -> torch.Tensor:
    return grad.new_empty(grad.shape)


# ------------------------------------------------------------------------------------- delays
@torch.library.custom_op("slayer::triton_shift", mutates_args=())
def shift(x: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
    """Per-row integer shift ``y[m, t] = x[m, t - n[m]]``, zero outside ``[0, T)``."""
    x = _rows(x, "shift input")
    if n.dtype != torch.int64 or n.device != x.device or tuple(n.shape) != x.shape[:1]:
        raise TypeError(
            f"the shifts must be int64 on {x.device} with shape {tuple(x.shape[:1])}, "
            f"got {n.dtype} on {n.device} with shape {tuple(n.shape)}"
        )
    n = n.contiguous()
    y = x.new_empty(x.shape)
    m, steps = x.shape
    if y.numel() == 0:
        return y
    blocks = _blocks(x)
    bm, bt = _fit(blocks.rows, m), _fit(blocks.steps, steps)
    grid = (triton.cdiv(m, bm), triton.cdiv(steps, bt))
    kernels.shift_kernel[grid](x, n, y, m, steps, BLOCK_M=bm, BLOCK_T=bt, **_options(blocks))
    return y


@shift.register_fake
def _shift_fake(x: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
    return x.new_empty(x.shape)


def _shift_setup(ctx: Any, inputs: tuple[Any, ...], output: torch.Tensor) -> None:
    ctx.save_for_backward(inputs[1])


def _shift_backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
    (n,) = ctx.saved_tensors
    return shift(grad, -n), None


shift.register_autograd(_shift_backward, setup_context=_shift_setup)


@torch.library.custom_op("slayer::triton_delay_grad", mutates_args=())
def delay_grad(grad: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-row delay gradient ``sum_t grad[m, t] * (y[m, t - 1] - y[m, t])``, ``y[m, -1] = 0``."""
    grad, y = _rows(grad, "delay gradient"), _like(grad, y, "the delayed output", tuple(grad.shape))
    m, steps = grad.shape
    out = grad.new_empty((m,))
    if grad.numel() == 0:
        return out.zero_()
    blocks = _blocks(grad)
    bm, bt = _fit(blocks.rows, m), _fit(blocks.steps, steps)
    kernels.delay_grad_kernel[(triton.cdiv(m, bm),)](
        grad, y, out, m, steps, BLOCK_M=bm, BLOCK_T=bt, **_options(blocks)
    )
    return out


@delay_grad.register_fake
def _delay_grad_fake(grad: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return grad.new_empty(grad.shape[:1])
