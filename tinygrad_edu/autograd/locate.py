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

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tinygrad_edu.autograd.compare import directional_derivative, first_mismatch
from tinygrad_edu.autograd.numerical import perturbed
from tinygrad_edu.autograd.recorded import (
    op_alone,
    op_site,
    ops_to_check,
    record,
    recorded_ops,
    shape_of,
)
from tinygrad_edu.engine.backprop import run_backward
from tinygrad_edu.engine.function import Function
from tinygrad_edu.engine.grad_mode import enable_grad, no_grad
from tinygrad_edu.tensor import Tensor

__all__ = ["WrongOp", "locate_wrong_op", "the_op_at_fault"]


@dataclass(frozen=True)
class WrongOp:
    """The first op (in forward order) whose backward disagrees with central differences.

    `position` counts from 1 among the `n_ops` ops of the graph, in the order forward ran them;
    `input_index` is the argument of the op whose gradient is wrong; at `index` of that argument the
    op's backward gives `backward` where central differences give `numerical`, the largest
    difference `max_diff` of the op's wrong elements. `site` is the line of user code that called
    the op, when it could be found.

    Attributes:
        op: the op's class.
        position: its place among the graph's ops in forward order, from 1.
        n_ops: how many ops the graph has.
        input_index: which argument of the op has the wrong gradient.
        input_shapes: the shapes of the op's arguments.
        max_diff: the largest difference between backward and central differences.
        index: the element of that argument where the difference is largest.
        backward: the op's backward at `index`.
        numerical: central differences at `index`.
        site: `file:line` of the user code that called the op, or None."""

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
        """One paragraph for an error message: which op, where, and by how much.

        Returns:
            The paragraph, a str."""
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
    The inputs, their `.grad` and the graph are left as they were.

    Args:
        fn: the function whose graph is checked; returns a Tensor.
        *inputs: its arguments.
        eps: the step of the central differences, as for `gradcheck`.
        atol: the absolute tolerance, as for `gradcheck`.
        rtol: the relative tolerance, as for `gradcheck`.
        seed: draws the random upstream gradient R of each op.

    Returns:
        The first wrong op, or None.

    Raises:
        TypeError: fn does not return a Tensor.

    Examples:
        >>> x = Tensor([1.0, 2.0], requires_grad=True)
        >>> print(locate_wrong_op(lambda t: (t.exp() * t).sum(), x))  # the built-in ops are right
        None"""
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
    nodes = recorded_ops(record(fn, inputs))
    rng = np.random.default_rng(seed)
    for position, ctx, wanted in ops_to_check(nodes, inputs):
        found = _check_op(ctx, wanted, rng, eps, atol, rtol)
        if found is not None:
            k, index, got, expected, max_diff = found
            shapes = tuple(shape_of(p) for p in ctx.parents)
            site = op_site(ctx)
            wrong = WrongOp(
                type(ctx), position, len(nodes), k, shapes, max_diff, index, got, expected, site
            )
            return wrong, len(nodes)
    return None, len(nodes)


def the_op_at_fault(
    fn: Callable[..., Tensor],
    inputs: tuple[Tensor, ...],
    eps: float,
    atol: float,
    rtol: float,
    seed: int = 0,
    order: int = 1,
) -> str:
    """The paragraph of a gradient-check error that names the op at fault, or says why none is.

    Args:
        fn, inputs, eps, atol, rtol: as given to `gradcheck` or `gradgradcheck`.
        seed: draws the random upstream gradients (and, for order 2, the directions).
        order: 1 for a wrong gradient (`gradcheck`), 2 for a wrong second derivative.

    Returns:
        The explanation. It never raises: a failure while checking the ops one by one is
        reported in it, so the end-to-end finding it is appended to is not lost."""
    try:
        if order == 1:
            wrong, n_ops = _locate(fn, inputs, eps, atol, rtol, seed)
            if wrong is not None:
                return wrong.explain()
        else:
            found, n_ops = _locate_second_order(fn, inputs, eps, atol, rtol, seed)
            if found is not None:
                return found
    except Exception as exc:  # the end-to-end finding must not be lost to a failure here
        return f"(The ops could not be checked one by one: {type(exc).__name__}: {exc})"
    if order == 1:
        return (
            f"No single op is at fault: checked one by one on the values it saw, the backward of "
            f"each of the {n_ops} ops agrees with central differences. The end-to-end difference "
            "may come from a point within eps of where fn is not smooth (relu or abs at 0, a tie "
            "in max: the two sides of the kink have different slopes), or from small errors of "
            "several ops adding up; try other input values or a smaller eps."
        )
    return (
        f"No single op is at fault: each of the {n_ops} ops, checked alone and squared, has "
        "correct second derivatives. Try other input values, away from kinks (relu or abs at 0, "
        "ties in max)."
    )


def _locate_second_order(
    fn: Callable[..., Tensor],
    inputs: tuple[Tensor, ...],
    eps: float,
    atol: float,
    rtol: float,
    seed: int,
) -> tuple[str | None, int]:
    """Check the ops of fn's graph one by one, in forward order, each on fresh copies of the values
    it saw; describe the first whose second derivative is wrong (and how many ops there are)."""
    nodes = recorded_ops(record(fn, inputs))
    for position, ctx, wanted in ops_to_check(nodes, inputs):
        alone, leaves, args = op_alone(ctx, wanted)

        def squared(*xs: Tensor, alone: Callable[..., Tensor] = alone) -> Tensor:
            out = alone(*xs)
            return out * out

        # Alone, the gradient reaching the op is the constant R, so a backward that detaches the
        # gradient it receives would pass. Squared, that gradient is 2 out R, which depends on the
        # inputs: the op's backward must follow it too.
        name = type(ctx).__name__
        for check, how in ((alone, "alone"), (squared, "squared (as out * out)")):
            try:
                s = directional_derivative(check, tuple(leaves), seed)
                wrong = first_mismatch(s, tuple(leaves), eps, atol, rtol) is not None
            except (TypeError, RuntimeError) as exc:
                return (
                    f"The op {name} (op {position} of {len(nodes)}) cannot be differentiated "
                    f"twice: {exc}"
                ), len(nodes)
            if wrong:
                shapes = ", ".join(str(shape_of(p)) for p in args)
                where = op_site(ctx)
                return (
                    f"The op at fault: {name}, op {position} of {len(nodes)} in forward "
                    f"order{f', called at {where}' if where else ''}; input shapes {shapes}. "
                    f"Checked {how} on the values it saw, the gradient of its backward disagrees "
                    f"with central differences. Its backward must be written with operators and "
                    f"Tensor methods on ctx.saved_tensors and grad, so that it can be "
                    f"differentiated again."
                ), len(nodes)
    return None, len(nodes)


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
    call, leaves, _ = op_alone(ctx, wanted)
    with enable_grad():
        out = call(*leaves)
    if out._ctx is None or out.data.dtype.kind != "f":
        return None
    R = rng.standard_normal(out.shape)
    # a copy: the engine may add into the gradient it is given
    analytic: list = run_backward(out, R.astype(out.data.dtype), inputs=tuple(leaves))  # type: ignore[assignment]  # inputs given: a list

    def loss() -> float:  # L = sum(op(...) * R), on the current values of the leaves
        with no_grad():
            return float(np.sum(call(*leaves).data * R))

    at_x = loss()
    for k, leaf, a in zip(wanted, leaves, analytic, strict=True):
        a = np.zeros(leaf.shape) if a is None else np.asarray(a, dtype=np.float64)
        plus, minus = perturbed(loss, leaf.data, eps)
        central = np.asarray((plus - minus) / (2 * eps))  # an array even for a 0-d leaf
        left, right = np.asarray((at_x - minus) / eps), np.asarray((plus - at_x) / eps)
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
            at = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
            index = tuple(int(i) for i in at)
            got, expected = float(a[index]), float(central[index])
            return k, index, got, expected, abs(got - expected)
    return None
