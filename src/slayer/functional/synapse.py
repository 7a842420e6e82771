"""Time-distributed synapses: dense, convolution, sum pooling, dropout, FIR banks (SPEC §5).

Each acts on every time bin independently and has no bias.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from slayer import backends
from slayer.functional._util import Pair, check_spikes, pair

__all__ = ["conv", "conv_transpose", "dense", "dropout", "pool", "psp_filter", "unpool"]

Size2 = int | tuple[int, int]


def dense(x: torch.Tensor, weight: torch.Tensor, backend: str | None = None) -> torch.Tensor:
    """Fully connected synapse applied at every time bin.

    .. math::

        z[n, o, t] = \\sum_i W[o, i]\\, x[n, i, t]

    Shape
    -----
    ``x``: ``(N, C, T)`` or ``(N, C, H, W, T)`` (flattened to ``I = C*H*W`` neurons, C-order);
    ``weight``: ``(O, I)``; output: ``(N, O, T)``.
    """
    check_spikes(x, "dense input", min_dim=3)
    if weight.dim() != 2:
        raise ValueError(f"dense weight must be (out_features, in_features), got shape {tuple(weight.shape)}")
    rows = x.reshape(x.shape[0], -1, x.shape[-1])
    if rows.shape[1] != weight.shape[1]:
        raise ValueError(
            f"dense layer expects {weight.shape[1]} input neurons, got {rows.shape[1]} "
            f"(input shape {tuple(x.shape)})"
        )
    return backends.get(backend, x.device).dense(rows, weight)


def _check_5d(x: torch.Tensor, what: str) -> None:
    check_spikes(x, f"{what} input", min_dim=5, max_dim=5)


def conv(
    x: torch.Tensor,
    weight: torch.Tensor,
    stride: Size2 = 1,
    padding: Size2 = 0,
    dilation: Size2 = 1,
    groups: int = 1,
    backend: str | None = None,
) -> torch.Tensor:
    """2-D convolution applied at every time bin (no bias).

    .. math::

        z[n, o, :, :, t] = \\sum_{c} W[o, c] \\star x[n, c, :, :, t]

    Shape
    -----
    ``x``: ``(N, C, H, W, T)``; ``weight``: ``(O, C / groups, kH, kW)``; output ``(N, O, H', W', T)``
    with ``H'`` as in :func:`torch.nn.functional.conv2d`.
    """
    _check_5d(x, "conv")
    if weight.dim() != 4:
        raise ValueError(f"conv weight must be (out, in/groups, kH, kW), got shape {tuple(weight.shape)}")
    if x.shape[1] != weight.shape[1] * groups:
        raise ValueError(
            f"conv layer expects {weight.shape[1] * groups} input channels, got {x.shape[1]} "
            f"(input shape {tuple(x.shape)})"
        )
    impl = backends.get(backend, x.device)
    return impl.conv(
        x, weight, pair(stride, "stride"), pair(padding, "padding"), pair(dilation, "dilation"), groups
    )


def conv_transpose(
    x: torch.Tensor,
    weight: torch.Tensor,
    stride: Size2 = 1,
    padding: Size2 = 0,
    output_padding: Size2 = 0,
    dilation: Size2 = 1,
    groups: int = 1,
    backend: str | None = None,
) -> torch.Tensor:
    """2-D transposed convolution applied at every time bin (no bias).

    Shape
    -----
    ``x``: ``(N, C, H, W, T)``; ``weight``: ``(C, O / groups, kH, kW)``; output ``(N, O, H', W', T)``
    with ``H'`` as in :func:`torch.nn.functional.conv_transpose2d`.
    """
    _check_5d(x, "conv_transpose")
    if weight.dim() != 4 or weight.shape[0] != x.shape[1]:
        raise ValueError(
            f"conv_transpose weight must be (in={x.shape[1]}, out/groups, kH, kW), got shape "
            f"{tuple(weight.shape)}"
        )
    impl = backends.get(backend, x.device)
    return impl.conv_transpose(
        x,
        weight,
        pair(stride, "stride"),
        pair(padding, "padding"),
        pair(output_padding, "output_padding"),
        pair(dilation, "dilation"),
        groups,
    )


def _pool_args(kernel_size: Size2, stride: Size2 | None, padding: Size2, dilation: Size2) -> tuple[Pair, ...]:
    kernel = pair(kernel_size, "kernel_size")
    if min(kernel) < 1:
        raise ValueError(f"kernel_size must be positive, got {kernel_size!r}")
    return (
        kernel,
        kernel if stride is None else pair(stride, "stride"),
        pair(padding, "padding"),
        pair(dilation, "dilation"),
    )


def pool(
    x: torch.Tensor,
    kernel_size: Size2,
    theta: float,
    stride: Size2 | None = None,
    padding: Size2 = 0,
    dilation: Size2 = 1,
    backend: str | None = None,
) -> torch.Tensor:
    """Fixed sum pooling with every weight ``1.1 * theta`` (SPEC §5).

    When ``H`` or ``W`` is not a multiple of the kernel, zeros are appended at the end (bottom,
    right) up to the next multiple, then

    .. math::

        z[n, c, i, j, t] = 1.1\\,\\theta \\sum_{(p, q) \\in \\text{window}(i, j)} x[n, c, p, q, t]

    Stride defaults to the kernel size. Note: the reference software appended ``H mod k`` rows,
    which equals this rule only for ``k = 2`` (the size every published network uses).

    Shape
    -----
    ``x``: ``(N, C, H, W, T)``; output ``(N, C, H', W', T)``, ``H' = ceil(H / k)`` for the default
    stride, padding and dilation.
    """
    _check_5d(x, "pool")
    kernel, stride_, padding_, dilation_ = _pool_args(kernel_size, stride, padding, dilation)
    pad_h = -x.shape[2] % kernel[0]
    pad_w = -x.shape[3] % kernel[1]
    if pad_h or pad_w:
        x = F.pad(x, (0, 0, 0, pad_w, 0, pad_h))
    return backends.get(backend, x.device).pool(x, kernel, stride_, padding_, dilation_, 1.1 * theta)


def unpool(
    x: torch.Tensor,
    kernel_size: Size2,
    theta: float,
    stride: Size2 | None = None,
    padding: Size2 = 0,
    dilation: Size2 = 1,
    backend: str | None = None,
) -> torch.Tensor:
    """Fixed transpose of :func:`pool`: each bin spreads ``1.1 * theta * x`` over its window.

    Shape
    -----
    ``x``: ``(N, C, H, W, T)``; output ``(N, C, H', W', T)``, ``H' = H * k`` for the default stride.
    """
    _check_5d(x, "unpool")
    kernel, stride_, padding_, dilation_ = _pool_args(kernel_size, stride, padding, dilation)
    return backends.get(backend, x.device).unpool(x, kernel, stride_, padding_, dilation_, 1.1 * theta)


def dropout(x: torch.Tensor, p: float = 0.5, training: bool = True) -> torch.Tensor:
    """Drop whole neurons for the whole sample; survivors are scaled by ``1 / (1 - p)``.

    .. math::

        y[n, i, t] = \\frac{m[n, i]}{1 - p} x[n, i, t], \\quad m[n, i] \\sim \\mathrm{Bernoulli}(1 - p)

    The mask is the same at every time bin.
    """
    check_spikes(x, "dropout input")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability must be in [0, 1], got {p!r}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return torch.zeros_like(x)
    keep = torch.empty((*x.shape[:-1], 1), dtype=x.dtype, device=x.device).bernoulli_(1.0 - p)
    return x * keep / (1.0 - p)


def psp_filter(x: torch.Tensor, filters: torch.Tensor, ts: float) -> torch.Tensor:
    """A bank of causal FIR filters, each applied to every neuron (learnable psp, SPEC §5).

    .. math::

        y[n, f C + c, \\ldots, t] = T_s \\sum_{k=0}^{K-1} h[f, k]\\, x[n, c, \\ldots, t - k]

    Shape
    -----
    ``x``: ``(N, C, ..., T)``; ``filters``: ``(F, K)`` in causal order (``h[f, 0]`` multiplies the
    current bin); output: ``(N, F*C, ..., T)``.
    """
    check_spikes(x, "psp_filter input")
    if filters.dim() != 2:
        raise ValueError(f"filters must be (n_filter, length), got shape {tuple(filters.shape)}")
    n_filter, length = filters.shape
    n, c, steps = x.shape[0], x.shape[1], x.shape[-1]
    rows = F.pad(x.reshape(-1, 1, steps), (length - 1, 0))
    y = F.conv1d(rows, filters.flip(1).unsqueeze(1)) * ts  # (N*C*S, F, T)
    y = y.reshape(n, c, -1, n_filter, steps).permute(0, 3, 1, 2, 4)
    return y.reshape(n, n_filter * c, *x.shape[2:])
