"""`fit(..., jit=True)`: every iteration one compiled step (`tinygrad_edu.jit`), with the costs,
printed lines, History, parameters, gradients and optimizer state of eager `fit`, bit for bit,
compared with an eager run made in the same test. Each jitted run must really replay its
program: no JitWarning, and the loss runs as Python only at the trace and the check (at most
twice), so a silent fall back to eager mode fails."""

from __future__ import annotations

import os
import signal
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from unittest import mock

import numpy as np
import pytest

import tinygrad_edu
from tests.contract._course_runs import COURSES, data
from tinygrad_edu import Function, JitWarning, Tensor, nn, optim
from tinygrad_edu.compiled.program import bits_equal
from tinygrad_edu.data import flower
from tinygrad_edu.train import COURSE_LOSSES, accuracy, fit


@dataclass
class Run:
    """What one `fit` did, copied out."""

    model: Any
    costs: list[float]
    stopped: str | None
    lines: list[str]
    params: dict[str, np.ndarray]
    grads: dict[str, np.ndarray | None]
    state: list[dict[str, Any]]
    loss_calls: int
    jit_warnings: list[str]
    other_warnings: list[str]


def train(
    make_model: Callable[[], Any],
    X: Any,
    Y: Any,
    iterations: int,
    jit: bool,
    loss: Any = "bce_logits",
    optimizer: Callable[[list], optim.Optimizer] | None = None,
    log: Callable[[list[str], str], None] | None = None,
    **options: Any,
) -> Run:
    """`fit` one fresh model, counting the calls of the loss (a named loss is wrapped in place,
    so that fit still takes it as the course's cost)."""
    model = make_model()
    opt = optimizer(list(model.parameters())) if optimizer is not None else None
    calls = [0]
    name = loss if isinstance(loss, str) else None
    inner = COURSE_LOSSES[name] if name is not None else loss

    def counted(model: Any, X: Any, Y: Any) -> Any:
        calls[0] += 1
        return inner(model, X, Y)

    lines: list[str] = []

    def write(line: str) -> None:
        lines.append(line)
        if log is not None:
            log(lines, line)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with mock.patch.dict(COURSE_LOSSES, {name: counted} if name else {}):
            history = fit(
                model,
                X,
                Y,
                iterations,
                optimizer=opt,
                loss=loss if name else counted,
                log=write,
                progress=False,
                jit=jit,
                **options,
            )
    named = dict(model.named_parameters())
    return Run(
        model,
        list(history.costs),
        history.stopped,
        lines,
        {k: p.data.copy() for k, p in named.items()},
        {k: None if p.grad is None else p.grad.data.copy() for k, p in named.items()},
        [] if opt is None else [dict(s) for s in opt.state],
        calls[0],
        [str(w.message) for w in caught if issubclass(w.category, JitWarning)],
        [
            str(w.message)
            for w in caught
            if not issubclass(w.category, (JitWarning, RuntimeWarning))
        ],
    )


def assert_same(eager: Run, jitted: Run, replayed: bool = True) -> None:
    """The jitted run is the eager one bit for bit; with `replayed`, its program was used."""
    assert jitted.jit_warnings == [] or not replayed, jitted.jit_warnings
    assert jitted.costs == eager.costs
    assert jitted.stopped == eager.stopped
    assert jitted.lines == eager.lines
    assert jitted.other_warnings == eager.other_warnings
    for name, p in eager.params.items():
        assert bits_equal(jitted.params[name], p), name
    for name, g in eager.grads.items():
        got = jitted.grads[name]
        assert (got is None) == (g is None), name
        assert g is None or bits_equal(got, g), name
    assert len(jitted.state) == len(eager.state)
    for s, t in zip(eager.state, jitted.state, strict=True):
        assert s.keys() == t.keys()
        for k in s:
            if isinstance(s[k], np.ndarray):
                assert bits_equal(t[k], s[k]), k
            else:
                assert t[k] == s[k], k
    steps = len(eager.costs) + (eager.stopped == "diverged")  # the iterations that ran the loss
    assert eager.loss_calls == steps
    if replayed:
        assert jitted.loss_calls <= 2, "the compiled step did not replay its program"


