"""Dense and convolution synapses that do work in proportion to the number of input spikes.

For an input ``x`` whose nonzeros (spikes) are few, the forward pass adds, for every event
``(n, i, t, v)``, ``v`` times the weights of input ``i`` to the outputs at bin ``t``, and the
weight gradient sums ``v`` times the output gradient over the same events:

.. math::

    z[n, o, t] = \\sum_{(n, i, t, v)} W[o, i]\\, v, \\qquad
    \\frac{\\partial L}{\\partial W[o, i]} = \\sum_{(n, i, t, v)} v\\,
        \\frac{\\partial L}{\\partial z[n, o, t]}

(the convolution likewise, over the kernel's taps). The input gradient is a dense product. Denser
inputs take torch's matrix product (dense) or :class:`FoldedConv` (torch's 2-D convolution over all
bins at once), whichever the density thresholds below choose.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from numba import get_num_threads, prange

from slayer.backends.numba.cache import jit
from slayer.backends.numba.events import Events, events
from slayer.backends.numba.layout import swap_outer, transpose

__all__ = [
    "CONV_MAX_DENSITY",
    "MAX_DENSITY",
    "FoldedConv",
    "SparseConv",
    "SparseDense",
    "conv2d_grads",
    "conv_events",
    "dense_events",
    "fold",
    "unfold",
]

#: dense layers take the event-driven path for inputs with at most this fraction of nonzeros
MAX_DENSITY = 0.1
#: convolutions likewise (their dense path is torch's optimised 2-D convolution, see FoldedConv)
CONV_MAX_DENSITY = 0.05

Pair = tuple[int, int]


def _rows(x: torch.Tensor) -> np.ndarray:
    return x.detach().reshape(-1, x.shape[-1]).contiguous().numpy()


def dense_events(x: torch.Tensor) -> Events | None:
    """Events of a dense layer's input ``(N, I, T)``, or None if it is too dense for the event path."""
    return events(_rows(x), MAX_DENSITY)


def conv_events(x: torch.Tensor) -> Events | None:
    """Events of a convolution's input ``(N, C, H, W, T)``, or None if it is too dense."""
    return events(_rows(x), CONV_MAX_DENSITY)


# ---------------------------------------------------------------------------------------- dense
@jit(parallel=True)
def _dense_forward(offsets, times, values, wt, zt):  # type: ignore[no-untyped-def]
    n_in, n_out = wt.shape
    for n in prange(zt.shape[0]):
        for i in range(n_in):
            r = n * n_in + i
            w_row = wt[i]
            for e in range(offsets[r], offsets[r + 1]):
                v = values[e]
                z_row = zt[n, times[e]]
                for o in range(n_out):
                    z_row[o] += v * w_row[o]


@jit(parallel=True)
def _dense_weight_grad(offsets, times, values, gt, dwt):  # type: ignore[no-untyped-def]
    n_in, n_out = dwt.shape
    for i in prange(n_in):
        d_row = dwt[i]
        d_row[:] = 0
        for n in range(gt.shape[0]):
            r = n * n_in + i
            for e in range(offsets[r], offsets[r + 1]):
                v = values[e]
                g_row = gt[n, times[e]]
                for o in range(n_out):
                    d_row[o] += v * g_row[o]


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
        dx = None
        if ctx.needs_input_grad[0]:
            dx = grad.new_empty(grad.shape[0], weight.shape[1], grad.shape[2])
            wt = weight.t()
            for n in range(grad.shape[0]):
                torch.mm(wt, grad[n], out=dx[n])
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
def _position(job, out_h, out_w):  # type: ignore[no-untyped-def]
    return job // (out_h * out_w), job // out_w % out_h, job % out_w


@jit()
def _taps(offsets, times, values, wt, acc, part, shape, geometry, n, oy, ox, forward):  # type: ignore[no-untyped-def]
    """Every event seen by output position ``(n, oy, ox)``, through every tap of the kernel.

    Forward: ``acc[t, o] += v * wt[c, ky, kx, o]``; weight gradient: ``part[c, ky, kx, o] += v * acc[t, o]``.
    The innermost loop runs over output channels (contiguous), so it is vectorised.
    """
    channels, height, width, groups = shape
    sh, sw, ph, pw, dh, dw = geometry
    per_group, kh, kw, n_out = wt.shape
    out_per_group = n_out // groups
    for c in range(channels):
        cl = c % per_group
        o0 = c // per_group * out_per_group
        for ky in range(kh):
            iy = oy * sh - ph + ky * dh
            if iy < 0 or iy >= height:
                continue
            for kx in range(kw):
                ix = ox * sw - pw + kx * dw
                if ix < 0 or ix >= width:
                    continue
                r = ((n * channels + c) * height + iy) * width + ix
                w_row = wt[cl, ky, kx, o0 : o0 + out_per_group]  # 1-D views vectorise, 4-D indices do not
                p_row = part[cl, ky, kx, o0 : o0 + out_per_group]
                for e in range(offsets[r], offsets[r + 1]):
                    v = values[e]
                    a_row = acc[times[e], o0 : o0 + out_per_group]
                    if forward:
                        for o in range(out_per_group):
                            a_row[o] += v * w_row[o]
                    else:
                        for o in range(out_per_group):
                            p_row[o] += v * a_row[o]


@jit(parallel=True)
def _conv_forward(offsets, times, values, wt, z, shape, geometry):  # type: ignore[no-untyped-def]
    batch, n_out, out_h, out_w, steps = z.shape
    for job in prange(batch * out_h * out_w):
        n, oy, ox = _position(job, out_h, out_w)
        acc = np.zeros((steps, n_out), dtype=z.dtype)
        _taps(offsets, times, values, wt, acc, wt, shape, geometry, n, oy, ox, True)
        for o in range(n_out):
            for t in range(steps):
                z[n, o, oy, ox, t] = acc[t, o]


