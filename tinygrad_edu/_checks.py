"""Argument checks written once: what counts as an int, a real number, an axis or a shape.

Python's `bool` is a subclass of `int`, so `isinstance(True, int)` holds and `Linear(True, 3)` would
quietly build a layer of one input. Every public function refuses bools where it wants a count, and
accepts numpy's integers and floats (`np.int64(3)` from `X.shape` or `np.argmax`) like Python's.

Each check names the function and the argument in its message, so the error points at the call:

    >>> check_positive_int("Linear", "n_in", 0)
    Traceback (most recent call last):
    ...
    ValueError: Linear: n_in must be an int >= 1, got 0

The checks of shapes and axes (and `is_int`) live in broadcast.py, beside the broadcasting rules,
so the ops and tensor.py need only that file; they are importable from here too.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

# shapes and axes, with the int test they need, are kept with broadcasting (ops/ and tensor.py use
# them); re-exported here with the other argument checks
from tinygrad_edu.broadcast import _BOOLS, check_shape, is_int, normalize_axis, one_axis

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
