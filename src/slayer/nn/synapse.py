"""Synapse modules: thin wrappers over :mod:`slayer.functional.synapse` (SPEC §5)."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from slayer.functional import synapse as F
from slayer.functional._util import pair

__all__ = ["Conv", "ConvTranspose", "Dense", "Dropout", "Pool", "Quantize", "Unpool"]

Size2 = int | tuple[int, int]
PreHook = Callable[[torch.Tensor], torch.Tensor]


class Quantize:
    """Weight pre-hook rounding weights to multiples of ``step`` with a straight-through gradient.

    .. math::

        \\hat W = W + \\operatorname{sg}\\left(\\operatorname{round}(W / \\Delta)\\Delta - W\\right)

    (``sg`` stops the gradient), so the forward pass sees quantised weights and the gradient flows
    to ``W`` unchanged.
    """

    def __init__(self, step: float) -> None:
        if not step > 0:
            raise ValueError(f"quantisation step must be positive, got {step!r}")
        self.step = float(step)

    def __call__(self, weight: torch.Tensor) -> torch.Tensor:
        return weight + (torch.round(weight / self.step) * self.step - weight).detach()

    def __repr__(self) -> str:
        return f"Quantize(step={self.step})"


class _Weighted(nn.Module):
    """A synapse with one weight, a default-init scale and an optional weight pre-hook."""

    weight: nn.Parameter

    def __init__(self, shape: tuple[int, ...], weight_scale: float, pre_hook: PreHook | None) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(shape))
        self.weight_scale = float(weight_scale)
        self.pre_hook = pre_hook
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default conv3d init (uniform ``±1/sqrt(fan_in)``) times ``weight_scale``."""
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        with torch.no_grad():
            self.weight.mul_(self.weight_scale)

    def effective_weight(self) -> torch.Tensor:
        """The weight after the pre-hook (what the forward pass uses)."""
        return self.weight if self.pre_hook is None else self.pre_hook(self.weight)


class Dense(_Weighted):
    """Fully connected synapse at every time bin: ``z[n, o, t] = sum_i W[o, i] x[n, i, t]``.

    Parameters
    ----------
    in_features : int or tuple of int
        Number of input neurons, or the input's neuron shape (its product is used), e.g. ``(2, 34, 34)``.
    out_features : int
        Number of output neurons.
    weight_scale : float
        Multiplies PyTorch's default init (SPEC §5: 10).
    pre_hook : callable, optional
        Applied to the weight before use, e.g. :class:`Quantize`.

    Shape
    -----
    Input ``(N, C, T)`` or ``(N, C, H, W, T)``; output ``(N, out_features, T)``.
    """

    def __init__(
        self,
        in_features: int | tuple[int, ...],
        out_features: int,
        weight_scale: float = 10.0,
        pre_hook: PreHook | None = None,
    ) -> None:
        size = in_features if isinstance(in_features, int) else math.prod(in_features)
        if size < 1 or out_features < 1:
            raise ValueError(f"Dense needs positive sizes, got {in_features!r} -> {out_features!r}")
        self.in_features, self.out_features = size, out_features
        super().__init__((out_features, size), weight_scale, pre_hook)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.dense(x, self.effective_weight())

    def extra_repr(self) -> str:
        return f"{self.in_features}, {self.out_features}, weight_scale={self.weight_scale}"


class _Convolution(_Weighted):
    """What a convolution and a transposed convolution share: channels, groups and 2-D geometry."""

    in_channels: int
    out_channels: int
    groups: int
    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]

    def _geometry(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Size2,
        stride: Size2,
        padding: Size2,
        dilation: Size2,
        groups: int,
    ) -> None:
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"channels {in_channels}->{out_channels} are not divisible by groups={groups}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = pair(kernel_size, "kernel_size")
        self.stride, self.padding = pair(stride, "stride"), pair(padding, "padding")
        self.dilation = pair(dilation, "dilation")


class Conv(_Convolution):
    """2-D convolution at every time bin, no bias (weight ``(out, in/groups, kH, kW)``).

    ``weight_scale`` multiplies PyTorch's default init (SPEC §5: 100).

    Shape
    -----
    Input ``(N, C, H, W, T)``; output ``(N, out_channels, H', W', T)`` as :class:`torch.nn.Conv2d`.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Size2,
        stride: Size2 = 1,
        padding: Size2 = 0,
        dilation: Size2 = 1,
        groups: int = 1,
        weight_scale: float = 100.0,
        pre_hook: PreHook | None = None,
    ) -> None:
        self._geometry(in_channels, out_channels, kernel_size, stride, padding, dilation, groups)
        super().__init__((out_channels, in_channels // groups, *self.kernel_size), weight_scale, pre_hook)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv(x, self.effective_weight(), self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"padding={self.padding}, dilation={self.dilation}, groups={self.groups}, "
            f"weight_scale={self.weight_scale}"
        )


class ConvTranspose(_Convolution):
    """2-D transposed convolution at every time bin, no bias (weight ``(in, out/groups, kH, kW)``).

    ``weight_scale`` multiplies PyTorch's default init (SPEC §5: 100).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Size2,
        stride: Size2 = 1,
        padding: Size2 = 0,
        output_padding: Size2 = 0,
        dilation: Size2 = 1,
        groups: int = 1,
        weight_scale: float = 100.0,
        pre_hook: PreHook | None = None,
    ) -> None:
        self._geometry(in_channels, out_channels, kernel_size, stride, padding, dilation, groups)
        self.output_padding = pair(output_padding, "output_padding")
        super().__init__((in_channels, out_channels // groups, *self.kernel_size), weight_scale, pre_hook)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv_transpose(
            x,
            self.effective_weight(),
            self.stride,
            self.padding,
            self.output_padding,
            self.dilation,
            self.groups,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"padding={self.padding}, output_padding={self.output_padding}, groups={self.groups}, "
            f"weight_scale={self.weight_scale}"
        )


class Pool(nn.Module):
    """Fixed sum pooling, weights ``1.1 * theta``, end zero-padding (:func:`slayer.functional.pool`)."""

    def __init__(
        self,
        kernel_size: Size2,
        theta: float,
        stride: Size2 | None = None,
        padding: Size2 = 0,
        dilation: Size2 = 1,
    ) -> None:
        super().__init__()
        self.kernel_size = pair(kernel_size, "kernel_size")
        self.stride = self.kernel_size if stride is None else pair(stride, "stride")
        self.padding, self.dilation = pair(padding, "padding"), pair(dilation, "dilation")
        self.theta = float(theta)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pool(x, self.kernel_size, self.theta, self.stride, self.padding, self.dilation)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, weight=1.1*{self.theta}"


class Unpool(Pool):
    """Fixed transpose of :class:`Pool` (weights ``1.1 * theta``; :func:`slayer.functional.unpool`)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.unpool(x, self.kernel_size, self.theta, self.stride, self.padding, self.dilation)


class Dropout(nn.Module):
    """Drops whole neurons for the whole sample, survivors scaled ``1/(1-p)`` (only in training)."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability must be in [0, 1], got {p!r}")
        self.p = float(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
