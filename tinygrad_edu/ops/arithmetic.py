"""`+ - * / **`, unary `-`, and the elementwise `maximum` / `minimum`, with numpy broadcasting.

A broadcast input was used several times in the forward pass, so its gradient is the sum of the uses:
every binary op hands its gradients through `unbroadcast` (see broadcast.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.broadcast import check_broadcast, unbroadcast
from tinygrad_edu.ops.base import Op, log, shape_of, values

__all__ = ["Add", "Div", "Maximum", "Minimum", "Mul", "Neg", "Pow", "Sub"]


class BinaryOp(Op):
    """An elementwise op of two operands that broadcast (numpy's rules)."""

    name = "binary"
    symbol = "?"

    @classmethod
    def on_error(cls, a: Any, b: Any) -> None:
        # numpy refused the operands: say which op and which shapes, in the course's terms
        check_broadcast(f"{cls.name} ({cls.symbol})", shape_of(a), shape_of(b))


class Add(BinaryOp):
    """out = a + b.    d(out)/da = 1, d(out)/db = 1: the gradient passes through unchanged."""

    name, symbol = "add", "+"

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (shape_of(a), shape_of(b))
        return a + b

    @staticmethod
    def backward(ctx, grad):
        need_a, need_b = ctx.needs_input_grad
        shape_a, shape_b = ctx.shapes
        return (
            unbroadcast(grad, shape_a) if need_a else None,
            unbroadcast(grad, shape_b) if need_b else None,
        )


class Sub(BinaryOp):
    """out = a - b.    d(out)/da = 1, d(out)/db = -1."""

    name, symbol = "sub", "-"

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (shape_of(a), shape_of(b))
        return a - b

    @staticmethod
    def backward(ctx, grad):
        need_a, need_b = ctx.needs_input_grad
        shape_a, shape_b = ctx.shapes
        return (
            unbroadcast(grad, shape_a) if need_a else None,
            unbroadcast(-grad, shape_b) if need_b else None,
        )


class Mul(BinaryOp):
    """out = a * b.    d(out)/da = b, d(out)/db = a (the course's u = b*c: du/db = c)."""

    name, symbol = "mul", "*"

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad
        # only what backward multiplies by is kept (as PyTorch does): da needs b, db needs a, so a
        # changed in place later does no harm when db is not wanted; the shape is kept instead
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        if not need_b:
            ctx.shape_a = shape_of(a)
        if not need_a:
            ctx.shape_b = shape_of(b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (
            unbroadcast(grad * b, shape_of(a) if need_b else ctx.shape_a) if need_a else None,
            unbroadcast(grad * a, shape_of(b) if need_a else ctx.shape_b) if need_b else None,
        )


class Div(BinaryOp):
    """out = a / b.    d(out)/da = 1 / b, d(out)/db = -a / b^2."""

    name, symbol = "div", "/"

    @staticmethod
    def forward(ctx, a, b):
        need_b = ctx.needs_input_grad[1]
        ctx.save_for_backward(a if need_b else None, b)  # da needs b only; db needs both
        if not need_b:
            ctx.shape_a = shape_of(a)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (
            unbroadcast(grad / b, shape_of(a) if need_b else ctx.shape_a) if need_a else None,
            unbroadcast(-grad * a / (b * b), shape_of(b)) if need_b else None,
        )


class Pow(BinaryOp):
    """out = a ** b.    d(out)/da = b * a^(b-1), d(out)/db = a^b * log(a) (defined for a > 0).

    At a = 0 the formulas meet 0 * inf; the limits are taken there, as PyTorch does: d(out)/da = 0
    where b = 0 (a^0 is 1 for every a), and d(out)/db = 0 where a = 0 (0^b is 0 for every b > 0).
    Adding the masks `(b == 0)` to the exponent and `(a == 0)` inside the log gives exactly these
    values and changes nothing elsewhere (they add 0 there)."""

    name, symbol = "pow", "**"

    @staticmethod
    def forward(ctx, a, b):
        out = a**b
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (
            unbroadcast(grad * b * a ** (b - 1 + (b == 0)), shape_of(a)) if need_a else None,
            unbroadcast(grad * out * log(a + (a == 0)), shape_of(b)) if need_b else None,
        )


class Neg(Op):
    """out = -a.    d(out)/da = -1."""

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Maximum(BinaryOp):
    """out = max(a, b), element by element (numpy's `np.maximum`; the course's relu is
    `np.maximum(0, Z)`).    d(out)/da = 1 where a > b, 0 where a < b, and 1/2 where a = b (a tie
    splits the gradient between the two, as PyTorch's `torch.maximum`); d(out)/db = 1 - d(out)/da.

    Args:
        other: a Tensor, a Python number or an array, broadcast against this tensor.

    Returns:
        A new Tensor of the broadcast shape.

    Raises:
        ValueError: the shapes do not broadcast.
        TypeError: `other` is not numbers.

    Examples:
        >>> from tinygrad_edu import Tensor
        >>> Tensor([-1.0, 2.0]).maximum(0.0)
        Tensor([0., 2.])
    """

    name, symbol = "maximum", "max"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _split(ctx, grad, a, b, values(a) > values(b), values(a) == values(b))


class Minimum(BinaryOp):
    """out = min(a, b), element by element (numpy's `np.minimum`).    d(out)/da = 1 where a < b,
    0 where a > b, and 1/2 where a = b; d(out)/db = 1 - d(out)/da.

    Args:
        other: a Tensor, a Python number or an array, broadcast against this tensor.

    Returns:
        A new Tensor of the broadcast shape.

    Raises:
        ValueError: the shapes do not broadcast.
        TypeError: `other` is not numbers.

    Examples:
        >>> from tinygrad_edu import Tensor
        >>> Tensor([-1.0, 2.0]).minimum(0.0)
        Tensor([-1.,  0.])
    """

    name, symbol = "minimum", "min"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _split(ctx, grad, a, b, values(a) < values(b), values(a) == values(b))


def _split(ctx, grad, a, b, a_wins, tie):
    """The gradients of max/min: to a where it won, to b where b won, half each on a tie. The
    shares are constants (a mask, no derivative), in grad's dtype so float32 stays float32."""
    share_a = np.asarray(a_wins + 0.5 * tie).astype(grad.dtype, copy=False)
    need_a, need_b = ctx.needs_input_grad
    return (
        unbroadcast(grad * share_a, shape_of(a)) if need_a else None,
        unbroadcast(grad * (1.0 - share_a), shape_of(b)) if need_b else None,
    )
