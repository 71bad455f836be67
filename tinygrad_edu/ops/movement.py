"""Ops that move values without changing them: reshape, squeeze, transpose, broadcast_to and
indexing.

Their gradients move the gradient back the same way: reshape it back, transpose it back, sum it over
the broadcast axes, or scatter it back to the positions that were read.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_edu.broadcast import check_broadcast, is_int, normalize_axis, unbroadcast
from tinygrad_edu.engine.function import is_tensor
from tinygrad_edu.ops.base import Op

__all__ = ["BroadcastTo", "Index", "Reshape", "ScatterAdd", "Squeeze", "Transpose"]


class Reshape(Op):
    """out = a with a new shape (same values in the same order; one size may be -1).
    d(out)/da: the identity, so da = grad reshaped to a's shape."""

    @classmethod
    def check(cls, a, shape):
        if shape.count(-1) > 1:
            raise ValueError(f"reshape: only one size may be -1, got {shape}")
        known = math.prod(n for n in shape if n != -1)
        ok = (known != 0 and a.size % known == 0) if -1 in shape else known == a.size
        if not ok:
            given = "" if -1 in shape else f" ({known} elements)"
            raise ValueError(
                f"reshape: cannot reshape a tensor of shape {a.shape} ({a.size} elements) into "
                f"{shape}{given}"
            )

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape)


class Squeeze(Op):
    """out = a without its axes of size 1 (only `axis` when given).
    d(out)/da: the identity, so da = grad reshaped to a's shape."""

    @classmethod
    def check(cls, a, axis=None):
        if axis is None:
            return
        for ax in normalize_axis("squeeze", axis, a.ndim, a.shape):
            if a.shape[ax] != 1:
                raise ValueError(
                    f"squeeze: axis {ax} of a tensor of shape {a.shape} has size {a.shape[ax]}; "
                    "only axes of size 1 can be squeezed"
                )

    @staticmethod
    def forward(ctx, a, axis=None):
        ctx.in_shape = a.shape
        axes = None if axis is None else normalize_axis("squeeze", axis, a.ndim, a.shape)
        return np.squeeze(a, axis=axes).view()  # a view even when nothing is squeezed

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape)


class Transpose(Op):
    """out = a with its axes permuted (reversed when no axes are given: `.T`).
    d(out)/da: the identity, so da = grad with the inverse permutation."""

    @classmethod
    def check(cls, a, axes=None):
        if axes is None:
            return
        for ax in axes:
            if not is_int(ax):
                raise TypeError(f"transpose: axes must be ints, got {axes!r}")
        if sorted(ax % a.ndim if -a.ndim <= ax < a.ndim else ax for ax in axes) != list(
            range(a.ndim)
        ):
            raise ValueError(
                f"transpose: axes {tuple(axes)} are not a permutation of the {a.ndim} axes of a "
                f"tensor of shape {a.shape}"
            )

    @staticmethod
    def forward(ctx, a, axes=None):
        axes = tuple(reversed(range(a.ndim))) if axes is None else tuple(ax % a.ndim for ax in axes)
        ctx.inverse = tuple(int(i) for i in np.argsort(axes))
        return a.transpose(axes)

    @staticmethod
    def backward(ctx, grad):
        return grad.transpose(ctx.inverse)


class BroadcastTo(Op):
    """out = a stretched to `shape` by numpy broadcasting.
    Each input element is copied to several outputs, so da = grad summed over the copies."""

    @classmethod
    def check(cls, a, shape):
        if len(shape) < a.ndim or check_broadcast("broadcast_to", a.shape, shape) != shape:
            raise ValueError(
                f"broadcast_to: cannot broadcast a tensor of shape {a.shape} to {shape}: sizes "
                "must match or be 1 in the tensor, aligned from the right"
            )

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a.shape
        return np.broadcast_to(a, shape).copy()

    @staticmethod
    def backward(ctx, grad):
        return unbroadcast(grad, ctx.in_shape)


class Index(Op):
    """out = a[index] (ints, slices with any step, None, ..., and integer or boolean arrays, as numpy).
    Each output element is one input element, so da is zero except at the positions read, which
    receive their gradient; a position read twice receives the sum of both."""

    @classmethod
    def check(cls, a, index):
        parts = index if isinstance(index, tuple) else (index,)
        for p in parts:
            if isinstance(p, (float, np.floating, str)) or p is True or p is False:
                raise IndexError(
                    f"index: only ints, slices, None, ... and int or bool arrays can index a "
                    f"tensor, got {p!r} (tensor shape {a.shape})"
                )

    @staticmethod
    def forward(ctx, a, index):
        index = plain_index(index)
        try:
            out = a[index]
        except IndexError as exc:
            raise IndexError(f"index: {exc} (tensor shape {a.shape}, index {index!r})") from None
        ctx.in_shape, ctx.index = a.shape, index
        ctx.repeats = _has_arrays(index)
        if not isinstance(out, np.ndarray):  # an int per axis: numpy gives a scalar, a copy
            out = a[(*(index if isinstance(index, tuple) else (index,)), Ellipsis)]  # a 0-d view
        return out

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, np.ndarray):
            return _scatter(grad, ctx.in_shape, ctx.index, ctx.repeats)
        return ScatterAdd.apply(grad, shape=ctx.in_shape, index=ctx.index, repeats=ctx.repeats)


class ScatterAdd(Op):
    """out = zeros(shape) with g added at the positions `index` reads: the gradient of a[index] as an
    op of its own, so that it can be differentiated again (create_graph=True).

    d(out)/dg: out is linear in g, and each element of g lands in one place, so dg = grad[index]."""

    internal = True  # no row in the op table: Index's gradient, checked with Index's second order

    @staticmethod
    def forward(ctx, g, shape, index, repeats):
        ctx.index = index
        return _scatter(g, shape, index, repeats)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.index]


def _scatter(g: np.ndarray, shape: tuple[int, ...], index: Any, repeats: bool) -> np.ndarray:
    out = np.zeros(shape, dtype=g.dtype)
    if repeats:
        np.add.at(out, index, g)  # an array index may read a position twice
    else:
        out[index] = g
    return out


def plain_index(index):
    """Tensors inside an index become their arrays, lists become arrays (numpy's reading)."""
    if isinstance(index, tuple):
        return tuple(plain_index(i) for i in index)
    if is_tensor(index):
        return index.data
    if isinstance(index, list):
        try:
            arr = np.asarray(index)
        except ValueError as exc:  # a ragged list: numpy refuses it with a ValueError too
            raise ValueError(f"index: {index!r:.40} is not a rectangular list ({exc})") from None
        # numpy reads an empty list as an empty integer index; np.asarray alone makes it float
        return arr.astype(np.intp) if arr.size == 0 and arr.dtype.kind == "f" else arr
    return index


def _has_arrays(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, np.ndarray) for p in parts)
