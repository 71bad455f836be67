"""`gradgradcheck`: second derivatives (double backward) against central differences of the first.

For L = sum(fn(x) * R), with R a fixed random array of the output's shape (R = 1 for a scalar), and a
fixed random direction V_i per input, the first derivative is reduced to one number

    s(x) = sum_i sum( dL/dx_i * V_i ),

computed with `grad(L, x, create_graph=True)`, so `s` is itself a Tensor with history. Its gradient
is the Hessian of L times V, ds/dx_j = sum_i (d^2 L / dx_j dx_i) V_i, which backward gets by
differentiating the gradient formulas; `gradcheck` compares it with central differences of s, i.e.
of the first derivative. A wrong second derivative of any element shows up for almost every R and V.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tinygrad_edu.autograd.functional import grad
from tinygrad_edu.autograd.gradcheck import GradcheckError, gradcheck
from tinygrad_edu.autograd.locate import _fresh, _record, _recorded_ops, _site, ops_to_check
from tinygrad_edu.engine.grad_mode import enable_grad
from tinygrad_edu.tensor import Tensor

__all__ = ["gradgradcheck"]


def gradgradcheck(
    fn: Callable[..., Tensor],
    *inputs: Tensor,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    locate: bool = True,
) -> bool:
    """Check the second derivatives of `fn` at `inputs` (those that require grad).

    Returns True, or raises `GradcheckError` naming the input and element whose second derivative
    is wrong and (unless `locate=False`) the first op, in forward order, whose backward is not
    differentiated correctly. `seed` draws R and V.
    """
    wrt = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    if not wrt:
        raise ValueError(
            "gradgradcheck: no input requires grad; create them with requires_grad=True"
        )
    with enable_grad():
        out = fn(*inputs)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradgradcheck: fn must return a Tensor, it returned {type(out).__name__}")
    rng = np.random.default_rng(seed)
    R = rng.standard_normal(out.shape) if out.size != 1 else None
    V = [rng.standard_normal(t.shape) for t in wrt]

    def first_derivative(*xs: Tensor) -> Tensor:
        # numerical_grad calls this inside no_grad(); the gradient's graph must be recorded anyway
        with enable_grad():
            y = fn(*xs)
            L = y.sum() if R is None else (y * R).sum()
            total = Tensor(0.0, dtype=y.dtype)
            if not L.requires_grad:
                return total
            here = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
            for g, v in zip(grad(L, here, create_graph=True, allow_unused=True), V, strict=True):
                if g is not None:
                    total = total + (g * v).sum()
            return total

    try:
        return gradcheck(first_derivative, *inputs, eps=eps, atol=atol, rtol=rtol)
    except GradcheckError as exc:
        message = str(exc).split("\n")[0]  # the element that differs; the op comes next
        if locate:
            message += "\n" + _the_op_at_fault(fn, tuple(inputs), eps, atol, rtol, seed)
        raise GradcheckError(
            "gradgradcheck: a second derivative is wrong (the check below is the gradient of "
            f"s(x) = sum_i sum(dL/dx_i * V_i), L = sum(fn(x) * R)).\n{message}"
        ) from None


def _the_op_at_fault(
    fn: Callable[..., Tensor],
    inputs: tuple[Tensor, ...],
    eps: float,
    atol: float,
    rtol: float,
    seed: int,
) -> str:
    """Check the ops of fn's graph one by one, in forward order, each on fresh copies of the values
    it saw; name the first whose second derivative is wrong."""
    nodes = _recorded_ops(_record(fn, inputs))
    for position, ctx, wanted in ops_to_check(nodes, inputs):
        op, kwargs = type(ctx), dict(ctx.forward_kwargs)
        args = [_fresh(p, k in wanted) for k, p in enumerate(ctx.parents)]
        leaves = [args[k] for k in wanted]

        def alone(*xs: Tensor, op=op, args=args, wanted=wanted, kwargs=kwargs) -> Tensor:
            call = list(args)
            for k, x in zip(wanted, xs, strict=True):
                call[k] = x
            return op.apply(*call, **kwargs)

        def squared(*xs: Tensor, alone=alone) -> Tensor:
            out = alone(*xs)
            return out * out

        # Alone, the gradient reaching the op is the constant R, so a backward that detaches the
        # gradient it receives would pass. Squared, that gradient is 2 out R, which depends on the
        # inputs: the op's backward must follow it too.
        for check, how in ((alone, "alone"), (squared, "squared (as out * out)")):
            try:
                gradgradcheck(
                    check, *leaves, eps=eps, atol=atol, rtol=rtol, seed=seed, locate=False
                )
            except GradcheckError:
                shapes = ", ".join(
                    str(np.shape(p.data if isinstance(p, Tensor) else p)) for p in args
                )
                where = _site(ctx)
                return (
                    f"The op at fault: {op.__name__}, op {position} of {len(nodes)} in forward "
                    f"order{f', called at {where}' if where else ''}; input shapes {shapes}. "
                    f"Checked {how} on the values it saw, the gradient of its backward disagrees "
                    f"with central differences. Its backward must be written with operators and "
                    f"Tensor methods on ctx.saved_tensors and grad, so that it can be "
                    f"differentiated again."
                )
            except (TypeError, RuntimeError) as exc:
                return f"The op {op.__name__} (op {position} of {len(nodes)}) cannot be differentiated twice: {exc}"
    return (
        f"No single op is at fault: each of the {len(nodes)} ops, checked alone and squared, has "
        "correct second derivatives. Try other input values, away from kinks (relu or abs at 0, "
        "ties in max)."
    )
