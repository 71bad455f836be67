"""Hypothesis strategies for op arguments: reduction axes, indices, reshape and broadcast targets,
transpose permutations, each valid for a tensor of the given shape."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = ["axes", "broadcast_targets", "indices", "permutations", "reshape_targets"]


def axes(ndim: int, allow_none: bool = True, allow_tuple: bool = True) -> st.SearchStrategy:
    """A reduction axis for a tensor of `ndim` axes: None, an int (negative allowed) or a tuple
    of distinct ints (negative allowed, any order).

    Args:
        ndim: the tensor's number of axes.
        allow_none: draw None (every axis) too.
        allow_tuple: draw tuples of axes too.

    Returns:
        A strategy of axes.

    Raises:
        ValueError: nothing can be drawn (`ndim` 0 without None or tuples)."""
    options: list[st.SearchStrategy[Any]] = []
    if allow_none:
        options.append(st.none())
    if ndim > 0:
        options.append(st.integers(-ndim, ndim - 1))
    if allow_tuple:
        options.append(
            hnp.valid_tuple_axes(ndim).flatmap(
                lambda ax: st.tuples(*(st.sampled_from([a % ndim, a % ndim - ndim]) for a in ax))
            )
        )
    if not options:
        raise ValueError("axes: nothing to draw (a 0-d tensor without None or tuples)")
    return st.one_of(options)


def indices(shape: tuple[int, ...], allow_arrays: bool = True) -> st.SearchStrategy:
    """Indices for a tensor of `shape`: numpy's basic indices (ints, negative ints, slices with
    any step, None, Ellipsis) and, when `allow_arrays`, integer-array indices, which may repeat a
    position (one array per axis, or one array after full slices), and boolean masks.

    Args:
        shape: the indexed tensor's shape.
        allow_arrays: draw integer-array indices and boolean masks too.

    Returns:
        A strategy of indices."""
    basic = hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True)
    if not allow_arrays or not shape or 0 in shape:
        return basic
    result_shape = hnp.array_shapes(min_dims=1, max_dims=2, max_side=4)
    full = hnp.integer_array_indices(shape, result_shape=result_shape)

    def after_slices(axis: int) -> st.SearchStrategy:
        return hnp.integer_array_indices((shape[axis],), result_shape=result_shape).map(
            lambda arr: (slice(None),) * axis + arr
        )

    one_axis = st.integers(0, len(shape) - 1).flatmap(after_slices)
    mask = hnp.arrays(np.bool_, shape)
    return st.one_of(basic, full, one_axis, mask)


def reshape_targets(shape: tuple[int, ...], max_dims: int = 4) -> st.SearchStrategy:
    """Shapes with as many elements as `shape` (sizes of 1 inserted anywhere), up to `max_dims`
    axes, one size possibly -1 (numpy infers it).

    Args:
        shape: the shape to reshape from.
        max_dims: the most axes of a target (more when `shape` has more prime factors).

    Returns:
        A strategy of shape tuples."""
    n = math.prod(shape)
    factors = _prime_factors(n)
    min_dims = 1 if factors or n == 0 else 0
    max_dims = max(max_dims, min_dims)

    @st.composite
    def target(draw: Any) -> tuple[int, ...]:
        k = draw(st.integers(min_dims, max_dims))
        sizes = [1] * k
        if n == 0:
            sizes[draw(st.integers(0, k - 1))] = 0
        for f in factors:
            sizes[draw(st.integers(0, k - 1))] *= f
        if k and n and draw(st.booleans()):
            sizes[draw(st.integers(0, k - 1))] = -1
        return tuple(sizes)

    return target()


def broadcast_targets(
    shape: tuple[int, ...], max_dims: int = 4, max_side: int = 4
) -> st.SearchStrategy:
    """Shapes that `shape` broadcasts to (for `broadcast_to`): numpy's broadcast of `shape` with a
    shape from `hnp.broadcastable_shapes`.

    Args:
        shape: the shape to broadcast from.
        max_dims: the most axes of a target (at least `len(shape)`).
        max_side: the largest size of an added axis.

    Returns:
        A strategy of shape tuples."""
    return hnp.broadcastable_shapes(
        shape, max_dims=max(max_dims, len(shape)), max_side=max_side
    ).map(lambda other: tuple(np.broadcast_shapes(tuple(shape), other)))


def permutations(ndim: int, allow_none: bool = True) -> st.SearchStrategy:
    """Axes for `transpose`: None (reverse them) or a permutation of range(ndim), each axis possibly
    written negative.

    Args:
        ndim: the tensor's number of axes.
        allow_none: draw None too.

    Returns:
        A strategy of None or tuples of `ndim` axes."""
    perm = st.permutations(range(ndim)).flatmap(
        lambda p: st.tuples(*(st.sampled_from([a, a - ndim]) for a in p))
    )
    return st.one_of(st.none(), perm) if allow_none else perm


def _prime_factors(n: int) -> list[int]:
    out, f = [], 2
    while n > 1 and f * f <= n:
        while n % f == 0:
            out.append(f)
            n //= f
        f += 1
    if n > 1:
        out.append(n)
    return out