def both(*args: Any, **kwargs: Any) -> tuple[Run, Run]:
    return train(*args, jit=False, **kwargs), train(*args, jit=True, **kwargs)


def planar_model() -> nn.Module:
    return nn.ShallowNet(2, 4, 1, hidden="tanh", seed=2)


# ------------------------------------------------------------------ the course's four trainings

# the default run: the first few printed costs of each
SHORT = {"logreg": 101, "planar": 2001, "shallow": 101, "deep": 101}


def course_runs(name: str, iterations: int, request: pytest.FixtureRequest) -> None:
    course = COURSES[name]
    if course.data == "cats":
        request.getfixturevalue("cats")  # skips, saying where to put the files, without them
    X, Y, X_test, Y_test = data(course.data)
    eager, jitted = both(
        course.make_model,
        X,
        Y,
        iterations,
        loss=course.loss,
        lr=course.lr,
        print_every=course.print_every,
    )
    assert_same(eager, jitted)
    assert len(jitted.costs) == iterations and jitted.stopped is None
    assert sum(line.startswith("Cost after iteration") for line in jitted.lines) >= 2
    assert accuracy(jitted.model, X, Y) == accuracy(eager.model, X, Y)
    if X_test is not None:
        assert accuracy(jitted.model, X_test, Y_test) == accuracy(eager.model, X_test, Y_test)


@pytest.mark.parametrize("name", list(COURSES))
def test_the_course_trainings_print_the_eager_costs(name, request) -> None:
    course_runs(name, SHORT[name], request)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(COURSES))
def test_the_full_course_trainings_print_the_eager_costs(name, request) -> None:
    course_runs(name, COURSES[name].iterations, request)


# --------------------------------------------------------------------------------- divergence


def exp_loss(model: Any, X: Any, Y: Any) -> Any:
    """-sum(exp(Z)): gradient descent makes Z grow faster and faster, until the cost is -inf."""
    return -(model.logits(X).exp().sum())


def linear_loss(model: Any, X: Any, Y: Any) -> Any:
    """-sum(Z): finite gradients, so Adam's steps stay about lr, until the cost overflows."""
    return -(model.logits(X).sum())


XD, YD = np.array([[1.0, 2.0]]), np.array([[1.0, 0.0]])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    ("optimizer", "loss", "where"),
    [
        (lambda p: optim.SGD(p, lr=1e3), exp_loss, 1),  # at the call that checks the program
        (lambda p: optim.SGD(p, lr=10.0), exp_loss, 2),  # at the first replay
        (lambda p: optim.SGD(p, lr=0.1), exp_loss, "later"),
        (lambda p: optim.Momentum(p, lr=0.01), exp_loss, "later"),
        (lambda p: optim.Adam(p, lr=1e307), linear_loss, "later"),
        (lambda p: optim.RMSprop(p, lr=1e307), linear_loss, 1),
    ],
)
def test_divergence_keeps_the_parameters_and_state_of_the_last_finite_cost(
    optimizer, loss, where
) -> None:
    """The jitted step has already made the update of the non-finite iteration when fit reads its
    cost: fit puts back the parameters and optimizer state copied before the last finite one."""
    eager, jitted = both(
        lambda: nn.LogisticRegression(1), XD, YD, 500, optimizer=optimizer, loss=loss
    )
    assert eager.stopped == "diverged"
    stop = len(eager.costs)
    assert stop == where if where != "later" else stop > 2
    assert_same(eager, jitted)
    assert "diverged" in jitted.lines[-1] and "smaller learning rate" in jitted.lines[-1]
    # the kept parameters are the ones that gave the last cost in the history
    again = fit(jitted.model, XD, YD, 1, optimizer=optimizer(list(jitted.model.parameters())),
                loss=loss, log=lambda s: None)  # fmt: skip
    assert again.costs == [jitted.costs[-1]]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("make_optimizer", [None, lambda p: optim.Momentum(p, lr=0.1)])
