"""Matrix product `a @ b` with numpy's `matmul` rules (1-D operands are vectors; leading axes
broadcast as a batch)."""

from __future__ import annotations

import numpy as np

from tinygrad_edu.broadcast import check_broadcast, unbroadcast
from tinygrad_edu.ops.base import Op

__all__ = ["MatMul"]


class MatMul(Op):
    """Z = W @ A.    dW = dZ @ A.T and dA = W.T @ dZ (the course's `dW = dZ @ A_prev.T / m` once the
    1/m of the cost has reached dZ).

    A 1-D left operand is a row (1, k) and a 1-D right operand a column (k, 1); the added axis is
    removed from the result, and put back into the gradient before the products above."""

    name, symbol = "matmul", "@"

    @classmethod
    def on_error(cls, a, b):
        if np.ndim(a) == 0 or np.ndim(b) == 0:
            raise ValueError(
                f"matmul (@): both operands need at least 1 dimension, got shapes {np.shape(a)} "
                f"and {np.shape(b)}; use * to multiply by a scalar"
            )
        k_a = a.shape[-1]
        k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if k_a != k_b:
            raise ValueError(
                f"matmul (@): shapes {a.shape} and {b.shape} do not match: the last axis of the "
                f"left ({k_a}) must equal the "
                f"{'length' if b.ndim == 1 else 'second-to-last axis'} of the right ({k_b})"
            )
        if a.ndim > 2 or b.ndim > 2:
            check_broadcast(
                f"matmul (@) of shapes {a.shape} and {b.shape}, batch axes",
                a.shape[:-2],
                b.shape[:-2],
            )

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 2 and b.ndim == 2:  # the course's case: plain matrices, nothing to reshape
            return (grad @ b.T if need_a else None, a.T @ grad if need_b else None)
        a2 = a.reshape((1, *a.shape)) if a.ndim == 1 else a
        b2 = b.reshape((*b.shape, 1)) if b.ndim == 1 else b
        g = grad
        if a.ndim == 1:
            g = (
                g.reshape((*g.shape[:-1], 1, *g.shape[-1:]))
                if b.ndim > 1
                else g.reshape((1, *g.shape))
            )
        if b.ndim == 1:
            g = g.reshape((*g.shape, 1))
        ga = gb = None
        if need_a:
            ga = unbroadcast(g @ _swap(b2), a2.shape)
            if a.ndim == 1:
                ga = ga.reshape(a.shape)
        if need_b:
            gb = unbroadcast(_swap(a2) @ g, b2.shape)
            if b.ndim == 1:
                gb = gb.reshape(b.shape)
        return ga, gb


def _swap(x):
    """x with its last two axes exchanged (the transpose of each matrix in a batch)."""
    if x.ndim == 2:
        return x.T
    axes = (*tuple(range(x.ndim - 2)), x.ndim - 1, x.ndim - 2)
    return x.transpose(axes)
