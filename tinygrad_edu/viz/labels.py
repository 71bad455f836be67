"""What the graph drawing and the chain-rule printout call things: names, values and op symbols.

A tensor is called by its `name` when it has one (`Tensor(5.0, name="a")`, the `W1`, `b1` of the
course's models); else by the variable that holds it in the code that asked for the drawing (`X`,
`Y`, `A1`: `caller_names()`); else an op result by the expression that made it when that is short
(`b * c`, `W1 @ X`), and `t1`, `t2`, ... in the order met. Both printouts share one `Namer`, so a
tensor has the same name in the graph and in the steps of backward.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np

from tinygrad_edu._frames import add_tensor_names
from tinygrad_edu.tensor import Tensor

MAX_EXPRESSION = 16  # longer expressions read worse than `t7`
SMALL = 6  # arrays of at most this many elements show their values
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep

# ops drawn as an operator between their operands (`a + b`); the rest as a function (`tanh(Z)`)
_INFIX = {"Add": "+", "Sub": "-", "Mul": "*", "Div": "/", "Pow": "**", "MatMul": "@"}
_PRIORITY = {"Add": 1, "Sub": 1, "Mul": 2, "Div": 2, "MatMul": 2, "Pow": 4, "Neg": 3}


def op_symbol(ctx: Any) -> str:
    """`+`, `*`, `@` for the arithmetic ops; the lowercase class name (`tanh`, `sum`) otherwise."""
    name = type(ctx).__name__
    return _INFIX.get(name) or getattr(type(ctx), "symbol", None) or name.lower()


def format_value(value: Any) -> str:
    """A number as `5` or `0.125`; a small array as `[1, 2.5]`; a large one as its shape."""
    arr = np.asarray(value)
    if arr.size == 1:
        return f"{arr.reshape(-1)[0].item():g}"
    if arr.size <= SMALL:  # on one line, also for a column such as b1 (4, 1)
        text = np.array2string(arr, precision=4, separator=", ", suppress_small=True)
        return " ".join(text.split())
    return f"array{arr.shape}"


def format_shape(shape: tuple[int, ...]) -> str:
    """`(4, 400)`, and `()` for a 0-d scalar."""
    return str(tuple(shape))


def caller_names() -> dict[int, str]:
    """The names the user's code gives tensors: `{id(tensor): variable}` for every variable that
    holds a Tensor in the frames on the stack outside tinygrad_edu (a notebook cell's are the
    notebook's globals), the innermost frame first. Names starting with `_` are skipped (IPython's
    `_`, `_3`). The tensors are alive while the caller runs, so their ids are unique until then."""
    names: dict[int, str] = {}
    frame: Any = sys._getframe(1)
    while frame is not None:
        if not frame.f_code.co_filename.startswith(_PACKAGE):
            add_tensor_names(frame, names)
        frame = frame.f_back
    return names


class Namer:
    """Gives every tensor of a graph one name (see the module docstring). `names` are the
    `caller_names()`; `root_name` names an output that has no other name (the course calls its
    cost J; None: the root is named as any other tensor)."""

    def __init__(
        self,
        root: Tensor | None = None,
        root_name: str | None = "J",
        names: dict[int, str] | None = None,
    ) -> None:
        self._names: dict[int, str] = dict(names or {})
        self._count = 0
        self._keep: list[Any] = []  # ids stay unique only while their objects live
        if root is not None:
            if root.name is None and root_name is not None:
                self._names.setdefault(id(root), root_name)
            for t in tensors_of(root):  # inputs first, so that expressions can use their names
                self(t)

    def __call__(self, t: Any) -> str:
        """The name of a tensor, or the value of a constant operand (a Python number, an array)."""
        if not isinstance(t, Tensor):
            arr = np.asarray(t)
            return format_value(arr) if arr.size == 1 else f"array{arr.shape}"
        if t.name is not None:
            return t.name
        if id(t) not in self._names:
            self._keep.append(t)
            self._names[id(t)] = self._expression(t) or self._next()
        return self._names[id(t)]

    def expression(self, t: Tensor) -> str | None:
        """`b * c` for the tensor made by `b * c`, in its operands' names (None for a leaf)."""
        ctx = t._ctx
        if ctx is None:
            return None
        op = type(ctx).__name__
        if op in _INFIX and len(ctx.parents) == 2:
            a, b = (
                self._operand(p, _PRIORITY[op], right=i == 1) for i, p in enumerate(ctx.parents)
            )
            return f"{a} {_INFIX[op]} {b}"
        if op == "Neg":
            return f"-{self._operand(ctx.parents[0], 3)}"
        return f"{op_symbol(ctx)}({', '.join(self(p) for p in ctx.parents)})"

    def _operand(self, p: Any, priority: int, right: bool = False) -> str:
        """An operand's name, in parentheses when it is an expression that binds less tightly:
        `W1 @ X + b1`, but `3 * (a + u)` and `a - (b - c)`."""
        name = self(p)
        inner = _PRIORITY.get(type(p._ctx).__name__) if isinstance(p, Tensor) else None
        auto = isinstance(p, Tensor) and p.name is None and " " in name
        if auto and inner is not None and (inner < priority or (inner == priority and right)):
            return f"({name})"
        return name

    def _expression(self, t: Tensor) -> str | None:
        if t._ctx is None or not all(
            not isinstance(p, Tensor) or p.name is not None or id(p) in self._names
            for p in t._ctx.parents
        ):
            return None  # an operand without a name yet: a number is clearer than a long chain
        text = self.expression(t)
        if text is None or len(text) > MAX_EXPRESSION or "array(" in text:
            return None
        return text

    def _next(self) -> str:
        self._count += 1
        return f"t{self._count}"


def tensors_of(root: Tensor) -> list[Tensor]:
    """Every tensor of the graph that made `root`, inputs before the ops that used them.

    Depth-first with an explicit stack (no recursion), as the engine's own sort."""
    order: list[Tensor] = []
    seen: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        t, done = stack.pop()
        if done:
            order.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        if t._ctx is not None:
            stack.extend((p, False) for p in reversed(t._ctx.parents) if isinstance(p, Tensor))
    return order