def test_a_nan_at_iteration_0_leaves_the_model_and_state_as_they_were(make_optimizer) -> None:
    """The traced first call already updated the parameters (and made Momentum's v): they, and
    the optimizer's own state dicts, are put back as eager fit never changed them."""
    X = np.array([[np.inf, 1.0]])
    start = dict(nn.LogisticRegression(1).named_parameters())
    options = {} if make_optimizer else {"lr": 1.0}
    eager, jitted = both(
        lambda: nn.LogisticRegression(1), X, YD, 10, optimizer=make_optimizer, **options
    )
    assert eager.costs == [] and eager.stopped == "diverged"
    assert "before any update" in eager.lines[-1]
    assert_same(eager, jitted)
    assert all(bits_equal(jitted.params[k], p.data) for k, p in start.items())
    assert jitted.state == [{}, {}] or make_optimizer is None


# ----------------------------------------------------------------- what fit does around a step


def test_ctrl_c_stops_after_the_same_finished_iteration() -> None:
    """A Ctrl-C while iteration 5 is printed (the program replaying by then) stops both runs after
    it, with its parameters."""

    def interrupt_at_line_6(lines: list[str], line: str) -> None:
        if len(lines) == 6:
            os.kill(os.getpid(), signal.SIGINT)

    X, Y = flower()
    eager, jitted = both(planar_model, X, Y, 100, lr=1.2, print_every=1, log=interrupt_at_line_6)
    assert eager.stopped == "interrupted" and len(eager.costs) == 6
    assert "Interrupted" in eager.lines[-1] and "iteration 5" in eager.lines[-1]
    assert_same(eager, jitted)
    with pytest.raises(KeyboardInterrupt):  # the handler is removed afterwards
        os.kill(os.getpid(), signal.SIGINT)


def test_a_rising_cost_warns_the_same() -> None:
    X, Y = flower()
    eager, jitted = both(planar_model, X, Y, 150, lr=100.0, print_every=25)
    assert len(eager.other_warnings) == 1 and "likely too large" in eager.other_warnings[0]
    assert_same(eager, jitted)  # the same warning, at the same iteration


@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda p: optim.SGD(p, lr=1.2),
        lambda p: optim.Momentum(p, lr=0.5),
        lambda p: optim.RMSprop(p, lr=0.01),
        lambda p: optim.Adam(p, lr=0.01),
    ],
)
@pytest.mark.parametrize("loss", ["bce_logits", "bce"])
def test_every_optimizer_and_named_loss(make_optimizer, loss) -> None:
    X, Y = flower()
    eager, jitted = both(planar_model, X, Y, 60, optimizer=make_optimizer, loss=loss, print_every=7)
    assert_same(eager, jitted)


def test_a_callable_mean_loss_and_float32() -> None:
    X, Y = (a.astype(np.float32) for a in flower())

    def mean_bce(model: Any, X: Any, Y: Any) -> Any:
        return nn.binary_cross_entropy_with_logits(model.logits(X), Y)

    def make() -> nn.Module:
        return nn.ShallowNet(2, 4, 1, hidden="tanh", seed=2, dtype=np.float32)

    for loss in (mean_bce, "bce_logits"):  # the named one scales its float32 gradients by 1/m
        eager, jitted = both(make, X, Y, 50, lr=1.2, loss=loss, print_every=10)
        assert jitted.params["layers.0.W"].dtype == np.float32
        assert_same(eager, jitted)


def test_a_fortran_ordered_X_is_replayed() -> None:
    """The cat pictures are Fortran-ordered; a matmul rounds differently on a C-ordered copy, so
    the check before the program is trusted must replay it on X's own layout."""
    rng = np.random.default_rng(0)
    X = np.asfortranarray(rng.standard_normal((64, 8)))
    Y = (rng.random((1, 8)) > 0.5).astype(np.float64)
    W = rng.standard_normal((1, 64)) * 0.1

    def make() -> nn.Module:
        model = nn.LogisticRegression(64)
        model.linear.W.data[...] = W
        return model

    eager, jitted = both(make, X, Y, 20, lr=0.1, print_every=5)
    assert_same(eager, jitted)


