"""Reductions: sum, mean, max over `axis` (None, an int or a tuple; negative allowed).

The backward of a reduction spreads the gradient back over the reduced axes: each input element
contributed to one output element, so it receives that output's gradient (times its local derivative).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_edu.broadcast import normalize_axis
from tinygrad_edu.ops.base import Op, broadcast_to, values

__all__ = ["Max", "Mean", "Sum"]


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """The output shape with keepdims=True: reduced axes become 1."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Op):
    """out = sum of a over `axis`.    d(out)/da = 1 for every element summed (the course's
    `db = np.sum(dZ, axis=1, keepdims=True)` is this op's backward for a broadcast b).

    Returns:
        A new Tensor, the sum over `axis`.

    Raises:
        ValueError: an axis is out of range or repeated.
        TypeError: an axis is not an int.

    Examples:
        >>> from tinygrad_edu import Tensor
        >>> Tensor([[1.0, 2.0], [3.0, 4.0]]).sum(axis=1, keepdims=True)
        Tensor([[3.],
                [7.]])
    """

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        axes = normalize_axis("sum", axis, a.ndim, a.shape)
        ctx.in_shape, ctx.kept = a.shape, _kept_shape(a.shape, axes)
        return np.add.reduce(a, axis=axes, keepdims=keepdims)  # a.sum, without its Python wrapper

    @staticmethod
    def backward(ctx, grad):
        return broadcast_to(grad.reshape(ctx.kept), ctx.in_shape)


class Mean(Op):
    """out = (1/n) * sum of a over `axis`, n the number of elements averaged.
    d(out)/da = 1/n for each of them (the course's cost J = (1/m) sum L).

    Over an empty axis (n = 0) the mean is nan, as numpy's (which warns), and the gradient has no
    elements at all.

    Returns:
        A new Tensor, the mean over `axis`.

    Raises:
        ValueError: an axis is out of range or repeated.
        TypeError: an axis is not an int.

    Examples:
        >>> from tinygrad_edu import Tensor
        >>> Tensor([[1.0, 2.0], [3.0, 4.0]]).mean(axis=0)
        Tensor([2., 3.])
    """

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        axes = normalize_axis("mean", axis, a.ndim, a.shape)
        ctx.in_shape, ctx.kept = a.shape, _kept_shape(a.shape, axes)
        # n = 0 (an empty axis): the gradient has no elements, so 1 keeps backward from 1/0
        ctx.n = math.prod(a.shape[i] for i in axes) or 1
        return a.mean(axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        return broadcast_to(grad.reshape(ctx.kept) / ctx.n, ctx.in_shape)


class Max(Op):
    """out = max of a over `axis`.    d(out)/da = 1 at the maximum, 0 elsewhere.

    Ties: when k elements share the maximum, each receives 1/k of the gradient (the gradient of the
    max is then the average of the tied one-hot gradients, as PyTorch's `amax` does).

    Returns:
        A new Tensor, the largest value over `axis`.

    Raises:
        ValueError: an axis is out of range or repeated, or an axis to reduce is empty.
        TypeError: an axis is not an int.

    Examples:
        >>> from tinygrad_edu import Tensor
        >>> x = Tensor([1.0, 3.0, 3.0], requires_grad=True)
        >>> x.max().backward()
        >>> x.grad  # the tie splits the gradient
        Tensor([0. , 0.5, 0.5])
    """

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        axes = normalize_axis("max", axis, a.ndim, a.shape)
        if any(a.shape[i] == 0 for i in axes):
            raise ValueError(
                f"max: cannot take the max over an empty axis; the tensor has shape {a.shape}"
            )
        out = a.max(axis=axes, keepdims=True)
        ctx.save_for_backward(a, out)
        ctx.axes, ctx.kept = axes, out.shape
        return out if keepdims else out.reshape([n for i, n in enumerate(a.shape) if i not in axes])

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        winners = values(a) == values(out)  # a constant mask, in grad's dtype (float32 stays)
        share = (winners / winners.sum(axis=ctx.axes, keepdims=True)).astype(grad.dtype, copy=False)
        return share * grad.reshape(ctx.kept)


def argmax(t: Any, axis: int | None = None, keepdims: bool = False) -> Any:
    """The index of the largest value along `axis` (of the flattened values when None), as an int64
    tensor with no history (an index has no gradient). Ties give the first index.

    Raises:
        TypeError: `axis` is not None or one int.
        ValueError: `axis` is out of range, or the values are empty."""
    if axis is not None:
        if isinstance(axis, (tuple, list)):
            raise TypeError(f"argmax: axis must be None or one int, got {axis!r}")
        (axis,) = normalize_axis("argmax", axis, t.ndim, t.shape)
    if t.size == 0:
        raise ValueError(f"argmax: the tensor of shape {t.shape} is empty")
    return type(t)._wrap(np.asarray(np.argmax(t._data, axis=axis, keepdims=keepdims)))
