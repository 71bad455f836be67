"""The course's hand-written numpy for its four trainings: the reference tinygrad_edu must match.

Written as the assignments of "Neural Networks and Deep Learning" write it: parameters in a dict,
caches kept by the forward pass for the backward pass, every derivative by hand. Its inefficiencies
are kept on purpose, since the benchmarks measure tinygrad_edu against this code as learners wrote
it: the two-layer and deep models compute `dA0`, the gradient with respect to the input `X`, which
nothing uses.

- Week 2, logistic regression: `logreg_init`, `logreg_iteration`, `logreg_train`, `logreg_predict`.
- Week 3, planar data, tanh hidden layer (`hidden="tanh"`), and week 4, cats, relu hidden layer
  (`hidden="relu"`): `shallow_init`, `shallow_iteration`, `shallow_train`, `shallow_predict`.
- Week 4, L-layer network: `deep_init`, `deep_iteration`, `deep_train`, `deep_predict`.

Each `*_train` returns `(params, costs)` with the cost of every iteration (the course prints every
100th, or 1000th). Each `*_iteration(params, X, Y, lr)` is one step of gradient descent: it updates
`params` in place and returns the cost before the step, so a benchmark can time one step.
The course seeds numpy's global generator; `RandomState(seed)` draws the same numbers without
touching global state. Function names are lowercase where the course's are not (`L_model_forward`
is `deep_forward` here).
"""

from __future__ import annotations

from typing import Any

import numpy as np

Params = dict[str, Any]
Grads = dict[str, Any]


def sigmoid(Z: np.ndarray) -> np.ndarray:
    """The course's sigmoid, `1 / (1 + exp(-Z))` (for Z < -709 exp overflows, A is 0)."""
    return 1 / (1 + np.exp(-Z))


def relu(Z: np.ndarray) -> np.ndarray:
    return np.maximum(0, Z)


def accuracy(predictions: np.ndarray, Y: np.ndarray) -> float:
    """Percentage of examples whose 0/1 prediction equals the label."""
    return float(100 * np.mean(predictions == Y))


def update_parameters(parameters: Params, grads: Grads, learning_rate: float) -> Params:
    """Gradient descent: `W = W - learning_rate * dW` for every parameter (in place in the dict)."""
    for key in parameters:
        parameters[key] = parameters[key] - learning_rate * grads["d" + key]
    return parameters


# ---------------------------------------------------------------- week 2: logistic regression


def logreg_init(n_x: int) -> Params:
    """`initialize_with_zeros`: `w` is `(n_x, 1)` zeros, `b` is 0."""
    return {"w": np.zeros((n_x, 1)), "b": 0.0}


def propagate(w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray) -> tuple[Grads, float]:
    """Forward pass, cost and gradients of logistic regression, as in the week 2 assignment."""
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)
    cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    dw = 1 / m * np.dot(X, (A - Y).T)
    db = 1 / m * np.sum(A - Y)
    return {"dw": dw, "db": db}, float(np.squeeze(cost))


def logreg_iteration(params: Params, X: np.ndarray, Y: np.ndarray, lr: float) -> float:
    """One step of `optimize`: returns the cost, updates `params` in place."""
    grads, cost = propagate(params["w"], params["b"], X, Y)
    update_parameters(params, grads, lr)
    return cost


def logreg_train(
    X: np.ndarray, Y: np.ndarray, iterations: int = 2000, lr: float = 0.005
) -> tuple[Params, list[float]]:
    """The week 2 `model`: zeros, then `iterations` steps of gradient descent."""
    params = logreg_init(X.shape[0])
    costs = [logreg_iteration(params, X, Y, lr) for _ in range(iterations)]
    return params, costs


def logreg_predict(params: Params, X: np.ndarray) -> np.ndarray:
    """`predict`: 1 where `A > 0.5`, else 0, shape `(1, m)` (the course loops; same result)."""
    A = sigmoid(np.dot(params["w"].T, X) + params["b"])
    return (A > 0.5).astype(np.float64)


# ---------------------------------------------------- weeks 3 and 4: one hidden layer


