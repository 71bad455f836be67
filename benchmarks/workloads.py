"""The benchmark's workloads, each up to four ways: the course's hand-written numpy ("numpy"),
tinygrad_edu as a learner writes it (the public API only) run eagerly ("eager") and through
`tinygrad_edu.jit` ("jit"), and PyTorch eager ("pytorch", when it is installed).

A workload is built by `make_*`, which returns a `Workload`: one callable per framework, each running
one full training iteration (forward, cost, backward, SGD update) and returning the cost, all of them
starting from the same parameters. The models of W1-W3 come two ways:

- "generic": the model written with generic ops, `Z2 = W2 @ A1 + b2; A2 = Z2.sigmoid()` and the
  course's cost `-(Y * A2.log() + (1 - Y) * (1 - A2).log()).mean()`, on tensors made from the course's
  initial parameters;
- "fused": the library's models (`nn.DeepNet`, ...) and `nn.binary_cross_entropy_with_logits`.

The generic models have a third tinygrad_edu column, "jit_bce": the jit step with
`rewrites=("sigmoid_bce",)` (dZ = (A - Y) / m; not eager's bits, so not the "jit" column).

The eager and jit columns run the same step function, each on parameters of its own; the jit one is a
`JitStep`, whose `compiled` is the `CompiledStep` (bench.check verifies that it replays).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import tinygrad_edu
from benchmarks import course_numpy as cn
from benchmarks import torch_steps
from tinygrad_edu import Tensor, nn, optim

Step = Callable[[], float]
TINY = ("eager", "jit", "jit_bce")  # the tinygrad_edu columns


class JitStep:
    """A step compiled with `tinygrad_edu.jit`, called like the others: it returns the cost."""

    def __init__(self, fn: Callable[[], Tensor], rewrites: tuple = ()) -> None:
        self.compiled = tinygrad_edu.jit(fn, rewrites=rewrites)

    def __call__(self) -> float:
        return self.compiled().item()


@dataclass
class Workload:
    name: str
    model: str  # "generic" (generic ops) or "fused" (binary_cross_entropy_with_logits)
    size: str
    steps: dict[str, Step] = field(default_factory=dict)  # framework -> one iteration
    ops_per_step: int | None = None
    fresh_jit: Callable[[], JitStep] | None = None  # a new jit step on new parameters
    notes: list[str] = field(default_factory=list)


@functools.lru_cache(maxsize=1)  # the large-m rows share one data set (2 GB at m=20,900)
def cat_like(m: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic data of the cat set's shape and range: X (12288, m) in [0, 1], Y (1, m) of 0/1."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 256, size=(m, 12288)).astype(np.float64).T / 255.0
    Y = (rng.random((1, m)) < 0.35).astype(np.float64)
    return X, Y


def _add_tiny(w: Workload, make_fn: Callable[[], Callable[[], Tensor]], frameworks: Any) -> None:
    """The eager and jit columns: the same step function, each on a state of its own."""
    if "eager" in frameworks:
        fn = make_fn()
        w.steps["eager"] = lambda: fn().item()
    if "jit" in frameworks:
        w.steps["jit"] = JitStep(make_fn())
        w.fresh_jit = lambda: JitStep(make_fn())


# ------------------------------------------------------------ W1-W3: the course's networks


def forward_generic(P: dict[str, Tensor], X: Tensor, hidden: str) -> Tensor:
    """`Z[l] = W[l] @ A[l-1] + b[l]`, the hidden activation, then a sigmoid: the output A[L]."""
    A, L = X, len(P) // 2
    for layer in range(1, L + 1):
        Z = P[f"W{layer}"] @ A + P[f"b{layer}"]
        A = Z.sigmoid() if layer == L else (Z.relu() if hidden == "relu" else Z.tanh())
    return A


def cost_generic(A: Tensor, Y: Tensor) -> Tensor:
    """The course's cross-entropy, written out."""
    return -(Y * A.log() + (1 - Y) * (1 - A).log()).mean()


def _generic(init: dict, X: Tensor, Y: Tensor, lr: float, hidden: str) -> Callable:
    def make_fn() -> Callable[[], Tensor]:
        P = {k: Tensor(v, requires_grad=True, name=k) for k, v in init.items()}
        opt = optim.SGD(list(P.values()), lr=lr)

        def step() -> Tensor:
            opt.zero_grad()
            cost = cost_generic(forward_generic(P, X, hidden), Y)
            cost.backward()
            opt.step()
            return cost

        return step

    return make_fn


def _fused(make_model: Callable[[], Any], X: Tensor, Y: Tensor, lr: float) -> Callable:
    def make_fn() -> Callable[[], Tensor]:
        model = make_model()
        opt = optim.SGD(model.parameters(), lr=lr)

        def step() -> Tensor:
            opt.zero_grad()
            cost = nn.binary_cross_entropy_with_logits(model.logits(X), Y)
            cost.backward()
            opt.step()
            return cost

        return step

    return make_fn


