"""Gradient descent: `SGD` (the course's update, with PyTorch's momentum, dampening, nesterov and
weight decay) and `Momentum` (the course's exponentially weighted average)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from tinygrad_edu._checks import check_real
from tinygrad_edu.optim.optimizer import Optimizer, check_decay
from tinygrad_edu.tensor import Tensor


class SGD(Optimizer):
    """Gradient descent, as the course's `update_parameters`: W = W - lr dW. With PyTorch's
    options it is `torch.optim.SGD` (the same algorithm, the same numbers in float64):

        g = dW + weight_decay W
        b = g at the first step, then b = momentum b + (1 - dampening) g    (when momentum > 0)
        g = g + momentum b with nesterov, else g = b
        W = W - lr g

    (The course's momentum, the average v = beta v + (1 - beta) dW from v = 0, is `Momentum`.)

    Args:
        params: the tensors to optimize (see `Optimizer`).
        lr: the learning rate, > 0.
        momentum: the factor of the momentum buffer b, >= 0 (0: no buffer).
        dampening: the part of g the buffer leaves out after the first step.
        weight_decay: the L2 factor added to each gradient, >= 0.
        nesterov: Nesterov's momentum (needs momentum > 0 and dampening 0, as in PyTorch).

    Raises:
        TypeError: `nesterov` is not True or False (and see `Optimizer`).
        ValueError: a hyperparameter is out of range, or `nesterov` lacks its conditions.

    Examples:
        >>> W = Tensor([1.0, -2.0], requires_grad=True)
        >>> optimizer = SGD([W], lr=0.1, momentum=0.9, weight_decay=0.5)
        >>> (W * W).sum().backward()  # g = 2 W + 0.5 W, b = g at the first step
        >>> optimizer.step()
        >>> W.data
        array([ 0.75, -1.5 ])
    """

    hyperparameters = ("momentum", "dampening", "weight_decay", "nesterov")
    state_keys = ("momentum_buffer",)

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = check_real("SGD", "momentum", momentum, 0.0)
        self.dampening = check_real("SGD", "dampening", dampening)
        self.weight_decay = check_decay("SGD", weight_decay)
        if not isinstance(nesterov, bool):
            raise TypeError(f"SGD: nesterov must be True or False, got {nesterov!r}")
        if nesterov and (momentum == 0 or dampening != 0):
            raise ValueError(
                "SGD: nesterov=True needs a momentum > 0 and dampening 0 (as PyTorch), got "
                f"momentum={momentum!r}, dampening={dampening!r}"
            )
        self.nesterov = nesterov

    def update(self, W: np.ndarray, dW: np.ndarray, state: dict[str, Any]) -> None:
        g = self.decayed(W, dW)
        if self.momentum:
            b = state.get("momentum_buffer")
            if b is None:  # PyTorch's first step: the buffer starts at g, not at 0
                b = state["momentum_buffer"] = g.copy()
            else:
                b *= self.momentum
                b += (1 - self.dampening) * g
            g = g + self.momentum * b if self.nesterov else b
        W -= self.lr * g


class Momentum(Optimizer):
    """Gradient descent with momentum, in the course's form (an exponentially weighted average
    of the gradients, from v = 0):

        v = beta v + (1 - beta) dW;    W = W - lr v

    (PyTorch's `SGD(momentum=...)` is another form, see `SGD`.)

    Args:
        params: the tensors to optimize (see `Optimizer`).
        lr: the learning rate, > 0.
        beta: the average's factor, in [0, 1).
        weight_decay: the L2 factor added to each gradient dW, >= 0 (PyTorch's meaning).

    Raises:
        ValueError: a hyperparameter is out of range (and see `Optimizer`).

    Examples:
        >>> W = Tensor([1.0, -2.0], requires_grad=True)
        >>> optimizer = Momentum([W], lr=0.1, beta=0.9)
        >>> W.grad = Tensor([0.5, -1.0])
        >>> optimizer.step()  # v = 0.1 dW
        >>> W.data
        array([ 0.995, -1.99 ])
    """

    hyperparameters = ("beta", "weight_decay")
    state_keys = ("v",)

    def __init__(
        self, params: Iterable[Tensor], lr: float, beta: float = 0.9, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params, lr)
        self.beta = check_real("Momentum", "beta", beta, 0.0, 1.0)
        self.weight_decay = check_decay("Momentum", weight_decay)

    def update(self, W: np.ndarray, dW: np.ndarray, state: dict[str, Any]) -> None:
        dW = self.decayed(W, dW)
        v = state.setdefault("v", np.zeros_like(W))
        v *= self.beta
        v += (1 - self.beta) * dW
        W -= self.lr * v

    def _hyper(self, *names: str) -> str:
        return super()._hyper("beta")
