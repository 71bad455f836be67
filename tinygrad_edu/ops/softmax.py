"""softmax and log_softmax over one axis, computed from x - max(x) so that inputs like +-1000 neither
overflow nor give log(0)."""

from __future__ import annotations

import numpy as np

from tinygrad_edu.broadcast import is_int, normalize_axis, one_axis
from tinygrad_edu.ops.base import Op, exp

__all__ = ["LogSoftmax", "Softmax"]


def _check_axis(op: str, x: np.ndarray, axis: int) -> None:
    """softmax normalizes along one axis: an int in range (a 0-d tensor takes -1 or 0, as PyTorch),
    and not an empty one (there is nothing to normalize; numpy's max over it raises too)."""
    if x.ndim == 0 and is_int(axis):
        if axis not in (-1, 0):
            raise ValueError(f"{op}: axis {axis} is out of range for a 0-d tensor (use -1 or 0)")
        return
    ax = one_axis(op, axis, x.ndim, x.shape)  # a 0-d tensor gets here only for a non-int axis
    if x.shape[ax] == 0:
        raise ValueError(
            f"{op}: axis {axis} of a tensor of shape {x.shape} is empty: there is nothing to "
            "normalize"
        )


class Softmax(Op):
    """s_i = e^(x_i) / sum_j e^(x_j) along `axis`.
    ds_i/dx_j = s_i (delta_ij - s_j), so dx = s * (grad - sum(grad * s)).

    Returns:
        A new Tensor of the input's shape.

    Raises:
        ValueError: `axis` is out of range.
        TypeError: `axis` is not one int.

    Examples:
        >>> from tinygrad_edu import Tensor
        >>> Tensor([0.0, 0.0, 0.0, 0.0]).softmax()
        Tensor([0.25, 0.25, 0.25, 0.25])
    """

    @classmethod
    def check(cls, x, axis=-1):
        _check_axis("softmax", x, axis)

    @staticmethod
    def forward(ctx, x, axis=-1):
        (ctx.axis,) = normalize_axis("softmax", axis, x.ndim, x.shape) if x.ndim else (None,)
        e = np.exp(x - x.max(axis=ctx.axis, keepdims=True))
        out = e / e.sum(axis=ctx.axis, keepdims=True)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return out * (grad - (grad * out).sum(axis=ctx.axis, keepdims=True))


class LogSoftmax(Op):
    """y_i = x_i - log(sum_j e^(x_j)) along `axis`.    dy_i/dx_j = delta_ij - softmax_j,
    so dx = grad - softmax * sum(grad).

    Returns:
        A new Tensor of the input's shape.

    Raises:
        ValueError: `axis` is out of range.
        TypeError: `axis` is not one int.

    Examples:
        >>> from tinygrad_edu import Tensor
        >>> Tensor([1000.0, 1000.0]).log_softmax().exp()  # stable: no overflow
        Tensor([0.5, 0.5])
    """

    @classmethod
    def check(cls, x, axis=-1):
        _check_axis("log_softmax", x, axis)

    @staticmethod
    def forward(ctx, x, axis=-1):
        (ctx.axis,) = normalize_axis("log_softmax", axis, x.ndim, x.shape) if x.ndim else (None,)
        shifted = x - x.max(axis=ctx.axis, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=ctx.axis, keepdims=True))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad - exp(out) * grad.sum(axis=ctx.axis, keepdims=True)
