"""Argument checks written once: what counts as an int, a real number, an axis or a shape.

Python's `bool` is a subclass of `int`, so `isinstance(True, int)` holds and `Linear(True, 3)` would
quietly build a layer of one input. Every public function refuses bools where it wants a count, and
accepts numpy's integers and floats (`np.int64(3)` from `X.shape` or `np.argmax`) like Python's.

Each check names the function and the argument in its message, so the error points at the call:

    >>> check_positive_int("Linear", "n_in", 0)
    Traceback (most recent call last):
    ...
    ValueError: Linear: n_in must be an int >= 1, got 0

This module imports numpy and the standard library only: the engine, the ops and the layers all
use it.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any

import numpy as np

__all__ = [
    "check_int",
    "check_positive_int",
    "check_positive_real",
    "check_real",
    "check_shape",
    "is_int",
    "is_real",
    "normalize_axis",
    "one_axis",
]

# numpy registers its integer and floating types with `numbers`, but not np.bool_
_BOOLS = (bool, np.bool_)


def is_int(value: Any) -> bool:
    """An integer (Python's or numpy's), but not a bool."""
    return isinstance(value, Integral) and not isinstance(value, _BOOLS)


def is_real(value: Any) -> bool:
    """A real number (int or float, Python's or numpy's), but not a bool; nan and inf included."""
    return isinstance(value, Real) and not isinstance(value, _BOOLS)


def check_int(where: str, name: str, value: Any, minimum: int = 0) -> int:
    """`value` as a Python int, when it is an int >= `minimum`.

    Args:
        where: the function or op to name in the message (`"mini_batches"`).
        name: the argument's name.
        value: what the caller passed.
        minimum: the smallest value allowed.

    Returns:
        `int(value)`.

    Raises:
        ValueError: `value` is not an int (a bool is not), or is below `minimum`."""
    if not (is_int(value) and value >= minimum):
        raise ValueError(f"{where}: {name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def check_positive_int(where: str, name: str, value: Any) -> int:
    """`check_int` with minimum 1: a count of something that cannot be empty (see `check_int`)."""
    return check_int(where, name, value, minimum=1)


def check_real(
    where: str, name: str, value: Any, lowest: float = -math.inf, highest: float = math.inf
) -> float:
    """`value` when it is a finite real number with `lowest <= value < highest`.

    Args:
        where: the function or op to name in the message (`"Adam"`).
        name: the argument's name.
        value: what the caller passed.
        lowest: the smallest value allowed.
        highest: the first value too large (excluded), inf for no upper bound.

    Returns:
        `value`, unchanged.

    Raises:
        ValueError: `value` is not a real number (a bool is not), is nan or inf, or is out of
            the interval; the message gives the interval."""
    if not (is_real(value) and math.isfinite(value) and lowest <= value < highest):
        if highest < math.inf:
            interval = f" in [{lowest}, {highest})"
        else:
            interval = f" >= {lowest}" if lowest > -math.inf else ""
        raise ValueError(f"{where}: {name} must be a number{interval}, got {value!r}")
    return value


def check_positive_real(where: str, name: str, value: Any) -> float:
    """`value` when it is a finite real number > 0 (a learning rate, a scale).

    Raises:
        ValueError: it is not a real number, is nan or inf, or is <= 0."""
    if not (is_real(value) and math.isfinite(value) and value > 0):
        raise ValueError(f"{where}: {name} must be a number > 0, got {value!r}")
    return value


def normalize_axis(op: str, axis: Any, ndim: int, shape: tuple[int, ...] = ()) -> tuple[int, ...]:
    """`axis` (None, an int or a tuple of ints, negative allowed) as a sorted tuple of axes in
    `range(ndim)`, as numpy reads it: None means every axis, -1 the last.

    Args:
        op: the op to name in the message (`"sum"`).
        axis: what the caller passed.
        ndim: the number of dimensions of the tensor reduced.
        shape: its shape, for the message.

    Returns:
        The axes, each in `range(ndim)`, sorted.

    Raises:
        TypeError: an axis is not an int (a bool is not).
        ValueError: an axis is out of range, or one axis is given twice."""
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    out = []
    for a in axes:
        if not is_int(a):
            raise TypeError(
                f"{op}: axis must be None, an int or a tuple of ints, got {axis!r} "
                f"({type(a).__name__})"
            )
        if not -ndim <= a < ndim:
            valid = f"{-ndim}..{ndim - 1}" if ndim else "none (the tensor is 0-d)"
            raise ValueError(
                f"{op}: axis {int(a)} is out of range for a tensor of shape {tuple(shape)} "
                f"({ndim} dimensions); valid axes: {valid}"
            )
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: axis {axis!r} repeats an axis")
    return tuple(sorted(out))


def one_axis(op: str, axis: Any, ndim: int, shape: tuple[int, ...] = ()) -> int:
    """One axis (an int, not a tuple: softmax, argmax, the class axis of a cost) in `range(ndim)`.

    Raises:
        TypeError: `axis` is not one int.
        ValueError: it is out of range (see `normalize_axis`)."""
    if not is_int(axis):
        raise TypeError(f"{op}: axis must be one int, got {axis!r} ({type(axis).__name__})")
    (ax,) = normalize_axis(op, axis, ndim, shape)
    return ax


def check_shape(op: str, shape: tuple, allow_negative: bool = False) -> tuple[int, ...]:
    """A shape argument: `f(2, 3)` and `f((2, 3))` both give (2, 3); every size an int >= 0.

    Args:
        op: the function to name in the message (`"zeros"`).
        shape: the sizes as the caller passed them (`*shape`).
        allow_negative: accept -1 for one size to be inferred (as reshape does).

    Returns:
        The shape as a tuple of Python ints.

    Raises:
        TypeError: a size is not an int.
        ValueError: a size is negative (other than an allowed -1)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for n in shape:
        if not is_int(n):
            raise TypeError(f"{op}: sizes must be ints, got {shape!r}")
        if n < 0 and not (allow_negative and n == -1):
            raise ValueError(f"{op}: sizes must be >= 0, got {shape!r}")
    return tuple(int(n) for n in shape)
