"""Comparisons (`<`, `==`, ...): bool tensors with no history (a mask, not something to
differentiate), so they are plain numpy calls, not Functions."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.broadcast import check_broadcast
from tinygrad_edu.engine.function import is_tensor
from tinygrad_edu.ops.base import not_numbers

__all__: list[str] = []


def compare(t: Any, other: Any, op: str, fn: Any) -> Any:
    """`fn(t, other)` (np.less, np.equal, ...) as a bool Tensor; NotImplemented for an operand
    Python should offer to the other side."""
    if is_tensor(other):
        b = other._data
    elif type(other) in (int, float, bool):
        b = other
    else:  # as numpy compares: in the wider dtype, not cast to the tensor's (float32 0.1 != 0.1)
        try:
            b = np.asarray(other)
        except (TypeError, ValueError):
            b = None
        if b is None or b.dtype.kind not in "biuf":
            if isinstance(other, np.ndarray):  # numpy handed it here: nobody else will name it
                raise not_numbers(op, other)
            return NotImplemented
    if isinstance(b, np.ndarray) and b.shape != t.shape:
        check_broadcast(op, t.shape, b.shape)
    try:
        out = fn(t._data, b)
    except OverflowError:  # a Python int beyond float64, e.g. 10**400
        raise ValueError(f"{op}: {b!r:.40} is too large to compare with a float") from None
    return type(t)._wrap(np.asarray(out))
