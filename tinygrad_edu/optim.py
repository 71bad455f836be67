"""Optimizers in the course's forms: gradient descent, momentum, RMSprop and Adam.

Each `step()` reads every parameter's gradient dW = W.grad and updates W.data in place (the tensor
stays the same object), skipping parameters whose `.grad` is None (not used by the last backward).
The usual loop:

    optimizer = optim.SGD(model.parameters(), lr=0.0075)
    for i in range(iterations):
        optimizer.zero_grad()
        cost = nn.binary_cross_entropy(model(X), Y)
        cost.backward()
        optimizer.step()

State (v, s) is kept per parameter as numpy arrays of its shape and dtype, starting at 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from tinygrad_edu.engine.grad_mode import no_grad
from tinygrad_edu.engine.versions import increment_version
from tinygrad_edu.nn.module import zero_grad_of as _zero_grad_of
from tinygrad_edu.tensor import Tensor


def _check_number(owner: str, name: str, value: Any, lowest: float, highest: float) -> None:
    """`value` is a real number with lowest <= value < highest; else name the argument and range."""
    real = not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))
    if not (real and math.isfinite(value) and lowest <= value < highest):
        interval = f"in [{lowest}, {highest})" if highest < math.inf else f">= {lowest}"
        raise ValueError(f"{owner}: {name} must be a number {interval}, got {value!r}")


def _check_lr(owner: str, lr: Any) -> None:
    real = not isinstance(lr, bool) and isinstance(lr, (int, float, np.integer, np.floating))
    if not (real and math.isfinite(lr) and lr > 0):
        raise ValueError(f"{owner}: lr (the learning rate) must be a number > 0, got {lr!r}")


class Optimizer:
    """Holds the parameters; `step()` updates them from their `.grad`, `zero_grad()` clears it.

    `params` is any iterable of Tensors (a list, or `model.parameters()`); a tensor listed twice
    is kept once."""

    def __init__(self, params: Iterable[Tensor], lr: float) -> None:
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(
                f"{name}: params must be an iterable of Tensors (e.g. model.parameters() or "
                "[W, b]), got a single Tensor; wrap it in a list"
            )
        self.params: list[Tensor] = []
        seen: set[int] = set()
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: parameter {i} is {type(p).__name__}, not a Tensor")
            if not p.is_leaf:
                raise ValueError(
                    f"{name}: parameter {i} (shape {p.shape}) is the result of an op, not a leaf; "
                    "optimize the tensors you created (with requires_grad=True)"
                )
            if id(p) not in seen:
                seen.add(id(p))
                self.params.append(p)
        if not self.params:
            raise ValueError(f"{name}: got an empty list of parameters")
        _check_lr(name, lr)
        self.lr = lr
        self.state: list[dict[str, Any]] = [{} for _ in self.params]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients before the next backward: `.grad = None` (PyTorch's default), or
        zeros with `set_to_none=False`."""
        for p in self.params:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                _zero_grad_of(p)

    def step(self) -> None:
        """One update of every parameter that has a gradient.

        The update writes into the parameter's array in place, so its version is bumped: a
        graph recorded before the step that saved the parameter refuses to backpropagate."""
        with no_grad():
            for p, state in zip(self.params, self.state, strict=True):
                if p.grad is not None:
                    self.update(p.data, p.grad.data, state)
                    increment_version(p)

    def update(self, W: np.ndarray, dW: np.ndarray, state: dict[str, Any]) -> None:
        """Update the array `W` in place from its gradient `dW` (and this parameter's `state`)."""
        raise NotImplementedError(f"{type(self).__name__} must define update()")

    def _hyper(self) -> str:
        return f"lr={self.lr}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._hyper()}, params={len(self.params)})"


class SGD(Optimizer):
    """Gradient descent, as the course's `update_parameters`:  W = W - lr dW."""

    def update(self, W: np.ndarray, dW: np.ndarray, state: dict[str, Any]) -> None:
        W -= self.lr * dW


class Momentum(Optimizer):
    """Gradient descent with momentum, in the course's form (an exponentially weighted average
    of the gradients):

        v = beta v + (1 - beta) dW;    W = W - lr v"""

    def __init__(self, params: Iterable[Tensor], lr: float, beta: float = 0.9) -> None:
        super().__init__(params, lr)
        _check_number("Momentum", "beta", beta, 0.0, 1.0)
        self.beta = beta

    def update(self, W: np.ndarray, dW: np.ndarray, state: dict[str, Any]) -> None:
        v = state.setdefault("v", np.zeros_like(W))
        v *= self.beta
        v += (1 - self.beta) * dW
        W -= self.lr * v

    def _hyper(self) -> str:
        return f"lr={self.lr}, beta={self.beta}"


class RMSprop(Optimizer):
    """RMSprop, in the course's form: each step is divided by a running root mean square of the
    gradients,

        s = beta s + (1 - beta) dW^2;    W = W - lr dW / (sqrt(s) + eps)"""

    def __init__(
        self, params: Iterable[Tensor], lr: float, beta: float = 0.999, eps: float = 1e-8
    ) -> None:
        super().__init__(params, lr)
        _check_number("RMSprop", "beta", beta, 0.0, 1.0)
        _check_number("RMSprop", "eps", eps, 0.0, math.inf)
        self.beta, self.eps = beta, eps

    def update(self, W: np.ndarray, dW: np.ndarray, state: dict[str, Any]) -> None:
        s = state.setdefault("s", np.zeros_like(W))
        s *= self.beta
        s += (1 - self.beta) * dW**2
        W -= self.lr * dW / (np.sqrt(s) + self.eps)

    def _hyper(self) -> str:
        return f"lr={self.lr}, beta={self.beta}, eps={self.eps}"


class Adam(Optimizer):
    """Adam, as the course's `update_parameters_with_adam`: momentum and RMSprop together, each
    corrected for starting at 0 (t counts this parameter's updates, from 1):

        v = beta1 v + (1 - beta1) dW;      v_c = v / (1 - beta1^t)
        s = beta2 s + (1 - beta2) dW^2;    s_c = s / (1 - beta2^t)
        W = W - lr v_c / (sqrt(s_c) + eps)"""

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        _check_number("Adam", "beta1", beta1, 0.0, 1.0)
        _check_number("Adam", "beta2", beta2, 0.0, 1.0)
        _check_number("Adam", "eps", eps, 0.0, math.inf)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps

    def update(self, W: np.ndarray, dW: np.ndarray, state: dict[str, Any]) -> None:
        t = state["t"] = state.get("t", 0) + 1
        v = state.setdefault("v", np.zeros_like(W))
        s = state.setdefault("s", np.zeros_like(W))
        v *= self.beta1
        v += (1 - self.beta1) * dW
        s *= self.beta2
        s += (1 - self.beta2) * dW**2
        v_corrected = v / (1 - self.beta1**t)
        s_corrected = s / (1 - self.beta2**t)
        W -= self.lr * v_corrected / (np.sqrt(s_corrected) + self.eps)

    def _hyper(self) -> str:
        return f"lr={self.lr}, beta1={self.beta1}, beta2={self.beta2}, eps={self.eps}"
