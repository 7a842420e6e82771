"""Dense and convolution synapses that do work in proportion to the number of input spikes.

For an input ``x`` whose nonzeros (spikes) are few, the forward pass adds, for every event
``(n, i, t, v)``, ``v`` times the weights of input ``i`` to the outputs at bin ``t``, and the
weight gradient sums ``v`` times the output gradient over the same events:

.. math::

    z[n, o, t] = \\sum_{(n, i, t, v)} W[o, i]\\, v, \\qquad
    \\frac{\\partial L}{\\partial W[o, i]} = \\sum_{(n, i, t, v)} v\\,
        \\frac{\\partial L}{\\partial z[n, o, t]}

(the convolution likewise, over the kernel's taps). The input gradient is a dense product, as in
the reference. Denser inputs take the reference path (torch's BLAS / convolution).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from numba import get_num_threads, prange
from torch.nn.grad import conv3d_input

from slayer.backends.numba.cache import jit
from slayer.backends.numba.events import Events, events
from slayer.backends.numba.layout import transpose

__all__ = ["MAX_DENSITY", "SparseConv", "SparseDense", "conv_events", "dense_events"]

#: inputs with at most this fraction of nonzeros take the event-driven path
MAX_DENSITY = 0.1

Pair = tuple[int, int]


def _rows(x: torch.Tensor) -> np.ndarray:
    return x.detach().reshape(-1, x.shape[-1]).contiguous().numpy()


def dense_events(x: torch.Tensor) -> Events | None:
    """Events of a dense layer's input ``(N, I, T)``, or None if it is too dense for the event path."""
    return events(_rows(x), MAX_DENSITY)


def conv_events(x: torch.Tensor) -> Events | None:
    """Events of a convolution's input ``(N, C, H, W, T)``, or None if it is too dense."""
    return events(_rows(x), MAX_DENSITY)


# ---------------------------------------------------------------------------------------- dense
@jit(parallel=True)
def _dense_forward(offsets, times, values, wt, zt):  # type: ignore[no-untyped-def]
    n_in, n_out = wt.shape
    for n in prange(zt.shape[0]):
        for i in range(n_in):
            r = n * n_in + i
            for e in range(offsets[r], offsets[r + 1]):
                t, v = times[e], values[e]
                for o in range(n_out):
                    zt[n, t, o] += v * wt[i, o]


@jit(parallel=True)
def _dense_weight_grad(offsets, times, values, gt, dwt):  # type: ignore[no-untyped-def]
    n_in, n_out = dwt.shape
    for i in prange(n_in):
        for o in range(n_out):
            dwt[i, o] = 0
        for n in range(gt.shape[0]):
            r = n * n_in + i
            for e in range(offsets[r], offsets[r + 1]):
                t, v = times[e], values[e]
                for o in range(n_out):
                    dwt[i, o] += v * gt[n, t, o]


