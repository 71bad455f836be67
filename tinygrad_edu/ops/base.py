"""What every built-in op shares: the `Op` base and the few math helpers a gradient formula needs.

A gradient formula is written with operators (`+ - * / @ **`), `.T`, `.sum(axis, keepdims)`,
`.reshape` and the helpers below, all of which work on numpy arrays and on Tensors alike. Today the
formulas run on arrays; with `create_graph=True` the same formulas can run on Tensors and record their
own graph, so there is never a second copy of a gradient.

An op that saves its output for backward (exp: d(out)/da = out) saves the very array it returns:
with create_graph=True that array is handed to backward as the output Tensor, so the gradient's graph
runs through it. (On a 0-d input numpy returns a scalar, np.exp(np.asarray(1.0)) is a np.float64;
`apply` makes it an array and puts that array in the op's saved values in its place.)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.engine._core import Function
from tinygrad_edu.tensor import Tensor


class Op(Function):
    """A built-in op. Its backward returns fresh arrays, which the engine may sum into in place."""

    _builtin = True


def exp(x: Any) -> Any:
    return x.exp() if isinstance(x, Tensor) else np.exp(x)


def log(x: Any) -> Any:
    return x.log() if isinstance(x, Tensor) else np.log(x)


def sign(x: Any) -> Any:
    return x.sign() if isinstance(x, Tensor) else np.sign(x)


def broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    return x.broadcast_to(shape) if isinstance(x, Tensor) else np.broadcast_to(x, shape)


def sigmoid(x: Any) -> Any:
    if isinstance(x, Tensor):
        return x.sigmoid()
    with np.errstate(over="ignore"):  # e^-x is inf below x = -709, and 1 / (1 + inf) = 0 is right
        return 1 / (1 + np.exp(-x))


def values(x: Any) -> np.ndarray:
    """The array of x, without history: for a mask or a count, which has no derivative (max's
    winners), taken on the arrays so that its dtype can be chosen (bools divide to float64)."""
    return x.data if isinstance(x, Tensor) else x


def shape_of(x: Any) -> tuple[int, ...]:
    """The shape of an op argument (a Python number has shape ())."""
    if type(x) is np.ndarray or type(x) is Tensor:
        return x.shape
    return () if type(x) in (int, float, bool) else np.shape(x)
