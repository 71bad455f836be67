"""explain_backward: the chain rule as the engine's own sweep runs it, with each op's rule read from
its docstring (viz/formulas.py)."""

from __future__ import annotations

import io

import numpy as np
import pytest

from tinygrad_edu import Function, Tensor, nn
from tinygrad_edu.engine.backprop import run_backward
from tinygrad_edu.testing.op_table import OPS
from tinygrad_edu.viz import backward_steps, explain_backward
from tinygrad_edu.viz.course import course_graph as viz_course_graph
from tinygrad_edu.viz.formulas import input_rules, op_formula, output_name, substitute


def course_graph() -> tuple[Tensor, ...]:
    a, b, c, _, _, J = viz_course_graph()
    return a, b, c, J


def test_the_course_example_in_the_course_notation() -> None:
    a, b, c, J = course_graph()
    assert backward_steps(J) == [
        "dJ/dv = 3",
        "dJ/da = dJ/dv * dv/da = 3 * 1 = 3",
        "dJ/du = dJ/dv * dv/du = 3 * 1 = 3",
        "dJ/db = dJ/du * du/db = 3 * c = 6   (c = 2)",
        "dJ/dc = dJ/du * du/dc = 3 * b = 9   (b = 3)",
    ]
    # it ran backward: the gradients are where J.backward() puts them
    assert (a.grad.item(), b.grad.item(), c.grad.item()) == (3.0, 6.0, 9.0)


def test_explain_prints_to_a_file() -> None:
    *_, J = course_graph()
    out = io.StringIO()
    explain_backward(J, file=out)
    assert out.getvalue().splitlines()[0] == "dJ/dv = 3"


def test_the_numbers_are_those_backward_computes() -> None:
    """A backward that is deliberately wrong shows its wrong number: nothing is re-derived."""

    class Triple(Function):
        """out = 3a.    d(out)/da = 3."""

        @staticmethod
        def forward(ctx, a):
            return 3 * a

        @staticmethod
        def backward(ctx, grad):
            return 4 * grad  # wrong on purpose

    x = Tensor(2.0, requires_grad=True, name="x")
    y = Triple.apply(x)
    y.name = "y"
    assert backward_steps(y) == ["dy/dx = 3 = 4"]
    assert x.grad.item() == 4.0


def test_a_tensor_used_twice_gets_the_sum_of_its_paths() -> None:
    s = Tensor(2.0, requires_grad=True, name="s")
    lines = backward_steps(s * s + s)
    assert "dJ/ds = dJ/d(s * s) * d(s * s)/ds = 1 * s = 2   (s = 2)" in lines
    assert lines[-1].startswith("dJ/ds = 1 + 2 + 2 = 5")
    assert "used 3 times" in lines[-1]
    assert s.grad.item() == 5.0


def test_array_steps_name_the_op_the_shapes_and_the_rule() -> None:
    rng = np.random.default_rng(0)
    X = Tensor(rng.standard_normal((2, 5)), name="X")
    W1 = Tensor(rng.standard_normal((3, 2)), requires_grad=True, name="W1")
    b1 = Tensor(np.zeros((3, 1)), requires_grad=True, name="b1")
    Z1 = W1 @ X + b1
    Z1.name = "Z1"
    A1 = Z1.tanh()
    A1.name = "A1"
    J = A1.sum()
    lines = backward_steps(J)
    text = "\n".join(lines)
    assert "Tanh: A1 (3, 5) = tanh(Z1)" in lines
    assert "dZ1 (3, 5)" in text and "dA1/dZ1 = 1 - A1^2" in text
    assert "Add: Z1 (3, 5) = W1 @ X + b1" in lines
    assert "summed back to (3, 1)" in text
    assert "dW1 = d(W1 @ X) @ X.T" in text
    assert "dX" not in text  # X does not require grad: no gradient, no line


def test_a_function_without_a_docstring_still_shows_its_numbers() -> None:
    class Cube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 3 * x**2 * grad

    x = Tensor(2.0, requires_grad=True, name="x")
    assert backward_steps(Cube.apply(x) * 1.0) == [
        "dJ/d(cube(x)) = 1",
        "dJ/dx = dJ/d(cube(x)) * d(cube(x))/dx = 12",
    ]


def test_explain_refuses_what_backward_refuses() -> None:
    with pytest.raises(RuntimeError, match="shape"):
        backward_steps(Tensor([1.0, 2.0], requires_grad=True) * 2)
    with pytest.raises(RuntimeError, match="does not require grad"):
        backward_steps(Tensor(1.0) * 2)
    x = Tensor([1.0, 2.0], requires_grad=True, name="x")
    assert backward_steps(x * 2, grad=[1.0, 1.0])[0] == "Mul: J (2,) = x * 2"


def test_the_trace_observer_sees_every_node_once_in_sweep_order() -> None:
    a, _, _, J = course_graph()
    seen = []
    run_backward(J, np.ones(()), trace=lambda node, g, pairs: seen.append((node.name, len(pairs))))
    # ops newest first, then the leaves (their gradients are complete only at the end)
    assert seen == [("J", 1), ("v", 2), ("u", 2), ("a", 0), ("b", 0), ("c", 0)]
    assert a.grad.item() == 3.0


# ----------------------------------------------------------------------------------------------
# The rules come from the docstrings


@pytest.mark.parametrize("spec", OPS, ids=[s.name for s in OPS])
def test_every_op_docstring_states_its_forward_and_its_gradient(spec) -> None:
    forward, gradient = op_formula(spec.function)
    assert forward and gradient, (
        f"{spec.function.__name__}: docstring is not 'forward.    gradient'"
    )
    assert "=" in forward
    assert output_name(spec.function)


def test_rules_are_split_one_per_input_and_take_the_graph_names() -> None:
    from tinygrad_edu import ops

    assert input_rules(ops.Mul, 2) == [("a", "d(out)/da = b"), ("b", "d(out)/db = a")]
    assert input_rules(ops.MatMul, 2) == [("W", "dW = dZ @ A.T"), ("A", "dA = W.T @ dZ")]
    (z_rule,) = input_rules(ops.Sigmoid, 1)
    assert z_rule == ("Z", "dA/dZ = A (1 - A), so dZ = dA * A * (1 - A)")
    assert substitute("d(out)/da = b", {"out": "u", "a": "b", "b": "c"}) == "du/db = c"
    assert substitute("dA/dZ = 1 - A^2", {"A": "A1", "Z": "W @ X"}) == "dA1/d(W @ X) = 1 - A1^2"


def test_a_summed_loss_shows_its_rule_without_the_mean() -> None:
    Z = Tensor([[1.0, -2.0, 0.5]], requires_grad=True, name="Z2")
    Y = Tensor([[1.0, 0.0, 1.0]], name="Y")
    mean = "\n".join(backward_steps(nn.binary_cross_entropy_with_logits(Z, Y)))
    Z.grad = None
    total = "\n".join(backward_steps(nn.binary_cross_entropy_with_logits(Z, Y, reduction="sum")))
    assert "(A - Y) / N" in mean
    assert "/ N" not in total and "dJ/dZ2 = (sigma(Z2) - Y) = (A - Y)" in total
