"""Comparisons (`<`, `==`, ...): bool tensors with no history (a mask, not something to
differentiate), so they are plain numpy calls, not Functions."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.broadcast import check_broadcast
from tinygrad_edu.engine.function import is_tensor
from tinygrad_edu.ops.base import not_numbers, operand

__all__: list[str] = []


def compare(t: Any, other: Any, op: str, fn: Any) -> Any:
    """`fn(t, other)` (np.less, np.equal, ...) as a bool Tensor; NotImplemented for an operand
    Python should offer to the other side."""
    value = operand(t, other)
    if value is NotImplemented:
        if isinstance(other, np.ndarray):  # numpy handed it here: nobody else will name the op
            raise not_numbers(op, other)
        return NotImplemented
    b = value._data if is_tensor(value) else value
    if isinstance(b, np.ndarray) and b.shape != t.shape:
        check_broadcast(op, t.shape, b.shape)
    try:
        out = fn(t._data, b)
    except OverflowError:  # a Python int beyond float64, e.g. 10**400
        raise ValueError(f"{op}: {b!r:.40} is too large to compare with a float") from None
    return type(t)._wrap(np.asarray(out))
