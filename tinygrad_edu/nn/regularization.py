"""L2 regularization as the course writes it (course 2, week 1, "Regularization").

The regularized cost adds the squared Frobenius norms of the weight matrices (not the biases):

    J_regularized = J + (1/m) (lambd/2) sum_l ||W[l]||_F^2

so backward adds the course's term to each weight's gradient, dW[l] += (lambd/m) W[l], with no
change to the backward of anything else. PyTorch spells the same idea `weight_decay` on an
optimizer: `SGD(params, lr, weight_decay=lambd/m)` takes the step of the regularized cost.
"""

from __future__ import annotations

from collections.abc import Iterable

from tinygrad_edu._checks import check_positive_int, check_real
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor


def l2_regularization_cost(weights: Module | Iterable[Tensor], lambd: float, m: int) -> Tensor:
    """The course's `L2_regularization_cost`: `(1/m) (lambd/2) sum_l ||W[l]||_F^2`.

    Forward: the sum over the weight matrices of the sum of their squared entries, times
    `(1/m) (lambd/2)`. Gradient: `(lambd/m) W[l]` for each `W[l]` (0 for what is not a weight).

    Args:
        weights: A model (its parameters named `W`, the Linear layers' weights, are taken; biases
            are not regularized) or the weight Tensors themselves.
        lambd: the regularization strength lambda (`lambda` is Python's keyword), >= 0.
        m: the number of examples the cost averages over.

    Returns:
        a 0-d Tensor, to add to the cross-entropy cost before `backward()`.

    Raises:
        ValueError: `lambd` is negative or not finite, `m` is not a positive int, or there is
            no weight.
        TypeError: an entry of `weights` is not a Tensor.

    Examples:
        >>> from tinygrad_edu import Tensor, nn
        >>> W = Tensor([[1.0, 2.0]], requires_grad=True)
        >>> cost = nn.l2_regularization_cost([W], lambd=0.5, m=5)
        >>> cost.item()
        0.25
        >>> cost.backward()
        >>> W.grad
        Tensor([[0.1, 0.2]])
    """
    check_real("l2_regularization_cost", "lambd", lambd, 0.0)
    check_positive_int("l2_regularization_cost", "m", m)
    if isinstance(weights, Module):
        listed = [W for name, W in weights.named_parameters() if name.rsplit(".", 1)[-1] == "W"]
    else:
        listed = list(weights)
    if not listed:
        raise ValueError("l2_regularization_cost: no weight to regularize (got an empty list)")
    for i, W in enumerate(listed):
        if not isinstance(W, Tensor):
            raise TypeError(
                f"l2_regularization_cost: weight {i} is {type(W).__name__}, not a Tensor"
            )
    # In the course's order: the norms summed first, then scaled by 1/m and lambd/2.
    total = (listed[0] * listed[0]).sum()
    for W in listed[1:]:
        total = total + (W * W).sum()
    return (1.0 / m) * (lambd / 2) * total
