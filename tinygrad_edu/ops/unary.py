"""Elementwise math: exp, log, sqrt, abs. Each gradient is the local derivative times `grad`."""

from __future__ import annotations

import numpy as np

from tinygrad_edu.ops.base import Op, sign

__all__ = ["Abs", "Exp", "Log", "Sqrt"]


class Exp(Op):
    """out = e^a.    d(out)/da = e^a = out."""

    @staticmethod
    def forward(ctx, a):
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out


class Log(Op):
    """out = ln(a) (natural log, as the course's cost).    d(out)/da = 1 / a."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / a


class Sqrt(Op):
    """out = sqrt(a).    d(out)/da = 1 / (2 sqrt(a)) = 1 / (2 out)."""

    @staticmethod
    def forward(ctx, a):
        out = np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad / (2 * out)


class Abs(Op):
    """out = |a|.    d(out)/da = sign(a) (0 at a = 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * sign(a)
