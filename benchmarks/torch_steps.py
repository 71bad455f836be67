"""The workloads in PyTorch eager, float64, written the way the tinygrad_edu steps are (workloads.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def mlp(
    torch: Any, init: dict, X: np.ndarray, Y: np.ndarray, lr: float, hidden: str, generic: bool
) -> Callable[[], float]:
    """`Z = W A + b` per layer; the course's cost written out on sigmoid(Z) (generic) or
    `binary_cross_entropy_with_logits` on Z (fused); SGD."""
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
        if generic:
            A = torch.sigmoid(Z)
            cost = -(Yt * torch.log(A) + (1 - Yt) * torch.log(1 - A)).mean()
        else:
            cost = bce(Z, Yt)
        cost.backward()
        with torch.no_grad():
            for p in P:
                p -= lr * p.grad
        return cost.item()

    return step


def chain(torch: Any, n_ops: int, forward: Callable) -> float:
    """W4 in PyTorch eager: `forward` (workloads.chain_forward) runs the ops on a fresh leaf."""
    x = torch.full((4, 1), 0.5, dtype=torch.float64, requires_grad=True)
    cost = forward(x, n_ops, torch.tanh).sum()
    cost.backward()
    return cost.item()
