"""numpy's own functions on Tensors (NEP 13 and 18): the course's numpy code records the graph.

Every numpy function of `tests.support.numpy_cases.NUMPY_FUNCTIONS`, on the inputs its op-table row
draws, gives the same values and the same gradients as the Tensor op, bit for bit (it is the same
op); any other numpy function on a tensor that requires grad raises TypeError naming it.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tests.support.numpy_cases import NUMPY_FUNCTIONS, square, square_reference
from tests.support.op_cases import cases
from tinygrad_edu import Tensor, no_grad
from tinygrad_edu.testing import arrays_in
from tinygrad_edu.testing.op_table import OPS, Domain

ROWS = {spec.name: spec for spec in OPS}
NAMES = pytest.mark.parametrize("name", list(NUMPY_FUNCTIONS))


def calls(name: str):
    row, fn = NUMPY_FUNCTIONS[name]
    spec = ROWS[row]
    if name == "square":
        return spec, square, square_reference
    return spec, fn, spec.call


@NAMES
@given(data=st.data())
def test_numpy_function_equals_the_tensor_op(name: str, data: st.DataObject) -> None:
    spec, numpy_call, tensor_call = calls(name)
    case = data.draw(cases(spec), label="case")
    if name == "dot":
        assume(all(np.ndim(a) <= 2 for a in case.args))
    if name == "square":
        assume(not case.is_const[0] and case.requires[0])
    ours, ref = case.tensors(), case.tensors()
    out = numpy_call(*ours, **case.kwargs)
    expected = tensor_call(*ref, **case.kwargs)
    assert isinstance(out, Tensor), f"np.{name} returned {type(out).__name__}"
    assert type(out.grad_fn) is type(expected.grad_fn)
    np.testing.assert_array_equal(out.data, expected.data)
    W = data.draw(arrays_in(Domain(-2.0, 2.0), out.shape), label="W")
    (out * W).sum().backward()
    (expected * W).sum().backward()
    used = ours[:1] if name == "square" else ours  # square's drawn exponent is not an input
    for a, b in zip(used, ref, strict=False):
        if isinstance(a, Tensor) and a.requires_grad:
            np.testing.assert_array_equal(a.grad.data, b.grad.data)


def test_the_course_week_3_in_numpy_differentiates_as_written() -> None:
    rng = np.random.RandomState(1)
    X = rng.randn(2, 5)
    Y = (rng.rand(1, 5) > 0.5).astype(float)
    W1 = Tensor(rng.randn(4, 2) * 0.01, requires_grad=True)
    b1 = Tensor(np.zeros((4, 1)), requires_grad=True)
    W2 = Tensor(rng.randn(1, 4) * 0.01, requires_grad=True)
    b2 = Tensor(np.zeros((1, 1)), requires_grad=True)
    m = X.shape[1]
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = 1 / (1 + np.exp(-Z2))
    logprobs = np.multiply(np.log(A2), Y) + np.multiply((1 - Y), np.log(1 - A2))
    cost = -np.sum(logprobs) / m
    cost.backward()
    # the course's hand-derived gradients, on the arrays
    a1, a2 = A1.data, A2.data
    dZ2 = a2 - Y
    dW2 = np.dot(dZ2, a1.T) / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = np.dot(W2.data.T, dZ2) * (1 - np.power(a1, 2))
    dW1 = np.dot(dZ1, X.T) / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    for t, expected in ((W1, dW1), (b1, db1), (W2, dW2), (b2, db2)):
        np.testing.assert_allclose(t.grad.data, expected, rtol=1e-10, atol=1e-14)


def test_relu_as_np_maximum_and_ndarray_on_the_left() -> None:
    Z = Tensor([[-1.0, 0.0, 2.0]], requires_grad=True)
    A = np.maximum(0, Z)
    assert isinstance(A, Tensor)
    (np.array([[1.0, 1.0, 1.0]]) * A).sum().backward()  # ndarray * Tensor: numpy hands it over
    np.testing.assert_array_equal(Z.grad.data, [[0.0, 0.5, 1.0]])  # a tie splits, as PyTorch


@pytest.mark.parametrize(
    "call",
    [
        lambda t: np.cos(t),
        lambda t: np.clip(t, 0, 1),
        lambda t: np.where(t > 0, t, 0.0),
        lambda t: np.concatenate([t, t]),
        lambda t: np.log1p(t),
        lambda t: np.cumsum(t),
        lambda t: np.add.accumulate(t),
        lambda t: np.exp(t, out=np.empty(3)),
    ],
    ids=["cos", "clip", "where", "concatenate", "log1p", "cumsum", "accumulate", "out"],
)
def test_a_numpy_function_without_a_gradient_raises_on_a_tensor_that_requires_grad(call) -> None:
    t = Tensor([0.5, 1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"np\.\w+.*(gradient|detach)"):
        call(t)
    free = Tensor([0.5, 1.0, 2.0])  # no gradient to lose: numpy computes, on the arrays
    assert isinstance(call(free), np.ndarray)
    with no_grad():  # nothing is recorded inside no_grad() anyway
        assert isinstance(call(t), np.ndarray)


def test_numpy_functions_that_carry_no_values_work_on_any_tensor() -> None:
    t = Tensor([[0.5, 1.0, 2.0]], requires_grad=True)
    assert np.shape(t) == (1, 3) and np.ndim(t) == 2 and np.size(t) == 3
    assert np.allclose(t, [[0.5, 1.0, 2.0]]) and np.argmax(t) == 2
    np.testing.assert_allclose(t.numpy(), [[0.5, 1.0, 2.0]])
    assert np.zeros_like(t).shape == (1, 3)
    assert np.isfinite(t).all() and not np.isnan(t).any()


def test_array_in_place_with_a_tensor_that_requires_grad_raises() -> None:
    arr = np.zeros(3)
    t = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(TypeError, match="would lose the gradient"):
        arr += t
    arr += Tensor([1.0, 2.0, 3.0])  # no gradient: numpy adds
    np.testing.assert_array_equal(arr, [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="use the in-place operators"):
        np.add(t.detach(), 1.0, out=t.detach())


def test_np_dot_beyond_two_axes_says_to_use_matmul() -> None:
    a = Tensor(np.ones((2, 2, 2)), requires_grad=True)
    with pytest.raises(TypeError, match=r"np\.dot of arrays with more than 2 axes"):
        np.dot(a, np.ones((2, 2)))
    assert (np.dot(Tensor([1.0, 2.0]), 3.0).data == [3.0, 6.0]).all()
    assert np.dot(np.array([1.0, 2.0]), Tensor([3.0, 4.0], requires_grad=True)).item() == 11.0


def test_numpy_reductions_and_float32() -> None:
    t = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, dtype=np.float32)
    s = np.sum(t, axis=1, keepdims=True)
    assert isinstance(s, Tensor) and s.dtype == np.float32 and s.shape == (2, 1)
    assert np.add.reduce(t, axis=0).shape == (3,)
    assert (np.float32(2.0) * t).dtype == np.float32
    assert (np.float64(2.0) * t).dtype == np.float32  # a numpy scalar is a number, as in PyTorch
    with pytest.raises(TypeError, match=r"np\.sum on a tensor"):
        np.sum(t, dtype=np.float64)
