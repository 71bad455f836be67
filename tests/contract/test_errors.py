"""Errors name the op and the values at fault (API contract, "Errors"): never a bare numpy
traceback. Each test asserts the words of the message that matter."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu import Tensor, numerical_grad
from tinygrad_edu.testing.op_table import OpSpec, rows


def _message(error: type, fn: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(error) as info:
        fn(*args, **kwargs)  # type: ignore[operator]
    return str(info.value)


def _not_broadcastable(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...]]:
    a = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=4))
    b = list(draw(hnp.broadcastable_shapes(a, min_dims=1, max_dims=3, max_side=4)))
    b[-1] = a[-1] + 1  # sizes 2..4 vs 3..5: neither 1 nor equal
    return a, tuple(b)


@pytest.mark.parametrize("spec", rows("binary"), ids=lambda spec: spec.name)
@given(shapes=st.composite(_not_broadcastable)(), array_side=st.sampled_from([None, 0, 1]))
def test_shapes_that_do_not_broadcast(spec: OpSpec, shapes: tuple, array_side: int | None) -> None:
    a, b = (Tensor(np.ones(s)) for s in shapes)
    if array_side is not None:  # the same with a numpy array on one side
        a, b = (a.numpy(), b) if array_side == 0 else (a, b.numpy())
    msg = _message(ValueError, spec.call, a, b)
    assert spec.name in msg or spec.function.symbol in msg
    assert str(shapes[0]) in msg and str(shapes[1]) in msg
    assert "broadcast" in msg


def test_comparison_shapes_that_do_not_broadcast() -> None:
    msg = _message(ValueError, lambda: Tensor(np.ones((2, 3))) < Tensor(np.ones(4)))
    assert "<" in msg and "(2, 3)" in msg and "(4,)" in msg


@pytest.mark.parametrize(
    ("left", "right"),
    [((2, 3), (2, 3)), ((3,), (4,)), ((5, 5), (2, 3)), ((4,), (3, 2)), ((2, 3), (4,))],
)
def test_matmul_mismatch_names_matmul_and_both_shapes(left: tuple, right: tuple) -> None:
    for a, b in [
        (Tensor(np.ones(left)), Tensor(np.ones(right))),
        (np.ones(left), Tensor(np.ones(right))),
    ]:
        msg = _message(ValueError, lambda a=a, b=b: a @ b)
        assert "matmul" in msg or "@" in msg
        assert str(left) in msg and str(right) in msg


def test_matmul_with_a_scalar_says_use_star() -> None:
    msg = _message(ValueError, lambda: Tensor(np.ones((2, 2))) @ 2.0)
    assert "matmul" in msg and "*" in msg


def test_matmul_batch_axes_that_do_not_broadcast() -> None:
    msg = _message(ValueError, lambda: Tensor(np.ones((2, 2, 3))) @ Tensor(np.ones((3, 3, 2))))
    assert "matmul" in msg and "batch" in msg


REDUCTIONS = [spec.name for spec in rows("reduce")]
SOFTMAXES = [spec.name for spec in rows("softmax")]


@pytest.mark.parametrize("op", REDUCTIONS + SOFTMAXES)
@pytest.mark.parametrize("axis", [2, -3, 5])
def test_axis_out_of_range(op: str, axis: int) -> None:
    t = Tensor(np.ones((2, 3)))
    msg = _message(ValueError, getattr(t, op), axis=axis)
    assert msg.startswith(op) and f"axis {axis}" in msg
    assert "out of range" in msg and "(2, 3)" in msg


@pytest.mark.parametrize("op", REDUCTIONS)
@pytest.mark.parametrize("axis", [(0, 0), (1, -1), (0, 1, 0)])
def test_repeated_axis(op: str, axis: tuple) -> None:
    msg = _message(ValueError, getattr(Tensor(np.ones((2, 3))), op), axis=axis)
    assert msg.startswith(op) and "repeat" in msg and str(axis) in msg


@pytest.mark.parametrize("op", REDUCTIONS + SOFTMAXES)
@pytest.mark.parametrize("axis", [1.0, "x", True])
def test_axis_that_is_not_an_int(op: str, axis: object) -> None:
    msg = _message(TypeError, getattr(Tensor(np.ones((2, 3))), op), axis=axis)
    assert msg.startswith(op) and "axis" in msg and "int" in msg and repr(axis) in msg


@pytest.mark.parametrize("op", SOFTMAXES)
def test_softmax_takes_one_axis(op: str) -> None:
    msg = _message(TypeError, getattr(Tensor(np.ones((2, 3))), op), axis=(0, 1))
    assert msg.startswith(op) and "one int" in msg and "(0, 1)" in msg


def test_max_over_an_empty_axis() -> None:
    msg = _message(ValueError, Tensor(np.ones((0, 3))).max, axis=0)
    assert "max" in msg and "empty" in msg and "(0, 3)" in msg


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ((4, 2), ["(2, 3)", "6 elements", "(4, 2)", "8 elements"]),
        ((4, -1), ["(2, 3)", "(4, -1)"]),
        ((-1, -1), ["only one", "-1"]),
        ((5,), ["(5,)", "6 elements"]),
        ((0, -1), ["(0, -1)"]),
    ],
)
def test_bad_reshape(target: tuple, words: list[str]) -> None:
    msg = _message(ValueError, Tensor(np.ones((2, 3))).reshape, *target)
    assert msg.startswith("reshape")
    for w in words:
        assert w in msg


def test_reshape_sizes_must_be_ints() -> None:
    msg = _message(TypeError, Tensor(np.ones((2, 3))).reshape, 2.0, 3)
    assert "reshape" in msg and "int" in msg


@pytest.mark.parametrize("axes", [(0, 0), (0,), (0, 2), (0, 1, 2), (-3, 0)])
def test_bad_transpose_axes(axes: tuple) -> None:
    msg = _message(ValueError, Tensor(np.ones((2, 3))).transpose, *axes)
    assert msg.startswith("transpose") and "permutation" in msg
    assert str(axes) in msg and "(2, 3)" in msg


def test_transpose_axes_must_be_ints() -> None:
    msg = _message(TypeError, Tensor(np.ones((2, 3))).transpose, 0, 1.0)
    assert "transpose" in msg and "int" in msg


@pytest.mark.parametrize(
    "index", [2, -3, (0, 3), (slice(None), -4), np.array([0, 5]), (0, 0, 0), (..., 3)]
)
def test_index_out_of_range_names_the_shape(index: object) -> None:
    msg = _message(IndexError, lambda: Tensor(np.ones((2, 3)))[index])
    assert "index" in msg and "(2, 3)" in msg


@pytest.mark.parametrize("index", [1.0, "x", (0, 1.5)])
def test_index_of_the_wrong_type(index: object) -> None:
    msg = _message(IndexError, lambda: Tensor(np.ones((2, 3)))[index])
    assert "ints, slices" in msg and "(2, 3)" in msg


def test_broadcast_to_a_shape_it_cannot_reach() -> None:
    for target in [(3, 3), (3,), (2, 1)]:
        msg = _message(ValueError, Tensor(np.ones((2, 3))).broadcast_to, target)
        assert "broadcast_to" in msg and "(2, 3)" in msg and str(target) in msg


@pytest.mark.parametrize("shape", [(2,), (2, 3), (0,)])
def test_item_on_a_tensor_that_is_not_one_element(shape: tuple) -> None:
    msg = _message(ValueError, Tensor(np.zeros(shape)).item)
    assert "item" in msg and "one element" in msg and str(shape) in msg


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, bool])
def test_a_dtype_that_is_not_a_float(dtype: type) -> None:
    msg = _message(TypeError, Tensor, [1, 2], dtype=dtype)
    assert "dtype" in msg and "float" in msg and np.dtype(dtype).name in msg


def test_not_a_dtype() -> None:
    msg = _message(TypeError, Tensor, [1.0], dtype="banana")
    assert "banana" in msg and "dtype" in msg


def test_requires_grad_on_bool_tensor() -> None:
    mask = Tensor([1.0]) > 0
    msg = _message(RuntimeError, mask.requires_grad_)
    assert "floating point" in msg and "bool" in msg


def test_numerical_grad_of_a_non_scalar_function() -> None:
    x = Tensor([1.0, 2.0, 3.0])
    msg = _message(ValueError, numerical_grad, lambda t: t * 2, x)
    assert "numerical_grad" in msg and "scalar" in msg and "(3,)" in msg


def test_numerical_grad_of_non_tensors_and_bad_eps() -> None:
    msg = _message(TypeError, numerical_grad, lambda t: t.sum(), np.ones(2))
    assert "input 0" in msg and "ndarray" in msg
    msg = _message(ValueError, numerical_grad, lambda t: t.sum(), Tensor([1.0]), eps=0.0)
    assert "eps" in msg


def test_leaky_relu_slope_must_be_a_number() -> None:
    msg = _message(TypeError, Tensor([1.0]).leaky_relu, "0.1")
    assert "leaky_relu" in msg and "slope" in msg


def test_loss_with_mismatched_shapes() -> None:
    from tinygrad_edu.ops import BCEWithLogits

    msg = _message(ValueError, BCEWithLogits.apply, Tensor(np.ones((1, 3))), Tensor(np.ones((3,))))
    assert "(1, 3)" in msg and "(3,)" in msg


def test_backward_with_a_gradient_of_the_wrong_shape() -> None:
    x = Tensor(np.ones((2, 2)), requires_grad=True)
    msg = _message(ValueError, (x * 2).backward, np.ones((2, 3)))
    assert re.search(r"\(2, 3\).*\(2, 2\)", msg)
