"""fit's steps, one call each: run eagerly, or as one compiled step (`tinygrad_edu.jit`), with
the copies of the parameters and the optimizer's state that a divergence falls back on.

`steps(X, Y)` runs one update on the batch (X, Y) and returns its cost as a float. A non-finite
cost makes no update: the parameters and the state are put back to those of the last step whose
cost was finite, and the model's buffers (BatchNorm's running statistics, which the forward pass
of the non-finite step moved) to what they were before that step; fit stops. The two give the
same costs, parameters, state and buffers, bit for bit; the iteration loop calls them on the full
batch, the epoch loop on each mini-batch.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from tinygrad_edu import compiled
from tinygrad_edu.engine.grad_mode import no_grad
from tinygrad_edu.tensor import Tensor

__all__ = ["CompiledSteps", "EagerSteps", "examples_of"]


def examples_of(X: Tensor) -> int:
    """The number of examples m of a batch (its columns, the course's layout)."""
    return X.shape[-1] if X.ndim else 1


class EagerSteps:
    """fit's steps, run eagerly. The cost is read before backward, so a non-finite one is
    returned before any update is made for it, after putting back the parameters and the
    optimizer's state of the step before (at the first step nothing was changed).

    Args:
        model, optimizer, loss_fn: as fit has them (the loss a callable).
        course_order: the course's order of arithmetic: the summed cost is divided by the batch's
            m and the gradients multiplied by 1/m (False: the loss is a mean, used as it is).
    """

    def __init__(self, model: Any, optimizer: Any, loss_fn: Any, course_order: bool) -> None:
        self.model, self.optimizer, self.loss_fn = model, optimizer, loss_fn
        self.course_order = course_order
        self.params = list(optimizer.params)
        # the parameters of the last step whose cost was finite, to fall back on if training
        # diverges, and the optimizer's state (momentum, Adam's averages) from the same moment
        self.backup = _Copies(self.params)
        self.state_backup = _copy_state(optimizer.state)
        buffers = getattr(model, "buffers", None)  # a Module's; any other model has none
        # the model's buffers (BatchNorm's running statistics), copied before each step: its
        # forward pass moves them, so a non-finite cost puts them back with the parameters
        self.buffers = _Copies(buffers() if callable(buffers) else [])
        self.done = 0  # the finished steps
        self.summed = 0.0  # the last batch's summed loss (its cost times its m)

    def __call__(self, X: Tensor, Y: Tensor) -> float:
        """One step on (X, Y).

        Returns:
            The cost of the step, a float (a non-finite one made no update)."""
        optimizer, params = self.optimizer, self.params
        self.buffers.take()
        optimizer.zero_grad()
        cost = self.loss_fn(self.model, X, Y)
        m = examples_of(X) if self.course_order else None
        value = self._value(cost, m, X)
        if not math.isfinite(value):
            self.buffers.put_back()
            if self.done:  # at the first step nothing was updated yet
                self.backup.put_back()
                optimizer.state = self.state_backup
            return value
        cost.backward()
        if m is not None:
            _scale_grads(params, 1 / m)
        self.backup.take()
        if any(optimizer.state):  # plain gradient descent keeps none: nothing to copy
            self.state_backup = _copy_state(optimizer.state)
        optimizer.step()
        self.done += 1
        return value

    def _value(self, cost: Tensor, m: int | None, X: Tensor) -> float:
        """The cost as a float: the summed loss divided by m (the course's order), or the mean."""
        raw = cost.item()
        self.summed = raw if m is not None else raw * examples_of(X)
        return raw / m if m is not None else raw


class CompiledSteps(EagerSteps):
    """fit's steps, each one call of a compiled step (`tinygrad_edu.jit`): zero_grad, the cost,
    backward, the course's 1/m and the update, returning the cost (an `item()` inside the step
    would keep it eager). fit reads the cost after the update, so the parameters and the
    optimizer's state are copied before each call, and two copies are kept: the running step's
    and the one before's. A non-finite cost puts back those of the step before (at the first
    step, those the run started from, into the optimizer's own state dicts) and clears the
    gradients, as the eager steps leave them: the costs, parameters and state are the eager run's.

    Mini-batches of two sizes (the last one of an epoch is smaller) make two programs; the
    step keeps both and switches between them without tracing again.

    Args:
        model, optimizer, loss_fn, course_order: as for `EagerSteps`.
    """

    def __init__(self, model: Any, optimizer: Any, loss_fn: Any, course_order: bool) -> None:
        super().__init__(model, optimizer, loss_fn, course_order)
        params = self.params

        def fit_step(X: Tensor, Y: Tensor) -> Tensor:
            optimizer.zero_grad()
            cost = loss_fn(model, X, Y)
            cost.backward()
            if course_order:  # a shape, so a constant of each batch size's program
                _scale_grads_with_ops(params, 1 / examples_of(X))
            optimizer.step()
            return cost

        self.step = compiled.jit(fit_step)
        # the running step's parameters and state, taken before its update, and the step before's
        # (the last finite cost, while the running one's is not known)
        self.before, self.last = _Copies(params), _Copies(params)

    def __call__(self, X: Tensor, Y: Tensor) -> float:
        """One compiled step on (X, Y).

        Returns:
            The cost of the step, a float (after a non-finite one, the update is undone)."""
        optimizer = self.optimizer
        self.before.take(optimizer.state)
        self.buffers.take()
        m = examples_of(X) if self.course_order else None
        value = self._value(self.step(X, Y), m, X)
        if not math.isfinite(value):
            self.buffers.put_back()
            if not self.done:  # the state fit found, in the same dicts (eager never touched them)
                self.before.put_back()
                _put_back_state(optimizer.state, self.before.state)
            else:
                self.last.put_back()
                optimizer.state = self.last.state
            optimizer.zero_grad()
            return value
        self.before, self.last = self.last, self.before
        self.done += 1
        return value


class _Copies:
    """A copy of some tensors' values (the arrays kept from copy to copy), put back in place, and
    with `take(state)` of an optimizer's state too."""

    def __init__(self, tensors: Iterable[Tensor]) -> None:
        self.tensors = list(tensors)
        self.arrays = [np.empty_like(t.data) for t in self.tensors]
        self.state: list[dict[str, Any]] = []

    def take(self, state: list[dict[str, Any]] | None = None) -> None:
        for t, saved in zip(self.tensors, self.arrays, strict=True):
            np.copyto(saved, t.data)
        if state is not None:
            self.state = _copy_state(state)

    def put_back(self) -> None:
        _put_back(self.tensors, self.arrays)


def _put_back(params: list[Tensor], saved: list[np.ndarray]) -> None:
    with no_grad():  # in place, so the parameters stay the optimizer's, versions move
        for p, arr in zip(params, saved, strict=True):
            p.copy_(arr)


def _put_back_state(state: list[dict[str, Any]], saved: list[dict[str, Any]]) -> None:
    """The optimizer's state as `saved`, written into its own dicts (arrays kept where they were)."""
    for s, b in zip(state, saved, strict=True):
        for k in [k for k in s if k not in b]:
            del s[k]
        for k, v in b.items():
            if isinstance(v, np.ndarray) and isinstance(s.get(k), np.ndarray):
                np.copyto(s[k], v)
            else:
                s[k] = v


def _copy_state(state: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v.copy() if isinstance(v, np.ndarray) else v for k, v in s.items()} for s in state]


def _scale_grads(params: list[Tensor], factor: float) -> None:
    """grad = factor * grad in place (the course's `1/m *` on dW and db)."""
    for p in params:
        if p.grad is not None:
            p.grad.data *= factor


def _scale_grads_with_ops(params: list[Tensor], factor: float) -> None:
    """grad = grad * factor as an op, the same bits as `_scale_grads` (numpy multiplies by the
    Python number in the gradient's dtype either way). A compiled step records it, where the
    in-place write into `.data` would keep the step eager; eager mode keeps `_scale_grads`, a
    third of the time."""
    with no_grad():
        for p in params:
            if p.grad is not None:
                p.grad = p.grad * factor
