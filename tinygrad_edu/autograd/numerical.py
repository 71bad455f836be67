"""Central differences, the course's numerical gradient: the one perturbation loop of the package.

    dJ/dx_i  ~  (J(x + eps e_i) - J(x - eps e_i)) / (2 eps)

The error of this estimate is O(eps^2), so in float64 with eps = 1e-6 it agrees with a correct
gradient to about 1e-9; a wrong gradient is usually off in the first digit. `gradcheck`,
`gradgradcheck` and the wrong-op locator all get their numbers from `perturbed`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tinygrad_edu.engine.grad_mode import no_grad
from tinygrad_edu.tensor import Tensor

__all__ = ["numerical_grad", "perturbed"]


def perturbed(
    value: Callable[[], float], x: np.ndarray, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    """`value()` with each element of `x` moved by +eps, and by -eps, one element at a time.

    Args:
        value: computes the scalar J from the current contents of `x` (and anything else).
        x: the array to perturb, changed in place; each element is restored to its saved value
            exactly, so it is unchanged afterwards.
        eps: the step.

    Returns:
        (plus, minus): arrays of x's shape, J(x + eps e_i) and J(x - eps e_i) at element i."""
    plus, minus = np.zeros(x.shape), np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + eps
        plus[i] = value()
        x[i] = saved - eps
        minus[i] = value()
        x[i] = saved
    return plus, minus


def numerical_grad(
    fn: Callable[..., Tensor], *inputs: Tensor, eps: float = 1e-6
) -> list[np.ndarray]:
    """Central differences of the scalar `fn(*inputs)` for every element of every input.

    Args:
        fn: returns one number (a scalar cost) from the inputs.
        *inputs: the Tensors to differentiate with respect to; they are unchanged afterwards.
        eps: the step, > 0.

    Returns:
        One array per input, in input order, of the input's shape and dtype.

    Raises:
        TypeError: an input is not a Tensor.
        ValueError: eps is not > 0, or fn does not return one number.

    Examples:
        >>> (g,) = numerical_grad(lambda t: (t * t).sum(), Tensor([1.0, 2.0]))
        >>> np.round(g, 6)
        array([2., 4.])
    """
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"numerical_grad: input {i} is {type(t).__name__}, expected a Tensor")
    if not eps > 0:
        raise ValueError(f"numerical_grad: eps must be > 0, got {eps}")

    def value() -> float:
        return _scalar(fn, inputs)

    grads = []
    with no_grad():
        value()  # fail early, with a clear message, if fn is not scalar
        for t in inputs:
            plus, minus = perturbed(value, t.data, eps)
            # np.asarray: for a 0-d input, numpy's arithmetic gives a scalar, not an array
            grads.append(np.asarray((plus - minus) / (2 * eps), dtype=t.dtype))
    return grads


def _scalar(fn: Callable[..., Tensor], inputs: tuple[Tensor, ...]) -> float:
    out = fn(*inputs)
    size = out.size if isinstance(out, Tensor) else np.size(out)
    if size != 1:
        raise ValueError(
            f"numerical_grad: fn must return one number (a scalar cost), it returned shape "
            f"{np.shape(out)}; reduce it, e.g. with .sum()"
        )
    return float(np.asarray(out).reshape(-1)[0])
