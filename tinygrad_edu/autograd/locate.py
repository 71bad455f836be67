"""Which op is wrong? Check every recorded op's backward on its own, in forward order.

When `gradcheck` fails end to end, the mistake sits in one op's backward (usually a user's own
`Function`), but the error appears on an input, far from it. Here `fn` is run once more, recording
the graph, and each op is checked alone, on the very values it saw in that graph: for an op
out = op(x_0, x_1, ...) and a fixed random upstream gradient R of out's shape, its backward must give

    dL/dx_k = d/dx_k sum(op(x_0, x_1, ...) * R)       for each input k that needs a gradient,

which central differences estimate element by element:

    (L(x_k + eps e_i) - L(x_k - eps e_i)) / (2 eps)    with L = sum(op(...) * R).

A random R exercises every element of the op's output at once (as `gradcheck` does for a
non-scalar `fn`). The first op in forward order that fails is named: an op downstream of a wrong
one still sees correct values (forward is right), so each op is judged on its own merit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from tinygrad_edu.engine.anomaly import AnomalyError, detect_anomaly
from tinygrad_edu.engine.backprop import run_backward
from tinygrad_edu.engine.function import Function
from tinygrad_edu.engine.grad_mode import enable_grad, no_grad
from tinygrad_edu.tensor import Tensor

__all__ = ["WrongOp", "locate_wrong_op"]


@dataclass(frozen=True)
class WrongOp:
    """The first op (in forward order) whose backward disagrees with central differences.

    `position` counts from 1 among the `n_ops` ops of the graph, in the order forward ran them;
    `input_index` is the argument of the op whose gradient is wrong; at `index` of that argument the
    op's backward gives `backward` where central differences give `numerical`, the largest
    difference `max_diff` of the op's wrong elements. `site` is the line of user code that called
    the op, when it could be found."""

    op: type[Function]
    position: int
    n_ops: int
    input_index: int
    input_shapes: tuple[tuple[int, ...], ...]
    max_diff: float
    index: tuple[int, ...]
    backward: float
    numerical: float
    site: str | None = None

    @property
    def label(self) -> str:
        """The op's class name, with its short `name` when it has one: `Mul (mul)`, `Cube`."""
        name = getattr(self.op, "name", None)
        cls = self.op.__name__
        return f"{cls} ({name})" if isinstance(name, str) and name != cls else cls

    def explain(self) -> str:
        """One paragraph for an error message: which op, where, and by how much."""
        where = f", called at {self.site}" if self.site else ""
        shapes = ", ".join(str(s) for s in self.input_shapes)
        plural = "s" if len(self.input_shapes) > 1 else ""
        return (
            f"The op at fault: {self.label}, op {self.position} of {self.n_ops} in forward order"
            f"{where}; input shape{plural} {shapes}. Checked alone on the values it saw, with a "
            f"random upstream gradient R, the gradient its backward returns for its input "
            f"{self.input_index} differs from central differences of sum(out * R) by up to "
            f"{self.max_diff:.3g} (at index {self.index}: backward gives {self.backward!r}, "
            f"central differences give {self.numerical!r}). Look at {self.op.__name__}.backward."
        )


def locate_wrong_op(
    fn: Callable[..., Tensor],
    *inputs: Tensor,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
) -> WrongOp | None:
    """Run `fn(*inputs)`, then check the backward of every op in its graph alone (see the module
    docstring); return the first wrong one in forward order, or None when every op agrees.

    Only gradients that reach an input requiring grad are checked. Elements where the op is not
    smooth (relu or abs at exactly 0, a tie in max) are judged leniently, never blamed falsely.
    The inputs, their `.grad` and the graph are left as they were."""
    return _locate(fn, inputs, eps, atol, rtol, seed)[0]


def _locate(
    fn: Callable[..., Tensor],
    inputs: tuple[Tensor, ...],
    eps: float,
    atol: float,
    rtol: float,
    seed: int,
) -> tuple[WrongOp | None, int]:
    """`locate_wrong_op`, and how many ops the graph has (for the message when none is wrong)."""
    nodes = _recorded_ops(_record(fn, inputs))
    rng = np.random.default_rng(seed)
    for position, ctx, wanted in ops_to_check(nodes, inputs):
        found = _check_op(ctx, wanted, rng, eps, atol, rtol)
        if found is not None:
            k, index, got, expected, max_diff = found
            shapes = tuple(_shape(p) for p in ctx.parents)
            site = _site(ctx)
            wrong = WrongOp(
                type(ctx), position, len(nodes), k, shapes, max_diff, index, got, expected, site
            )
            return wrong, len(nodes)
    return None, len(nodes)


