"""A user's op whose docstring is one formula with no period (`y = x^3`): the viz tools show it as
the forward formula instead of failing (mypy found `_GAP.search` could return None there)."""

from __future__ import annotations

import io
from typing import Any

from tinygrad_edu import Function, Tensor, viz
from tinygrad_edu.viz.formulas import op_formula


class Cube(Function):
    """y = x^3"""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        return 3 * x**2 * grad


def test_a_docstring_without_a_period_is_the_forward_formula() -> None:
    assert op_formula(Cube) == ("y = x^3", "")


def test_explain_backward_and_to_dot_draw_such_an_op() -> None:
    x = Tensor(2.0, requires_grad=True, name="x")
    y = Cube.apply(x)
    out = io.StringIO()
    viz.explain_backward(y, file=out)
    assert x.grad is not None
    assert f"dJ/dx = {x.grad.item():g}" in out.getvalue()  # 3x^2 = 12, from backward itself
    assert "Cube: y = x^3" in viz.to_dot(y)