class SparseDense(torch.autograd.Function):
    """``z = W x`` at every bin from the events of ``x`` ``(N, I, T)``; see the module docstring."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, weight: torch.Tensor, ev: Events) -> torch.Tensor:
        n, _, steps = x.shape
        wt = transpose(weight)
        zt = np.zeros((n, steps, wt.shape[1]), dtype=wt.dtype)
        _dense_forward(ev.offsets, ev.times, ev.values, wt, zt)
        ctx.save_for_backward(weight)
        ctx.events = ev
        return torch.from_numpy(transpose(zt))

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        (weight,) = ctx.saved_tensors
        dx = torch.matmul(weight.t(), grad) if ctx.needs_input_grad[0] else None
        dw = None
        if ctx.needs_input_grad[1]:
            ev: Events = ctx.events
            gt = transpose(grad)
            dwt = np.empty((weight.shape[1], weight.shape[0]), dtype=gt.dtype)
            _dense_weight_grad(ev.offsets, ev.times, ev.values, gt, dwt)
            dw = torch.from_numpy(transpose(dwt))
        return dx, dw, None


# ---------------------------------------------------------------------------------------- conv
@jit()
def _conv_taps(offsets, times, values, w, dense, shape, geometry, job, parts, forward):  # type: ignore[no-untyped-def]
    """One output position ``(n, oy, ox)`` of every channel: the forward sum or the weight gradient."""
    channels, height, width, groups = shape
    sh, sw, ph, pw, dh, dw = geometry
    n_out, per_group, kh, kw = w.shape
    out_h, out_w = dense.shape[2], dense.shape[3]
    n = job // (out_h * out_w)
    oy = job // out_w % out_h
    ox = job % out_w
    out_per_group = n_out // groups
    for c in range(channels):
        g, cl = c // per_group, c % per_group
        for ky in range(kh):
            iy = oy * sh - ph + ky * dh
            if iy < 0 or iy >= height:
                continue
            for kx in range(kw):
                ix = ox * sw - pw + kx * dw
                if ix < 0 or ix >= width:
                    continue
                r = ((n * channels + c) * height + iy) * width + ix
                for e in range(offsets[r], offsets[r + 1]):
                    t, v = times[e], values[e]
                    for o in range(g * out_per_group, (g + 1) * out_per_group):
                        if forward:
                            dense[n, o, oy, ox, t] += v * w[o, cl, ky, kx]
                        else:
                            parts[o, cl, ky, kx] += v * dense[n, o, oy, ox, t]


@jit(parallel=True)
def _conv_forward(offsets, times, values, w, z, shape, geometry):  # type: ignore[no-untyped-def]
    jobs = z.shape[0] * z.shape[2] * z.shape[3]
    for job in prange(jobs):
        _conv_taps(offsets, times, values, w, z, shape, geometry, job, w, True)


@jit(parallel=True)
def _conv_weight_grad(offsets, times, values, w, grad, shape, geometry, parts):  # type: ignore[no-untyped-def]
    jobs = grad.shape[0] * grad.shape[2] * grad.shape[3]
    chunks = parts.shape[0]
    for p in prange(chunks):
        for job in range(p * jobs // chunks, (p + 1) * jobs // chunks):
            _conv_taps(offsets, times, values, w, grad, shape, geometry, job, parts[p], False)


class SparseConv(torch.autograd.Function):
    """Per-bin 2-D convolution of ``x`` ``(N, C, H, W, T)`` from its events; see the module docstring."""

    @staticmethod
    def forward(
        ctx: Any,
        x: torch.Tensor,
        weight: torch.Tensor,
        ev: Events,
        stride: Pair,
        padding: Pair,
        dilation: Pair,
        groups: int,
    ) -> torch.Tensor:
        n, channels, height, width, steps = x.shape
        kh, kw = weight.shape[2:]
        out_h = (height + 2 * padding[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
        out_w = (width + 2 * padding[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
        w = weight.detach().contiguous().numpy()
        z = np.zeros((n, weight.shape[0], out_h, out_w, steps), dtype=w.dtype)
        shape = (channels, height, width, groups)
        geometry = (*stride, *padding, *dilation)
        _conv_forward(ev.offsets, ev.times, ev.values, w, z, shape, geometry)
        ctx.save_for_backward(weight)
        ctx.events, ctx.shape, ctx.geometry, ctx.x_shape = ev, shape, geometry, x.shape
        return torch.from_numpy(z)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        (weight,) = ctx.saved_tensors
        sh, sw, ph, pw, dh, dw_ = ctx.geometry
        groups = ctx.shape[3]
        grad = grad.contiguous()
        dx = None
        if ctx.needs_input_grad[0]:
            dx = conv3d_input(
                ctx.x_shape, weight.unsqueeze(-1), grad, (sh, sw, 1), (ph, pw, 0), (dh, dw_, 1), groups
            )
        dw = None
        if ctx.needs_input_grad[1]:
            ev: Events = ctx.events
            w = weight.detach().contiguous().numpy()
            parts = np.zeros((get_num_threads(), *w.shape), dtype=np.float64)
            _conv_weight_grad(
                ev.offsets, ev.times, ev.values, w, grad.numpy(), ctx.shape, ctx.geometry, parts
            )
            dw = torch.from_numpy(parts.sum(0).astype(w.dtype))
        return dx, dw, None, None, None, None, None
