"""The training step the tests jit and run eagerly: zero_grad, the logistic cost, backward, step."""

from __future__ import annotations

from typing import Any

from tinygrad_edu import Tensor, nn


def bce_step(model: Any, optimizer: Any, X: Any, Y: Any) -> Any:
    """A step function on (X, Y) for `tinygrad_edu.jit` or to call as it is; it returns the cost."""

    def step() -> Tensor:
        optimizer.zero_grad()
        cost = nn.binary_cross_entropy_with_logits(model(X), Tensor(Y))
        cost.backward()
        optimizer.step()
        return cost

    return step
