"""The course's trainings, run by tinygrad_edu and by the course's own numpy, on this machine.

Each training is checked in two ways that hold on any CPU, BLAS build and thread count:

- in lockstep with `benchmarks/course_numpy.py`, the course's hand-written numpy run on the same
  machine: after every iteration every parameter is bit-for-bit the course's, and every cost
  prints the same 6 decimals (the cost itself may differ in its last bit or two: the project
  computes it with a fused formula), and `tinygrad-edu train MODEL` prints the lines the course's
  numpy prints;
- against the course's published printout (`_course_printout.py`), only where its digits do not
  depend on the machine: all of logistic regression and the two cat networks, and the planar
  network up to iteration 7000 (after that, at learning rate 1.2, the last bits of rounding of the
  BLAS kernel reach the printed digits).

The first few hundred iterations run by default; the full trainings are marked slow (CI runs them).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from _course_printout import CAT_ACCURACY, COSTS, PLANAR_ACCURACY_PRINTED

from benchmarks import course_numpy as cn
from tinygrad_edu import Tensor, cli, nn
from tinygrad_edu.data import flower, load_cats
from tinygrad_edu.train import accuracy, fit

LINE = re.compile(r"^Cost after iteration (\d+): (\S+)$")


@dataclass(frozen=True)
class Course:
    """One of the course's trainings, with the course's settings (not read from the CLI's recipes,
    so that the CLI's are checked against them)."""

    data: str  # "cats" or "flower"
    iterations: int
    print_every: int
    lr: float
    loss: str  # the course's cost for `fit`: "bce_logits" (dZ = A - Y) or "bce" (dAL first)
    make_model: Callable[[], Any]
    course_init: Callable[[np.ndarray], dict]
    course_step: Callable[[dict, np.ndarray, np.ndarray], float]
    course_predict: Callable[[dict, np.ndarray], np.ndarray]
    # the project's parameter name -> the course's array, in the project's shape
    names: Callable[[dict], dict[str, np.ndarray]]


def _two_layer_names(p: dict) -> dict[str, np.ndarray]:
    return {
        "layers.0.W": p["W1"],
        "layers.0.b": p["b1"],
        "layers.2.W": p["W2"],
        "layers.2.b": p["b2"],
    }


def _deep_names(p: dict) -> dict[str, np.ndarray]:
    return {f"layers.{2 * (k - 1)}.{w}": p[f"{w}{k}"] for k in range(1, 5) for w in "Wb"}


DEEP_DIMS = [12288, 20, 7, 5, 1]
COURSES = {
    "logreg": Course(
        "cats",
        2000,
        100,
        0.005,
        "bce_logits",
        lambda: nn.LogisticRegression(12288),
        lambda X: cn.logreg_init(X.shape[0]),
        lambda p, X, Y: cn.logreg_iteration(p, X, Y, 0.005),
        cn.logreg_predict,
        # the course's w is (n_x, 1) and b a float; the project's W is w^T, b is (1, 1)
        lambda p: {"linear.W": p["w"].T, "linear.b": np.full((1, 1), p["b"])},
    ),
    "planar": Course(
        "flower",
        10000,
        1000,
        1.2,
        "bce_logits",
        lambda: nn.ShallowNet(2, 4, 1, hidden="tanh", seed=2),
        lambda X: cn.shallow_init(2, 4, 1, seed=2),
        lambda p, X, Y: cn.shallow_iteration(p, X, Y, 1.2, "tanh"),
        lambda p, X: cn.shallow_predict(p, X, "tanh"),
        _two_layer_names,
    ),
    "shallow": Course(
        "cats",
        2500,
        100,
        0.0075,
        "bce",
        lambda: nn.ShallowNet(12288, 7, 1, hidden="relu", seed=1),
        lambda X: cn.shallow_init(12288, 7, 1, seed=1),
        lambda p, X, Y: cn.shallow_iteration(p, X, Y, 0.0075, "relu"),
        lambda p, X: cn.shallow_predict(p, X, "relu"),
        _two_layer_names,
    ),
    "deep": Course(
        "cats",
        2500,
        100,
        0.0075,
        "bce",
        lambda: nn.DeepNet(DEEP_DIMS, hidden="relu", seed=1),
        lambda X: cn.deep_init(DEEP_DIMS, seed=1),
        lambda p, X, Y: cn.deep_iteration(p, X, Y, 0.0075),
        cn.deep_predict,
        _deep_names,
    ),
}
# the default run: enough iterations for several printed costs of each model
FIRST = {"logreg": 301, "planar": 2001, "shallow": 501, "deep": 301}


@functools.cache
def _data(kind: str) -> tuple[np.ndarray, ...]:
    if kind == "flower":
        return (*flower(), None, None)
    cats = load_cats()
    return cats.X_train, cats.Y_train, cats.X_test, cats.Y_test


@dataclass
class Lockstep:
    course_costs: list[float]
    project_costs: list[float]
    course_params: dict
    model: Any
    # the first (iteration, parameter, largest difference) where the two differ, or None
    first_difference: tuple[int, str, float] | None


@functools.cache
def lockstep(name: str, iterations: int) -> Lockstep:
    """Train the project's model and the course's numpy side by side, one iteration at a time,
    comparing every parameter after every iteration. Cached: the CLI tests reuse the course's run.

    `fit` has no per-iteration hook, so the project trains by `fit(..., iterations=1)` calls: with
    plain gradient descent (no optimizer state) that is the same computation as one `fit` of many
    iterations; the CLI tests check the one-call run against the course's costs and final
    parameters."""
    course = COURSES[name]
    X, Y, _, _ = _data(course.data)
    Xt, Yt = Tensor(X), Tensor(Y)
    model = course.make_model()
    params = course.course_init(X)
    project_params = dict(model.named_parameters())
    course_costs: list[float] = []
    project_costs: list[float] = []
    first_difference = None
    for i in range(iterations):
        course_costs.append(course.course_step(params, X, Y))
        history = fit(
            model,
            Xt,
            Yt,
            iterations=1,
            lr=course.lr,
            loss=course.loss,
            print_every=0,
            progress=False,
        )
        project_costs.extend(history.costs)
        if first_difference is None:
            for key, expected in course.names(params).items():
                got = project_params[key].data
                if got.shape != expected.shape or not np.array_equal(got, expected):
                    diff = (
                        float(np.max(np.abs(got - expected)))
                        if got.shape == expected.shape
                        else np.inf
                    )
                    first_difference = (i, key, diff)
                    break
    return Lockstep(course_costs, project_costs, params, model, first_difference)


def printed(costs: list[float], print_every: int) -> dict[int, str]:
    """The lines `fit` and the course print: every `print_every` iterations and the last one."""
    last = len(costs) - 1
    return {i: f"{c:.6f}" for i, c in enumerate(costs) if i % print_every == 0 or i == last}


def assert_lockstep(run: Lockstep, iterations: int) -> None:
    assert run.first_difference is None, (
        "after iteration {}, {} differs from the course's numpy by up to {:.3g}".format(
            *run.first_difference
        )
    )
    assert len(run.project_costs) == len(run.course_costs) == iterations
    course = [f"{c:.6f}" for c in run.course_costs]
    project = [f"{c:.6f}" for c in run.project_costs]
    assert project == course


def assert_published(name: str, costs: list[float]) -> None:
    expected = {i: c for i, c in COSTS[name].items() if i < len(costs)}
    assert len(expected) >= 2, "the run is too short to reach the course's printed costs"
    assert {i: f"{costs[i]:.6f}" for i in expected} == expected


def cli_train(capsys: pytest.CaptureFixture, name: str, *options: str) -> tuple[dict, list[str]]:
    assert cli.main(["train", name, "--quiet", *options]) == 0
    lines = capsys.readouterr().out.splitlines()
    costs = {int(m[1]): m[2] for m in map(LINE.match, lines) if m}
    return costs, lines


def need_data(name: str, request: pytest.FixtureRequest) -> None:
    if COURSES[name].data == "cats":
        request.getfixturevalue("cats")  # skips, saying where to put the files, without them


# ------------------------------------------------------- the first iterations (default run)


@pytest.mark.parametrize("name", list(COURSES))
def test_first_iterations_are_the_course_numpy_bit_for_bit(name, request) -> None:
    need_data(name, request)
    run = lockstep(name, FIRST[name])
    assert_lockstep(run, FIRST[name])
    assert_published(name, run.course_costs)


@pytest.mark.parametrize("name", list(COURSES))
def test_cli_first_iterations_print_the_course_numpy_costs(name, request, capsys) -> None:
    need_data(name, request)
    n = FIRST[name]
    costs, _ = cli_train(capsys, name, "--iterations", str(n))
    run = lockstep(name, n)
    assert costs == printed(run.course_costs, COURSES[name].print_every)
    published = {i: c for i, c in COSTS[name].items() if i < n}
    assert {i: costs.get(i) for i in published} == published


def test_cli_uses_the_course_settings() -> None:
    recipes = cli._recipes()
    for name, course in COURSES.items():
        recipe = recipes[name]
        assert (recipe.data, recipe.iterations, recipe.print_every, recipe.lr, recipe.loss) == (
            course.data,
            course.iterations,
            course.print_every,
            course.lr,
            course.loss,
        )


# -------------------------------------------------------------- the full trainings (slow)


def assert_accuracies(name: str, run: Lockstep) -> None:
    """The project's accuracies are the course's numpy's, and the course's published ones where
    they do not depend on the machine."""
    course = COURSES[name]
    X, Y, X_test, Y_test = _data(course.data)
    train = accuracy(run.model, X, Y)
    assert train == cn.accuracy(course.course_predict(run.course_params, X), Y)
    if name == "planar":
        assert int(train) == PLANAR_ACCURACY_PRINTED  # the course's "Accuracy: %d" % accuracy
        return
    test = accuracy(run.model, X_test, Y_test)
    assert test == cn.accuracy(course.course_predict(run.course_params, X_test), Y_test)
    assert (train, test) == CAT_ACCURACY[name]


@pytest.mark.slow
@pytest.mark.parametrize("name", list(COURSES))
def test_full_training_is_the_course_numpy_bit_for_bit(name, request) -> None:
    need_data(name, request)
    course = COURSES[name]
    run = lockstep(name, course.iterations)
    assert_lockstep(run, course.iterations)
    assert_published(name, run.course_costs)
    assert_accuracies(name, run)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(COURSES))
