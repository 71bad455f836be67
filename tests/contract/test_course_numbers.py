"""The course's trainings, run by tinygrad_edu and by the course's own numpy, on this machine.

Each training is checked in two ways that hold on any CPU, BLAS build and thread count:

- in lockstep with `benchmarks/course_numpy.py`, the course's hand-written numpy run on the same
  machine: after every iteration every parameter is bit-for-bit the course's, and every cost
  prints the same 6 decimals (the cost itself may differ in its last bit or two: the project
  computes it with a fused formula), and `tinygrad-edu train MODEL` prints the lines the course's
  numpy prints;
- against the course's published printout (`_course_printout.py`), only where its digits do not
  depend on the machine: all of logistic regression and the two cat networks, and the planar
  network up to iteration 7000 (after that, at learning rate 1.2, the last bits of rounding, which
  depend on the BLAS kernel, its thread count and numpy's SIMD code for the CPU, reach the printed
  digits: on one machine `OPENBLAS_CORETYPE=Sandybridge` turns 0.218550 at iteration 9000 into
  the 0.218612 learners published).

The first few hundred iterations run by default; the full trainings are marked slow (CI runs them).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from benchmarks import course_numpy as cn
from tests.contract._course_printout import CAT_ACCURACY, COSTS, PLANAR_ACCURACY_PRINTED
from tests.contract._course_runs import COURSES, FIRST, Lockstep, data, lockstep, two_layer_names
from tinygrad_edu import Tensor, cli, nn
from tinygrad_edu.data import flower
from tinygrad_edu.train import accuracy, fit

LINE = re.compile(r"^Cost after iteration (\d+): (\S+)$")


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
    # at this process's BLAS thread count, which the course's numpy runs at here: the CLI's
    # default of 1 thread would change the last bits of the cat models' matrix products
    threads = str(_blas_threads())
    assert cli.main(["train", name, "--quiet", "--threads", threads, *options]) == 0
    lines = capsys.readouterr().out.splitlines()
    costs = {int(m[1]): m[2] for m in map(LINE.match, lines) if m}
    return costs, lines


def _blas_threads() -> int:
    counts = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
    return counts[0] if counts else 1


def need_data(name: str, request: pytest.FixtureRequest) -> None:
    if COURSES[name].data == "cats":
        request.getfixturevalue("cats")  # skips, saying where to put the files, without them


# ------------------------------------------------------- the first iterations (default run)


@pytest.mark.parametrize("name", list(COURSES))
def test_first_iterations_are_the_course_numpy_bit_for_bit(name, request) -> None:
    need_data(name, request)
    run = lockstep(name, FIRST[name])
    assert_lockstep(run, FIRST[name])
    assert_published(name, run.project_costs)


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
    X, Y, X_test, Y_test = data(course.data)
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
    assert_published(name, run.project_costs)
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
    X, Y, X_test, Y_test = data(course.data)
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
        for key, expected in two_layer_names(params).items():
            assert np.array_equal(project[key].data, expected), (i, key)
    assert accuracy(model, X, Y) == cn.accuracy(cn.shallow_predict(params, X), Y)
