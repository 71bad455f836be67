"""numerical_grad and gradcheck (API contract, "Gradient checking"), and the public
`tinygrad_edu.testing` strategies and assertion built on them."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.custom_ops import Cube
from tinygrad_edu import Function, GradcheckError, Tensor, gradcheck, numerical_grad
from tinygrad_edu.testing import (
    allowed_intervals,
    arrays_in,
    assert_gradients_match,
    broadcastable_tensors,
    course_layout,
    course_shapes,
    matmul_tensors,
    shapes,
    tensors,
)
from tinygrad_edu.testing.op_table import Domain


class WrongAtOneElement(Function):
    """out = a * b, with the gradient of b wrong at index (1, 2) only."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        gb = grad * a
        gb[1, 2] += 0.5
        return grad * b, gb


class ForgetsTheFactor(Function):
    """y = x^2 with the 2 forgotten: dy/dx given as x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x


# ----------------------------------------------------------------------------------------------
# gradcheck


@given(tensors(elements=Domain(-2.0, 2.0), requires_grad=True, max_side=3))
def test_gradcheck_passes_correct_functions(x: Tensor) -> None:
    assert gradcheck(lambda t: Cube.apply(t).sum(), x) is True
    assert gradcheck(lambda t: (t.tanh() * t).sigmoid(), x) is True  # non-scalar output


@given(matmul_tensors(requires_grad=True, max_side=3))
def test_gradcheck_passes_matmul(ab: tuple[Tensor, Tensor]) -> None:
    assert gradcheck(lambda a, b: a @ b, *ab) is True


def test_gradcheck_names_input_element_and_both_values() -> None:
    a = Tensor(np.arange(1.0, 7.0).reshape(2, 3), requires_grad=True)
    b = Tensor(np.full((2, 3), 0.5), requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: WrongAtOneElement.apply(a, b).sum(), a, b)
    msg = str(info.value)
    assert "input 1" in msg
    assert "(1, 2)" in msg
    # backward gives a[1, 2] + 0.5 = 6.5, central differences a[1, 2] = 6
    analytic, numeric = re.search(
        r"backward gives ([-\d.e]+).*differences give ([-\d.e]+)", msg
    ).groups()
    assert float(analytic) == pytest.approx(6.5)
    assert float(numeric) == pytest.approx(6.0, abs=1e-6)
    assert "1 of 6" in msg


def test_gradcheck_reports_a_wrong_gradient_of_a_0d_input() -> None:
    x = Tensor(3.0, requires_grad=True)
    with pytest.raises(GradcheckError, match=r"input 0.*index \(\)") as info:
        gradcheck(lambda t: ForgetsTheFactor.apply(t), x)
    assert "3.0" in str(info.value) and "6.0" in str(info.value)


def test_gradcheck_names_a_named_input() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True, name="W1")
    with pytest.raises(GradcheckError, match="W1"):
        gradcheck(lambda t: ForgetsTheFactor.apply(t).sum(), w)


def test_gradcheck_only_checks_inputs_that_require_grad() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    data = Tensor([3.0, 4.0])  # wrong gradient on a constant is never asked for
    assert gradcheck(lambda x, d: (x * ForgetsTheFactor.apply(d)).sum(), x, data)
    with pytest.raises(ValueError, match="requires grad"):
        gradcheck(lambda d: d.sum(), data)


def test_gradcheck_leaves_grad_untouched() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    before = x.numpy().copy()
    gradcheck(lambda t: (t * t).sum(), x)
    assert x.grad is None
    np.testing.assert_array_equal(x.numpy(), before)


def test_gradcheck_warns_for_float32() -> None:
    x = Tensor([1.0, 2.0], dtype=np.float32, requires_grad=True)
    with pytest.warns(UserWarning, match="float64"):
        gradcheck(lambda t: (t * 2.0).sum(), x, eps=1e-2, atol=1e-2, rtol=1e-2)


def test_gradcheck_of_a_function_unrelated_to_its_input() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    other = Tensor([5.0])
    assert gradcheck(lambda t: other.sum() * 1.0, x)  # gradient 0 both ways


# ----------------------------------------------------------------------------------------------
# numerical_grad

# +eps, -2eps, +eps does not return these to their value: a restore by arithmetic would show
EPS = 1e-6
GRID = np.linspace(-3.0, 3.0, 61)
ROUNDING = GRID[((GRID + EPS) - 2 * EPS) + EPS != GRID]


def test_numerical_grad_restores_values_bit_for_bit() -> None:
    assert ROUNDING.size > 10  # the test would be empty otherwise
    x = Tensor(ROUNDING.reshape(-1, 1), requires_grad=True)
    y = Tensor(ROUNDING[::-1].copy())
    before_x, before_y = x.numpy().copy(), y.numpy().copy()
    grads = numerical_grad(lambda a, b: (a * b).sum(), x, y, eps=EPS)
    assert x.numpy().tobytes() == before_x.tobytes()
    assert y.numpy().tobytes() == before_y.tobytes()
    assert len(grads) == 2
    assert grads[0].shape == x.shape and grads[1].shape == y.shape
    # f = sum_ij a_i b_j: df/da_i = sum(b), df/db_j = sum(a)
    np.testing.assert_allclose(grads[0], np.full(x.shape, before_y.sum()), rtol=1e-6)
    np.testing.assert_allclose(grads[1], np.full(y.shape, before_x.sum()), rtol=1e-6, atol=1e-6)


@given(
    arrays_in(Domain(-2.0, 2.0), shapes(max_side=3)),
    arrays_in(Domain(0.5, 2.0), shapes(max_side=3)),
)
def test_numerical_grad_one_array_per_input_in_order(a: np.ndarray, b: np.ndarray) -> None:
    ta, tb = Tensor(a), Tensor(b, requires_grad=True)  # requires_grad does not matter here
    ga, gb = numerical_grad(lambda x, y: (x**3).sum() + y.log().sum(), ta, tb)
    assert isinstance(ga, np.ndarray) and ga.shape == a.shape and ga.dtype == np.float64
    assert gb.shape == b.shape
    np.testing.assert_allclose(ga, 3 * a**2, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(gb, 1 / b, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(ta.numpy(), a)
    np.testing.assert_array_equal(tb.numpy(), b)
    assert ta.grad is None and tb.grad is None


def test_numerical_grad_takes_a_one_element_output_of_any_shape() -> None:
    x = Tensor([[1.0, 2.0]])
    (g,) = numerical_grad(lambda t: (t * t).sum(axis=1, keepdims=True), x)
    np.testing.assert_allclose(g, [[2.0, 4.0]], rtol=1e-6)


# ----------------------------------------------------------------------------------------------
# tinygrad_edu.testing


def test_assert_gradients_match_raises_assertion_error_with_the_details() -> None:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert_gradients_match(lambda t: Cube.apply(t).sum(), x)
    with pytest.raises(AssertionError, match=r"input 0.*index \(\d,\).*backward gives .* central"):
        assert_gradients_match(lambda t: ForgetsTheFactor.apply(t).sum(), x)


@given(st.data())
def test_arrays_in_respects_the_domain(data: st.DataObject) -> None:
    low = data.draw(st.floats(-5, 4), label="low")
    high = data.draw(st.floats(low + 0.5, 6), label="high")
    avoid = tuple(data.draw(st.lists(st.floats(-6, 7), max_size=3), label="avoid"))
    gap = data.draw(st.floats(0.0, 0.1), label="gap")
    distinct = data.draw(st.booleans(), label="distinct")
    domain = Domain(low, high, avoid, gap, distinct)
    shape = data.draw(shapes(max_side=4), label="shape")
    x = data.draw(arrays_in(domain, shape), label="x")
    assert x.shape == shape and x.dtype == np.float64
    assert np.all((x >= low) & (x <= high))
    for p in avoid:
        assert np.all(np.abs(x - p) >= gap * (1 - 1e-9) - 1e-12), p
    if distinct and x.size > 1:
        flat = np.sort(x.ravel())
        spread = sum(b - a for a, b in allowed_intervals(domain))
        assert np.diff(flat).min() >= spread / (2 * x.size) * (1 - 1e-9)


def test_arrays_in_with_an_empty_domain_fails_at_once() -> None:
    with pytest.raises(ValueError, match="no value"):
        arrays_in(Domain(-1.0, 1.0, avoid=(0.0,), gap=2.0), (2,))


@given(arrays_in(Domain(-1.0, 1.0, avoid=(0.0,), gap=0.3), (3, 3), dtype=np.float32))
def test_arrays_in_float32(x: np.ndarray) -> None:
    assert x.dtype == np.float32
    assert np.all(np.abs(x) >= 0.3 - 1e-6)


@given(tensors(shape=(2, 3), dtype=np.float32, requires_grad=True))
def test_tensors_with_a_fixed_shape(t: Tensor) -> None:
    assert t.shape == (2, 3) and t.dtype == np.float32 and t.requires_grad and t.is_leaf


@given(tensors(elements=st.floats(-1, 1), min_dims=2, max_dims=2, min_side=2, max_side=2))
def test_tensors_with_a_float_strategy(t: Tensor) -> None:
    assert t.shape == (2, 2) and np.all(np.abs(t.numpy()) <= 1)


@given(broadcastable_tensors(3, elements=(Domain(0, 1), Domain(2, 3), None)))
def test_broadcastable_tensors(ts: tuple[Tensor, ...]) -> None:
    a, b, c = ts
    np.broadcast_shapes(a.shape, b.shape, c.shape)
    assert np.all(a.numpy() <= 1) and np.all(b.numpy() >= 2)
    assert (a + b * c).shape == np.broadcast_shapes(a.shape, b.shape, c.shape)


@given(matmul_tensors())
def test_matmul_tensors_are_valid_operands(ab: tuple[Tensor, Tensor]) -> None:
    a, b = ab
    np.testing.assert_allclose((a @ b).numpy(), a.numpy() @ b.numpy())


@given(course_shapes(n_x=st.integers(2, 3), m=5), course_layout(n_x=4))
def test_course_shapes_and_layout(s: tuple, xy: tuple[Tensor, Tensor]) -> None:
    (n_x, m), (n_y, m_y) = s
    assert 2 <= n_x <= 3 and m == m_y == 5 and n_y == 1
    X, Y = xy
    assert X.shape[0] == 4 and Y.shape == (1, X.shape[1])
    assert set(np.unique(Y.numpy())) <= {0.0, 1.0}
    assert not X.requires_grad and not Y.requires_grad


def test_testing_without_hypothesis_says_pip_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib
    import sys

    for name in ["hypothesis", "hypothesis.extra", "hypothesis.extra.numpy"]:
        monkeypatch.setitem(sys.modules, name, None)  # as if it were not installed
    monkeypatch.delitem(sys.modules, "tinygrad_edu.testing")
    monkeypatch.delitem(sys.modules, "tinygrad_edu.testing.strategies")
    with pytest.raises(ImportError, match="pip install hypothesis"):
        importlib.import_module("tinygrad_edu.testing")
