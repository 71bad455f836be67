"""Issue 12's edges: saturated and -inf inputs of the costs, and the corners of fit, predict,
accuracy and the decision-boundary plot. PyTorch is the oracle where it has an answer."""

from __future__ import annotations

from pathlib import Path

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
        J, z = _cross_entropy_like_torch(torch, Z, labels, Y)
        assert np.isfinite(J.item()) and np.all(np.isfinite(z.grad.data))


def _cross_entropy_like_torch(torch, Z: np.ndarray, labels: np.ndarray, Y) -> tuple:
    """Our cross_entropy of Z (C, m) against Y, and PyTorch's of Z.T: value and gradient equal."""
    z = Tensor(Z, requires_grad=True)
    J = nn.cross_entropy(z, Y)
    J.backward()
    tz = torch.tensor(Z.T.copy(), requires_grad=True)
    tJ = torch.nn.functional.cross_entropy(tz, torch.tensor(labels))
    tJ.backward()
    np.testing.assert_allclose(J.item(), tJ.item(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(z.grad.data, tz.grad.numpy().T, rtol=RTOL, atol=ATOL)
    return J, z


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
    _cross_entropy_like_torch(torch, Z, labels, labels)


# ------------------------------------------------------------------------------ 5. fit's corners


def _three_classes(m: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points around the origin in three sectors of the plane: X (2, m), labels (1, m)."""
    X = np.random.default_rng(seed).normal(size=(2, m))
    labels = (np.arctan2(X[1], X[0]) // (2 * np.pi / 3) % 3).astype(int)
    return X, labels.reshape(1, -1)


def _sequential(n_out: int, seed: int = 0) -> nn.Sequential:
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, n_out))
    nn.init.he_(model, seed=seed)
    return model


@pytest.mark.parametrize("iterations", [np.int64(3), np.int32(3), np.uint8(3)])
def test_fit_accepts_numpy_integers(iterations) -> None:
    from tinygrad_edu.data import flower
    from tinygrad_edu.train import fit

    X, Y = flower()
    history = fit(nn.ShallowNet(2, 4, 1), X, Y, iterations=iterations, lr=1.2, print_every=0)
    assert len(history) == 3


@pytest.mark.parametrize(
    ("iterations", "words"),
    [
        (True, "whole number >= 0 (an int), got True of type bool"),
        (np.True_, "of type bool"),
        (3.0, "got 3.0 of type float"),
        (np.float64(3), "of type float64"),
        ("3", "of type str"),
        (-1, "must be >= 0, got -1"),
        (np.int64(-2), "must be >= 0, got -2"),
    ],
)
def test_fit_refuses_what_is_not_a_count(iterations, words: str) -> None:
    from tinygrad_edu.train import fit

    X, Y = np.zeros((2, 3)), np.zeros((1, 3))
    with pytest.raises(ValueError, match="fit: iterations") as error:
        fit(nn.ShallowNet(2, 4, 1), X, Y, iterations=iterations, lr=1.0)
    assert words in str(error.value)


def test_fit_cross_entropy_is_the_softmax_cost_of_the_logits() -> None:
    """loss="cross_entropy": cost_i = cross_entropy(logits), and the first step is plain gradient
    descent on it (checked against the cost of the mean, with autograd, on a copy)."""
    from tinygrad_edu.train import fit

    X, labels = _three_classes()
    model, copy = _sequential(3), _sequential(3)
    history = fit(model, X, labels, iterations=2, lr=0.5, loss="cross_entropy", print_every=0)
    J = nn.cross_entropy(copy(Tensor(X)), labels)
    assert history.costs[0] == pytest.approx(J.item(), rel=1e-12)
    J.backward()
    for q in copy.parameters():
        q.data -= 0.5 * q.grad.data
    np.testing.assert_allclose(nn.cross_entropy(copy(Tensor(X)), labels).item(), history[1], 1e-12)


def test_fit_cross_entropy_on_a_classifier_uses_its_logits() -> None:
    from tinygrad_edu.train import fit

    X, labels = _three_classes()
    model = nn.ShallowNet(2, 5, 3, seed=3)
    before = nn.cross_entropy(model.logits(X), labels).item()
    history = fit(model, X, labels, iterations=1, lr=0.1, loss="cross_entropy", print_every=0)
    assert history.costs[0] == pytest.approx(before, rel=1e-12)


def test_fit_on_a_sequential_ending_in_linear_trains_on_its_logits() -> None:
    """Its output is Z[L]: "bce_logits" uses it; "bce" (on A) is refused, naming what to pass."""
    from tinygrad_edu.data import flower
    from tinygrad_edu.train import fit

    X, Y = flower()
    model = _sequential(1)
    history = fit(model, X, Y, iterations=3, lr=0.1, print_every=0)
    assert history.costs[0] == pytest.approx(
        nn.binary_cross_entropy_with_logits(_sequential(1)(Tensor(X)), Y).item(), rel=1e-12
    )
    with pytest.raises(ValueError, match=r"ends in Linear.*loss='bce_logits'"):
        fit(_sequential(1), X, Y, iterations=1, lr=0.1, loss="bce")


def test_fit_on_a_sequential_ending_in_sigmoid_drops_it_for_the_logits() -> None:
    from tinygrad_edu.data import flower
    from tinygrad_edu.train import fit

    X, Y = flower()
    a, b = _sequential(1), _sequential(1)
    with_sigmoid = nn.Sequential(*a, nn.Sigmoid())
    logits = fit(with_sigmoid, X, Y, iterations=5, lr=0.1, print_every=0)
    plain = fit(b, X, Y, iterations=5, lr=0.1, print_every=0)
    assert logits.costs == plain.costs


def test_fit_with_a_model_without_logits_says_what_to_pass() -> None:
    from tinygrad_edu.train import fit

    class Tiny(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(2, 1)

        def forward(self, X):
            return self.linear(X).sigmoid()

    X, Y = np.zeros((2, 3)), np.zeros((1, 3))
    for loss in ("bce_logits", "cross_entropy"):
        with pytest.raises(ValueError, match=rf"loss='{loss}' needs the model's logits.*Tiny.*"):
            fit(Tiny(), X, Y, iterations=1, lr=0.1, loss=loss)
    assert len(fit(Tiny(), X, Y, iterations=2, lr=0.1, loss="bce", print_every=0)) == 2


# --------------------------------------------------------------- 6. predict and accuracy


def test_predict_reads_a_linear_output_as_logits() -> None:
    """A Sequential ending in Linear: 1 where sigmoid(Z) > 0.5 (Z > 0), not where Z > 0.5."""
    from tinygrad_edu.data import flower
    from tinygrad_edu.train import accuracy, fit, predict

    X, Y = flower()
    model = _sequential(1)
    fit(model, X, Y, iterations=50, lr=0.3, print_every=0)
    Z = model(Tensor(X)).data
    assert ((Z > 0) != (Z > 0.5)).any()  # the test can tell the two thresholds apart
    expected = (1 / (1 + np.exp(-Z)) > 0.5).astype(np.float64)
    np.testing.assert_array_equal(predict(model, X), expected)
    assert accuracy(model, X, Y) == float(100 * np.mean(expected == Y))


def test_predict_and_accuracy_for_three_classes() -> None:
    from tinygrad_edu.train import accuracy, fit, predict

    X, labels = _three_classes(90)
    model = _sequential(3)
    fit(model, X, labels, iterations=100, lr=0.5, loss="cross_entropy", print_every=0)
    expected = np.argmax(model(Tensor(X)).data, axis=0)[None, :]
    prediction = predict(model, X)
    assert prediction.shape == (1, 90)
    np.testing.assert_array_equal(prediction, expected)
    right = float(100 * np.mean(expected == labels))
    assert 50 < right < 100  # neither trivial nor perfect: the comparison below can tell
    one_hot = np.eye(3)[:, labels[0]]
    for Y in (labels, labels[0], one_hot, labels.astype(float)):
        assert accuracy(model, X, Y) == right
    with pytest.raises(ValueError, match=r"Y must be \(1, 90\) or \(90,\) labels, or one-hot"):
        accuracy(model, X, labels.T)


def test_classifier_predict_is_train_predict_for_several_classes() -> None:
    from tinygrad_edu.train import predict

    X, _ = _three_classes()
    for dtype in (np.float64, np.float32):
        model = nn.ShallowNet(2, 5, 3, seed=3, dtype=dtype)
        nn.init.he_(model, seed=1)
        ours = model.predict(X.astype(dtype))
        assert ours.dtype == dtype and ours.shape == (1, X.shape[1])
        np.testing.assert_array_equal(ours, predict(model, X.astype(dtype)))
        np.testing.assert_array_equal(ours[0], np.argmax(model.logits(X.astype(dtype)).data, 0))


def test_predict_refuses_an_output_it_cannot_read() -> None:
    from tinygrad_edu.train import predict

    class Scores(nn.Module):
        def forward(self, X):
            return X[:1] * 10

    with pytest.raises(ValueError, match=r"Scores gave outputs outside \[0, 1\].*logits\(X\)"):
        predict(Scores(), np.array([[-1.0, 2.0], [0.0, 0.0]]))


# ---------------------------------------------------------- 7. the decision boundary, 3 classes


def test_decision_boundary_of_a_three_class_model(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from tinygrad_edu.viz.plots import plot_decision_boundary

    X, labels = _three_classes()
    model = _sequential(3)
    for Y in (labels, np.eye(3)[:, labels[0]]):
        plot_decision_boundary(model, X, Y, tmp_path / "three.png")
        assert (tmp_path / "three.png").stat().st_size > 0


# --------------------------------------------------------------------- 8. a cost that rises


def test_a_rising_cost_warns_once_naming_the_learning_rate() -> None:
    """The planar network at lr 100: the cost climbs from 0.69 to over 8 and stays up."""
    from tinygrad_edu.data import flower
    from tinygrad_edu.train import RisingCostWarning, fit

    X, Y = flower()
    with pytest.warns(RisingCostWarning) as record:
        history = fit(nn.ShallowNet(2, 4, 1), X, Y, iterations=300, lr=100.0, print_every=0)
    assert len(record) == 1
    message = str(record[0].message)
    assert "lr=100.0" in message and "100 iterations in a row" in message
    assert record[0].filename == __file__  # it points at the call to fit
    assert history.stopped is None and history.costs[-1] > 8


def test_a_cost_that_recovers_does_not_warn() -> None:
    """lr 10: the cost jumps up, then comes back down within a few dozen iterations."""
    import warnings

    from tinygrad_edu.data import flower
    from tinygrad_edu.train import fit

    X, Y = flower()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit(nn.ShallowNet(2, 4, 1), X, Y, iterations=400, lr=10.0, print_every=0)
