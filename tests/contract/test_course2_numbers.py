"""Course 2's three trainings: `tinygrad-edu train init|regularization|optimization` prints the
lines the notebooks published, and the library's training is the course's numpy, bit for bit.

- Lockstep (default run, a few iterations): `train_initialization`, `train_regularization` and
  `train_optimization` against a straight transcription of the notebooks' code below
  (init_utils.py, reg_utils.py and the Regularization notebook's dropout and L2 functions,
  opt_utils_v1a.py and the Optimization notebook's updates), run on this machine: every cost
  and every parameter equal, bit for bit.
- Published (slow, the full runs): each command's printed lines against `_course2_printout.py`:
  the full-precision costs to 1e-9 relative, the `%f` ones to their 6 decimals, the accuracies
  exactly (as the number of examples right). The large random initialization's costs depend on
  the machine (its weights are large): only its `inf` at iteration 0 and its accuracies are.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from tests.contract._course2_printout import (
    INIT_ACCURACY,
    INIT_COSTS,
    OPT_ACCURACY,
    OPT_COSTS,
    OPT_LR,
    REG_ACCURACY,
    REG_COSTS,
)
from tinygrad_edu import cli, data, nn
from tinygrad_edu.train import train_initialization, train_optimization, train_regularization

# ------------------------------------------------ the course's numpy, as its notebooks write it


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def relu(x):
    return np.maximum(0, x)


def initialize(layers_dims, how):
    """initialize_parameters_zeros / _random / _he (init notebook, opt_utils), reg_utils' "sqrt"."""
    parameters = {}
    np.random.seed(3)
    for l in range(1, len(layers_dims)):  # noqa: E741  (the course's name)
        shape = (layers_dims[l], layers_dims[l - 1])
        if how == "zeros":
            W = np.zeros(shape)
        elif how == "random":
            W = np.random.randn(*shape) * 10
        elif how == "he":
            W = np.random.randn(*shape) * np.sqrt(2.0 / layers_dims[l - 1])
        else:
            W = np.random.randn(*shape) / np.sqrt(layers_dims[l - 1])
        parameters["W" + str(l)] = W
        parameters["b" + str(l)] = np.zeros((layers_dims[l], 1))
    return parameters


