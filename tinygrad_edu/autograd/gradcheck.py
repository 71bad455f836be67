"""Gradient checking: compare backward with central differences, as the course does.

    dJ/dx_i  ~  (J(x + eps e_i) - J(x - eps e_i)) / (2 eps)

The error of this estimate is O(eps^2), so in float64 with eps = 1e-6 it agrees with a correct
gradient to about 1e-9; a wrong gradient is usually off in the first digit (numerical.py).

When the check fails, the error also names the op whose backward is wrong (`locate_wrong_op`,
locate.py); `report=True` prints the course's relative difference per input (report.py).
"""

from __future__ import annotations

from collections.abc import Callable

from tinygrad_edu.autograd.compare import first_mismatch
from tinygrad_edu.autograd.locate import WrongOp, locate_wrong_op, the_op_at_fault
from tinygrad_edu.autograd.numerical import numerical_grad
from tinygrad_edu.tensor import Tensor

__all__ = ["GradcheckError", "WrongOp", "gradcheck", "locate_wrong_op", "numerical_grad"]


class GradcheckError(RuntimeError):
    """backward and central differences disagree (the message names the input and the element)."""


def gradcheck(
    fn: Callable[..., Tensor],
    *inputs: Tensor,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    report: bool = False,
) -> bool:
    """Check backward against `numerical_grad` for every input that requires grad.

    An element of an input's gradient passes when

        |backward - central differences| <= atol + rtol * |central differences|.

    The error names the input, the element index and both values, and then the op at fault: the
    graph of `fn` is checked op by op (`locate_wrong_op`), and the first op in forward order whose
    own backward disagrees with central differences is named, with its place in the graph.

    An output with more than one element is checked through `sum(out * R)` for a fixed random R,
    which catches a wrong gradient of any element. `.grad` of the inputs is left untouched.

    Args:
        fn: the function to check; returns a Tensor.
        *inputs: its arguments; those that require grad are checked (in float64, or a warning).
        eps: the step of the central differences.
        atol: the absolute tolerance above.
        rtol: the relative tolerance above.
        report: also print the course's table: for each input, the relative difference
            ||g - g_num||_2 / (||g||_2 + ||g_num||_2) with its reading (below 1e-7 fine, above
            1e-3 almost certainly a bug) and a verdict. It only adds the printout: a wrong
            gradient still raises, after the table is printed.

    Returns:
        True.

    Raises:
        GradcheckError: an element differs.
        ValueError: no input requires grad.
        TypeError: fn does not return a Tensor.

    Examples:
        >>> x = Tensor([1.0, 2.0], requires_grad=True)
        >>> gradcheck(lambda t: (t**3).sum(), x)
        True
    """
    message = first_mismatch(fn, inputs, eps, atol, rtol, report)
    if message is not None:
        raise GradcheckError(f"{message}\n{the_op_at_fault(fn, inputs, eps, atol, rtol)}")
    return True
