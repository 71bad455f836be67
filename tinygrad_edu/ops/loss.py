"""Sigmoid and binary cross-entropy fused into one op, stable for any logit.

The course computes A = sigmoid(Z), then J = -(1/m) sum(Y log A + (1 - Y) log(1 - A)), then walks back
dA = -(Y/A - (1-Y)/(1-A)) and dZ = dA * A (1 - A). The two steps cancel to the course's own shortcut
dZ = A - Y, which this op uses directly: no log(0) when A rounds to 0 or 1, and less work.
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.ops.op import Op, sigmoid


class BCEWithLogits(Op):
    """J = (1/N) sum( max(Z, 0) - Z*Y + log(1 + e^-|Z|) ), the mean of
    -(Y log sigma(Z) + (1 - Y) log(1 - sigma(Z))) over the N elements (N = m for Y of shape (1, m)).

    dJ/dZ = (sigma(Z) - Y) / N = (A - Y) / N,    dJ/dY = -Z / N.

    With `reduction="sum"` there is no 1/N: J is the sum and dJ/dZ = A - Y, the course's `dZ2`."""

    @classmethod
    def check(cls, z, y, reduction="mean"):
        if reduction not in ("mean", "sum"):
            raise ValueError(
                f"binary_cross_entropy_with_logits: reduction must be 'mean' or 'sum', got "
                f"{reduction!r}"
            )
        if np.shape(z) != np.shape(y):
            raise ValueError(
                f"binary_cross_entropy_with_logits: Z has shape {np.shape(z)} but Y has shape "
                f"{np.shape(y)}; they must match, both (n_y, m) with one column per example"
            )

    @staticmethod
    def forward(ctx, z, y, reduction="mean"):
        n = z.size if reduction == "mean" else 1
        loss = np.add.reduce((np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))), axis=None)
        if n != 1:
            loss = loss / n  # n = 0: the mean of no elements is nan, as numpy's mean and PyTorch's
        ctx.save_for_backward(z, y)
        ctx.n = max(n, 1)  # n = 0: the gradient has no elements, so any scale will do
        return np.asarray(loss, dtype=z.dtype)

    @staticmethod
    def backward(ctx, grad):
        z, y = ctx.saved_tensors
        need_z, need_y = ctx.needs_input_grad
        scale = grad / ctx.n if ctx.n != 1 else grad
        dz = dy = None
        if need_z:
            dz = (sigmoid(z) - y) * scale
        if need_y:
            dy = -z * scale
        return dz, dy
