"""`assert_gradients_match`: gradcheck as an assertion, for your own tests (pytest shows it as a
failed assert, with gradcheck's message: the input, the element, both values, the op at fault)."""

from __future__ import annotations

from collections.abc import Callable

from tinygrad_edu.autograd.gradcheck import GradcheckError, gradcheck
from tinygrad_edu.tensor import Tensor

__all__ = ["assert_gradients_match"]


def assert_gradients_match(
    fn: Callable[..., Tensor],
    *inputs: Tensor,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> None:
    """Assert that backward agrees with central differences for every input that requires grad.

    `fn(*inputs)` returns a Tensor (a non-scalar output is checked through `sum(out * R)` for a
    fixed random R). On a mismatch this raises AssertionError naming the input, the element index,
    the analytic and the numerical value. Inputs should be float64 (central differences in float32
    are too coarse for these tolerances).

    Args:
        fn: the function to check, `fn(*inputs) -> Tensor`.
        *inputs: its Tensor arguments; those that require grad are checked.
        eps: the step of the central differences.
        atol: the absolute tolerance.
        rtol: the relative tolerance.

    Raises:
        AssertionError: a gradient differs from the central differences (the message says where).

    Examples:
        >>> x = Tensor([1.0, 2.0], requires_grad=True)
        >>> assert_gradients_match(lambda t: (t * t).sum(), x)
    """
    try:
        gradcheck(fn, *inputs, eps=eps, atol=atol, rtol=rtol)
    except GradcheckError as exc:
        raise AssertionError(str(exc)) from None
