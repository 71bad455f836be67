"""Hypothesis strategies for your own property-based tests: values in a `Domain`, arrays, Tensors,
the course's (X, Y); import them from `tinygrad_edu.testing`, whose docstring shows them at work.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st  # testing/__init__.py says how to install it
from hypothesis.extra import numpy as hnp

from tinygrad_edu.tensor import Tensor
from tinygrad_edu.testing.op_table import Domain

__all__ = [
    "Domain",
    "allowed_intervals",
    "arrays_in",
    "broadcastable_tensors",
    "course_layout",
    "course_shapes",
    "matmul_tensors",
    "shapes",
    "tensors",
]

ShapeLike = tuple[int, ...] | st.SearchStrategy
Elements = Domain | st.SearchStrategy | None


# ----------------------------------------------------------------------------------------------
# Values from a Domain


def allowed_intervals(domain: Domain) -> list[tuple[float, float]]:
    """[low, high] minus the open interval (p - gap, p + gap) around each avoided point p.

    Args:
        domain: the Domain.

    Returns:
        The allowed values, a sorted list of closed intervals `(low, high)`.

    Raises:
        ValueError: low > high, or nothing is left."""
    low, high = float(domain.low), float(domain.high)
    if not low <= high:
        raise ValueError(f"Domain: low ({low}) must be <= high ({high})")
    holes = sorted((p - domain.gap, p + domain.gap) for p in domain.avoid)
    intervals: list[tuple[float, float]] = []
    start = low
    for a, b in holes:
        if a > start:
            intervals.append((start, min(a, high)))
        start = max(start, b)
        if start > high:
            break
    if start <= high:
        intervals.append((start, high))
    intervals = [(a, b) for a, b in intervals if a <= b]
    if not intervals:
        raise ValueError(f"{domain} leaves no value to draw: the avoided gaps cover [low, high]")
    return intervals


def _map_to_domain(t: np.ndarray, intervals: list[tuple[float, float]]) -> np.ndarray:
    """Map t in [0, L] (L the total length of the intervals) onto the intervals, keeping order:
    the allowed pieces are laid end to end and t is a position along them."""
    starts = np.array([a for a, _ in intervals])
    ends = np.array([b for _, b in intervals])
    offsets = np.concatenate([[0.0], np.cumsum(ends - starts)])[:-1]
    k = np.clip(np.searchsorted(offsets, t, side="right") - 1, 0, len(intervals) - 1)
    return np.clip(starts[k] + (t - offsets[k]), starts[k], ends[k])


@st.composite
def _domain_array(draw: Any, domain: Domain, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    intervals = allowed_intervals(domain)
    length = sum(b - a for a, b in intervals)
    n = math.prod(shape)
    if domain.distinct and n > 1:
        # n evenly spaced slots along the allowed set, in a drawn order, each jittered within the
        # middle half of its slot: distinct, and at least length / (2n) apart.
        order = np.array(draw(st.permutations(range(n))), dtype=np.float64)
        jitter = draw(hnp.arrays(np.float64, n, elements=st.floats(0.0, 1.0)))
        t = length / n * (order + 0.25 + 0.5 * jitter)
    else:
        elements = st.floats(0.0, length) if length > 0 else st.just(0.0)
        t = draw(hnp.arrays(np.float64, n, elements=elements))
    values = _map_to_domain(t, intervals).reshape(shape)
    return values.astype(dtype)


def arrays_in(
    domain: Domain | None = None,
    shape: ShapeLike = (),
    dtype: Any = np.float64,
) -> st.SearchStrategy[np.ndarray]:
    """Arrays with values from `domain` (when `distinct`, at least (high - low) / (2 size) apart).

    Args:
        domain: where the values are drawn (None: `Domain()`, [-3, 3]).
        shape: the arrays' shape, a tuple or a strategy of tuples.
        dtype: their float dtype.

    Returns:
        A strategy of numpy arrays."""
    domain = Domain() if domain is None else domain
    dtype = np.dtype(dtype)
    allowed_intervals(domain)  # fail now, not inside a test, for an empty domain
    shape_st = shape if isinstance(shape, st.SearchStrategy) else st.just(tuple(shape))
    return shape_st.flatmap(lambda s: _domain_array(domain, tuple(s), dtype))


def _arrays(elements: Elements, shape: ShapeLike, dtype: Any) -> st.SearchStrategy[np.ndarray]:
    if elements is None or isinstance(elements, Domain):
        return arrays_in(elements, shape, dtype)
    if isinstance(elements, st.SearchStrategy):
        return hnp.arrays(np.float64, shape, elements=elements).map(
            lambda a: a.astype(np.dtype(dtype))
        )
    raise TypeError(f"elements must be a Domain or a Hypothesis strategy, got {elements!r}")


# ----------------------------------------------------------------------------------------------
# Shapes and tensors


def shapes(
    min_dims: int = 0, max_dims: int = 4, min_side: int = 1, max_side: int = 4
) -> st.SearchStrategy[tuple[int, ...]]:
    """Shapes with `min_dims`..`max_dims` axes of `min_side`..`max_side` each (0-d allowed).

    Args:
        min_dims: the fewest axes.
        max_dims: the most axes.
        min_side: the smallest size of an axis.
        max_side: the largest size of an axis.

    Returns:
        A strategy of shape tuples."""
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def tensors(
    shape: ShapeLike | None = None,
    dtype: Any = np.float64,
    elements: Elements = None,
    requires_grad: bool = False,
    min_dims: int = 0,
    max_dims: int = 4,
    min_side: int = 1,
    max_side: int = 4,
) -> st.SearchStrategy[Tensor]:
    """Tensors of `shape` with values from `elements`.

    Args:
        shape: a tuple, a strategy of tuples, or None for any shape within the limits below.
        dtype: the float dtype.
        elements: a Domain (default [-3, 3]) or a strategy of floats.
        requires_grad: the tensors' flag.
        min_dims: the fewest axes (when no shape is given).
        max_dims: the most axes.
        min_side: the smallest size of an axis.
        max_side: the largest size of an axis.

    Returns:
        A strategy of Tensors."""
    if shape is None:
        shape = shapes(min_dims, max_dims, min_side, max_side)
    return _arrays(elements, shape, dtype).map(
        lambda a: Tensor(a, requires_grad=requires_grad, dtype=dtype)
    )


def broadcastable_tensors(
    n: int = 2,
    dtype: Any = np.float64,
    elements: Elements | tuple[Elements, ...] = None,
    requires_grad: bool = False,
    min_dims: int = 0,
    max_dims: int = 4,
    min_side: int = 1,
    max_side: int = 4,
) -> st.SearchStrategy[tuple[Tensor, ...]]:
    """`n` tensors whose shapes broadcast together (`hnp.mutually_broadcastable_shapes`).

    Args:
        n: how many tensors.
        dtype: their float dtype.
        elements: one Domain or strategy of floats for all, or a tuple of `n`, one per tensor.
        requires_grad: the tensors' flag.
        min_dims: the fewest axes.
        max_dims: the most axes.
        min_side: the smallest size of an axis.
        max_side: the largest size of an axis.

    Returns:
        A strategy of tuples of `n` Tensors."""
    per = elements if isinstance(elements, tuple) else (elements,) * n
    if len(per) != n:
        raise ValueError(f"broadcastable_tensors: {n} tensors but {len(per)} elements given")
    bshapes = hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )
    return bshapes.flatmap(
        lambda s: st.tuples(
            *(
                tensors(shape, dtype, el, requires_grad)
                for shape, el in zip(s.input_shapes, per, strict=True)
            )
        )
    )


def matmul_tensors(
    dtype: Any = np.float64,
    elements: Elements = None,
    requires_grad: bool = False,
    max_batch_dims: int = 2,
    max_side: int = 4,
) -> st.SearchStrategy[tuple[Tensor, Tensor]]:
    """Pairs `(a, b)` valid for `a @ b`: shapes of the gufunc signature `(n?,k),(k,m?)->(n?,m?)`.

    Args:
        dtype: the float dtype.
        elements: a Domain (default [-3, 3]) or a strategy of floats.
        requires_grad: the tensors' flag.
        max_batch_dims: the most batch axes before the matrix axes.
        max_side: the largest size of an axis.

    Returns:
        A strategy of `(a, b)` Tensor pairs."""
    bshapes = hnp.mutually_broadcastable_shapes(
        signature="(n?,k),(k,m?)->(n?,m?)", max_dims=max_batch_dims, max_side=max_side
    )
    return bshapes.flatmap(
        lambda s: st.tuples(
            *(tensors(shape, dtype, elements, requires_grad) for shape in s.input_shapes)
        )
    )


def course_shapes(
    n_x: int | st.SearchStrategy[int] | None = None,
    m: int | st.SearchStrategy[int] | None = None,
    n_y: int = 1,
) -> st.SearchStrategy[tuple[tuple[int, int], tuple[int, int]]]:
    """The course's layout: `((n_x, m), (n_y, m))`, X one example per column and Y its labels.

    Args:
        n_x: the features, an int or a strategy (None: 1..6).
        m: the examples, an int or a strategy (None: 1..8).
        n_y: the rows of Y.

    Returns:
        A strategy of `((n_x, m), (n_y, m))` pairs of shapes."""
    n_x_st = _ints(n_x, 1, 6)
    m_st = _ints(m, 1, 8)
    return st.tuples(n_x_st, m_st).map(lambda nm: ((nm[0], nm[1]), (n_y, nm[1])))


def course_layout(
    n_x: int | st.SearchStrategy[int] | None = None,
    m: int | st.SearchStrategy[int] | None = None,
    n_y: int = 1,
    dtype: Any = np.float64,
    elements: Elements = None,
) -> st.SearchStrategy[tuple[Tensor, Tensor]]:
    """`(X, Y)`: X (n_x, m), Y (n_y, m) of float 0/1 labels; neither requires grad (they are data).

    Args:
        n_x: the features, an int or a strategy (None: 1..6).
        m: the examples, an int or a strategy (None: 1..8).
        n_y: the rows of Y.
        dtype: the float dtype of X and Y.
        elements: X's values, a Domain (default [-3, 3]) or a strategy of floats.

    Returns:
        A strategy of `(X, Y)` Tensor pairs."""

    def build(s: tuple[tuple[int, int], tuple[int, int]]) -> st.SearchStrategy:
        x_shape, y_shape = s
        labels = hnp.arrays(np.float64, y_shape, elements=st.sampled_from([0.0, 1.0]))
        return st.tuples(
            tensors(x_shape, dtype, elements),
            labels.map(lambda y: Tensor(y, dtype=dtype)),
        )

    return course_shapes(n_x, m, n_y).flatmap(build)


def _ints(value: int | st.SearchStrategy[int] | None, low: int, high: int) -> st.SearchStrategy:
    if value is None:
        return st.integers(low, high)
    return value if isinstance(value, st.SearchStrategy) else st.just(int(value))
