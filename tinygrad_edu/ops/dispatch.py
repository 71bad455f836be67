"""How Tensor's operators and methods reach the ops: the operands of `a op b` converted and their
dtypes promoted (`binary`), and the small factories that make a Tensor method from an op class
(`t.exp()` from `Exp`, `t * x` from `Mul`), with the op's docstring (its math) as the method's.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_edu.engine.function import apply1, apply2, is_tensor
from tinygrad_edu.ops.base import not_numbers, operand
from tinygrad_edu.ops.compare import compare
from tinygrad_edu.ops.inplace import inplace
from tinygrad_edu.ops.matmul import MatMul

__all__: list[str] = []

_SCALARS = (int, float, bool)
_COMPARISONS = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge", "==": "eq", "!=": "ne"}


def unary(op: Any) -> Callable:
    """The method `t.exp()` for the op `Exp`: its docstring is the op's (the math)."""

    def method(self: Any) -> Any:
        return apply1(op, self)

    method.__name__, method.__doc__ = op.__name__.lower(), op.__doc__
    return method


def own_methods(cls: type) -> None:
    """Name each method these factories made after its place in `cls` (`Tensor.exp`,
    `Tensor.__neg__`), so that tracebacks, `help()` and the API reference find it where the user
    does; a method under two names (`abs`, `__abs__`) keeps the first."""
    named: set[int] = set()
    for attr, method in vars(cls).items():
        made_here = inspect.isfunction(method) and method.__module__.startswith(f"{__package__}.")
        if made_here and id(method) not in named:
            named.add(id(method))
            method.__name__, method.__qualname__ = attr, f"{cls.__qualname__}.{attr}"
            method.__module__ = cls.__module__


def unaries(*ops: Any) -> tuple[Callable, ...]:
    """`unary` for each op: `exp, log = unaries(Exp, Log)`."""
    return tuple(unary(op) for op in ops)


def operators(op: Any) -> tuple[Callable, Callable]:
    """`t op x` and the reflected `x op t`: `__add__, __radd__ = operators(Add)`."""
    return binary(op), binary(op, reflected=True)


def comparisons() -> tuple[Callable, ...]:
    """`<`, `<=`, `>`, `>=`, `==`, `!=`, in that order: bool tensors with no history."""
    fns = (np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal)
    return tuple(comparison(symbol, fn) for symbol, fn in zip(_COMPARISONS, fns, strict=True))


def inplace_operator(op: Any, ufunc: Any, operator: Callable) -> Callable:
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


def binary(op: Any, reflected: bool = False, operator: bool = True) -> Callable:
    """The method `t op x` (`x op t` when reflected) for a binary op, named and documented after it.

    Python numbers go to the op as they are (numpy keeps the tensor's dtype for them), arrays and
    lists are converted to the tensor's dtype, and two tensors of different dtypes follow PyTorch's
    promotion (`_promote`). An operand that is not numbers gives NotImplemented to an operator
    (Python then asks the other operand) and a TypeError to a method (`operator=False`:
    t.maximum(x))."""
    matmul = op is MatMul  # matmul refuses 0-d operands, and its error says to use * instead

    def method(self: Any, other: Any) -> Any:  # self is the Tensor, on the right when reflected
        kind = type(other)
        if kind in _SCALARS and not matmul:  # the commonest cases: x * 1.0001, 1 - A
            return apply2(op, other, self) if reflected else apply2(op, self, other)
        if kind is type(self):  # two tensors (W @ A, Z + b): PyTorch's promotion if dtypes differ
            a, b = (other, self) if reflected else (self, other)
            if a._data.dtype is not b._data.dtype and not matmul:
                a, b = _promote(a, b)
            return apply2(op, a, b)
        if matmul and type(other) in _SCALARS:
            # a 0-d array stands in for the number (converting it could fail for an int like 10**400)
            other = np.zeros(())
        value = operand(self, other)
        if value is NotImplemented:
            # Python would try the other operand's reflected method next: after a reflected call
            # nobody is left, and numpy's own message would not name the op. Say here what is wrong.
            if reflected or not operator or isinstance(other, np.ndarray):
                raise not_numbers(f"{op.name} ({op.symbol})", other)
            return NotImplemented
        a, b = (value, self) if reflected else (self, value)
        if not matmul and is_tensor(value) and a._data.dtype is not b._data.dtype:
            a, b = _promote(a, b)  # a Tensor of another class (a subclass)
        return apply2(op, a, b)

    spelled = {"Div": "truediv"}.get(op.__name__, op.__name__.lower())
    method.__name__ = f"__{'r' if reflected else ''}{spelled}__" if operator else spelled
    method.__doc__ = op.__doc__
    return method


def _promote(a: Any, b: Any) -> tuple[Any, Any]:
    """PyTorch's rule for two float tensors of different dtypes: a 0-d tensor does not change the
    dtype of one with dimensions (float32 (3,) * float64 () is float32); otherwise numpy's."""
    if a._data.dtype.kind == "f" and b._data.dtype.kind == "f":
        if a.ndim == 0 and b.ndim:
            return a.astype(b.dtype), b
        if b.ndim == 0 and a.ndim:
            return a, b.astype(a.dtype)
    return a, b
