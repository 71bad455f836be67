"""What course 2's trainings share: the course's network, its printed cost, and its loop (print
`Cost after iteration i: c` as the notebooks do, keep the costs, stop cleanly on Ctrl-C)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tinygrad_edu import nn
from tinygrad_edu._checks import check_int
from tinygrad_edu.engine.grad_mode import no_grad
from tinygrad_edu.nn.predictions import logits_reader
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.train.history import History
from tinygrad_edu.train.progress import LoopTail

__all__ = ["Step", "count", "course_cost", "course_loop", "logits_of", "network", "sigmoid_of"]

# One iteration (or epoch) of a training: its cost, and a line to print after the cost, or None.
Step = Callable[[int], tuple[float, "str | None"]]


def network(
    layers_dims: Sequence[int], keep_prob: float | None = None, generator: Any = None
) -> nn.Sequential:
    """The course's LINEAR -> RELU -> ... -> LINEAR -> SIGMOID for `layers_dims` [n_x, ..., 1].

    With `keep_prob`, an `nn.Dropout(keep_prob=keep_prob, generator=generator)` follows every
    hidden RELU, as the "Regularization" notebook's `forward_propagation_with_dropout` does. W
    and b start at 0 (the course's zeros initialization); the trainings draw the course's own.

    Args:
        layers_dims: the layer sizes, the input's first (the course's `layers_dims`).
        keep_prob: the probability of keeping a hidden unit (None: no dropout).
        generator: the `numpy.random.RandomState` the dropout masks come from (None: the
            library's generator).

    Returns:
        The model, a Sequential.

    Raises:
        ValueError: fewer than two sizes, or a size that is not a whole number >= 1.

    Examples:
        >>> network([2, 20, 3, 1], keep_prob=0.86)[:3]
        Sequential(
          (0): Linear(2 -> 20)
          (1): ReLU()
          (2): Dropout(p=0.14)
        )
    """
    sizes = list(layers_dims)
    if len(sizes) < 2:
        raise ValueError(
            f"network: layers_dims needs the input size and at least one layer, got {sizes}"
        )
    layers: list[nn.Module] = []
    for k in range(1, len(sizes)):
        layers.append(nn.Linear(sizes[k - 1], sizes[k], init="zeros"))
        if k < len(sizes) - 1:
            layers.append(nn.ReLU())
            if keep_prob is not None:
                layers.append(nn.Dropout(keep_prob=keep_prob, generator=generator))
    return nn.Sequential(*layers, nn.Sigmoid())


def course_cost(A: Any, Y: Any, reduction: str = "mean") -> float:
    """The course's printed cost from the output A = A[L], computed as its notebooks write it:

        logprobs = -log(A) Y - log(1 - A) (1 - Y)
        "mean": 1./m * nansum(logprobs)  (init_utils' compute_loss, reg_utils' compute_cost)
        "sum":  sum(logprobs)            (opt_utils_v1a's compute_cost, summed per mini-batch)

    An A of exactly 0 or 1 where the label says otherwise costs inf (and 0 * inf is a nan that
    nansum skips), as in the course; no warning is printed.

    Args:
        A: the probabilities, (1, m): an array or a Tensor.
        Y: the labels 0/1, (1, m).
        reduction: "mean" or "sum".

    Returns:
        The cost, a Python float.

    Raises:
        ValueError: `reduction` is neither "mean" nor "sum".

    Examples:
        >>> course_cost(np.array([[0.5, 0.5]]), np.array([[0.0, 1.0]]))
        0.6931471805599453
        >>> course_cost(np.array([[1.0, 0.5]]), np.array([[0.0, 1.0]]))
        inf
    """
    if reduction not in ("mean", "sum"):
        raise ValueError(f"course_cost: reduction must be 'mean' or 'sum', got {reduction!r}")
    A, Y = (x.data if isinstance(x, Tensor) else np.asarray(x) for x in (A, Y))
    with np.errstate(
        divide="ignore", invalid="ignore"
    ):  # log(0) and 0 * inf, as the course has them
        logprobs = np.multiply(-np.log(A), Y) + np.multiply(-np.log(1 - A), 1 - Y)
        if reduction == "sum":
            return float(np.sum(logprobs))
        return float(1.0 / Y.shape[1] * np.nansum(logprobs))


def course_loop(
    n: int,
    step: Step,
    print_every: int,
    unit: str,
    progress: bool | None = None,
    log: Callable[[str], None] | None = None,
) -> History:
    """Run `step(i)` for i < n as the course's loops do: print `Cost after {unit} i: c` (the full
    repr of the float, as the notebooks' `format` prints it) when `i % print_every == 0`, then the
    step's note if it has one; keep every cost; stop cleanly on Ctrl-C after the step in progress.

    Args:
        n: the number of steps.
        step: one iteration (or epoch): returns (its cost, a line to print after the cost, or None).
        print_every: print every this many steps (0: never).
        unit: "iteration" or "epoch", for the printed line.
        progress: show a progress bar (None: on a terminal or in a notebook).
        log: where the lines go (default: the bar's write, else print).

    Returns:
        The History: every cost, and `stopped="interrupted"` after a Ctrl-C.
    """
    print_every = count(print_every, "print_every")
    # fit's tail, but every cost is kept: the course's random initialization starts at inf
    with LoopTail(n, progress, log) as tail:
        for i in range(n):
            cost, note = step(i)
            tail.history.costs.append(cost)
            if print_every and i % print_every == 0:
                tail.log(f"Cost after {unit} {i}: {cost}")
                if note:
                    tail.log(note)
            if tail.advance():
                tail.interrupted(f"{unit} {i}")
                break
    return tail.history


def logits_of(model: nn.Sequential) -> Callable[[Tensor], Tensor]:
    """How to get Z[L] from a `network()`: the model without its final Sigmoid.

    Args:
        model: a model that `network()` made.

    Returns:
        A callable X -> Z[L] (the same layers, so the same parameters).

    Raises:
        ValueError: the model does not end in Linear then Sigmoid."""
    read = logits_reader(model)
    if read is None:
        raise ValueError(
            f"logits_of: expected a network() ending in Linear, Sigmoid, got {model!r}"
        )
    return read


def sigmoid_of(Z: Tensor) -> np.ndarray:
    """A[L] = 1 / (1 + e^-Z), the course's sigmoid (the model's own op), with no graph recorded.

    Args:
        Z: the logits Z[L].

    Returns:
        A[L], a numpy array."""
    with no_grad():
        return Z.sigmoid().data


def count(value: Any, name: str = "iterations") -> int:
    """`value` as an int >= 0, or the error naming `name` (iterations, epochs, print_every).

    Args:
        value: the count given.
        name: its argument's name, for the message.

    Returns:
        The count as an int.

    Raises:
        ValueError: `value` is not a whole number >= 0."""
    check_int("train", name, value, 0)
    return int(value)
