"""What `fit` keeps: the cost of every iteration (`History`), what it measured after each epoch
(`EpochStats`), and the warning for a cost that climbs."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "RISE_PATIENCE",
    "RISE_TOLERANCE",
    "EpochStats",
    "History",
    "RiseWatch",
    "RisingCostWarning",
]

# The warning for a cost that climbs: the cost has stayed more than RISE_TOLERANCE (10 %) above the
# lowest cost so far for RISE_PATIENCE iterations in a row. The course's planar training at lr 1.2
# climbs for about 50 iterations near iteration 7900, but by under 2 %; at lr 100 the cost is above
# its lowest by over 10 % from iteration 4 on.
RISE_TOLERANCE = 0.10
RISE_PATIENCE = 100


class RisingCostWarning(UserWarning):
    """`fit`'s cost has gone up and stayed up: the learning rate is likely too large."""


@dataclass(frozen=True)
class EpochStats:
    """What `fit(..., epochs=)` measured after one epoch.

    `cost` is the course's averaged cost (the "Optimization methods" notebook's `cost_total / m`):
    the loss of each mini-batch, summed over its examples as the model was before that batch's
    update and in training mode (dropout on), added up over the epoch and divided by m. It is the
    number the course prints, and it mixes models: the first batch's loss is the epoch's first
    model's, the last batch's its last but one. `train_cost` and `train_accuracy` measure the
    model as the epoch left it, on all of X in eval mode (dropout off), with no graph; the
    validation numbers the same on the validation set.

    Attributes:
        epoch: the epoch, from 0 (from `initial_epoch` when resuming).
        cost: the course's averaged cost over the epoch's mini-batches (printed after each epoch).
        train_cost: the cost of the model after the epoch on the whole training set, eval mode.
        train_accuracy: its accuracy there, in % (None when the model's outputs are not classes).
        val_cost: the same cost on the validation set (None without `validation=`).
        val_accuracy: the accuracy there, in % (None without `validation=`).
        lr: the learning rate the epoch trained with (None without a scheduler).

    Examples:
        >>> stats = EpochStats(0, 0.69, 0.68, 50.0)
        >>> stats.epoch, stats.train_accuracy, stats.val_cost
        (0, 50.0, None)
    """

    epoch: int
    cost: float
    train_cost: float
    train_accuracy: float | None
    val_cost: float | None = None
    val_accuracy: float | None = None
    lr: float | None = None


@dataclass
class History:
    """What `fit` did: the cost of every finished iteration, what it measured after each epoch,
    and why it stopped early (if it did).

    It reads as the list of costs: `len(history)`, `history[-1]`, `for cost in history`. With
    `fit(..., epochs=)` an iteration is one mini-batch's update.

    Attributes:
        costs: the cost J of each finished iteration, in order (Python floats).
        stopped: None when it ran to the end, "interrupted" (Ctrl-C) or "diverged" (a NaN or inf
            cost).
        epochs: one `EpochStats` per finished epoch (empty when trained by iterations).

    Examples:
        >>> history = History([0.69, 0.5])
        >>> len(history), history[-1], history.stopped
        (2, 0.5, None)
    """

    costs: list[float] = field(default_factory=list)
    stopped: str | None = None  # None (ran to the end), "interrupted" (Ctrl-C) or "diverged"
    epochs: list[EpochStats] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.costs)

    def __getitem__(self, i: int) -> float:
        return self.costs[i]

    def __iter__(self) -> Iterator[float]:
        return iter(self.costs)


class RiseWatch:
    """Warns once when the cost has stayed more than RISE_TOLERANCE above its lowest value so far
    for RISE_PATIENCE iterations (or epochs: `unit`) in a row."""

    def __init__(self, lr: Any, unit: str = "iteration", stacklevel: int = 3) -> None:
        self.lr, self.best, self.best_at, self.run, self.warned = lr, math.inf, 0, 0, False
        self.unit, self.stacklevel = unit, stacklevel  # the warning points at fit's caller

    def update(self, i: int, cost: float) -> None:
        if cost < self.best:
            self.best, self.best_at = cost, i
        self.run = self.run + 1 if cost > self.best * (1 + RISE_TOLERANCE) else 0
        if self.run >= RISE_PATIENCE and not self.warned:
            self.warned = True
            warnings.warn(
                f"fit: the cost has been more than {RISE_TOLERANCE:.0%} above its lowest value "
                f"({self.best:.6f} at {self.unit} {self.best_at}) for {self.run} {self.unit}s in a "
                f"row, now {cost:.6f} at {self.unit} {i}: the learning rate lr={self.lr} is likely "
                "too large; try a smaller one",
                RisingCostWarning,
                stacklevel=self.stacklevel,
            )
