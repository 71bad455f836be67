"""Custom ops the tests share: user-written `Function`s, correct ones to compare the wrong ones with."""

from __future__ import annotations

import numpy as np

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


class NumpyCos(Function):
    """out = sin(x), with a backward that calls numpy (dx = grad * cos(x)): fine on arrays,
    impossible on Tensors (create_graph=True), and only callable as it is in a compiled step."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * np.cos(x)
