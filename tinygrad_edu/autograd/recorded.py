"""The ops of a function's graph, for the locator: record the graph once, list its ops in forward
order, and re-run any one op alone on fresh copies of the values it saw.

What is read from a recorded op (its ctx): `parents` (the op's arguments, Tensors or constants),
`needs_input_grad`, `forward_kwargs` (its keyword arguments), `seq` (its creation number) and
`_anomaly_site` (where the user's code called it, set by `detect_anomaly()`); from a Tensor, `_ctx`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from tinygrad_edu.engine.anomaly import AnomalyError, detect_anomaly, format_site
from tinygrad_edu.engine.function import Function
from tinygrad_edu.engine.grad_mode import enable_grad
from tinygrad_edu.tensor import Tensor

__all__ = ["fresh", "op_alone", "op_site", "ops_to_check", "record", "recorded_ops", "shape_of"]


def record(fn: Callable[..., Tensor], inputs: tuple[Tensor, ...]) -> Tensor:
    """`fn(*inputs)` with its graph recorded (and, when possible, where each op was called).

    Raises:
        TypeError: fn does not return a Tensor."""
    # detect_anomaly() remembers, for every recorded op, the line of user code that called it; the
    # message can then point at that line. It also raises on a NaN or an inf in forward: then the
    # graph is recorded once more without it (and without the lines).
    with enable_grad():
        try:
            with detect_anomaly():
                out = fn(*inputs)
        except AnomalyError:
            out = fn(*inputs)
    if not isinstance(out, Tensor):
        raise TypeError(
            f"locate_wrong_op: fn must return a Tensor, it returned {type(out).__name__}"
        )
    return out


def recorded_ops(out: Tensor) -> list[tuple[Tensor, Function]]:
    """Every (result, op) in the graph of `out`, in forward order.

    Each op gets a creation number that counts down as ops run, so forward order is decreasing
    `seq`. The walk uses an explicit stack: a graph 100,000 ops deep is fine."""
    seen: set[int] = set()
    nodes: list[tuple[Tensor, Function]] = []
    stack = [out]
    while stack:
        t = stack.pop()
        ctx = t._ctx
        if ctx is None or id(ctx) in seen:
            continue
        seen.add(id(ctx))
        nodes.append((t, ctx))
        stack.extend(p for p in ctx.parents if isinstance(p, Tensor))
    nodes.sort(key=lambda node: -node[1].seq)
    return nodes


def ops_to_check(
    nodes: list[tuple[Tensor, Function]], inputs: tuple[Tensor, ...]
) -> Iterator[tuple[int, Function, list[int]]]:
    """(position in forward order from 1, op, its argument positions to check) for every op of
    `nodes` that has an argument depending on a checked input: only gradients flowing there matter."""
    depends = {id(t) for t in inputs if isinstance(t, Tensor) and t.requires_grad}
    for position, (result, ctx) in enumerate(nodes, start=1):
        wanted = [
            k
            for k, (p, need) in enumerate(zip(ctx.parents, ctx.needs_input_grad, strict=False))
            if need and isinstance(p, Tensor) and id(p) in depends
        ]
        if wanted:
            depends.add(id(result))
            yield position, ctx, wanted


def op_alone(
    ctx: Function, wanted: list[int]
) -> tuple[Callable[..., Tensor], list[Tensor], list[Any]]:
    """The op of `ctx` as a function of its arguments `wanted` only, on fresh copies of the values
    it saw: (call, the leaves to pass it, all the copied arguments)."""
    op = type(ctx)
    kwargs = dict(getattr(ctx, "forward_kwargs", None) or {})
    args = [fresh(p, k in wanted) for k, p in enumerate(ctx.parents)]

    def call(*xs: Tensor) -> Tensor:
        full = list(args)
        for k, x in zip(wanted, xs, strict=True):
            full[k] = x
        return op.apply(*full, **kwargs)

    return call, [args[k] for k in wanted], args


def fresh(value: Any, needs_grad: bool) -> Any:
    """A copy of an op's argument, detached from the graph: a leaf requiring grad when its gradient
    is checked (in float64, where central differences are reliable), a constant otherwise."""
    if isinstance(value, Tensor):
        if needs_grad:
            return Tensor(np.array(value.data, dtype=np.float64), requires_grad=True)
        return Tensor(np.array(value.data))
    if isinstance(value, np.ndarray):
        return value.copy()
    return value


def shape_of(value: Any) -> tuple[int, ...]:
    """The shape of an op's argument, () for one numpy cannot see as an array."""
    data = value.data if isinstance(value, Tensor) else value
    try:
        return tuple(np.shape(data))
    except Exception:  # an argument numpy cannot see as an array (an axis tuple is fine)
        return ()


def op_site(ctx: Function) -> str | None:
    """Where the user's code called the op (`file:line: code`), when detect_anomaly() saw it."""
    site = getattr(ctx, "_anomaly_site", None)
    return format_site(site) if site is not None else None
