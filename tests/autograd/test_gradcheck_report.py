"""gradcheck(..., report=True): the course's relative difference per input, printed as a table
with its reading, and the course's verdict."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tests.support.custom_ops import Cube
from tinygrad_edu import Function, GradcheckError, Tensor, gradcheck, numerical_grad
from tinygrad_edu.autograd.report import reading, relative_difference


class ForgetsTheFactor(Function):
    """y = x^2 with the 2 forgotten: dy/dx given as x, half the truth."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x


class SlightlyOff(Cube):
    """3x^2 (1 + 1e-5): within gradcheck's rtol, but not what the course calls fine."""

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x**2 * (1 + 1e-5) * grad


ROW = re.compile(r"^  (?P<name>.+?)\s{2,}(?P<shape>\(.*?\))\s+(?P<diff>\S+)\s+(?P<reading>.+)$")


def rows(printed: str) -> dict[str, tuple[str, float, str]]:
    """{input name: (shape, difference, reading)} from the printed table."""
    found = {}
    for line in printed.splitlines():
        m = ROW.match(line)
        if m and m["name"] != "input":
            found[m["name"]] = (m["shape"], float(m["diff"]), m["reading"])
    return found


def expected(fn, inputs: list[Tensor], i: int) -> float:
    """The course's difference for input i, computed here from .grad and numerical_grad."""
    for t in inputs:
        t.grad = None
    fn(*inputs).backward()
    g = inputs[i].grad.numpy()
    for t in inputs:
        t.grad = None
    g_num = numerical_grad(fn, *inputs)[i]
    return float(np.linalg.norm(g - g_num) / (np.linalg.norm(g) + np.linalg.norm(g_num)))


def test_a_correct_gradient_reads_fine(capsys: pytest.CaptureFixture[str]) -> None:
    W = Tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True, name="W1")
    b = Tensor([[0.5], [-0.25]], requires_grad=True)

    def fn(W: Tensor, b: Tensor) -> Tensor:
        return Cube.apply(W + b).tanh().sum()

    assert gradcheck(fn, W, b, report=True) is True
    out = capsys.readouterr().out
    table = rows(out)
    assert set(table) == {"W1", "input 1"}
    for name, i, shape in (("W1", 0, "(2, 3)"), ("input 1", 1, "(2, 1)")):
        got_shape, diff, verdict = table[name]
        assert got_shape == shape and verdict == "fine"
        assert diff == pytest.approx(expected(fn, [W, b], i), rel=1e-2)
        assert diff < 1e-7
    assert (
        out.rstrip()
        .splitlines()[-1]
        .startswith("Your backward propagation works perfectly fine! difference = ")
    )


def test_a_wrong_gradient_reads_as_a_bug_and_still_raises(
    capsys: pytest.CaptureFixture[str],
) -> None:
    x = Tensor([1.0, -2.0, 3.0], requires_grad=True, name="x")
    w = Tensor([0.5, 0.5, 2.0], requires_grad=True)

    def fn(x: Tensor, w: Tensor) -> Tensor:
        return (ForgetsTheFactor.apply(x) * w).sum()

    with pytest.raises(GradcheckError, match="ForgetsTheFactor"):
        gradcheck(fn, x, w, report=True)
    out = capsys.readouterr().out  # printed before the error was raised
    table = rows(out)
    # g = w x where the truth is 2 w x: ||g - g_num|| / (||g|| + ||g_num||) = 1/3 exactly
    assert table["x"] == ("(3,)", pytest.approx(1 / 3, rel=1e-2), "almost certainly a bug")
    assert table["x"][1] == pytest.approx(expected(fn, [x, w], 0), rel=1e-2)
    assert table["input 1"][2] == "fine"
    assert table["input 1"][1] == pytest.approx(expected(fn, [x, w], 1), rel=1e-2)
    assert out.rstrip().splitlines()[-1] == (
        "There is a mistake in the backward propagation! difference = 3.33e-01 (x)"
    )


def test_between_the_thresholds_reads_look_closer(capsys: pytest.CaptureFixture[str]) -> None:
    x = Tensor([0.5, 1.0, 2.0], requires_grad=True)
    fn = lambda t: SlightlyOff.apply(t).sum()  # noqa: E731
    assert gradcheck(fn, x, report=True) is True  # the element-wise check lets 1e-5 through
    out = capsys.readouterr().out
    _, diff, verdict = rows(out)["input 0"]
    assert verdict == "look closer"
    assert diff == pytest.approx(expected(fn, [x], 0), rel=1e-2)
    assert diff == pytest.approx(1e-5 / (2 + 1e-5), rel=1e-2)  # ||e g|| / ((2 + e) ||g||)
    assert "look closer at input 0" in out.splitlines()[-1]


def test_the_table_is_aligned(capsys: pytest.CaptureFixture[str]) -> None:
    a = Tensor(np.ones((2, 3)), requires_grad=True, name="a_long_parameter_name")
    b = Tensor(1.0, requires_grad=True)
    gradcheck(lambda a, b: (a * b).sum(), a, b, report=True)
    lines = capsys.readouterr().out.splitlines()[1:4]  # header row and one row per input
    for column in ("shape", "difference", "reading"):
        start = lines[0].index(column)
        assert all(line[start - 2 : start] == "  " and line[start] != " " for line in lines)


def test_no_report_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    gradcheck(lambda t: (t * t).sum(), Tensor([1.0, 2.0], requires_grad=True))
    assert capsys.readouterr().out == ""


def test_relative_difference_and_its_reading() -> None:
    assert relative_difference(np.zeros(3), np.zeros(3)) == 0.0  # both zero: nothing differs
    assert relative_difference(np.array([1.0, 0.0]), np.array([-1.0, 0.0])) == 1.0
    assert relative_difference(np.array([3.0, 4.0]), np.zeros(2)) == 1.0
    assert relative_difference(np.array([2.0]), np.array([1.0])) == pytest.approx(1 / 3)
    assert [reading(d) for d in (0.0, 9e-8, 1e-7, 1e-3, 2e-3, np.nan)] == [
        "fine",
        "fine",
        "look closer",
        "look closer",
        "almost certainly a bug",
        "almost certainly a bug",
    ]
