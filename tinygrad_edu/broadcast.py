"""Broadcasting: the check that gives a clear error, and `unbroadcast`, the gradient's way back.

numpy broadcasting stretches an operand along axes of size 1 (and adds leading axes), so `W @ A + b`
adds the column `b` (n, 1) to every one of the m columns. In the forward pass `b` is used m times, so
its gradient is the sum of the m column gradients: `db = np.sum(dZ, axis=1, keepdims=True)`, as the
course writes it. `unbroadcast` is that sum for any pair of shapes.

`normalize_axis` moved to `tinygrad_edu._checks` with the other argument checks; it is imported
here too until every caller imports it from there.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# re-exported: tensor.py still imports it from here (it will import it from _checks)
from tinygrad_edu._checks import normalize_axis

__all__ = ["check_broadcast", "normalize_axis", "unbroadcast"]


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
