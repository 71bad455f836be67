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

from tinygrad_edu.engine.function import Function, is_tensor

_NUMBERS = (int, float, bool)


class Op(Function):
    """A built-in op. Its backward keeps the rules above, so the engine may skip the shape check
    and sum into its gradient arrays in place (checking mode verifies the rules in the tests)."""

    _builtin = True


# A Python number stays a Python number (numpy 2 lets it take the other operand's dtype; its
# np.float64 would make a float32 gradient float64).


def exp(x: Any) -> Any:
    if type(x) in _NUMBERS:
        return float(np.exp(x))
    return x.exp() if is_tensor(x) else np.exp(x)


def log(x: Any) -> Any:
    if type(x) in _NUMBERS:
        return float(np.log(x))
    return x.log() if is_tensor(x) else np.log(x)


def sign(x: Any) -> Any:
    return x.sign() if is_tensor(x) else np.sign(x)


def broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    return x.broadcast_to(shape) if is_tensor(x) else np.broadcast_to(x, shape)


def sigmoid(x: Any) -> Any:
    if is_tensor(x):
        return x.sigmoid()
    with np.errstate(over="ignore"):  # e^-x is inf below x = -709, and 1 / (1 + inf) = 0 is right
        return 1 / (1 + np.exp(-x))


def values(x: Any) -> np.ndarray:
    """The array of x, without history: for a mask or a count, which has no derivative (max's
    winners), taken on the arrays so that its dtype can be chosen (bools divide to float64)."""
    return x.data if is_tensor(x) else x


def shape_of(x: Any) -> tuple[int, ...]:
    """The shape of an op argument (a Python number has shape ())."""
    if type(x) is np.ndarray or is_tensor(x):
        return x.shape
    return () if type(x) in _NUMBERS else np.shape(x)


def not_numbers(op: str, other: Any) -> TypeError:
    """The error for an operand that is not real numbers: a str, None, complex, Python objects."""
    what = type(other).__name__
    if isinstance(other, np.ndarray):
        what += f" of dtype {other.dtype}"
    return TypeError(
        f"{op}: cannot combine a Tensor with {what} {other!r:.40}; the other operand must be a "
        "number, an array (or list) of real numbers, or a Tensor"
    )


def operand(t: Any, other: Any) -> Any:
    """`other` as an op argument: Tensors and Python numbers as they are (numpy keeps the
    tensor's dtype for numbers), arrays and lists copied in the tensor's dtype."""
    if is_tensor(other) or type(other) in _NUMBERS:
        return other
    try:
        arr = np.array(other)
    except (TypeError, ValueError):
        return NotImplemented
    if arr.dtype.kind not in "biuf":  # None would become nan, a string an error deep in numpy
        return NotImplemented
    return arr.astype(t._data.dtype if t._data.dtype.kind == "f" else np.float64)
