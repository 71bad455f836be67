"""The adaptive optimizers, in the course's forms: `RMSprop` and `Adam` (which takes PyTorch's
`betas=` too)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from tinygrad_edu._checks import check_real
from tinygrad_edu.optim.optimizer import Optimizer, check_decay
from tinygrad_edu.tensor import Tensor


class RMSprop(Optimizer):
    """RMSprop, in the course's form (PyTorch's `RMSprop(alpha=beta)`): each step is divided by
    a running root mean square of the gradients,

        s = beta s + (1 - beta) dW^2;    W = W - lr dW / (sqrt(s) + eps)

    Args:
        params: the tensors to optimize (see `Optimizer`).
        lr: the learning rate, > 0.
        beta: the average's factor, in [0, 1) (PyTorch's `alpha`).
        eps: added to the root mean square, >= 0.
        weight_decay: the L2 factor added to each gradient dW, >= 0 (PyTorch's meaning).

    Raises:
        ValueError: a hyperparameter is out of range (and see `Optimizer`).

    Examples:
        >>> W = Tensor([1.0, -2.0], requires_grad=True)
        >>> optimizer = RMSprop([W], lr=0.1, beta=0.9, eps=0.0)
        >>> W.grad = Tensor([0.5, -1.0])
        >>> optimizer.step()  # a first step of lr / sqrt(1 - beta) against the gradient's sign
        >>> W.data
        array([ 0.68377223, -1.68377223])
    """

    hyperparameters = ("beta", "eps", "weight_decay")
    state_keys = ("s",)

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float,
        beta: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.beta = check_real("RMSprop", "beta", beta, 0.0, 1.0)
        self.eps = check_real("RMSprop", "eps", eps, 0.0)
        self.weight_decay = check_decay("RMSprop", weight_decay)

    def update(self, W: np.ndarray, dW: np.ndarray, state: dict[str, Any]) -> None:
        dW = self.decayed(W, dW)
        s = state.setdefault("s", np.zeros_like(W))
        s *= self.beta
        s += (1 - self.beta) * dW**2
        W -= self.lr * dW / (np.sqrt(s) + self.eps)

    def _hyper(self, *names: str) -> str:
        return super()._hyper("beta", "eps")


class Adam(Optimizer):
    """Adam, as the course's `update_parameters_with_adam`: momentum and RMSprop together, each
    corrected for starting at 0 (t counts this parameter's updates, from 1):

        v = beta1 v + (1 - beta1) dW;      v_c = v / (1 - beta1^t)
        s = beta2 s + (1 - beta2) dW^2;    s_c = s / (1 - beta2^t)
        W = W - lr v_c / (sqrt(s_c) + eps)

    PyTorch's spelling is taken too, `Adam(params, lr, betas=(beta1, beta2), eps=, weight_decay=)`:
    the same update, equal to `torch.optim.Adam`'s to rounding (PyTorch writes the corrections as
    lr / (1 - beta1^t) and sqrt(s) / sqrt(1 - beta2^t)). `weight_decay` has PyTorch's meaning (dW
    + weight_decay W, not AdamW's).

    Args:
        params: the tensors to optimize (see `Optimizer`).
        lr: the learning rate, > 0.
        beta1: the factor of the gradients' average v, in [0, 1) (0.9 when not given).
        beta2: the factor of the squares' average s, in [0, 1) (0.999 when not given).
        eps: added to sqrt(s_c), >= 0.
        weight_decay: the L2 factor added to each gradient dW, >= 0.
        betas: PyTorch's spelling of (beta1, beta2); give one of the two spellings.

    Raises:
        TypeError: both `betas` and `beta1`/`beta2` are given (and see `Optimizer`).
        ValueError: a hyperparameter is out of range, or `betas` is not two numbers.

    Examples:
        >>> W = Tensor([1.0, -2.0], requires_grad=True)
        >>> optimizer = Adam([W], lr=0.1, betas=(0.9, 0.999), eps=0.0)
        >>> W.grad = Tensor([0.5, -1.0])
        >>> optimizer.step()  # v_c = dW, s_c = dW^2: a first step of lr against the sign
        >>> W.data
        array([ 0.9, -1.9])
    """

    hyperparameters = ("beta1", "beta2", "eps", "weight_decay")
    state_keys = ("t", "v", "s")

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 0.001,
        beta1: float | None = None,
        beta2: float | None = None,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        *,
        betas: tuple[float, float] | None = None,
    ) -> None:
        super().__init__(params, lr)
        names = ("beta1", "beta2")
        if betas is not None:
            if beta1 is not None or beta2 is not None:
                raise TypeError(
                    f"Adam: got both betas={betas!r} (PyTorch's spelling) and beta1={beta1!r}, "
                    f"beta2={beta2!r} (the course's); give one of them"
                )
            if not isinstance(betas, (tuple, list)) or len(betas) != 2:
                raise ValueError(f"Adam: betas must be two numbers (beta1, beta2), got {betas!r}")
            beta1, beta2 = betas
            names = ("betas[0]", "betas[1]")  # a bad value is named as the user wrote it
        elif isinstance(beta1, (tuple, list)):  # Adam(params, lr, (0.9, 0.999)), PyTorch's order
            raise ValueError(
                f"Adam: beta1 must be a number; for PyTorch's pair write betas={beta1!r}"
            )
        self.beta1 = check_real("Adam", names[0], 0.9 if beta1 is None else beta1, 0.0, 1.0)
        self.beta2 = check_real("Adam", names[1], 0.999 if beta2 is None else beta2, 0.0, 1.0)
        self.eps = check_real("Adam", "eps", eps, 0.0)
        self.weight_decay = check_decay("Adam", weight_decay)

    @property
    def betas(self) -> tuple[float, float]:
        """(beta1, beta2), as PyTorch names them."""
        return self.beta1, self.beta2

    def update(self, W: np.ndarray, dW: np.ndarray, state: dict[str, Any]) -> None:
        dW = self.decayed(W, dW)
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

    def _hyper(self, *names: str) -> str:
        return super()._hyper("beta1", "beta2", "eps")
