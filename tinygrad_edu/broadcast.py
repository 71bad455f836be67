"""Broadcasting: the check that gives a clear error, and `unbroadcast`, the gradient's way back.

numpy broadcasting stretches an operand along axes of size 1 (and adds leading axes), so `W @ A + b`
adds the column `b` (n, 1) to every one of the m columns. In the forward pass `b` is used m times, so
its gradient is the sum of the m column gradients: `db = np.sum(dZ, axis=1, keepdims=True)`, as the
course writes it. `unbroadcast` is that sum for any pair of shapes.

The other shape rules the ops and tensor.py share live here too: an axis argument (`normalize_axis`,
`one_axis`), a shape argument (`check_shape`) and what counts as an int (`is_int`: not a bool).
"""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np

__all__ = ["check_broadcast", "check_shape", "is_int", "normalize_axis", "one_axis", "unbroadcast"]

# numpy registers its integer and floating types with `numbers`, but not np.bool_
_BOOLS = (bool, np.bool_)


def check_broadcast(op: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The broadcast shape of `shapes`, or a ValueError that names the op and every shape."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        pass
    listed = " and ".join(str(tuple(s)) for s in shapes)
    raise ValueError(
        f"{op}: shapes {listed} cannot be broadcast together: aligned from the right, each pair "
        "of sizes must be equal or one of them 1" + _first_conflict(shapes)
    )


def _first_conflict(shapes: tuple[tuple[int, ...], ...]) -> str:
    ndim = max(len(s) for s in shapes)
    for back in range(1, ndim + 1):
        sizes = {s[-back] for s in shapes if len(s) >= back} - {1}
        if len(sizes) > 1:
            return f" (axis {-back}: sizes {' vs '.join(str(n) for n in sorted(sizes))})"
    return ""  # pragma: no cover - only reached for shapes that do broadcast


def unbroadcast(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum `grad` over the axes that broadcasting stretched, so it gets back `shape`.

    Written with `.sum(axis, keepdims)` and `.reshape`, which Tensor has too, so the same code can run
    on Tensors when gradients themselves are differentiated."""
    if grad.shape == shape:
        return grad
    lead = len(grad.shape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1
    )
    if axes:
        # np.add.reduce is what ndarray.sum calls, without the Python wrapper around it
        summed = np.add.reduce if type(grad) is np.ndarray else type(grad).sum
        grad = summed(grad, axis=axes, keepdims=True)
    if lead:
        grad = grad.reshape(shape)
    return grad


def is_int(value: Any) -> bool:
    """An integer (Python's or numpy's), but not a bool."""
    return isinstance(value, Integral) and not isinstance(value, _BOOLS)


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
