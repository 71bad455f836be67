"""L2 regularization: the course's published test cases (course 2, week 1, "Regularization"),
with the gradient coming from backward, not from a hand-written dW += (lambd/m) W."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_edu import Tensor, nn
from tinygrad_edu.autograd import gradcheck


def _course_parameters(after_X: bool) -> tuple[np.ndarray | None, list[np.ndarray]]:
    # the course's test cases: np.random.seed(1), [X = randn(3, 5)], then W1 b1 W2 b2 W3 b3
    rs = np.random.RandomState(1)
    X = rs.randn(3, 5) if after_X else None
    shapes = [(2, 3), (2, 1), (3, 2), (3, 1), (1, 3), (1, 1)]
    return X, [rs.randn(*shape) for shape in shapes]


def test_compute_cost_with_regularization_gives_the_courses_cost() -> None:
    _, (W1, _b1, W2, _b2, W3, _b3) = _course_parameters(after_X=False)
    A3 = Tensor([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
    Y = Tensor([[1.0, 1.0, 0.0, 1.0, 0.0]])
    weights = [Tensor(W) for W in (W1, W2, W3)]
    cost = nn.binary_cross_entropy(A3, Y) + nn.l2_regularization_cost(weights, lambd=0.1, m=5)
    # the notebook prints cost = 1.7864859451590758
    assert cost.item() == pytest.approx(1.7864859451590758, rel=1e-12)


def test_backward_with_regularization_gives_the_courses_gradients() -> None:
    X, arrays = _course_parameters(after_X=True)
    W1, b1, W2, b2, W3, b3 = (Tensor(a, requires_grad=True) for a in arrays)
    Y = Tensor([[1.0, 1.0, 0.0, 1.0, 0.0]])
    A1 = (W1 @ Tensor(X) + b1).relu()
    A2 = (W2 @ A1 + b2).relu()
    A3 = (W3 @ A2 + b3).sigmoid()
    cost = nn.binary_cross_entropy(A3, Y) + nn.l2_regularization_cost([W1, W2, W3], 0.7, 5)
    cost.backward()
    # the notebook's backward_propagation_with_regularization(X, Y, cache, lambd=0.7), printed to
    # 8 decimals
    np.testing.assert_allclose(
        W1.grad.data,
        [[-0.25604646, 0.12298827, -0.28297129], [-0.17706303, 0.34536094, -0.4410571]],
        atol=1e-8,
    )
    np.testing.assert_allclose(
        W2.grad.data,
        [[0.79276486, 0.85133918], [-0.0957219, -0.01720463], [-0.13100772, -0.03750433]],
        atol=1e-8,
    )
    np.testing.assert_allclose(W3.grad.data, [[-1.77691347, -0.11832879, -0.09397446]], atol=1e-8)


def test_the_penalty_adds_lambd_over_m_times_W_to_each_weights_gradient() -> None:
    rs = np.random.RandomState(0)
    model = nn.DeepNet([4, 3, 2, 1], seed=0)
    X = Tensor(rs.randn(4, 7))
    Y = Tensor((rs.rand(1, 7) > 0.5).astype(float))
    plain = nn.binary_cross_entropy(model(X), Y)
    plain.backward()
    plain_grads = {name: p.grad.data.copy() for name, p in model.named_parameters()}
    model.zero_grad()
    lambd, m = 0.7, 7
    cost = nn.binary_cross_entropy(model(X), Y) + nn.l2_regularization_cost(model, lambd, m)
    cost.backward()
    for name, p in model.named_parameters():
        expected = plain_grads[name] + (lambd / m * p.data if name.endswith("W") else 0.0)
        np.testing.assert_allclose(p.grad.data, expected, rtol=1e-13, atol=1e-15, err_msg=name)


def test_the_penalty_passes_gradcheck() -> None:
    rs = np.random.RandomState(3)
    Ws = [Tensor(rs.randn(3, 2), requires_grad=True), Tensor(rs.randn(1, 3), requires_grad=True)]
    assert gradcheck(lambda a, b: nn.l2_regularization_cost([a, b], 0.3, 4), *Ws)


@pytest.mark.parametrize(
    ("weights", "lambd", "m", "error", "match"),
    [
        ([Tensor([1.0])], -0.1, 5, ValueError, "lambd must be a number >= 0.0, got -0.1"),
        ([Tensor([1.0])], 0.1, 0, ValueError, "m must be an int >= 1, got 0"),
        ([], 0.1, 5, ValueError, "no weight to regularize"),
        ([np.ones(2)], 0.1, 5, TypeError, "weight 0 is ndarray, not a Tensor"),
    ],
)
def test_bad_arguments_are_named(weights, lambd, m, error, match) -> None:
    with pytest.raises(error, match=f"l2_regularization_cost: {match}"):
        nn.l2_regularization_cost(weights, lambd, m)
