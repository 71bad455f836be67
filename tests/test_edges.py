"""Issue 12's edges: saturated and -inf inputs of the costs, and the corners of fit, predict,
accuracy and the decision-boundary plot. PyTorch is the oracle where it has an answer."""

from __future__ import annotations

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks import course_numpy as cn
from tinygrad_edu import Tensor, nn

RTOL, ATOL = 1e-7, 1e-12
ISSUE_Z = np.array([[40.0, 800.0, -800.0, -40.0, 2.0]])
ISSUE_Y = np.array([[1.0, 1.0, 0.0, 0.0, 1.0]])


def _sigmoid(z: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-z))


def _bce_both(A: np.ndarray, Y: np.ndarray, reduction: str = "mean", grad_y: bool = False):
    """Our value and gradients, and PyTorch's, for binary_cross_entropy(A, Y)."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    a, y = Tensor(A, requires_grad=True), Tensor(Y, requires_grad=grad_y)
    J = nn.binary_cross_entropy(a, y, reduction=reduction)
    J.backward()
    ta = torch.tensor(A, requires_grad=True)
    ty = torch.tensor(Y, requires_grad=grad_y)
    tJ = F.binary_cross_entropy(ta, ty, reduction=reduction)
    tJ.backward()
    ours = (J.item(), a.grad.data, y.grad.data if grad_y else None)
    theirs = (tJ.item(), ta.grad.numpy(), ty.grad.numpy() if grad_y else None)
    return ours, theirs


# ------------------------------------------------------------------ 1. BCE clamps its logs


def test_bce_on_saturated_outputs_is_pytorchs_value_and_gradient() -> None:
    """The issue's example: sigmoid of ±800 is exactly 0 or 1; today nan, PyTorch 0.0253856."""
    (J, dA, _), (tJ, tdA, _) = _bce_both(_sigmoid(ISSUE_Z), ISSUE_Y)
    assert np.isfinite(J) and np.all(np.isfinite(dA))
    np.testing.assert_allclose(J, tJ, rtol=RTOL)
    np.testing.assert_allclose(J, 0.0253856, atol=5e-8)
    np.testing.assert_allclose(dA, tdA, rtol=RTOL, atol=ATOL)


def test_bce_on_a_wrong_saturated_output_costs_100_per_log() -> None:
    """A = 1 for Y = 0 costs -log-clamp = 100, with PyTorch's finite gradient 1/1e-12."""
    (J, dA, _), (tJ, tdA, _) = _bce_both(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]), "sum")
    assert J == 200.0 and tJ == 200.0
    np.testing.assert_allclose(dA, tdA, rtol=RTOL)
    np.testing.assert_allclose(dA, [[1e12, -1e12]], rtol=RTOL)


probabilities = st.one_of(
    st.sampled_from([0.0, 1.0, 1e-300, 1e-13, 1 - 1e-13, 0.5]),
    st.floats(0.0, 1.0),
)


