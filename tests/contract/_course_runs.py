"""The course's four trainings, run by tinygrad_edu and by the course's own numpy side by side.

`lockstep(name, iterations)` trains both, one iteration at a time, and compares every parameter
after every iteration. It is cached, so that one run serves every test that needs it: the CLI
tests of test_course_numbers.py and the full trainings of the reference in test_course_numpy.py
(its course side is exactly `benchmarks/course_numpy.py`'s `*_train`: the same init, the same
iterations).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks import course_numpy as cn
from tinygrad_edu import Tensor, nn
from tinygrad_edu.data import flower, load_cats
from tinygrad_edu.train import fit


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


def two_layer_names(p: dict) -> dict[str, np.ndarray]:
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
        two_layer_names,
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
        two_layer_names,
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
def data(kind: str) -> tuple[np.ndarray, ...]:
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
    X, Y, _, _ = data(course.data)
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
