"""The course's costs by name, and how to get a model's logits Z[L] or its probabilities A."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tinygrad_edu import nn
from tinygrad_edu.nn.predictions import gives_logits, logits_reader
from tinygrad_edu.tensor import Tensor

__all__ = ["COURSE_LOSSES", "LossFn", "gives_logits", "logits_reader"]

LossFn = Callable[[Any, Tensor, Tensor], Tensor]


def _logits(model: Any, X: Tensor, need: str) -> Tensor:
    """The model's logits Z[L]: `model.logits(X)`, or the output of a Sequential that ends in a
    Linear (its output is Z[L]), or that Sequential without its final Sigmoid."""
    read = logits_reader(model)
    if read is None:
        raise ValueError(
            f"fit: loss={need!r} needs the model's logits Z[L], but {type(model).__name__} has no "
            "logits(X) method and is not a Sequential ending in Linear (or Linear then Sigmoid). "
            "Give the model a logits(X) method, pass loss='bce' if its output is the probability "
            "A = sigmoid(Z), or pass loss=a callable loss(model, X, Y)"
        )
    return read(X)


def _probabilities(model: Any, X: Tensor) -> Tensor:
    """The model's output A, refused when it is known to be logits (a Sequential ending in Linear)."""
    if isinstance(model, nn.Sequential) and len(model) and isinstance(model[-1], nn.Linear):
        raise ValueError(
            "fit: loss='bce' needs the probability A = sigmoid(Z), but this Sequential ends in "
            "Linear, so its output is the logits Z: pass loss='bce_logits' (or 'cross_entropy' "
            "for several classes), or end the Sequential with Sigmoid()"
        )
    return model(X)


# The course's costs by name. Each returns the SUM of the per-example losses; `fit` divides the cost
# by m and multiplies the gradients by 1/m, as the course's code does (`dW = 1/m * dZ @ A_prev.T`).
COURSE_LOSSES: dict[str, Callable[[Any, Tensor, Tensor], Tensor]] = {
    # weeks 2 and 3: dZ[L] = A - Y straight from the logits
    "bce_logits": lambda model, X, Y: nn.binary_cross_entropy_with_logits(
        _logits(model, X, "bce_logits"), Y, reduction="sum"
    ),
    # week 4: dAL = -(Y/AL - (1-Y)/(1-AL)), then back through the sigmoid
    "bce": lambda model, X, Y: nn.binary_cross_entropy(
        _probabilities(model, X), Y, reduction="sum"
    ),
    # several classes: softmax over the class axis 0 of the logits, dZ[L] = softmax(Z) - Y
    "cross_entropy": lambda model, X, Y: nn.cross_entropy(
        _logits(model, X, "cross_entropy"), Y, reduction="sum"
    ),
}