@given(
    hnp.arrays(np.float64, st.integers(1, 6), elements=probabilities),
    st.data(),
    st.sampled_from(["mean", "sum"]),
)
def test_bce_equals_pytorch_for_any_probability(A: np.ndarray, data, reduction: str) -> None:
    """Exact 0 and 1, the tiniest values and the middle: finite, and PyTorch's numbers."""
    Y = data.draw(hnp.arrays(np.float64, A.shape, elements=st.sampled_from([0.0, 1.0])))
    (J, dA, _), (tJ, tdA, _) = _bce_both(A.reshape(1, -1), Y.reshape(1, -1), reduction)
    assert np.isfinite(J) and np.all(np.isfinite(dA))
    np.testing.assert_allclose(J, tJ, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(dA, tdA, rtol=RTOL, atol=ATOL)


def test_bce_gradient_for_the_targets_is_the_clamped_logs() -> None:
    """dJ/dY = max(log(1 - A), -100) - max(log A, -100): PyTorch's where A is not saturated; where
    it is, PyTorch differentiates the unclamped logs (±inf) and ours is the derivative of the clamped
    cost it computes (checked by a central difference in Y, which the cost is linear in)."""
    A, Y = np.array([[0.3, 0.9, 1.0, 0.0]]), np.array([[0.2, 1.0, 1.0, 0.5]])
    (_, _, dY), (_, _, tdY) = _bce_both(A, Y, "sum", grad_y=True)
    np.testing.assert_allclose(dY[:, :2], tdY[:, :2], rtol=RTOL)
    assert np.all(np.isinf(tdY[:, 2:]))  # PyTorch: log(1 - 1) - log 1 = -inf
    h = 0.25
    for i in range(4):
        up, down = Y.copy(), Y.copy()
        up[0, i] += h
        down[0, i] -= h
        slope = nn.binary_cross_entropy(A, up, "sum") - nn.binary_cross_entropy(A, down, "sum")
        np.testing.assert_allclose(dY[0, i], slope.item() / (2 * h), rtol=1e-12)
    np.testing.assert_array_equal(dY[:, 2:], [[-100.0, 100.0]])


@given(hnp.arrays(np.float64, st.integers(1, 8), elements=st.floats(1e-6, 1 - 1e-6)), st.data())
def test_bce_sum_gradient_is_the_courses_dAL_bit_for_bit(A: np.ndarray, data) -> None:
    """Where A is not saturated the op computes the course's -(Y/A - (1-Y)/(1-A)) in the course's
    order: fit(loss="bce") then follows the course's numpy to the last bit."""
    Y = data.draw(hnp.arrays(np.float64, A.shape, elements=st.sampled_from([0.0, 1.0])))
    a = Tensor(A, requires_grad=True)
    nn.binary_cross_entropy(a, Y, reduction="sum").backward()
    np.testing.assert_array_equal(a.grad.data, -(np.divide(Y, A) - np.divide(1 - Y, 1 - A)))


def test_bce_create_graph_second_derivative_is_finite_and_right() -> None:
    """The backward formula reruns on Tensors: d2J/dA2 = Y/A^2 + (1-Y)/(1-A)^2 (unsaturated),
    1/1e-12 where saturated (the derivative of PyTorch's (A - Y)/1e-12)."""
    A, Y = np.array([[0.25, 0.75, 1.0]]), np.array([[1.0, 0.0, 1.0]])
    a = Tensor(A, requires_grad=True)
    J = nn.binary_cross_entropy(a, Y, reduction="sum")
    J.backward(create_graph=True)
    (dA,) = [a.grad]
    a.grad = None
    dA.sum().backward()
    expected = np.array([[1 / 0.25**2, 1 / 0.25**2, 1e12]])
    np.testing.assert_allclose(a.grad.data, expected, rtol=1e-12)


def test_bce_float32_is_kept() -> None:
    a = Tensor(_sigmoid(ISSUE_Z).astype(np.float32), requires_grad=True)
    J = nn.binary_cross_entropy(a, ISSUE_Y.astype(np.float32))
    J.backward()
    assert J.dtype == np.float32 and a.grad.dtype == np.float32
    assert np.isfinite(J.item()) and np.all(np.isfinite(a.grad.data))


def test_fit_bce_on_a_correct_saturated_model_does_not_diverge() -> None:
    """A logistic regression so sure of itself that A rounds to exactly 0 and 1: a cost of ~0,
    not nan, so fit trains on instead of calling it diverged."""
    from tinygrad_edu.train import fit

    X = np.array([[-1.0, 1.0, -2.0, 2.0]])
    Y = (X > 0).astype(np.float64)
    model = nn.LogisticRegression(1)
    model.linear.W.data[...] = 900.0
    history = fit(model, X, Y, iterations=3, lr=0.1, loss="bce", print_every=0, progress=False)
    assert history.stopped is None and len(history) == 3
    assert history.costs == [0.0, 0.0, 0.0]


def test_fit_bce_follows_the_courses_numpy_bit_for_bit(cats) -> None:
    """A few iterations of the 4-layer cat network: every parameter equal to the course's."""
    from tinygrad_edu.train import fit

    dims, iterations = [12288, 20, 7, 5, 1], 5
    model = nn.DeepNet(dims)
    fit(model, cats.X_train, cats.Y_train, iterations, lr=0.0075, loss="bce", print_every=0)
    params, _ = cn.deep_train(cats.X_train, cats.Y_train, dims, iterations, 0.0075)
    state = model.state_dict()
    for layer in range(1, len(dims)):
        W, b = state[f"layers.{2 * (layer - 1)}.W"], state[f"layers.{2 * (layer - 1)}.b"]
        np.testing.assert_array_equal(np.asarray(W), params[f"W{layer}"])
        np.testing.assert_array_equal(np.asarray(b), params[f"b{layer}"])


# ---------------------------------------------------------- 2. cross_entropy with -inf logits


def test_cross_entropy_with_a_minus_inf_logit_is_pytorchs() -> None:
    """A class with logit -inf that is not the target costs nothing (today 0 * -inf = nan)."""
    torch = pytest.importorskip("torch")
    Z = np.array([[0.5, -np.inf, 3.0], [1.0, 2.0, -1.0], [-np.inf, 0.0, 2.0]])  # (C, m)
    labels = np.array([1, 1, 2])
    for Y in (labels, labels.reshape(1, -1), np.eye(3)[:, labels]):
        z = Tensor(Z, requires_grad=True)
        J = nn.cross_entropy(z, Y)
        J.backward()
        tz = torch.tensor(Z.T.copy(), requires_grad=True)
        tJ = torch.nn.functional.cross_entropy(tz, torch.tensor(labels))
        tJ.backward()
        assert np.isfinite(J.item()) and np.all(np.isfinite(z.grad.data))
        np.testing.assert_allclose(J.item(), tJ.item(), rtol=RTOL)
        np.testing.assert_allclose(z.grad.data, tz.grad.numpy().T, rtol=RTOL, atol=ATOL)


@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(2, 4), st.integers(1, 4)),
        elements=st.one_of(st.floats(-5, 5), st.just(-np.inf)),
    ),
    st.data(),
)
def test_cross_entropy_masked_classes_match_pytorch(Z: np.ndarray, data) -> None:
    torch = pytest.importorskip("torch")
    m = Z.shape[1]
    finite = [np.flatnonzero(np.isfinite(Z[:, i])) for i in range(m)]
    if any(len(f) == 0 for f in finite):
        Z[0, :] = 0.0
        finite = [np.flatnonzero(np.isfinite(Z[:, i])) for i in range(m)]
    labels = np.array([data.draw(st.sampled_from(list(f))) for f in finite])
    z = Tensor(Z, requires_grad=True)
    J = nn.cross_entropy(z, labels)
    J.backward()
    tz = torch.tensor(Z.T.copy(), requires_grad=True)
    tJ = torch.nn.functional.cross_entropy(tz, torch.tensor(labels))
    tJ.backward()
    np.testing.assert_allclose(J.item(), tJ.item(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(z.grad.data, tz.grad.numpy().T, rtol=RTOL, atol=ATOL)