def shallow_init(n_x: int, n_h: int, n_y: int, seed: int) -> Params:
    """`initialize_parameters`: `W1` `(n_h, n_x)` then `W2` `(n_y, n_h)`, `randn * 0.01`, b zeros.

    Week 3 (planar) seeds with 2, week 4 (cats) with 1.
    """
    rng = np.random.RandomState(seed)
    W1 = rng.randn(n_h, n_x) * 0.01
    b1 = np.zeros((n_h, 1))
    W2 = rng.randn(n_y, n_h) * 0.01
    b2 = np.zeros((n_y, 1))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def forward_propagation(X: np.ndarray, parameters: Params) -> tuple[np.ndarray, dict]:
    """Week 3: `A1 = tanh(W1 X + b1)`, `A2 = sigmoid(W2 A1 + b2)`."""
    Z1 = np.dot(parameters["W1"], X) + parameters["b1"]
    A1 = np.tanh(Z1)
    Z2 = np.dot(parameters["W2"], A1) + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def compute_cost_planar(A2: np.ndarray, Y: np.ndarray) -> float:
    """Week 3's cross-entropy: `-sum(Y log A2 + (1 - Y) log(1 - A2)) / m`."""
    m = Y.shape[1]
    logprobs = np.multiply(np.log(A2), Y) + np.multiply((1 - Y), np.log(1 - A2))
    return float(np.squeeze(-np.sum(logprobs) / m))


def backward_propagation(parameters: Params, cache: dict, X: np.ndarray, Y: np.ndarray) -> Grads:
    """Week 3's gradients: `dZ2 = A2 - Y`, `dZ1 = W2^T dZ2 * (1 - A1^2)` (tanh' = 1 - tanh^2)."""
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = (1 / m) * np.dot(dZ2, A1.T)
    db2 = (1 / m) * np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = np.multiply(np.dot(parameters["W2"].T, dZ2), 1 - np.power(A1, 2))
    dW1 = (1 / m) * np.dot(dZ1, X.T)
    db1 = (1 / m) * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def shallow_iteration(
    params: Params, X: np.ndarray, Y: np.ndarray, lr: float, hidden: str = "tanh"
) -> float:
    """One step of week 3's `nn_model` (tanh) or week 4's `two_layer_model` (relu)."""
    if hidden == "tanh":
        A2, cache = forward_propagation(X, params)
        cost = compute_cost_planar(A2, Y)
        grads = backward_propagation(params, cache, X, Y)
    elif hidden == "relu":
        A1, cache1 = linear_activation_forward(X, params["W1"], params["b1"], "relu")
        A2, cache2 = linear_activation_forward(A1, params["W2"], params["b2"], "sigmoid")
        cost = compute_cost(A2, Y)
        dA2 = -(np.divide(Y, A2) - np.divide(1 - Y, 1 - A2))
        dA1, dW2, db2 = linear_activation_backward(dA2, cache2, "sigmoid")
        # The course computes dA0, the gradient of the input X, and never uses it.
        _dA0, dW1, db1 = linear_activation_backward(dA1, cache1, "relu")
        grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
    else:
        raise ValueError(f"shallow_iteration(hidden={hidden!r}): hidden must be 'tanh' or 'relu'")
    update_parameters(params, grads, lr)
    return cost


def shallow_train(
    X: np.ndarray,
    Y: np.ndarray,
    n_h: int,
    iterations: int,
    lr: float,
    hidden: str = "tanh",
    seed: int | None = None,
) -> tuple[Params, list[float]]:
    """Train `n_x - n_h - n_y`; `seed` defaults to the course's: 2 for tanh (week 3), 1 for relu."""
    if seed is None:
        seed = 2 if hidden == "tanh" else 1
    params = shallow_init(X.shape[0], n_h, Y.shape[0], seed)
    costs = [shallow_iteration(params, X, Y, lr, hidden) for _ in range(iterations)]
    return params, costs


def shallow_predict(params: Params, X: np.ndarray, hidden: str = "tanh") -> np.ndarray:
    """1 where the output `A2 > 0.5`, else 0, shape `(1, m)`."""
    if hidden == "tanh":
        A2, _ = forward_propagation(X, params)
    else:
        A1, _ = linear_activation_forward(X, params["W1"], params["b1"], "relu")
        A2, _ = linear_activation_forward(A1, params["W2"], params["b2"], "sigmoid")
    return (A2 > 0.5).astype(np.float64)


# ------------------------------------------------------- week 4: the building blocks