def test_cli_full_training_prints_the_course_numpy_numbers(name, request, capsys, tmp_path) -> None:
    """`tinygrad-edu train MODEL` (one `fit` call) prints the course's numpy's costs and
    accuracies, and ends with its parameters, bit for bit."""
    need_data(name, request)
    course = COURSES[name]
    saved = tmp_path / f"{name}.npz"
    costs, lines = cli_train(capsys, name, "--save", str(saved))
    run = lockstep(name, course.iterations)
    assert costs == printed(run.course_costs, course.print_every)
    X, Y, X_test, Y_test = _data(course.data)
    train = cn.accuracy(course.course_predict(run.course_params, X), Y)
    assert f"train accuracy: {train} %" in lines
    if X_test is not None:
        test = cn.accuracy(course.course_predict(run.course_params, X_test), Y_test)
        assert f"test accuracy: {test} %" in lines
    with np.load(saved) as state:
        for key, expected in course.names(run.course_params).items():
            np.testing.assert_array_equal(state[key], expected, strict=True, err_msg=key)


@pytest.mark.slow
@pytest.mark.parametrize("n_h", [1, 2, 3, 4, 5, 20, 50])
def test_hidden_size_sweep_is_the_course_numpy_bit_for_bit(n_h) -> None:
    """The week 3 sweep (5000 iterations per size): every parameter after every iteration, every
    printed cost and the accuracy are the course's numpy's on this machine. (The course's printed
    sweep accuracies are not asserted: like the planar tail, they depend on the machine.)"""
    X, Y = flower()
    Xt, Yt = Tensor(X), Tensor(Y)
    params = cn.shallow_init(2, n_h, 1, seed=2)
    model = nn.ShallowNet(2, n_h, 1, hidden="tanh", seed=2)
    project = dict(model.named_parameters())
    for i in range(5000):
        course_cost = cn.shallow_iteration(params, X, Y, 1.2, "tanh")
        history = fit(model, Xt, Yt, iterations=1, lr=1.2, print_every=0, progress=False)
        assert f"{history.costs[0]:.6f}" == f"{course_cost:.6f}", i
        for key, expected in _two_layer_names(params).items():
            assert np.array_equal(project[key].data, expected), (i, key)
    assert accuracy(model, X, Y) == cn.accuracy(cn.shallow_predict(params, X), Y)
