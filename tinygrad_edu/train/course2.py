"""Course 2's week-1 trainings as the notebooks' `model()` functions run them: "Initialization"
(zeros, large random, He) and "Regularization" (none, L2, dropout), with the course's network, its
printed cost and its order of arithmetic, so that the printed lines are the course's.

Both train LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID by full-batch gradient descent.
What the two notebooks' helper files do differently, and what is kept here:

- the cost printed is the course's, computed from A[L] as written: `1./m * np.nansum(-log(A) Y -
  log(1 - A) (1 - Y))` (`course_cost`). Saturated outputs (A exactly 0 or 1, the large random
  initialization's first iterations) make it `inf`; the course prints that and trains on, and so
  does this loop: the gradient dZ[L] = A - Y is finite whatever the cost.
- init_utils.py scales dZ[L] by 1/m before the products (`dz3 = 1./m * (a3 - Y)`, then `dW3 =
  dz3 @ a2.T`); reg_utils.py after them (`dZ3 = A3 - Y`, `dW3 = 1./m * dZ3 @ A2.T`), then adds the
  L2 term `(lambd/m) W`. The rounding differs, so each training follows its own file: the
  parameters equal those of the course's numpy code run on the same machine, bit for bit.

`train.optimization.train_optimization` is the week-2 notebook (mini-batches, momentum, Adam).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tinygrad_edu import nn, optim, random
from tinygrad_edu._checks import check_real
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.train.course2_loop import (
    count,
    course_cost,
    course_loop,
    logits_of,
    network,
    sigmoid_of,
)
from tinygrad_edu.train.history import History

__all__ = ["INITIALIZATIONS", "train_initialization", "train_regularization"]

# The "Initialization" notebook's three choices, by its own names.
INITIALIZATIONS = ("zeros", "random", "he")


def train_initialization(
    X: Any,
    Y: Any,
    init: str = "he",
    iterations: int = 15000,
    lr: float = 0.01,
    print_every: int = 1000,
    seed: int = 3,
    progress: bool | None = None,
    log: Callable[[str], None] | None = None,
) -> tuple[nn.Sequential, History]:
    """The "Initialization" notebook's `model(X, Y, initialization=init)`: layers [n_x, 10, 5, 1],
    gradient descent at lr 0.01 for 15,000 iterations, `Cost after iteration i: c` every 1000.

    The weights start as the notebook's initializers draw them (the biases at 0): "zeros"; "random",
    `np.random.randn(n[l], n[l-1]) * 10` after `np.random.seed(3)` (`nn.init.course_(scale=10)`);
    "he", `randn(...) * np.sqrt(2. / n[l-1])` after the same seed (`nn.init.he_`). The gradient is
    init_utils' (1/m applied to dZ[L] first); the cost printed is `course_cost`'s, `inf` at first
    for "random", and training goes on. Ctrl-C stops after the iteration in progress.

    Args:
        X: the inputs, (n_x, m) (`data.circles()`'s X_train).
        Y: the labels, (1, m).
        init: "zeros", "random" or "he".
        iterations: the number of iterations, >= 0.
        lr: the learning rate.
        print_every: print the cost every this many iterations (0: never).
        seed: the initializers' `np.random.seed` (the course's 3; "zeros" draws nothing).
        progress: show a progress bar (None: on a terminal or in a notebook).
        log: where the printed lines go (default: print).

    Returns:
        (the trained model, its History: the cost of every iteration, and `stopped`).

    Raises:
        ValueError: an unknown `init`, or a count out of range.

    Examples:
        >>> from tinygrad_edu.data import circles
        >>> X, Y, _, _ = circles()
        >>> model, history = train_initialization(X, Y, "he", iterations=1, progress=False)
        Cost after iteration 0: 0.8830537463419761
    """
    if init not in INITIALIZATIONS:
        raise ValueError(
            f"train_initialization: init must be one of {INITIALIZATIONS}, got {init!r}"
        )
    X, Y = Tensor(X), Tensor(Y)
    model = network([X.shape[0], 10, 5, 1])
    if init == "random":
        nn.init.course_(model, scale=10, seed=seed)
    elif init == "he":
        nn.init.he_(model, seed=seed)
    optimizer = optim.SGD(model.parameters(), lr=lr)
    logits, m = logits_of(model), X.shape[1]

    def step(i: int) -> tuple[float, str | None]:
        optimizer.zero_grad()
        Z = logits(X)
        cost = course_cost(sigmoid_of(Z), Y)
        # dZ[L] = 1./m * (A - Y) before the products, as init_utils' backward_propagation
        (nn.binary_cross_entropy_with_logits(Z, Y, reduction="sum") * (1.0 / m)).backward()
        optimizer.step()
        return cost, None

    return model, course_loop(count(iterations), step, print_every, "iteration", progress, log)


def train_regularization(
    X: Any,
    Y: Any,
    lambd: float = 0.0,
    keep_prob: float = 1.0,
    iterations: int = 30000,
    lr: float = 0.3,
    print_every: int = 10000,
    seed: int = 3,
    progress: bool | None = None,
    log: Callable[[str], None] | None = None,
) -> tuple[nn.Sequential, History]:
    """The "Regularization" notebook's `model(X, Y, lambd=..., keep_prob=...)`: layers [n_x, 20,
    3, 1], reg_utils' `initialize_parameters` (`randn(n[l], n[l-1]) / np.sqrt(n[l-1])` after
    `np.random.seed(3)`), gradient descent at lr 0.3 for 30,000 iterations, printed every 10,000.

    - `lambd > 0`: L2 regularization, the cost plus `nn.l2_regularization_cost(model, lambd, m)`
      and `dW += (lambd/m) W` added after the 1/m, as `backward_propagation_with_regularization`.
    - `keep_prob < 1`: inverted dropout after each hidden RELU. The course re-seeds numpy with 1
      at the start of every forward pass and draws D1 then D2: both Dropout layers share one
      RandomState, re-seeded with 1 before every forward, so the masks are the course's.

    The course allows one of the two at a time. The model is returned in `eval()` mode (no
    dropout), ready for `accuracy`. Ctrl-C stops after the iteration in progress.

    Args:
        X: the inputs, (n_x, m) (`data.load_football()`'s X_train).
        Y: the labels, (1, m).
        lambd: the L2 strength lambda, >= 0 (the course's 0.7; 0: none).
        keep_prob: the probability of keeping a hidden unit, in (0, 1] (the course's 0.86; 1: no
            dropout).
        iterations: the number of iterations, >= 0.
        lr: the learning rate.
        print_every: print the cost every this many iterations (0: never).
        seed: the initializer's `np.random.seed` (the course's 3).
        progress: show a progress bar (None: on a terminal or in a notebook).
        log: where the printed lines go (default: print).

    Returns:
        (the trained model, in eval mode; its History).

    Raises:
        ValueError: both `lambd` and dropout are asked for, or a value is out of range.

    Examples:
        >>> X, Y = np.array([[0.1, -0.2, 0.3], [0.2, 0.1, -0.1]]), np.array([[1.0, 0.0, 1.0]])
        >>> _, history = train_regularization(X, Y, lambd=0.7, iterations=2, progress=False)
        Cost after iteration 0: ...
    """
    lambd = check_real("train_regularization", "lambd", lambd, 0.0)
    keep_prob = check_real("train_regularization", "keep_prob", keep_prob, 0.0)
    if not 0 < keep_prob <= 1:
        raise ValueError(f"train_regularization: keep_prob must be in (0, 1], got {keep_prob}")
    if lambd and keep_prob < 1:  # the notebook asserts the same
        raise ValueError(
            f"train_regularization: L2 (lambd={lambd}) or dropout (keep_prob={keep_prob}), not both"
        )
    X, Y = Tensor(X), Tensor(Y)
    masks = random.generator(seed=1) if keep_prob < 1 else None
    model = network([X.shape[0], 20, 3, 1], None if masks is None else keep_prob, masks)
    nn.init.course_(model, scale="sqrt", seed=seed)
    optimizer = optim.SGD(model.parameters(), lr=lr)
    logits, m = logits_of(model), X.shape[1]

    def step(i: int) -> tuple[float, str | None]:
        if masks is not None:
            masks.seed(1)  # forward_propagation_with_dropout's np.random.seed(1)
        optimizer.zero_grad()
        Z = logits(X)
        cost = course_cost(sigmoid_of(Z), Y)
        # dZ[L] = A - Y, then dW = 1./m * dZ A_prev^T: reg_utils' order
        nn.binary_cross_entropy_with_logits(Z, Y, reduction="sum").backward()
        for p in optimizer.params:
            p.grad.data *= 1.0 / m  # type: ignore[union-attr]  # every parameter got one
        if lambd:
            l2 = nn.l2_regularization_cost(model, lambd, m)
            cost += l2.item()
            l2.backward()  # dW += (lambd/m) W, added to 1./m dZ A_prev^T as the course adds it
        optimizer.step()
        return cost, None

    history = course_loop(count(iterations), step, print_every, "iteration", progress, log)
    model.eval()
    return model, history
