"""What every built-in op shares: the `Op` base, the few math helpers a gradient formula needs, and
the rules for writing an op.

Adding an op touches three files, in this order:
1. its family's file in ops/ (unary.py, reduce.py, ...): the class, and its name in the file's
   `__all__` (ops/__init__.py imports every family's `__all__`; a new family file adds its line);
2. tensor.py: one Tensor method, a factory line of ops/dispatch.py (`exp = dispatch.unary(_ops.Exp)`,
   `dispatch.binary(...)` for an operator) or a small method that calls `_ops.<Name>.apply(...)`
   (for a loss: a function in nn/loss.py);
3. tinygrad_edu/testing/op_table.py: one row (how it is called, its numpy reference, its input
   domains, its kind, its PyTorch name). The suites take everything per-op from the table: numpy,
   central differences of the first and second order, PyTorch, the fuzz and error tests.
tests/ops/test_ops_table.py fails if any of the three is missing, and checking mode
(engine/checking.py, turned on for the whole suite by tests/conftest.py) verifies the backward
rules below on every call of every built-in op.

The rules (tests/viz/test_explain.py parses every row's docstring; the gradient suites run every
backward on arrays and, with create_graph, on Tensors):

- The docstring states the math, which viz/formulas.py shows in graphs and explanations. Its first
  paragraph starts with the forward formula, `<output> = <expression>`, ended by a period and a gap
  (two or more spaces, or a new line); the gradient follows in the same paragraph, or, when the
  paragraph holds only the forward formula, it is the next paragraph. The gradient gives one rule
  per input, in input order, each starting `d(out)/da`, `dA/dZ` or `dW =` (an input named with a
  capital), separated by commas or "and"; with not exactly one rule per input, every input is
  shown the whole gradient. Remarks in parentheses that start with "the", "as", "defined" or
  "see" are left out of the per-input rules. Further paragraphs are free prose. Mul's:

      class Mul(BinaryOp):
          \"\"\"out = a * b.    d(out)/da = b, d(out)/db = a (the course's u = b*c: du/db = c).\"\"\"

  gives `op_formula(Mul) == ("out = a * b", "d(out)/da = b, d(out)/db = a (the course's ...)")`
  and `input_rules(Mul, 2) == [("a", "d(out)/da = b"), ("b", "d(out)/db = a")]`.
- `backward(ctx, grad)` returns one gradient per input (a tuple when there are several), each of
  its input's shape and dtype, or None for an input that needs none (`ctx.needs_input_grad`).
- backward returns fresh arrays: never a saved array, an input's or the output's array, or a view
  of one (`a.T`, `a.reshape(...)` of a saved `a`), because the engine may add later gradients
  into a returned array in place. It may return the incoming gradient itself, or a view of it
  (`grad.reshape(shape)`): the engine handles that case.
- backward computes with operators (`+ - * / @ **`), `.T`, `.sum(axis, keepdims)`, `.reshape`,
  `.transpose`, `broadcast.unbroadcast` and the helpers below, never `np.*`, on the incoming
  gradient and the saved values: with `create_graph=True` these are Tensors, and the same formula
  then records its own graph, so there is never a second copy of a gradient. A mask or a count,
  which has no derivative, may be computed with numpy on `values(x)`.
- forward saves what backward needs from the inputs and the output with
  `ctx.save_for_backward(a, out)`: the very arrays forward received and returns, not copies or
  arrays computed from them, so an in-place change of one is detected before backward uses it,
  and with create_graph they come back as the Tensors the graph runs through. Everything else
  (shapes, axes, a dtype) is a plain attribute: `ctx.in_shape = a.shape`.
- Bad arguments raise a ValueError or TypeError that names the op and the values at fault. A
  classmethod `check(cls, *args, **kwargs)` runs before forward (Index.check refuses a float
  index); when a check would cost every call, a classmethod `on_error(cls, *args, **kwargs)` runs
  only after forward raised, and raises the message in the course's terms (BinaryOp's names the
  op and both shapes that do not broadcast).

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
    kind = type(x)
    if kind is np.ndarray:
        return x.shape
    if kind in _NUMBERS:  # before is_tensor: `x * 1.0001` asks this once per op
        return ()
    return x.shape if is_tensor(x) else np.shape(x)


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
