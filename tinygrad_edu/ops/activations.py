"""The course's activations: sigmoid, tanh, ReLU and leaky ReLU."""

from __future__ import annotations

import numpy as np

from tinygrad_edu.ops.base import Op, sigmoid

__all__ = ["LeakyReLU", "ReLU", "Sigmoid", "Tanh"]


class Sigmoid(Op):
    """A = sigma(Z) = 1 / (1 + e^-Z).    dA/dZ = A (1 - A), so dZ = dA * A * (1 - A).

    For Z below about -709, e^-Z overflows to inf and 1 / (1 + inf) is exactly 0, the right limit:
    the result and its gradient stay finite for every finite input, so the overflow is silenced."""

    @staticmethod
    def forward(ctx, z):
        out = sigmoid(z)  # the formula above, with the overflow silenced (ops/base.py)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * (1.0 - out)  # 1.0: numpy takes a float faster than an int


class Tanh(Op):
    """A = tanh(Z).    dA/dZ = 1 - A^2 (the course's `dZ1 = W2.T @ dZ2 * (1 - A1**2)`)."""

    @staticmethod
    def forward(ctx, z):
        out = np.tanh(z)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1.0 - out * out)  # 1.0: numpy takes a float faster than an int


class ReLU(Op):
    """A = max(0, Z).    dA/dZ = 1 where Z > 0, else 0 (0 at exactly Z = 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, z):
        ctx.save_for_backward(z)
        return np.maximum(z, 0)

    @staticmethod
    def backward(ctx, grad):
        (z,) = ctx.saved_tensors
        return grad * (z > 0)


class LeakyReLU(Op):
    """A = Z where Z > 0, else slope * Z.    dA/dZ = 1 where Z > 0, else slope."""

    @classmethod
    def check(cls, z, slope=0.01):
        if isinstance(slope, bool) or not isinstance(slope, (int, float, np.integer, np.floating)):
            raise TypeError(f"leaky_relu: slope must be a real number, got {slope!r}")

    @staticmethod
    def forward(ctx, z, slope=0.01):
        ctx.save_for_backward(z)
        ctx.slope = slope
        return np.where(z > 0, z, z * slope)

    @staticmethod
    def backward(ctx, grad):
        (z,) = ctx.saved_tensors
        return grad * (z > 0) + (grad * ctx.slope) * (z <= 0)