@pytest.mark.parametrize("iterations", [0, 1, 2, 3])
def test_the_first_iterations(iterations) -> None:
    X, Y = flower()
    eager, jitted = both(planar_model, X, Y, iterations, lr=1.2, print_every=1)
    assert len(jitted.costs) == iterations
    assert_same(eager, jitted)


def test_a_step_that_cannot_be_replayed_runs_eagerly_with_the_same_results() -> None:
    def loss_reading_a_value(model: Any, X: Any, Y: Any) -> Any:
        cost = nn.binary_cross_entropy_with_logits(model.logits(X), Y)
        if cost.item() < 0:  # data-dependent Python: the step stays eager
            raise AssertionError("a cross-entropy is never negative")
        return cost

    X, Y = flower()
    eager, jitted = both(planar_model, X, Y, 20, lr=1.2, loss=loss_reading_a_value, print_every=5)
    assert len(jitted.jit_warnings) == 1 and "item()" in jitted.jit_warnings[0]
    assert jitted.loss_calls == 20
    assert_same(eager, jitted, replayed=False)


# ------------------------------------------- the compiled step's bugs that fit's runs turned up


def jit_and_eager(step: Callable[[], Any], calls: int = 4) -> list[Any]:
    """The step's results and .grads over `calls` calls, jitted (no JitWarning) and eager."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", JitWarning)
        jitted = tinygrad_edu.jit(step)
        return [jitted() for _ in range(calls)]


def test_a_gradient_folded_to_a_constant_is_handed_back() -> None:
    """d(sum(2 W))/dW is the constant 2, folded at compile time; no instruction reads it, but
    it is W.grad, and a tensor made from literals is returned: both are bound and copied."""
    W = Tensor(np.ones((2, 2)), requires_grad=True)

    def step() -> tuple:
        W.grad = None
        cost = (W * 2.0).sum()
        cost.backward()
        return cost, Tensor(np.arange(3.0))

    for cost, made in jit_and_eager(step):
        assert cost.item() == 8.0 and np.array_equal(made.data, np.arange(3.0))
        assert np.array_equal(W.grad.data, np.full((2, 2), 2.0))


@pytest.mark.parametrize("make", [optim.SGD, optim.Momentum])
def test_an_update_by_a_constant_gradient(make) -> None:
    """b's gradient in -sum(W X + b) is a constant: the update's temporaries computed from it are
    not folded into constants (they hold no eager value at trace time)."""
    X = Tensor(XD)
    runs = []
    for jit in (False, True):
        model = nn.LogisticRegression(1)
        opt = make(model.parameters(), lr=0.1)

        def step(model=model, opt=opt) -> Any:
            opt.zero_grad()
            cost = linear_loss(model, X, None)
            cost.backward()
            opt.step()
            return cost

        costs = [c.item() for c in jit_and_eager(step)] if jit else [step().item() for _ in "1234"]
        runs.append((costs, [p.data.copy() for p in model.parameters()]))
    assert runs[0][0] == runs[1][0]
    assert all(bits_equal(a, b) for a, b in zip(runs[0][1], runs[1][1], strict=True))


class FailsOnItsThirdCall(Function):
    """x * 2, whose forward raises on its third call: the replay in the check before trust."""

    calls = 0

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        FailsOnItsThirdCall.calls += 1
        if FailsOnItsThirdCall.calls == 3:
            raise RuntimeError("the third call")
        return x * 2.0

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        return grad * 2.0


def test_a_program_that_raises_in_its_check_stays_eager_with_a_warning() -> None:
    W = Tensor(np.ones(3), requires_grad=True)

    def step() -> Any:
        W.grad = None
        cost = FailsOnItsThirdCall.apply(W).sum()
        cost.backward()
        return cost

    FailsOnItsThirdCall.calls = 0
    jitted = tinygrad_edu.jit(step)
    with pytest.warns(JitWarning, match="raised RuntimeError: the third call"):
        costs = [jitted().item() for _ in range(4)]
    assert costs == [6.0] * 4 and np.array_equal(W.grad.data, np.full(3, 2.0))
