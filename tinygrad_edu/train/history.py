"""What `fit` keeps: the cost of every iteration (`History`), and the warning for a cost that climbs."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["RISE_PATIENCE", "RISE_TOLERANCE", "History", "RiseWatch", "RisingCostWarning"]

# The warning for a cost that climbs: the cost has stayed more than RISE_TOLERANCE (10 %) above the
# lowest cost so far for RISE_PATIENCE iterations in a row. The course's planar training at lr 1.2
# climbs for about 50 iterations near iteration 7900, but by under 2 %; at lr 100 the cost is above
# its lowest by over 10 % from iteration 4 on.
RISE_TOLERANCE = 0.10
RISE_PATIENCE = 100


class RisingCostWarning(UserWarning):
    """`fit`'s cost has gone up and stayed up: the learning rate is likely too large."""


@dataclass
class History:
    """What `fit` did: the cost of every finished iteration, and why it stopped early (if it did).

    It reads as the list of costs: `len(history)`, `history[-1]`, `for cost in history`.

    Attributes:
        costs: the cost J of each finished iteration, in order (Python floats).
        stopped: None when it ran to the end, "interrupted" (Ctrl-C) or "diverged" (a NaN or inf
            cost).

    Examples:
        >>> history = History([0.69, 0.5])
        >>> len(history), history[-1], history.stopped
        (2, 0.5, None)
    """

    costs: list[float] = field(default_factory=list)
    stopped: str | None = None  # None (ran to the end), "interrupted" (Ctrl-C) or "diverged"

    def __len__(self) -> int:
        return len(self.costs)

    def __getitem__(self, i: int) -> float:
        return self.costs[i]

    def __iter__(self) -> Iterator[float]:
        return iter(self.costs)


class RiseWatch:
    """Warns once when the cost has stayed more than RISE_TOLERANCE above its lowest value so far
    for RISE_PATIENCE iterations in a row."""

    def __init__(self, lr: Any) -> None:
        self.lr, self.best, self.best_at, self.run, self.warned = lr, math.inf, 0, 0, False

    def update(self, i: int, cost: float) -> None:
        if cost < self.best:
            self.best, self.best_at = cost, i
        self.run = self.run + 1 if cost > self.best * (1 + RISE_TOLERANCE) else 0
        if self.run >= RISE_PATIENCE and not self.warned:
            self.warned = True
            warnings.warn(
                f"fit: the cost has been more than {RISE_TOLERANCE:.0%} above its lowest value "
                f"({self.best:.6f} at iteration {self.best_at}) for {self.run} iterations in a "
                f"row, now {cost:.6f} at iteration {i}: the learning rate lr={self.lr} is likely "
                "too large; try a smaller one",
                RisingCostWarning,
                stacklevel=3,
            )