@jit(parallel=True)
def _conv_weight_grad(offsets, times, values, wt, grad, parts, shape, geometry):  # type: ignore[no-untyped-def]
    batch, n_out, out_h, out_w, steps = grad.shape
    jobs = batch * out_h * out_w
    chunks = parts.shape[0]
    for p in prange(chunks):
        acc = np.empty((steps, n_out), dtype=grad.dtype)
        for job in range(p * jobs // chunks, (p + 1) * jobs // chunks):
            n, oy, ox = _position(job, out_h, out_w)
            for o in range(n_out):
                for t in range(steps):
                    acc[t, o] = grad[n, o, oy, ox, t]
            _taps(offsets, times, values, wt, acc, parts[p], shape, geometry, n, oy, ox, False)


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
        wt = weight.detach().permute(1, 2, 3, 0).contiguous().numpy()  # (C/groups, kH, kW, O)
        z = np.empty((n, weight.shape[0], out_h, out_w, steps), dtype=wt.dtype)
        shape = (channels, height, width, groups)
        geometry = (*stride, *padding, *dilation)
        _conv_forward(ev.offsets, ev.times, ev.values, wt, z, shape, geometry)
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
            n, c, h, w, steps = ctx.x_shape
            args = ((sh, sw), (ph, pw), (dh, dw_), groups)
            shape = (n * steps, c, h, w)
            dummy = torch.empty(shape, dtype=grad.dtype, memory_format=torch.channels_last)
            dxf, _ = conv2d_grads(fold(grad), dummy, weight, args)
            assert dxf is not None
            dx = unfold(dxf, n)
        dw = None
        if ctx.needs_input_grad[1]:
            ev: Events = ctx.events
            wt = weight.detach().permute(1, 2, 3, 0).contiguous().numpy()
            parts = np.zeros((get_num_threads(), *wt.shape), dtype=np.float64)
            _conv_weight_grad(
                ev.offsets, ev.times, ev.values, wt, grad.numpy(), parts, ctx.shape, ctx.geometry
            )
            dw = torch.from_numpy(parts.sum(0).astype(wt.dtype)).permute(3, 0, 1, 2).contiguous()
        return dx, dw, None, None, None, None, None


# ------------------------------------------------------------------------------- folded convolution
def fold(x: torch.Tensor) -> torch.Tensor:
    """``(N, C, H, W, T)`` -> ``(N*T, C, H, W)`` in channels-last memory: every time bin an image.

    Channels-last (memory ``(N, T, H, W, C)``) is what oneDNN's convolution works in, so it takes
    the tensor as it is; from the default layout it would reorder it internally, forward and
    backward (docs/benchmarks.md, *What made workload B faster*).
    """
    n, c, h, w, steps = x.shape
    return swap_outer(x.reshape(n, c, h * w, steps)).reshape(n * steps, h, w, c).permute(0, 3, 1, 2)


def unfold(y: torch.Tensor, n: int) -> torch.Tensor:
    """``(N*T, C, H, W)`` (either memory format) -> ``(N, C, H, W, T)``: the inverse of :func:`fold`."""
    steps = y.shape[0] // n
    c, h, w = y.shape[1:]
    last = y.contiguous(memory_format=torch.channels_last).permute(0, 2, 3, 1)
    return swap_outer(last.reshape(n, steps, h * w, c)).reshape(n, c, h, w, steps)


def conv2d_grads(
    grad: torch.Tensor,
    x: torch.Tensor,
    weight: torch.Tensor,
    args: tuple[Pair, Pair, Pair, int],
    need_input: bool = True,
    need_weight: bool = False,
) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """Input and weight gradients of a 2-D convolution from one call of torch's backward kernel.

    ``x`` (the folded input) is read only for the weight gradient; any tensor of its shape will do
    when only the input gradient is wanted. The weight takes the channels-last memory format of the
    folded tensors (see :func:`fold`); its gradient comes back in the default one.
    """
    stride, padding, dilation, groups = args
    dx, dw, _ = torch.ops.aten.convolution_backward(
        grad,
        x,
        weight.contiguous(memory_format=torch.channels_last),
        None,
        stride,
        padding,
        dilation,
        False,
        [0, 0],
        groups,
        [need_input, need_weight, False],
    )
    return dx, None if dw is None else dw.contiguous()


class FoldedConv(torch.autograd.Function):
    """Per-bin 2-D convolution as one :func:`torch.nn.functional.conv2d` over all bins of the batch.

    The time-last tensors are transposed to ``(N*T, C, H, W)`` and back by a blocked kernel, so
    torch's optimised 2-D convolution (forward, input and weight gradients) does the arithmetic.
    """

    @staticmethod
    def forward(
        ctx: Any,
        x: torch.Tensor,
        weight: torch.Tensor,
        stride: Pair,
        padding: Pair,
        dilation: Pair,
        groups: int,
    ) -> torch.Tensor:
        xf = fold(x.detach())
        w = weight.detach().contiguous(memory_format=torch.channels_last)
        y = torch.nn.functional.conv2d(xf, w, None, stride, padding, dilation, groups)
        ctx.save_for_backward(xf, weight)  # the folded input, so backward need not fold it again
        ctx.args = (stride, padding, dilation, groups)
        return unfold(y, x.shape[0])

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        xf, weight = ctx.saved_tensors
        dxf, dw = conv2d_grads(fold(grad), xf, weight, ctx.args, *ctx.needs_input_grad[:2])
        return None if dxf is None else unfold(dxf, grad.shape[0]), dw, None, None, None, None
