"""Gradient checking: compare backward with central differences, as the course does.

    dJ/dx_i  ~  (J(x + eps e_i) - J(x - eps e_i)) / (2 eps)

The error of this estimate is O(eps^2), so in float64 with eps = 1e-6 it agrees with a correct
gradient to about 1e-9; a wrong gradient is usually off in the first digit.

When the check fails, `locate_wrong_op` (gradcheck_local.py) finds the op whose backward is wrong;
`report=True` prints the course's relative difference per input (gradcheck_report.py).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from tinygrad_edu.autograd.locate import WrongOp, _locate, locate_wrong_op
from tinygrad_edu.autograd.report import format_report, relative_difference
from tinygrad_edu.engine.backprop import run_backward
from tinygrad_edu.engine.grad_mode import no_grad
from tinygrad_edu.tensor import Tensor

__all__ = ["GradcheckError", "WrongOp", "gradcheck", "locate_wrong_op", "numerical_grad"]


class GradcheckError(RuntimeError):
    """backward and central differences disagree (the message names the input and the element)."""


def numerical_grad(
    fn: Callable[..., Tensor], *inputs: Tensor, eps: float = 1e-6
) -> list[np.ndarray]:
    """Central differences of the scalar `fn(*inputs)` for every element of every input.

    Returns one array per input, in input order, of the input's shape. Each element is perturbed in
    place and then restored to its saved value exactly, so the inputs are unchanged afterwards."""
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"numerical_grad: input {i} is {type(t).__name__}, expected a Tensor")
    if not eps > 0:
        raise ValueError(f"numerical_grad: eps must be > 0, got {eps}")
    grads = []
    with no_grad():
        _scalar(fn, inputs)  # fail early, with a clear message, if fn is not scalar
        for t in inputs:
            g = np.zeros(t.shape, dtype=np.float64)
            data = t.data
            for idx in np.ndindex(t.shape):
                saved = data[idx]
                data[idx] = saved + eps
                plus = _scalar(fn, inputs)
                data[idx] = saved - eps
                minus = _scalar(fn, inputs)
                data[idx] = saved
                g[idx] = (plus - minus) / (2 * eps)
            grads.append(g.astype(t.dtype, copy=False))
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


def gradcheck(
    fn: Callable[..., Tensor],
    *inputs: Tensor,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    report: bool = False,
) -> bool:
    """Check backward against `numerical_grad` for every input that requires grad.

    Returns True, or raises `GradcheckError`. An element of an input's gradient passes when

        |backward - central differences| <= atol + rtol * |central differences|.

    The error names the input, the element index and both values, and then the op at fault: the
    graph of `fn` is checked op by op (`locate_wrong_op`), and the first op in forward order whose
    own backward disagrees with central differences is named, with its place in the graph.

    An output with more than one element is checked through `sum(out * R)` for a fixed random R,
    which catches a wrong gradient of any element. `.grad` of the inputs is left untouched.

    `report=True` also prints the course's table: for each input, the relative difference
    ||g - g_num||_2 / (||g||_2 + ||g_num||_2) with its reading (below 1e-7 fine, above 1e-3 almost
    certainly a bug) and a verdict. It only adds the printout: the result is decided as without
    it, so a wrong gradient still raises, after the table is printed."""
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad; create them with requires_grad=True")
    if any(inputs[i].dtype != np.float64 for i in checked):
        warnings.warn(
            "gradcheck: inputs are not float64; central differences are only reliable in float64",
            stacklevel=2,
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
    analytic: list = [None] * len(checked)
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
            (_input_name(inputs[i], i), inputs[i].shape, relative_difference(a, n))
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
            raise GradcheckError(
                f"gradcheck: the gradient of input {i}{name} (shape {inputs[i].shape}) is wrong at "
                f"index {tuple(int(k) for k in idx)}: backward gives {got!r}, central "
                f"differences give {expected!r} (difference {abs(got - expected):.3g}; allowed "
                f"atol {atol} + rtol {rtol} * |numerical|; {int(bad.sum())} of {bad.size} elements "
                f"differ)\n{_the_op_at_fault(fn, inputs, eps, atol, rtol)}"
            )
    return True


def _input_name(t: Tensor, i: int) -> str:
    return t.name if t.name else f"input {i}"


def _the_op_at_fault(
    fn: Callable[..., Tensor], inputs: tuple[Tensor, ...], eps: float, atol: float, rtol: float
) -> str:
    """The second part of the error: the op whose backward is wrong, or why none could be named."""
    try:
        wrong, n_ops = _locate(fn, inputs, eps, atol, rtol, seed=0)
    except Exception as exc:  # the end-to-end finding must not be lost to a failure here
        return f"(The ops could not be checked one by one: {type(exc).__name__}: {exc})"
    if wrong is not None:
        return wrong.explain()
    return (
        f"No single op is at fault: checked one by one on the values it saw, the backward of each "
        f"of the {n_ops} ops agrees with central differences. The end-to-end difference may come "
        "from a point within eps of where fn is not smooth (relu or abs at 0, a tie in max: the "
        "two sides of the kink have different slopes), or from small errors of several ops adding "
        "up; try other input values or a smaller eps."
    )