def linear_forward(A: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    """`Z = W A + b`; the cache `(A, W, b)` is what `linear_backward` needs."""
    Z = np.dot(W, A) + b
    return Z, (A, W, b)


def linear_activation_forward(
    A_prev: np.ndarray, W: np.ndarray, b: np.ndarray, activation: str
) -> tuple[np.ndarray, tuple]:
    """`A = g(W A_prev + b)` with g sigmoid or relu; the cache is `(linear_cache, Z)`."""
    Z, linear_cache = linear_forward(A_prev, W, b)
    A = sigmoid(Z) if activation == "sigmoid" else relu(Z)
    return A, (linear_cache, Z)


def compute_cost(AL: np.ndarray, Y: np.ndarray) -> float:
    """Week 4's cross-entropy, `(1/m) (-Y log(AL)^T - (1 - Y) log(1 - AL)^T)`."""
    m = Y.shape[1]
    cost = (1.0 / m) * (-np.dot(Y, np.log(AL).T) - np.dot(1 - Y, np.log(1 - AL).T))
    return float(np.squeeze(cost))


def sigmoid_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """`dZ = dA * s * (1 - s)` with `s = sigmoid(Z)`, recomputed from the cache."""
    s = 1 / (1 + np.exp(-Z))
    return dA * s * (1 - s)


def relu_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """`dZ = dA` where `Z > 0`, else 0."""
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


def linear_backward(dZ: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`dW = dZ A_prev^T / m`, `db = sum(dZ) / m`, `dA_prev = W^T dZ`."""
    A_prev, W, _b = cache
    m = A_prev.shape[1]
    dW = 1.0 / m * np.dot(dZ, A_prev.T)
    db = 1.0 / m * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


def linear_activation_backward(
    dA: np.ndarray, cache: tuple, activation: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Back through the activation, then through the linear part: `(dA_prev, dW, db)`."""
    linear_cache, Z = cache
    dZ = sigmoid_backward(dA, Z) if activation == "sigmoid" else relu_backward(dA, Z)
    return linear_backward(dZ, linear_cache)


# ------------------------------------------------------------ week 4: the L-layer model


def deep_init(layer_dims: list[int], seed: int = 1) -> Params:
    """`initialize_parameters_deep` of the week 4 application: `W[l] = randn / sqrt(n[l-1])`."""
    rng = np.random.RandomState(seed)
    parameters = {}
    for layer in range(1, len(layer_dims)):
        n, n_prev = layer_dims[layer], layer_dims[layer - 1]
        parameters["W" + str(layer)] = rng.randn(n, n_prev) / np.sqrt(n_prev)
        parameters["b" + str(layer)] = np.zeros((n, 1))
    return parameters


def deep_forward(X: np.ndarray, parameters: Params) -> tuple[np.ndarray, list]:
    """`L_model_forward`: relu for layers 1..L-1, sigmoid for layer L; one cache a layer."""
    caches = []
    A = X
    L = len(parameters) // 2
    for layer in range(1, L):
        A, cache = linear_activation_forward(
            A, parameters["W" + str(layer)], parameters["b" + str(layer)], "relu"
        )
        caches.append(cache)
    AL, cache = linear_activation_forward(
        A, parameters["W" + str(L)], parameters["b" + str(L)], "sigmoid"
    )
    caches.append(cache)
    return AL, caches


def deep_backward(AL: np.ndarray, Y: np.ndarray, caches: list) -> Grads:
    """`L_model_backward`: start from `dAL = -(Y/AL - (1-Y)/(1-AL))` and go back layer by layer.

    Like the course it computes `dA0` too, the gradient of the input, and stores it unused.
    """
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = (
        linear_activation_backward(dAL, caches[L - 1], "sigmoid")
    )
    for layer in reversed(range(L - 1)):
        dA_prev, dW, db = linear_activation_backward(
            grads["dA" + str(layer + 1)], caches[layer], "relu"
        )
        grads["dA" + str(layer)] = dA_prev
        grads["dW" + str(layer + 1)] = dW
        grads["db" + str(layer + 1)] = db
    return grads


def deep_iteration(params: Params, X: np.ndarray, Y: np.ndarray, lr: float) -> float:
    """One step of `L_layer_model`: returns the cost, updates `params` in place."""
    AL, caches = deep_forward(X, params)
    cost = compute_cost(AL, Y)
    grads = deep_backward(AL, Y, caches)
    update_parameters(params, grads, lr)
    return cost


def deep_train(
    X: np.ndarray,
    Y: np.ndarray,
    layer_dims: list[int],
    iterations: int = 2500,
    lr: float = 0.0075,
    seed: int = 1,
) -> tuple[Params, list[float]]:
    """The week 4 `L_layer_model`, e.g. `layer_dims=[12288, 20, 7, 5, 1]`."""
    params = deep_init(layer_dims, seed)
    costs = [deep_iteration(params, X, Y, lr) for _ in range(iterations)]
    return params, costs


def deep_predict(params: Params, X: np.ndarray) -> np.ndarray:
    """1 where `AL > 0.5`, else 0, shape `(1, m)`."""
    AL, _ = deep_forward(X, params)
    return (AL > 0.5).astype(np.float64)
