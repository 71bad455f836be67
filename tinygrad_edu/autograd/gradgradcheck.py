"""`gradgradcheck`: second derivatives (double backward) against central differences of the first.

For L = sum(fn(x) * R), with R a fixed random array of the output's shape (R = 1 for a scalar), and a
fixed random direction V_i per input, the first derivative is reduced to one number

    s(x) = sum_i sum( dL/dx_i * V_i ),

computed with `grad(L, x, create_graph=True)`, so `s` is itself a Tensor with history. Its gradient
is the Hessian of L times V, ds/dx_j = sum_i (d^2 L / dx_j dx_i) V_i, which backward gets by
differentiating the gradient formulas; it is compared with central differences of s, i.e. of the
first derivative. A wrong second derivative of any element shows up for almost every R and V.
"""

from __future__ import annotations

from collections.abc import Callable

from tinygrad_edu.autograd.compare import directional_derivative, first_mismatch
from tinygrad_edu.autograd.gradcheck import GradcheckError
from tinygrad_edu.autograd.locate import the_op_at_fault
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

    Args:
        fn: the function to check; returns a Tensor.
        *inputs: its arguments; those that require grad are checked.
        eps: the step of the central differences of the first derivatives.
        atol: the absolute tolerance, as for `gradcheck`, applied to s(x) above.
        rtol: the relative tolerance, likewise.
        seed: draws R and V.
        locate: also name the first op, in forward order, whose backward is not differentiated
            correctly (each op checked alone and squared).

    Returns:
        True.

    Raises:
        GradcheckError: a second derivative is wrong; the message names the input and element.
        ValueError: no input requires grad.
        TypeError: fn does not return a Tensor.

    Examples:
        >>> x = Tensor([0.5, -1.0], requires_grad=True)
        >>> gradgradcheck(lambda t: t.tanh().sum(), x)
        True
    """
    wrt = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    if not wrt:
        raise ValueError(
            "gradgradcheck: no input requires grad; create them with requires_grad=True"
        )
    s = directional_derivative(fn, inputs, seed)
    message = first_mismatch(s, inputs, eps, atol, rtol)
    if message is None:
        return True
    if locate:
        message += "\n" + the_op_at_fault(fn, tuple(inputs), eps, atol, rtol, seed, order=2)
    raise GradcheckError(
        "gradgradcheck: a second derivative is wrong (the check below is the gradient of "
        f"s(x) = sum_i sum(dL/dx_i * V_i), L = sum(fn(x) * R)).\n{message}"
    )
