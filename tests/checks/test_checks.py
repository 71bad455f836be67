"""`_checks`: what counts as an int, a real number, an axis and a shape, and the messages."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from tinygrad_edu import _checks
from tinygrad_edu._checks import (
    check_int,
    check_positive_int,
    check_positive_real,
    check_real,
    check_shape,
    is_int,
    is_real,
    normalize_axis,
    one_axis,
)


@pytest.mark.parametrize("value", [0, -3, 2**70, np.int64(5), np.uint8(1), np.intp(-1)])
def test_ints_python_and_numpy(value) -> None:
    assert is_int(value) and is_real(value)


@pytest.mark.parametrize("value", [True, False, np.bool_(True), 1.0, np.float64(2), "3", None, [1]])
def test_not_ints_bools_included(value) -> None:
    assert not is_int(value)


@pytest.mark.parametrize("value", [1.5, np.float32(0.5), math.nan, math.inf, Fraction(1, 3)])
def test_real_numbers(value) -> None:
    assert is_real(value)


@pytest.mark.parametrize("value", [True, np.bool_(False), 1j, "1.0", None, np.array([1.0])])
def test_not_real_numbers(value) -> None:
    assert not is_real(value)


def test_check_int_returns_a_python_int() -> None:
    value = check_int("f", "n", np.int64(3))
    assert value == 3 and type(value) is int


@pytest.mark.parametrize("value", [True, 2.0, -1, "2"])
def test_check_int_names_function_argument_and_value(value) -> None:
    with pytest.raises(
        ValueError, match=rf"^mini_batches: size must be an int >= 0, got {value!r}$"
    ):
        check_int("mini_batches", "size", value)


def test_check_positive_int_refuses_zero() -> None:
    assert check_positive_int("Linear", "n_in", 1) == 1
    with pytest.raises(ValueError, match=r"Linear: n_in must be an int >= 1, got 0"):
        check_positive_int("Linear", "n_in", 0)


def test_check_real_gives_the_interval() -> None:
    assert check_real("Adam", "beta1", 0.0, 0.0, 1.0) == 0.0
    with pytest.raises(ValueError, match=r"Adam: beta1 must be a number in \[0.0, 1.0\), got 1.0"):
        check_real("Adam", "beta1", 1.0, 0.0, 1.0)
    with pytest.raises(ValueError, match=r"RMSprop: eps must be a number >= 0.0, got -1"):
        check_real("RMSprop", "eps", -1, 0.0)
    with pytest.raises(ValueError, match=r"f: x must be a number, got nan"):
        check_real("f", "x", math.nan)


@pytest.mark.parametrize("value", [0, -0.5, math.inf, math.nan, True, "1"])
def test_check_positive_real_refuses(value) -> None:
    with pytest.raises(ValueError, match=rf"SGD: lr must be a number > 0, got {value!r}"):
        check_positive_real("SGD", "lr", value)


def test_check_positive_real_accepts_numpy_numbers() -> None:
    assert check_positive_real("SGD", "lr", np.float32(0.1)) == np.float32(0.1)


@pytest.mark.parametrize(
    ("axis", "expected"),
    [(None, (0, 1, 2)), (-1, (2,)), (np.int64(0), (0,)), ((2, 0), (0, 2)), ([-3, 1], (0, 1))],
)
def test_normalize_axis(axis, expected) -> None:
    assert normalize_axis("sum", axis, 3, (2, 3, 4)) == expected


def test_normalize_axis_errors_name_the_op_and_shape() -> None:
    with pytest.raises(ValueError, match=r"sum: axis 3 is out of range .* \(2, 3, 4\) .* -3..2"):
        normalize_axis("sum", 3, 3, (2, 3, 4))
    with pytest.raises(ValueError, match=r"max: axis \(0, -3\) repeats an axis"):
        normalize_axis("max", (0, -3), 3, (2, 3, 4))
    with pytest.raises(TypeError, match=r"mean: axis must be None, an int or a tuple of ints"):
        normalize_axis("mean", True, 3, (2, 3, 4))
    with pytest.raises(ValueError, match=r"valid axes: none \(the tensor is 0-d\)"):
        normalize_axis("sum", 0, 0, ())


def test_one_axis_refuses_a_tuple() -> None:
    assert one_axis("softmax", -1, 2, (3, 4)) == 1
    with pytest.raises(TypeError, match=r"softmax: axis must be one int, got \(0,\) \(tuple\)"):
        one_axis("softmax", (0,), 2, (3, 4))
    with pytest.raises(ValueError, match=r"cross_entropy: axis 2 is out of range"):
        one_axis("cross_entropy", 2, 2, (3, 4))


def test_check_shape() -> None:
    assert check_shape("zeros", (2, np.int64(3))) == (2, 3)
    assert check_shape("zeros", ((2, 3),)) == (2, 3)
    assert check_shape("reshape", (-1, 3), allow_negative=True) == (-1, 3)
    with pytest.raises(TypeError, match=r"zeros: sizes must be ints"):
        check_shape("zeros", (2, True))
    with pytest.raises(ValueError, match=r"zeros: sizes must be >= 0"):
        check_shape("zeros", (-1, 3))


def test_broadcast_still_exports_normalize_axis() -> None:
    from tinygrad_edu import broadcast

    assert broadcast.normalize_axis is _checks.normalize_axis


def test_checks_imports_numpy_the_standard_library_and_broadcast_only() -> None:
    # _checks sits at the bottom: the engine, the ops and the layers all use it (its shape and axis
    # checks are broadcast.py's, which imports numpy alone)
    import ast
    import sys
    from pathlib import Path

    tree = ast.parse(Path(_checks.__file__).read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    allowed = {"numpy", "__future__", "tinygrad_edu.broadcast"} | set(sys.stdlib_module_names)
    assert {
        name.split(".")[0] if name != "tinygrad_edu.broadcast" else name for name in imported
    } <= allowed
