"""The end-to-end comparisons behind `gradcheck` and `gradgradcheck`, before any op is named.

`first_mismatch` compares backward with central differences for a whole function and describes the
worst element that differs. `directional_derivative` turns a function into the one number whose
gradient is a Hessian-vector product, so the same comparison checks second derivatives. Naming
the op at fault is the locator's job (locate.py), which uses both.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_edu.autograd.functional import grad
from tinygrad_edu.autograd.numerical import numerical_grad
from tinygrad_edu.autograd.report import format_report, relative_difference
from tinygrad_edu.engine.backprop import run_backward
from tinygrad_edu.engine.grad_mode import enable_grad
from tinygrad_edu.tensor import Tensor

__all__ = ["directional_derivative", "first_mismatch"]


def first_mismatch(
    fn: Callable[..., Tensor],
    inputs: tuple[Tensor, ...],
    eps: float,
    atol: float,
    rtol: float,
    report: bool = False,
) -> str | None:
    """Compare backward with `numerical_grad` for every input that requires grad (`gradcheck`'s
    comparison, whose docstring says how elements are judged).

    Args:
        fn: returns a Tensor; one with several elements is checked through sum(out * R), R a
            fixed random array.
        inputs: its arguments; those requiring grad are checked.
        eps, atol, rtol: as for `gradcheck`.
        report: print the course's table of relative differences first.

    Returns:
        None when every element agrees, else one line naming the input and its worst element.

    Raises:
        ValueError: no input requires grad.
        TypeError: fn does not return a Tensor."""
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad; create them with requires_grad=True")
    if any(inputs[i].dtype != np.float64 for i in checked):
        warnings.warn(
            "gradcheck: inputs are not float64; central differences are only reliable in float64",
            stacklevel=3,  # the caller of gradcheck
        )
    out = fn(*inputs)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor, it returned {type(out).__name__}")
    scalar_fn = fn
    if out.size != 1:
        weights = np.random.default_rng(0).standard_normal(out.shape)

        def scalar_fn(*xs: Tensor) -> Tensor:
            return (fn(*xs) * weights).sum()

        out = scalar_fn(*inputs)
    analytic: Any = [None] * len(checked)
    if out.requires_grad:
        wanted = tuple(inputs[i] for i in checked)
        analytic = run_backward(out, np.ones_like(out.data), inputs=wanted)
    numeric = numerical_grad(scalar_fn, *inputs, eps=eps)
    pairs = [
        (np.zeros(inputs[i].shape) if a is None else a, numeric[i])
        for a, i in zip(analytic, checked, strict=True)
    ]
    if report:
        rows = [
            (inputs[i].name or f"input {i}", inputs[i].shape, relative_difference(a, n))
            for (a, n), i in zip(pairs, checked, strict=True)
        ]
        print(format_report(rows))
    for (a, n), i in zip(pairs, checked, strict=True):
        bad = ~np.isclose(a, n, atol=atol, rtol=rtol, equal_nan=False)
        if bad.any():
            diff = np.where(bad, np.abs(a - n), -np.inf)
            idx = np.unravel_index(int(np.argmax(diff)), a.shape) if a.ndim else ()
            name = f" {inputs[i].name!r}" if inputs[i].name else ""
            got, expected = float(a[idx]), float(n[idx])  # plain floats print as 6.5
            return (
                f"gradcheck: the gradient of input {i}{name} (shape {inputs[i].shape}) is wrong at "
                f"index {tuple(int(k) for k in idx)}: backward gives {got!r}, central "
                f"differences give {expected!r} (difference {abs(got - expected):.3g}; allowed "
                f"atol {atol} + rtol {rtol} * |numerical|; {int(bad.sum())} of {bad.size} elements "
                "differ)"
            )
    return None


def directional_derivative(
    fn: Callable[..., Tensor], inputs: tuple[Tensor, ...], seed: int
) -> Callable[..., Tensor]:
    """s(x) = sum_i sum(dL/dx_i * V_i) with L = sum(fn(x) * R), as a function of the inputs.

    R (of fn's output shape; none for a scalar) and one direction V_i per input requiring grad are
    drawn from `seed`. s is computed with `grad(..., create_graph=True)`, so it has history: its
    gradient is the Hessian of L times V, and comparing it with central differences of s checks
    the second derivatives (see gradgradcheck.py).

    Raises:
        TypeError: fn does not return a Tensor."""
    wrt = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    with enable_grad():
        out = fn(*inputs)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradgradcheck: fn must return a Tensor, it returned {type(out).__name__}")
    rng = np.random.default_rng(seed)
    R = rng.standard_normal(out.shape) if out.size != 1 else None
    V = [rng.standard_normal(t.shape) for t in wrt]

    def s(*xs: Tensor) -> Tensor:
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

    return s