def _record(fn: Callable[..., Tensor], inputs: tuple[Tensor, ...]) -> Tensor:
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


def _recorded_ops(out: Tensor) -> list[tuple[Tensor, Function]]:
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


def _check_op(
    ctx: Function,
    wanted: list[int],
    rng: np.random.Generator,
    eps: float,
    atol: float,
    rtol: float,
) -> tuple[int, tuple[int, ...], float, float, float] | None:
    """Check one op's backward for its inputs `wanted`; the first wrong input as (input, index,
    backward, numerical, max difference), or None."""
    op = type(ctx)
    kwargs = dict(getattr(ctx, "forward_kwargs", None) or {})
    args = [_fresh(p, k in wanted) for k, p in enumerate(ctx.parents)]
    with enable_grad():
        out = op.apply(*args, **kwargs)
    if out._ctx is None or out.data.dtype.kind != "f":
        return None
    R = rng.standard_normal(out.shape)
    leaves = tuple(args[k] for k in wanted)
    # a copy: the engine may add into the gradient it is given
    analytic = run_backward(out, R.astype(out.data.dtype), inputs=leaves)

    def loss() -> float:  # L = sum(op(...) * R), on the current values of the leaves
        with no_grad():
            return float(np.sum(op.apply(*args, **kwargs).data * R))

    at_x = loss()
    for k, leaf, a in zip(wanted, leaves, analytic, strict=True):
        a = np.zeros(leaf.shape) if a is None else np.asarray(a, dtype=np.float64)
        central, left, right = _differences(loss, at_x, leaf.data, eps)
        tol = atol + rtol * np.abs(central)
        ok = np.abs(a - central) <= tol
        # A kink (relu or abs at exactly 0, a tie in max) has no derivative: the left difference
        # (L(x) - L(x - eps)) / eps and the right one (L(x + eps) - L(x)) / eps disagree there,
        # and any value between them is a valid (sub)gradient for backward to return (relu gives
        # 0, abs gives 0, max splits a tie). So an element also passes when backward lies between
        # the two one-sided differences. Where the op is smooth both are within O(eps) of the
        # central difference, so this lets through nothing that the central check would catch.
        low, high = np.minimum(left, right), np.maximum(left, right)
        slack = atol + rtol * np.maximum(np.abs(low), np.abs(high))
        ok |= (a >= low - slack) & (a <= high + slack)
        # Where the op's value is not finite near x (log at 0, say), nothing can be judged.
        bad = ~ok & np.isfinite(central)
        if bad.any():
            diff = np.where(bad, np.abs(a - central), -np.inf)
            index = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
            index = tuple(int(i) for i in index)
            got, expected = float(a[index]), float(central[index])
            return k, index, got, expected, abs(got - expected)
    return None


def _differences(
    loss: Callable[[], float], at_x: float, x: np.ndarray, eps: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Central, left and right differences of `loss` for every element of `x` (changed in place,
    each element restored to its saved value exactly)."""
    central, left, right = (np.zeros(x.shape) for _ in range(3))
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + eps
        plus = loss()
        x[i] = saved - eps
        minus = loss()
        x[i] = saved
        central[i] = (plus - minus) / (2 * eps)
        left[i] = (at_x - minus) / eps
        right[i] = (plus - at_x) / eps
    return central, left, right


def _fresh(value: Any, needs_grad: bool) -> Any:
    """A copy of an op's argument, detached from the graph: a leaf requiring grad when its gradient
    is checked (in float64, where central differences are reliable), a constant otherwise."""
    if isinstance(value, Tensor):
        if needs_grad:
            return Tensor(np.array(value.data, dtype=np.float64), requires_grad=True)
        return Tensor(np.array(value.data))
    if isinstance(value, np.ndarray):
        return value.copy()
    return value


def _shape(value: Any) -> tuple[int, ...]:
    data = value.data if isinstance(value, Tensor) else value
    try:
        return tuple(np.shape(data))
    except Exception:  # an argument numpy cannot see as an array (an axis tuple is fine)
        return ()


def _site(ctx: Function) -> str | None:
    # detect_anomaly() stored where the op was called (anomaly.py); format it the same way
    from tinygrad_edu.engine.anomaly import _format_site

    site = getattr(ctx, "_anomaly_site", None)
    return _format_site(site) if site is not None else None
