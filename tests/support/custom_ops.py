"""Custom ops the tests share: user-written `Function`s, correct ones to compare the wrong ones with."""

from __future__ import annotations

from tinygrad_edu import Function


class Cube(Function):
    """out = x^3.    d(out)/dx = 3x^2, written with operators: it runs on arrays and on Tensors, so
    it can also be differentiated twice."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x**2 * grad
