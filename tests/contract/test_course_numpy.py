"""benchmarks/course_numpy.py, the course's own numpy, prints the course's costs and accuracies.

The numbers are what the course's notebooks print, to 6 decimals, where those digits hold on any
machine (`_course_printout.py`: the planar costs after iteration 7000 and its exact accuracy depend
on the BLAS kernel and the CPU, so they are not asserted). The default run checks the first few
hundred iterations of each training; the full trainings are marked `slow`.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import course_numpy as cn
from tests.contract._course_printout import (
    CAT_ACCURACY,
    COSTS,
    DEEP_COSTS,
    LOGREG_COSTS,
    PLANAR_ACCURACY_PRINTED,
    PLANAR_COSTS,
    SHALLOW_COSTS,
)
from tests.contract._course_runs import COURSES, data, lockstep
from tinygrad_edu.data import CatData, find_data_dir, flower, load_cats

DEEP_DIMS = [12288, 20, 7, 5, 1]


@pytest.fixture(scope="module")
def cats() -> CatData:
    directory = find_data_dir()
    if not all((directory / f).is_file() for f in ("train_catvnoncat.h5", "test_catvnoncat.h5")):
        pytest.skip(
            f"cat files not found in {directory}: put train_catvnoncat.h5 and test_catvnoncat.h5 "
            "there, or set TINYGRAD_EDU_DATA to the directory that holds them"
        )
    return load_cats()


def assert_course_costs(costs: list[float], expected: dict[int, str]) -> None:
    """The costs printed as the course prints them, for every iteration this run reached."""
    reached = {i: c for i, c in expected.items() if i < len(costs)}
    assert reached, "the run is too short to reach any printed cost"
    assert {i: f"{costs[i]:.6f}" for i in reached} == reached


# ------------------------------------------------------- the first iterations (default run)


def test_logreg_first_iterations(cats: CatData) -> None:
    _, costs = cn.logreg_train(cats.X_train, cats.Y_train, iterations=301, lr=0.005)
    assert_course_costs(costs, LOGREG_COSTS)


def test_planar_first_iterations() -> None:
    X, Y = flower()
    _, costs = cn.shallow_train(X, Y, n_h=4, iterations=2001, lr=1.2, hidden="tanh")
    assert_course_costs(costs, PLANAR_COSTS)


def test_shallow_cats_first_iterations(cats: CatData) -> None:
    _, costs = cn.shallow_train(cats.X_train, cats.Y_train, 7, 501, 0.0075, hidden="relu")
    assert_course_costs(costs, SHALLOW_COSTS)


def test_deep_first_iterations(cats: CatData) -> None:
    _, costs = cn.deep_train(cats.X_train, cats.Y_train, DEEP_DIMS, iterations=301, lr=0.0075)
    assert_course_costs(costs, DEEP_COSTS)


# -------------------------------------------------------------- the full trainings (slow)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["logreg", "planar", "shallow", "deep"])
def test_full_training(name: str, request: pytest.FixtureRequest) -> None:
    """The course's numpy, trained for the course's iterations, prints the course's costs and
    accuracies. The run is the course side of `_course_runs.lockstep`, the same `*_init` and
    `*_iteration` calls as `*_train` (checked on the first iterations above), cached so that
    test_course_numbers.py compares tinygrad_edu with this very run instead of training it again."""
    course = COURSES[name]
    if course.data == "cats":
        request.getfixturevalue("cats")  # skips without the files
    run = lockstep(name, course.iterations)
    assert len(run.course_costs) == course.iterations
    assert_course_costs(run.course_costs, COSTS[name])
    X, Y, X_test, Y_test = data(course.data)
    train = cn.accuracy(course.course_predict(run.course_params, X), Y)
    if name == "planar":
        # the course prints "Accuracy: %d" % accuracy: 90.75 on some machines, 90.5 on others
        assert int(train) == PLANAR_ACCURACY_PRINTED
        return
    test = cn.accuracy(course.course_predict(run.course_params, X_test), Y_test)
    assert (train, test) == CAT_ACCURACY[name]


# ------------------------------------- the reference itself: its initialization and gradients


def test_deep_init_draws_layer_by_layer_in_the_course_order() -> None:
    params = cn.deep_init([5, 4, 3, 1], seed=1)
    rng = np.random.RandomState(1)
    for layer, (n, n_prev) in enumerate([(4, 5), (3, 4), (1, 3)], start=1):
        np.testing.assert_array_equal(params[f"W{layer}"], rng.randn(n, n_prev) / np.sqrt(n_prev))
        np.testing.assert_array_equal(params[f"b{layer}"], np.zeros((n, 1)))


def test_shallow_init_draws_w1_then_w2() -> None:
    params = cn.shallow_init(3, 4, 1, seed=2)
    rng = np.random.RandomState(2)
    np.testing.assert_array_equal(params["W1"], rng.randn(4, 3) * 0.01)
    np.testing.assert_array_equal(params["W2"], rng.randn(1, 4) * 0.01)
    assert params["b1"].shape == (4, 1)
    assert params["b2"].shape == (1, 1)


def tiny_problem(n_x: int = 3, m: int = 6) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.RandomState(0)
    return rng.randn(n_x, m), (rng.rand(1, m) > 0.5).astype(np.float64)


def numerical_grads(cost, params: dict, eps: float = 1e-6) -> dict:
    """Central differences of `cost(params)` for every entry of every parameter."""
    grads = {}
    for key, value in params.items():
        value = np.array(value, dtype=np.float64)
        grad = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            saved = value[index]
            value[index] = saved + eps
            plus = cost({**params, key: value.copy()})
            value[index] = saved - eps
            minus = cost({**params, key: value.copy()})
            value[index] = saved
            grad[index] = (plus - minus) / (2 * eps)
        grads[key] = grad
    return grads


def assert_descends_along(step, cost, params: dict, lr: float = 1e-3) -> None:
    """`step` moves every parameter by `-lr` times the numerical gradient of `cost`."""
    grads = numerical_grads(cost, params)
    expected = {key: value - lr * grads[key] for key, value in params.items()}
    before = cost(params)
    stepped = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    assert step(stepped, lr) == pytest.approx(before, rel=1e-12)
    for key in params:
        np.testing.assert_allclose(stepped[key], expected[key], rtol=1e-6, atol=1e-9)


def test_logreg_gradients() -> None:
    X, Y = tiny_problem()
    params = {"w": np.random.RandomState(1).randn(3, 1), "b": 0.3}
    assert_descends_along(
        lambda p, lr: cn.logreg_iteration(p, X, Y, lr),
        lambda p: cn.propagate(p["w"], float(p["b"]), X, Y)[1],
        params,
    )


@pytest.mark.parametrize("hidden", ["tanh", "relu"])
def test_shallow_gradients(hidden: str) -> None:
    X, Y = tiny_problem()
    params = {k: v * 50 for k, v in cn.shallow_init(3, 4, 1, seed=5).items()}  # away from 0
    params["b1"] = np.random.RandomState(6).randn(4, 1)

    def cost(p: dict) -> float:
        if hidden == "tanh":
            return cn.compute_cost_planar(cn.forward_propagation(X, p)[0], Y)
        A1, _ = cn.linear_activation_forward(X, p["W1"], p["b1"], "relu")
        A2, _ = cn.linear_activation_forward(A1, p["W2"], p["b2"], "sigmoid")
        return cn.compute_cost(A2, Y)

    assert_descends_along(lambda p, lr: cn.shallow_iteration(p, X, Y, lr, hidden), cost, params)


def test_deep_gradients() -> None:
    X, Y = tiny_problem(n_x=4)
    params = cn.deep_init([4, 5, 3, 1], seed=3)
    assert_descends_along(
        lambda p, lr: cn.deep_iteration(p, X, Y, lr),
        lambda p: cn.compute_cost(cn.deep_forward(X, p)[0], Y),
        params,
    )


def test_deep_backward_computes_the_unused_da0_as_the_course_does() -> None:
    X, Y = tiny_problem(n_x=4)
    params = cn.deep_init([4, 5, 1], seed=3)
    AL, caches = cn.deep_forward(X, params)
    assert cn.deep_backward(AL, Y, caches)["dA0"].shape == X.shape


def test_unknown_hidden_activation() -> None:
    X, Y = tiny_problem()
    with pytest.raises(ValueError, match="hidden must be 'tanh' or 'relu'"):
        cn.shallow_iteration(cn.shallow_init(3, 2, 1, seed=1), X, Y, 0.1, hidden="sigmoid")