def _mlp(
    w: Workload, X: np.ndarray, Y: np.ndarray, lr: float, spec: dict, frameworks: Any, torch: Any
) -> Workload:
    """Fill `w` in: spec gives the course's step (`numpy`, on its parameters), the initial
    parameters as W1, b1, ... (`init`), the library's model (`model`) and the hidden activation."""
    if "numpy" in frameworks:
        w.steps["numpy"] = spec["numpy"]
    if any(f in frameworks for f in TINY):
        Xt, Yt = Tensor(X, name="X"), Tensor(Y, name="Y")  # shared: no step writes into them
        if w.model == "generic":
            make_fn = _generic(spec["init"](), Xt, Yt, lr, spec["hidden"])
        else:
            make_fn = _fused(spec["model"], Xt, Yt, lr)
        _add_tiny(w, make_fn, frameworks)
        if w.model == "generic" and "jit_bce" in frameworks:
            w.steps["jit_bce"] = JitStep(make_fn(), rewrites=("sigmoid_bce",))
    if torch is not None and "pytorch" in frameworks:
        w.steps["pytorch"] = torch_steps.mlp(
            torch, spec["init"](), X, Y, lr, spec["hidden"], w.model == "generic"
        )
    return w


def make_deep(
    X: np.ndarray,
    Y: np.ndarray,
    model: str = "generic",
    frameworks: Any = (*TINY, "numpy"),
    torch: Any = None,
    lr: float = 0.0075,
) -> Workload:
    """W1: [12288, 20, 7, 5, 1], relu hidden, sigmoid output, binary cross-entropy."""
    dims = [12288, 20, 7, 5, 1]
    params = cn.deep_init(dims, seed=1)
    spec = {
        "numpy": lambda: cn.deep_iteration(params, X, Y, lr),
        "init": lambda: cn.deep_init(dims, seed=1),
        "model": lambda: nn.DeepNet(dims, hidden="relu", seed=1),
        "hidden": "relu",
    }
    return _mlp(
        Workload("W1 cat-deep", model, f"m={X.shape[1]}"), X, Y, lr, spec, frameworks, torch
    )


def make_logreg(
    X: np.ndarray,
    Y: np.ndarray,
    model: str = "generic",
    frameworks: Any = (*TINY, "numpy"),
    torch: Any = None,
    lr: float = 0.005,
) -> Workload:
    """W2: logistic regression 12288 -> 1, from zeros."""
    params = cn.logreg_init(X.shape[0])
    spec = {
        "numpy": lambda: cn.logreg_iteration(params, X, Y, lr),
        "init": lambda: {"W1": np.zeros((1, X.shape[0])), "b1": np.zeros((1, 1))},
        "model": lambda: nn.LogisticRegression(X.shape[0]),
        "hidden": "relu",  # no hidden layer
    }
    w = Workload("W2 cat-logreg", model, f"m={X.shape[1]}")
    return _mlp(w, X, Y, lr, spec, frameworks, torch)


def make_planar(
    model: str = "generic", frameworks: Any = (*TINY, "numpy"), torch: Any = None, lr: float = 1.2
) -> Workload:
    """W3: the planar flower, 2 -> 4 (tanh) -> 1, m = 400."""
    from tinygrad_edu.data import flower

    X, Y = flower()
    params = cn.shallow_init(2, 4, 1, seed=2)
    spec = {
        "numpy": lambda: cn.shallow_iteration(params, X, Y, lr, hidden="tanh"),
        "init": lambda: cn.shallow_init(2, 4, 1, seed=2),
        "model": lambda: nn.ShallowNet(2, 4, 1, hidden="tanh", seed=2),
        "hidden": "tanh",
    }
    return _mlp(Workload("W3 planar", model, "m=400"), X, Y, lr, spec, frameworks, torch)


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


def chain_step(n_ops: int) -> Callable[[], Tensor]:
    """The chain from a leaf made once, outside the step (so a compiled step recomputes it): clear
    its gradient, run the n ops, sum, backward."""
    x = Tensor(np.full((4, 1), 0.5), requires_grad=True, name="x")

    def step() -> Tensor:
        x.grad = None
        cost = chain_forward(x, n_ops, Tensor.tanh).sum()
        cost.backward()
        return cost

    return step


def chain_forward(a: Any, n_ops: int, tanh: Callable) -> Any:
    """The chain's n ops on a tensor (tinygrad_edu's or PyTorch's: `tanh` is theirs)."""
    for i in range(n_ops):
        kind = i % 3
        if kind == 0:
            a = a * 1.0001
        elif kind == 1:
            a = a + 0.001
        else:
            a = tanh(a)
    return a


def make_chain(n_ops: int, frameworks: Any = (*TINY, "numpy"), torch: Any = None) -> Workload:
    """W4: n elementwise ops (x * 1.0001, x + 0.001, tanh, repeating) on a (4, 1) tensor, sum,
    forward and backward."""
    w = Workload("W4 chain", "generic", f"{n_ops:,} ops", ops_per_step=n_ops)
    if "numpy" in frameworks:
        w.steps["numpy"] = lambda: chain_numpy(n_ops)
    _add_tiny(w, lambda: chain_step(n_ops), frameworks)
    if torch is not None and "pytorch" in frameworks:
        w.steps["pytorch"] = lambda: torch_steps.chain(torch, n_ops, chain_forward)
    return w
