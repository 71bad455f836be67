"""How Tensor's operators and methods reach the ops: the operands of `a op b` converted and their
dtypes promoted (`binary`), and the small factories that make a Tensor method from an op class
(`t.exp()` from `Exp`, `t * x` from `Mul`), with the op's docstring (its math) as the method's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_edu.engine import function
from tinygrad_edu.engine.function import is_tensor
from tinygrad_edu.ops.base import not_numbers, operand
from tinygrad_edu.ops.compare import compare
from tinygrad_edu.ops.inplace import inplace
from tinygrad_edu.ops.matmul import MatMul

__all__: list[str] = []

_SCALARS = (int, float, bool)
_COMPARISONS = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge", "==": "eq", "!=": "ne"}


def operator(op: type, reflected: bool = False) -> Callable:
    """The operator `t op other` (`other op t` when reflected), named and documented after the op."""
    if reflected:

        def operator(self: Any, other: Any) -> Any:
            return binary(op, other, self)

    else:

        def operator(self: Any, other: Any) -> Any:
            return binary(op, self, other)

    spelled = {"Div": "truediv"}.get(op.__name__, op.__name__.lower())
    operator.__name__ = f"__{'r' if reflected else ''}{spelled}__"
    operator.__doc__ = op.__doc__
    return operator


def unary(op: type) -> Callable:
    """The method `t.exp()` for the op `Exp`: its docstring is the op's (the math)."""

    def method(self: Any) -> Any:
        return op.apply(self)

    method.__name__, method.__doc__ = op.__name__.lower(), op.__doc__
    return method


def inplace_operator(op: type, ufunc: Any, operator: Callable) -> Callable:
    def method(self: Any, other: Any) -> Any:
        return inplace(self, op, ufunc, other, operator)

    method.__name__ = f"__i{operator.__name__[2:]}"
    method.__doc__ = f"`t {op.symbol}= x` in place (see ops/inplace.py)."
    return method


def comparison(symbol: str, fn: Any) -> Callable:
    def method(self: Any, other: Any) -> Any:
        return compare(self, other, symbol, fn)

    method.__name__ = f"__{_COMPARISONS[symbol]}__"
    method.__doc__ = f"`t {symbol} x`, a bool tensor with no history."
    return method


def binary(op: type, a: Any, b: Any) -> Any:
    """`a op b` for the operators, one of `a` and `b` a Tensor: Python numbers go to the op as they
    are (numpy keeps the tensor's dtype for them), arrays and lists are converted to the tensor's
    dtype, and two tensors of different dtypes follow PyTorch's promotion (`_promote`)."""
    ta, tb, Tensor = type(a), type(b), function._tensor
    if ta is Tensor:
        if tb in _SCALARS and op is not MatMul:  # the commonest cases: x * 1.0001, W @ A + b
            return op.apply(a, b)
        if tb is Tensor:
            if a._data.dtype is not b._data.dtype and op is not MatMul:  # matmul refuses 0-d
                a, b = _promote(a, b)
            return op.apply(a, b)
    elif ta in _SCALARS and tb is Tensor and op is not MatMul:
        return op.apply(a, b)
    reflected = not is_tensor(a)
    tensor, other = (b, a) if reflected else (a, b)
    if op is MatMul and type(other) in _SCALARS:
        # matmul refuses a scalar whatever its value, and the op's own error says to use * instead:
        # a 0-d array stands in for the number (converting it could fail for an int like 10**400)
        other = np.zeros(())
    value = operand(tensor, other)
    if value is NotImplemented:
        # Python would try the other operand's reflected method next: after a reflected call nobody
        # is left, and numpy's own message would not name the op. Say here what is wrong.
        if reflected or isinstance(other, np.ndarray):
            raise not_numbers(f"{op.name} ({op.symbol})", other)
        return NotImplemented
    return op.apply(value, tensor) if reflected else op.apply(tensor, value)


def _promote(a: Any, b: Any) -> tuple[Any, Any]:
    """PyTorch's rule for two float tensors of different dtypes: a 0-d tensor does not change the
    dtype of one with dimensions (float32 (3,) * float64 () is float32); otherwise numpy's."""
    if a._data.dtype.kind == "f" and b._data.dtype.kind == "f":
        if a.ndim == 0 and b.ndim:
            return a.astype(b.dtype), b
        if b.ndim == 0 and a.ndim:
            return a, b.astype(a.dtype)
    return a, b
