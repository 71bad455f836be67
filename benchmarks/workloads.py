"""The benchmark's workloads, each three ways: the course's hand-written numpy, tinygrad_edu as a
learner writes it (the public API only), and PyTorch eager when it is installed.

A workload is built by `make_*`, which returns a `Workload`: one callable per framework, each running
one full training iteration (forward, cost, backward, SGD update) and returning the cost, all three
starting from the same parameters. `check` runs two iterations of each and compares the costs, so a
speed figure is never reported for a wrong answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from benchmarks import course_numpy as cn
from tinygrad_edu import Tensor, nn
from tinygrad_edu.engine.grad_mode import no_grad

Step = Callable[[], float]


@dataclass
class Workload:
    name: str
    size: str
    steps: dict[str, Step] = field(default_factory=dict)  # framework -> one iteration
    ops_per_step: int | None = None


def cat_like(m: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic data of the cat set's shape and range: X (12288, m) in [0, 1], Y (1, m) of 0/1."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, size=(m, 12288)).astype(np.float64).T / 255.0
    Y = (rng.random((1, m)) < 0.35).astype(np.float64)
    return X, Y


def _sgd_step(model: Any, lr: float) -> None:
    with no_grad():
        for p in model.parameters():
            p.data -= lr * p.grad.data


def _tinygrad_step(model: Any, X: Tensor, Y: Tensor, lr: float) -> Step:
    def step() -> float:
        model.zero_grad()
        cost = nn.binary_cross_entropy_with_logits(model.logits(X), Y)
        cost.backward()
        _sgd_step(model, lr)
        return cost.item()

    return step


def make_deep(X: np.ndarray, Y: np.ndarray, lr: float = 0.0075, torch: Any = None) -> Workload:
    """W1: [12288, 20, 7, 5, 1], relu hidden, sigmoid output, binary cross-entropy."""
    dims = [12288, 20, 7, 5, 1]
    w = Workload("W1 cat-deep", f"m={X.shape[1]}")
    params = cn.deep_init(dims, seed=1)
    w.steps["numpy"] = lambda: cn.deep_iteration(params, X, Y, lr)
    model = nn.DeepNet(dims, hidden="relu", seed=1)
    w.steps["tinygrad_edu"] = _tinygrad_step(model, Tensor(X), Tensor(Y), lr)
    if torch is not None:
        w.steps["pytorch"] = _torch_mlp(torch, cn.deep_init(dims, seed=1), X, Y, lr, "relu")
    return w


def make_logreg(X: np.ndarray, Y: np.ndarray, lr: float = 0.005, torch: Any = None) -> Workload:
    """W2: logistic regression 12288 -> 1."""
    w = Workload("W2 cat-logreg", f"m={X.shape[1]}")
    params = cn.logreg_init(X.shape[0])
    w.steps["numpy"] = lambda: cn.logreg_iteration(params, X, Y, lr)
    model = nn.LogisticRegression(X.shape[0])
    w.steps["tinygrad_edu"] = _tinygrad_step(model, Tensor(X), Tensor(Y), lr)
    if torch is not None:
        init = {"W1": np.zeros((1, X.shape[0])), "b1": np.zeros((1, 1))}
        w.steps["pytorch"] = _torch_mlp(torch, init, X, Y, lr, "relu")
    return w


def make_planar(lr: float = 1.2, torch: Any = None) -> Workload:
    """W3: the planar flower, 2 -> 4 (tanh) -> 1, m = 400."""
    from tinygrad_edu.data import flower

    X, Y = flower()
    w = Workload("W3 planar", "m=400")
    params = cn.shallow_init(2, 4, 1, seed=2)
    w.steps["numpy"] = lambda: cn.shallow_iteration(params, X, Y, lr, hidden="tanh")
    model = nn.ShallowNet(2, 4, 1, hidden="tanh", seed=2)
    w.steps["tinygrad_edu"] = _tinygrad_step(model, Tensor(X), Tensor(Y), lr)
    if torch is not None:
        w.steps["pytorch"] = _torch_mlp(torch, cn.shallow_init(2, 4, 1, seed=2), X, Y, lr, "tanh")
    return w


def _torch_mlp(
    torch: Any, init: dict, X: np.ndarray, Y: np.ndarray, lr: float, hidden: str
) -> Step:
    """The same network in PyTorch eager float64: Z = W A + b per layer, BCE with logits, SGD."""
    P = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in init.values()]
    Xt = torch.tensor(X, dtype=torch.float64)
    Yt = torch.tensor(Y, dtype=torch.float64)
    act = torch.relu if hidden == "relu" else torch.tanh
    bce = torch.nn.functional.binary_cross_entropy_with_logits

    def step() -> float:
        for p in P:
            p.grad = None
        A = Xt
        layers = len(P) // 2
        for layer in range(layers):
            Z = P[2 * layer] @ A + P[2 * layer + 1]
            A = act(Z) if layer < layers - 1 else Z
        cost = bce(Z, Yt)
        cost.backward()
        with torch.no_grad():
            for p in P:
                p -= lr * p.grad
        return cost.item()

    return step


# ---------------------------------------------------------------- W4: a long chain of small ops


def chain_numpy(n_ops: int) -> float:
    """The chain by hand, course style: a forward pass keeping a cache, then a backward pass."""
    x = np.full((4, 1), 0.5)
    a, caches = x, []
    for i in range(n_ops):
        kind = i % 3
        if kind == 0:
            a = a * 1.0001
        elif kind == 1:
            a = a + 0.001
        else:
            a = np.tanh(a)
            caches.append(a)
    cost = float(np.sum(a))
    da = np.ones_like(a)
    for i in reversed(range(n_ops)):
        kind = i % 3
        if kind == 0:
            da = da * 1.0001
        elif kind == 2:
            t = caches.pop()
            da = da * (1 - t * t)
    _dx = da
    return cost


def chain_tinygrad(n_ops: int) -> float:
    x = Tensor(np.full((4, 1), 0.5), requires_grad=True)
    a = x
    for i in range(n_ops):
        kind = i % 3
        if kind == 0:
            a = a * 1.0001
        elif kind == 1:
            a = a + 0.001
        else:
            a = a.tanh()
    cost = a.sum()
    cost.backward()
    return cost.item()


def chain_torch(torch: Any, n_ops: int) -> float:
    x = torch.full((4, 1), 0.5, dtype=torch.float64, requires_grad=True)
    a = x
    for i in range(n_ops):
        kind = i % 3
        if kind == 0:
            a = a * 1.0001
        elif kind == 1:
            a = a + 0.001
        else:
            a = torch.tanh(a)
    cost = a.sum()
    cost.backward()
    return cost.item()


def make_chain(n_ops: int, torch: Any = None) -> Workload:
    """W4: n elementwise ops (x * 1.0001, x + 0.001, tanh, repeating) on a (4, 1) tensor, sum,
    forward and backward."""
    w = Workload("W4 chain", f"{n_ops:,} ops", ops_per_step=n_ops)
    w.steps["numpy"] = lambda: chain_numpy(n_ops)
    w.steps["tinygrad_edu"] = lambda: chain_tinygrad(n_ops)
    if torch is not None:
        w.steps["pytorch"] = lambda: chain_torch(torch, n_ops)
    return w
