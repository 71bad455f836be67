"""The chain rule, step by step: print what backward does, as backward does it.

`explain_backward(J)` runs `J.backward()` with an observer on the engine's sweep (the `trace`
argument of `autograd.run_backward`), so every number printed is one backward computed; the rule
beside it is the op's own docstring, with the graph's names put in. For the course's example::

    dJ/dv = 3
    dJ/da = dJ/dv * dv/da = 3 * 1 = 3
    dJ/du = dJ/dv * dv/du = 3 * 1 = 3
    dJ/db = dJ/du * du/db = 3 * c = 6   (c = 2)
    dJ/dc = dJ/du * du/dc = 3 * b = 9   (b = 3)

For arrays each op gets a block naming the op, its result, and for each input the gradient's shape
and the rule::

    BCEWithLogits: J () = bcewithlogits(Z2, array(1, 400))
        dZ2 (1, 400)  dJ/dZ2 = (sigma(Z2) - Y) / N = (A - Y) / N
"""

from __future__ import annotations

import re
import sys
from typing import Any, TextIO

import numpy as np

from tinygrad_edu.engine.backprop import run_backward
from tinygrad_edu.ops.arithmetic import BinaryOp
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.viz.formulas import input_rules, output_name, substitute
from tinygrad_edu.viz.labels import Namer, format_shape, format_value

_END_OF_VALUE = re.compile(r", so |: |, d| = ")  # where the first form of the right side ends


def explain_backward(
    J: Tensor, grad: Any = None, retain_graph: bool = False, file: TextIO | None = None
) -> None:
    """Run `J.backward(grad)` and print each step of the sweep (see the module docstring).

    `.grad` fills exactly as with `J.backward()`. Name your tensors (`Tensor(..., name="a")`) to
    see their names; an unnamed output is called J and other unnamed tensors by the expression
    that made them (`b * c`) or `t1`, `t2`, ...

    Args:
        J: The tensor to backpropagate from (a cost, or any tensor given `grad`).
        grad: dL/dJ, of J's shape; None for a scalar J (1).
        retain_graph: Keep the graph for another backward, as `backward(retain_graph=True)`.
        file: Where to print (standard output by default).

    Raises:
        TypeError: If `J` is not a Tensor.
        RuntimeError: If `J` does not require grad, or is not a scalar and `grad` is None.
    """
    for line in backward_steps(J, grad, retain_graph):
        print(line, file=file or sys.stdout)


def backward_steps(J: Tensor, grad: Any = None, retain_graph: bool = False) -> list[str]:
    """What `explain_backward` prints, as a list of lines (running `J.backward(grad)` once).

    Args:
        J: The tensor to backpropagate from.
        grad: dL/dJ, of J's shape; None for a scalar J.
        retain_graph: Keep the graph for another backward.

    Returns:
        The lines, one per step of the chain rule.

    Raises:
        TypeError: If `J` is not a Tensor.
        RuntimeError: If `J` does not require grad, or is not a scalar and `grad` is None.
    """
    if not isinstance(J, Tensor):
        raise TypeError(f"explain_backward: expected a Tensor, got {type(J).__name__}")
    if not J.requires_grad:
        raise RuntimeError(
            "explain_backward: this tensor does not require grad, so backward has nothing to do; "
            "create the inputs with requires_grad=True"
        )
    if grad is None:
        if J.size != 1:
            raise RuntimeError(
                f"explain_backward: J has shape {J.shape}; pass grad (dL/dJ, of that shape) or "
                "start from a scalar cost"
            )
        g = np.ones_like(J.data)
    else:
        g = np.array(grad.data if isinstance(grad, Tensor) else grad, dtype=J.dtype)
    sweep = _Sweep(J)
    run_backward(J, g, retain_graph=retain_graph, trace=sweep)
    return sweep.lines