def forward_propagation(X, parameters, keep_prob=1.0):
    """init_utils' / reg_utils' forward_propagation; forward_propagation_with_dropout for keep_prob < 1."""
    W1, b1, W2, b2, W3, b3 = (parameters[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    if keep_prob < 1:
        np.random.seed(1)
    Z1 = np.dot(W1, X) + b1
    A1 = relu(Z1)
    D1 = None
    if keep_prob < 1:
        D1 = (np.random.rand(A1.shape[0], A1.shape[1]) < keep_prob).astype(int)
        A1 = A1 * D1
        A1 = A1 / keep_prob
    Z2 = np.dot(W2, A1) + b2
    A2 = relu(Z2)
    D2 = None
    if keep_prob < 1:
        D2 = (np.random.rand(A2.shape[0], A2.shape[1]) < keep_prob).astype(int)
        A2 = A2 * D2
        A2 = A2 / keep_prob
    Z3 = np.dot(W3, A2) + b3
    A3 = sigmoid(Z3)
    return A3, (A1, D1, A2, D2, A3, W2, W3)


def compute_loss(A3, Y):
    """init_utils' compute_loss, reg_utils' compute_cost."""
    m = Y.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        logprobs = np.multiply(-np.log(A3), Y) + np.multiply(-np.log(1 - A3), 1 - Y)
    return 1.0 / m * np.nansum(logprobs)


def compute_cost_total(A3, Y):
    """opt_utils_v1a's compute_cost: the sum over the mini-batch."""
    logprobs = np.multiply(-np.log(A3), Y) + np.multiply(-np.log(1 - A3), 1 - Y)
    return np.sum(logprobs)


def backward_init(X, Y, cache):
    """init_utils' (and opt_utils') backward_propagation: 1/m applied to dz3 first."""
    m = X.shape[1]
    a1, _, a2, _, a3, W2, W3 = cache
    dz3 = 1.0 / m * (a3 - Y)
    dW3 = np.dot(dz3, a2.T)
    db3 = np.sum(dz3, axis=1, keepdims=True)
    da2 = np.dot(W3.T, dz3)
    dz2 = np.multiply(da2, np.int64(a2 > 0))
    dW2 = np.dot(dz2, a1.T)
    db2 = np.sum(dz2, axis=1, keepdims=True)
    da1 = np.dot(W2.T, dz2)
    dz1 = np.multiply(da1, np.int64(a1 > 0))
    dW1 = np.dot(dz1, X.T)
    db1 = np.sum(dz1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}


def backward_reg(X, Y, cache, parameters, lambd=0.0, keep_prob=1.0):
    """reg_utils' backward_propagation, _with_regularization and _with_dropout: 1/m last."""
    m = X.shape[1]
    A1, D1, A2, D2, A3, W2, W3 = cache
    W1 = parameters["W1"]
    dZ3 = A3 - Y
    dW3 = 1.0 / m * np.dot(dZ3, A2.T) + (lambd / m) * W3 if lambd else 1.0 / m * np.dot(dZ3, A2.T)
    db3 = 1.0 / m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = np.dot(W3.T, dZ3)
    if keep_prob < 1:
        dA2 = dA2 * D2
        dA2 = dA2 / keep_prob
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1.0 / m * np.dot(dZ2, A1.T) + (lambd / m) * W2 if lambd else 1.0 / m * np.dot(dZ2, A1.T)
    db2 = 1.0 / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(W2.T, dZ2)
    if keep_prob < 1:
        dA1 = dA1 * D1
        dA1 = dA1 / keep_prob
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1.0 / m * np.dot(dZ1, X.T) + (lambd / m) * W1 if lambd else 1.0 / m * np.dot(dZ1, X.T)
    db1 = 1.0 / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}


def update_parameters(parameters, grads, learning_rate):
    for k in range(1, 4):
        parameters["W" + str(k)] = parameters["W" + str(k)] - learning_rate * grads["dW" + str(k)]
        parameters["b" + str(k)] = parameters["b" + str(k)] - learning_rate * grads["db" + str(k)]
    return parameters


def course_init_model(X, Y, initialization, num_iterations, learning_rate=0.01):
    parameters = initialize([X.shape[0], 10, 5, 1], initialization)
    costs = []
    for _ in range(num_iterations):
        a3, cache = forward_propagation(X, parameters)
        costs.append(compute_loss(a3, Y))
        grads = backward_init(X, Y, cache)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters, costs


def course_reg_model(X, Y, num_iterations, lambd=0.0, keep_prob=1.0, learning_rate=0.3):
    parameters = initialize([X.shape[0], 20, 3, 1], "sqrt")
    costs = []
    for _ in range(num_iterations):
        a3, cache = forward_propagation(X, parameters, keep_prob)
        cost = compute_loss(a3, Y)
        if lambd:
            m = Y.shape[1]
            W1, W2, W3 = parameters["W1"], parameters["W2"], parameters["W3"]
            squares = np.sum(np.square(W1)) + np.sum(np.square(W2)) + np.sum(np.square(W3))
            cost = cost + (1.0 / m * lambd / 2) * squares
        costs.append(cost)
        grads = backward_reg(X, Y, cache, parameters, lambd, keep_prob)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters, costs


def random_mini_batches(X, Y, mini_batch_size, seed):
    np.random.seed(seed)
    m = X.shape[1]
    permutation = list(np.random.permutation(m))
    shuffled_X = X[:, permutation]
    shuffled_Y = Y[:, permutation].reshape((1, m))
    batches = []
    complete = math.floor(m / mini_batch_size)
    for k in range(complete):
        batches.append(
            (
                shuffled_X[:, k * mini_batch_size : (k + 1) * mini_batch_size],
                shuffled_Y[:, k * mini_batch_size : (k + 1) * mini_batch_size],
            )
        )
    if m % mini_batch_size != 0:
        batches.append(
            (
                shuffled_X[:, complete * mini_batch_size :],
                shuffled_Y[:, complete * mini_batch_size :],
            )
        )
    return batches


def course_opt_model(X, Y, optimizer, learning_rate, num_epochs, decay=None, time_interval=1000):
    """The Optimization notebook's model(), with update_lr / schedule_lr_decay (decay_rate 1)."""
    beta, beta1, beta2, epsilon, decay_rate = 0.9, 0.9, 0.999, 1e-8, 1
    t, seed, m, learning_rate0 = 0, 10, X.shape[1], learning_rate
    parameters = initialize([X.shape[0], 5, 2, 1], "he")
    v = {k: np.zeros_like(p) for k, p in parameters.items()}
    s = {k: np.zeros_like(p) for k, p in parameters.items()}
    costs, rates = [], []
    for i in range(num_epochs):
        seed = seed + 1
        cost_total = 0
        for minibatch_X, minibatch_Y in random_mini_batches(X, Y, 64, seed):
            a3, caches = forward_propagation(minibatch_X, parameters)
            cost_total += compute_cost_total(a3, minibatch_Y)
            grads = backward_init(minibatch_X, minibatch_Y, caches)
            if optimizer == "adam":
                t = t + 1
            for k in parameters:
                g = grads["d" + k]
                if optimizer == "gd":
                    parameters[k] = parameters[k] - learning_rate * g
                elif optimizer == "momentum":
                    v[k] = beta * v[k] + (1 - beta) * g
                    parameters[k] = parameters[k] - learning_rate * v[k]
                else:
                    v[k] = beta1 * v[k] + (1 - beta1) * g
                    v_corrected = v[k] / (1 - beta1**t)
                    s[k] = beta2 * s[k] + (1 - beta2) * (g**2)
                    s_corrected = s[k] / (1 - beta2**t)
                    parameters[k] = parameters[k] - learning_rate * v_corrected / (
                        np.sqrt(s_corrected) + epsilon
                    )
        costs.append(cost_total / m)
        if decay == "inverse-time":  # update_lr
            learning_rate = 1 / (1 + decay_rate * i) * learning_rate0
        elif decay == "staircase":  # schedule_lr_decay
            learning_rate = 1 / (1 + decay_rate * np.floor(i / time_interval)) * learning_rate0
        rates.append(learning_rate)
    return parameters, costs, rates


def assert_same_parameters(model: nn.Sequential, parameters: dict) -> None:
    linears = [layer for layer in model if isinstance(layer, nn.Linear)]
    for k, layer in enumerate(linears, start=1):
        np.testing.assert_array_equal(layer.W.data, parameters[f"W{k}"], err_msg=f"W{k}")
        np.testing.assert_array_equal(layer.b.data, parameters[f"b{k}"], err_msg=f"b{k}")


# ------------------------------------------------------------ lockstep with the course's numpy


@pytest.mark.parametrize("init", ["zeros", "random", "he"])
def test_initialization_is_the_courses_numpy_bit_for_bit(init) -> None:
    X, Y, _, _ = data.circles()
    model, history = train_initialization(X, Y, init, iterations=30, print_every=0, progress=False)
    parameters, costs = course_init_model(X, Y, init, 30)
    assert history.costs == [float(c) for c in costs]  # inf == inf for "random"
    assert (init == "random") == math.isinf(history.costs[0])
    assert_same_parameters(model, parameters)


@pytest.fixture(scope="module")
def football():
    directory = data.find_data_dir()
    if not (directory / "football.npz").is_file() and not (directory / "data.mat").is_file():
        pytest.skip(
            f"football.npz not found in {directory}: convert the course's datasets/data.mat (see "
            "data.load_football) and put it there, or set TINYGRAD_EDU_DATA"
        )
    return data.load_football()


@pytest.mark.parametrize(("lambd", "keep_prob"), [(0.0, 1.0), (0.7, 1.0), (0.0, 0.86)])
def test_regularization_is_the_courses_numpy_bit_for_bit(football, lambd, keep_prob) -> None:
    X, Y, _, _ = football
    model, history = train_regularization(
        X, Y, lambd=lambd, keep_prob=keep_prob, iterations=20, print_every=0, progress=False
    )
    parameters, costs = course_reg_model(X, Y, 20, lambd, keep_prob)
    assert history.costs == [float(c) for c in costs]
    assert_same_parameters(model, parameters)
    assert not model.training  # returned ready to predict: no dropout


@pytest.mark.parametrize(
    ("optimizer", "lr", "decay", "time_interval"),
    [
        ("gd", 0.0007, None, 1000),
        ("momentum", 0.0007, None, 1000),
        ("adam", 0.0007, None, 1000),
        ("gd", 0.1, "inverse-time", 1000),
        ("momentum", 0.1, "staircase", 2),
        ("adam", 0.01, "staircase", 2),
    ],
)
def test_optimization_is_the_courses_numpy_bit_for_bit(optimizer, lr, decay, time_interval) -> None:
    X, Y = data.moons()
    lines: list[str] = []
    model, history = train_optimization(
        X,
        Y,
        optimizer,
        lr=lr,
        lr_decay=decay,
        epochs=5,
        time_interval=time_interval,
        print_every=1,
        progress=False,
        log=lines.append,
    )
    parameters, costs, rates = course_opt_model(X, Y, optimizer, lr, 5, decay, time_interval)
    assert history.costs == [float(c) for c in costs]
    assert_same_parameters(model, parameters)
    if decay is not None:  # the rate each epoch ends with, as the notebook prints it
        printed = [float(line.rsplit(": ", 1)[1]) for line in lines if line.startswith("learning")]
        assert printed == [float(r) for r in rates]
        assert len(set(printed)) > 1  # the schedule moved within the 5 epochs


# ------------------------------------------------------ the published printouts (full runs)

COST = re.compile(r"^Cost after (?:iteration|epoch) (\d+): (\S+)$", re.M)
RATE = re.compile(r"^learning rate after epoch (\d+): (\S+)$", re.M)
ACCURACY = re.compile(r"^(train|test) accuracy: (\S+) %$", re.M)


def run(capsys, *argv: str) -> tuple[dict[int, float], dict[int, float], dict[str, float]]:
    """`tinygrad-edu train ...`: its printed costs, learning rates and accuracies (percentages)."""
    capsys.readouterr()
    assert cli.main(["train", *argv, "--quiet"]) == 0
    out = capsys.readouterr().out
    costs = {int(i): float(c) for i, c in COST.findall(out)}
    rates = {int(i): float(r) for i, r in RATE.findall(out)}
    return costs, rates, {k: float(v) for k, v in ACCURACY.findall(out)}


def assert_costs(printed: dict[int, float], published: dict[int, str]) -> None:
    """Each published line printed: to 1e-9 relative in full precision, else to its digits."""
    assert sorted(printed) == sorted(published)
    for i, text in published.items():
        if text == "inf":
            assert printed[i] == math.inf, i
        elif len(text.split(".")[1]) > 6:
            assert printed[i] == pytest.approx(float(text), rel=1e-9, abs=0), i
        else:
            assert f"{printed[i]:.{len(text.split('.')[1])}f}" == text, i


def assert_accuracy(printed_percent: float, published_fraction: str, m: int) -> None:
    """The same number of examples right (the notebooks print a fraction, the command a %)."""
    assert round(printed_percent * m / 100) == round(float(published_fraction) * m)


@pytest.mark.slow
@pytest.mark.parametrize("init", ["zeros", "random", "he"])
def test_train_init_prints_the_published_lines(capsys, init) -> None:
    costs, _, accuracy = run(capsys, "init", "--init", init)
    if init == "random":  # the rest depends on the machine: its weights are large
        assert costs[0] == math.inf and all(math.isfinite(c) for i, c in costs.items() if i)
        costs = {0: costs[0]}
    assert_costs(costs, INIT_COSTS[init])
    assert_accuracy(accuracy["train"], INIT_ACCURACY[init][0], 300)
    assert_accuracy(accuracy["test"], INIT_ACCURACY[init][1], 100)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("variant", "options"),
    [("none", []), ("l2", ["--l2", "0.7"]), ("dropout", ["--dropout", "0.86"])],
)
def test_train_regularization_prints_the_published_lines(
    capsys, football, variant, options
) -> None:
    costs, _, accuracy = run(capsys, "regularization", *options)
    assert_costs(costs, REG_COSTS[variant])
    assert_accuracy(accuracy["train"], REG_ACCURACY[variant][0], 211)
    assert_accuracy(accuracy["test"], REG_ACCURACY[variant][1], 200)


@pytest.mark.slow
@pytest.mark.parametrize(("optimizer", "decay"), list(OPT_COSTS))
def test_train_optimization_prints_the_published_lines(capsys, optimizer, decay) -> None:
    argv = ["optimization", "--optimizer", optimizer] + (["--lr-decay", decay] if decay else [])
    costs, rates, accuracy = run(capsys, *argv)
    assert_costs(costs, OPT_COSTS[optimizer, decay])
    assert {i: f"{r:.6f}" for i, r in rates.items()} == OPT_LR.get((optimizer, decay), {})
    assert_accuracy(accuracy["train"], OPT_ACCURACY[optimizer, decay], 300)
    assert "test" not in accuracy  # the notebook has no test set
