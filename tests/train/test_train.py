"""The training loop: course printing, history, Ctrl-C, divergence, predict and accuracy."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from tinygrad_edu import Tensor, nn, optim
from tinygrad_edu.data import flower
from tinygrad_edu.train import History, accuracy, fit, predict


@pytest.fixture
def planar():
    X, Y = flower()
    return X, Y


def new_model():
    return nn.ShallowNet(2, 4, 1, hidden="tanh", seed=2)


def test_fit_prints_every_print_every_and_the_last_iteration(planar) -> None:
    lines: list[str] = []
    history = fit(new_model(), *planar, iterations=25, lr=1.2, print_every=10, log=lines.append)
    assert [line.split(":")[0] for line in lines] == [
        "Cost after iteration 0",
        "Cost after iteration 10",
        "Cost after iteration 20",
        "Cost after iteration 24",
    ]
    assert lines[0] == "Cost after iteration 0: 0.693048"
    assert isinstance(history, History) and len(history) == 25 and history.stopped is None
    assert all(isinstance(c, float) for c in history)


def test_print_every_zero_prints_nothing(planar, capsys) -> None:
    fit(new_model(), *planar, iterations=5, lr=1.2, print_every=0, progress=False)
    assert capsys.readouterr().out == ""


def test_course_order_equals_the_mean_loss_up_to_rounding(planar) -> None:
    """The named cost differentiates the sum and scales by 1/m (the course's order); a callable
    mean loss is the same math, so the two trajectories agree to rounding over a few steps."""
    course = fit(new_model(), *planar, iterations=20, lr=1.2, print_every=0)
    mean = fit(
        new_model(),
        *planar,
        iterations=20,
        lr=1.2,
        print_every=0,
        loss=lambda model, X, Y: nn.binary_cross_entropy_with_logits(model.logits(X), Y),
    )
    np.testing.assert_allclose(course.costs, mean.costs, rtol=1e-12)


def test_bce_and_bce_logits_agree(planar) -> None:
    a = fit(new_model(), *planar, iterations=10, lr=1.2, print_every=0, loss="bce")
    b = fit(new_model(), *planar, iterations=10, lr=1.2, print_every=0, loss="bce_logits")
    np.testing.assert_allclose(a.costs, b.costs, rtol=1e-12)


def test_ctrl_c_stops_after_a_finished_iteration(planar) -> None:
    """SIGINT during iteration 3 lets that iteration finish; the parameters are those of a clean
    4-iteration run, never half updated."""
    calls = []

    def loss(model, X, Y):
        calls.append(1)
        if len(calls) == 4:
            os.kill(os.getpid(), signal.SIGINT)
        return nn.binary_cross_entropy_with_logits(model.logits(X), Y)

    lines: list[str] = []
    model = new_model()
    history = fit(model, *planar, iterations=100, lr=1.2, loss=loss, log=lines.append)
    assert history.stopped == "interrupted"
    assert len(history) == 4
    assert "Interrupted" in lines[-1] and "iteration 3" in lines[-1]
    reference = new_model()
    fit(
        reference,
        *planar,
        iterations=4,
        lr=1.2,
        print_every=0,
        loss=lambda m, X, Y: nn.binary_cross_entropy_with_logits(m.logits(X), Y),
    )
    for (name, p), q in zip(model.named_parameters(), reference.parameters(), strict=False):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)
    # the handler is removed afterwards: Ctrl-C is a KeyboardInterrupt again
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
def test_divergence_stops_and_keeps_the_last_finite_parameters() -> None:
    X = np.array([[1e3, -1e3, 2e3, -2e3]])
    Y = np.array([[1.0, 0.0, 1.0, 0.0]])
    model = nn.DeepNet([1, 3, 1], seed=1)

    def loss(m, X, Y):  # a plain MSE on the output: diverges with a huge learning rate
        return ((m.logits(X) - Y) ** 2).mean()

    lines: list[str] = []
    history = fit(model, X, Y, iterations=200, lr=10.0, loss=loss, log=lines.append)
    assert history.stopped == "diverged"
    assert "diverged" in lines[-1] and "smaller learning rate" in lines[-1]
    assert all(np.isfinite(c) for c in history.costs)
    # the kept parameters are the ones that gave the last cost in the history
    assert loss(model, Tensor(X), Tensor(Y)).item() == history.costs[-1]
    assert all(np.all(np.isfinite(p.data)) for p in model.parameters())


def test_fit_validates_its_arguments(planar) -> None:
    with pytest.raises(ValueError, match="iterations"):
        fit(new_model(), *planar, iterations=-1, lr=1.0)
    with pytest.raises(ValueError, match="lr"):
        fit(new_model(), *planar, iterations=1)
    with pytest.raises(ValueError, match="loss must be one of"):
        fit(new_model(), *planar, iterations=1, lr=1.0, loss="mse")


def test_a_transposed_X_names_the_layer_and_the_layout(planar) -> None:
    X, Y = planar
    with pytest.raises(ValueError, match=r"Linear\(2 -> 4\).*\(400, 2\).*\(2, m\).*column"):
        fit(new_model(), X.T, Y, iterations=1, lr=1.0)


def test_predict_and_accuracy(planar) -> None:
    X, Y = planar
    model = new_model()
    fit(model, X, Y, iterations=200, lr=1.2, print_every=0)
    p = predict(model, X)
    assert p.shape == (1, 400) and set(np.unique(p)) <= {0.0, 1.0}
    acc = accuracy(model, X, Y)
    assert type(acc) is float
    assert acc == float(100 * np.mean(p == Y))
    assert acc > 80
    with pytest.raises(ValueError, match="shape"):
        accuracy(model, X, Y.T)


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid:RuntimeWarning")
def test_divergence_also_rolls_back_the_optimizer_state() -> None:
    X = np.array([[1e3, -1e3, 2e3, -2e3]])
    Y = np.array([[1.0, 0.0, 1.0, 0.0]])

    def loss(m, X, Y):
        return ((m.logits(X) - Y) ** 2).mean()

    def run(iterations: int) -> tuple:
        model = nn.DeepNet([1, 3, 1], seed=1)
        opt = optim.Momentum(model.parameters(), lr=10.0)
        history = fit(model, X, Y, iterations, optimizer=opt, loss=loss, log=lambda s: None)
        return model, opt, history

    model, opt, history = run(200)
    assert history.stopped == "diverged"
    # a run stopped by hand after the last finite iteration's update was not yet made
    again, again_opt, _ = run(len(history) - 1)
    for p, q in zip(model.parameters(), again.parameters(), strict=True):
        assert np.array_equal(p.data, q.data)
    for s, t in zip(opt.state, again_opt.state, strict=True):
        assert s.keys() == t.keys()
        assert all(np.array_equal(s[k], t[k]) for k in s)