class _Sweep:
    """The observer `run_backward` calls once per node; it turns each call into lines."""

    def __init__(self, root: Tensor) -> None:
        self.root = root
        self.name = Namer(root)
        self.lines: list[str] = []
        # the gradients each tensor received so far, one per consumer (copies: the engine may
        # later add into its arrays in place)
        self.received: dict[int, list[np.ndarray]] = {}

    def __call__(self, node: Tensor, g: np.ndarray, pairs: list[tuple[Tensor, np.ndarray]]) -> None:
        parts = self.received.pop(id(node), [])
        if len(parts) > 1:
            self.lines.append(self._total(node, parts, g))
        if not pairs:
            return
        ctx = node._ctx
        rules = self._rules(node)
        scalar = g.size == 1 and all(pg.size == 1 for _, pg in pairs)
        if not scalar:
            self.lines.append(self._header(node))
        index = 0
        for parent, pg in pairs:  # pairs follow the order of ctx.parents (`x * x`: x twice)
            while ctx.parents[index] is not parent:
                index += 1
            rule = rules[index]
            if rule and ctx.forward_kwargs.get("reduction") == "sum":
                rule = rule.replace(" / N", "")  # the rule is written for the mean over N
            index += 1
            if scalar:
                self.lines.append(self._scalar_step(node, parent, g, pg, rule))
            else:
                self.lines.append(self._array_step(node, parent, pg, rule))
            self.received.setdefault(id(parent), []).append(np.array(pg, copy=True))

    # -- the rule of each input, with the graph's names in it ------------------------------------

    def _rules(self, node: Tensor) -> list[str | None]:
        ctx = node._ctx
        op = type(ctx)
        rules = input_rules(op, len(ctx.parents))
        names: dict[Any, str] = {
            letter: self.name(p) for (letter, _), p in zip(rules, ctx.parents, strict=True)
        }
        out = output_name(op)
        if out is not None:
            names[out] = self.name(node)
        if any(letter is None for letter, _ in rules) or len(names) < len(rules):
            return [rule or None for _, rule in rules]  # prose, or no clear letters: as written
        return [substitute(rule, names) or None for _, rule in rules]

    # -- one line per gradient -------------------------------------------------------------------

    def _scalar_step(
        self, node: Tensor, parent: Tensor, g: np.ndarray, pg: np.ndarray, rule: str | None
    ) -> str:
        """`dJ/da = dJ/dv * dv/da = 3 * 1 = 3`, the course's notation."""
        J, n, p = self.name(self.root), self.name(node), self.name(parent)
        dJ_dp = f"d{_wrap(J)}/d{_wrap(p)}"
        value = format_value(pg)
        lhs, _, rhs = (rule or "").partition(" = ")
        if not (lhs.startswith("d") and "/d" in lhs and rhs):  # no local derivative to show
            why = f"   [{type(node._ctx).__name__}: {rule}]" if rule else ""
            chain = (
                "" if node is self.root else f" = d{_wrap(J)}/d{_wrap(n)} * d{_wrap(n)}/d{_wrap(p)}"
            )
            return f"{dJ_dp}{chain} = {value}{why}"
        rhs = _END_OF_VALUE.split(rhs, maxsplit=1)[0].strip()
        note = self._value_note(node, rhs)
        if node is self.root:  # dJ/dJ = 1: the first step is the local derivative itself
            return (
                f"{dJ_dp} = {value}{note}" if rhs == value else f"{dJ_dp} = {rhs} = {value}{note}"
            )
        dn = f"d{_wrap(J)}/d{_wrap(n)}"
        return (
            f"{dJ_dp} = {dn} * d{_wrap(n)}/d{_wrap(p)} = {format_value(g)} * {_wrap(rhs)} = "
            f"{value}{note}"
        )

    def _array_step(self, node: Tensor, parent: Tensor, pg: np.ndarray, rule: str | None) -> str:
        """`    dZ2 (1, 400)  dJ/dZ2 = (sigma(Z2) - Y) / N`"""
        what = f"d{_wrap(self.name(parent))} {format_shape(pg.shape)}"
        text = rule or f"{type(node._ctx).__name__}.backward (its docstring states no rule)"
        if isinstance(node._ctx, BinaryOp) and pg.shape != node.shape:
            text += f"   [summed back to {format_shape(pg.shape)}, its shape before broadcasting]"
        return f"    {what:<22} {text}"

    def _header(self, node: Tensor) -> str:
        """`Add: Z1 (4, 400) = W1 @ X + b1`"""
        name = self.name(node)
        expression = self.name.expression(node)
        shown = "" if expression in (None, name) else f" = {expression}"
        return f"{type(node._ctx).__name__}: {name} {format_shape(node.shape)}{shown}"

    def _total(self, node: Tensor, parts: list[np.ndarray], g: np.ndarray) -> str:
        """A tensor used k times receives the sum of k gradients (the multivariate chain rule)."""
        J, n = self.name(self.root), self.name(node)
        why = f"({n} is used {len(parts)} times: the gradients of the paths add up)"
        if g.size == 1:
            terms = " + ".join(format_value(p) for p in parts)
            return f"d{_wrap(J)}/d{_wrap(n)} = {terms} = {format_value(g)}   {why}"
        return f"    d{_wrap(n)} {format_shape(g.shape)} = the sum of the {len(parts)} above {why}"

    def _value_note(self, node: Tensor, rhs: str) -> str:
        """`   (c = 2)` when the local derivative is the value of another tensor of the step."""
        for p in node._ctx.parents:
            if isinstance(p, Tensor) and self.name(p) == rhs and p.size == 1:
                return f"   ({rhs} = {format_value(p.data)})"
        return ""


def _wrap(name: str) -> str:
    """`(b * c)` for an expression, `b` for a name."""
    return name if re.fullmatch(r"[\w.]+", name) else f"({name})"
