"""fit's iterations, one at a time: run eagerly, or as one compiled step (`tinygrad_edu.jit`)
each, with the copies of the parameters and the optimizer's state that a divergence falls back on.

Both yield (i, the cost of iteration i as a float). A non-finite cost ends the run, with the
parameters and the state already put back to those of the last iteration whose cost was finite,
and the model's buffers (BatchNorm's running statistics, which the forward pass of the non-finite
iteration moved) to what they were before that iteration; the two give the same costs,
parameters, state and buffers, bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from tinygrad_edu import compiled
from tinygrad_edu.engine.grad_mode import no_grad
from tinygrad_edu.tensor import Tensor

__all__ = ["compiled_iterations", "eager_iterations"]


def eager_iterations(
    model: Any, X: Tensor, Y: Tensor, optimizer: Any, loss_fn: Any, m: int | None, iterations: int
) -> Iterator[tuple[int, float]]:
    """fit's iterations, run eagerly. The cost is read before backward, so a non-finite one is
    yielded before any update is made for it, after putting back the parameters and the
    optimizer's state of iteration i - 1 (at i = 0 nothing was changed), and ends the run.

    Args:
        model, X, Y, optimizer, loss_fn: as fit has them (the loss a callable).
        m: the number of examples, for the course's order of arithmetic: the cost is divided by
            m and the gradients multiplied by 1/m (None: the loss is a mean, used as it is).
        iterations: how many iterations at most.

    Yields:
        (i, the cost of iteration i as a float)."""
    params = list(optimizer.params)
    # the parameters of the last iteration whose cost was finite, to fall back on if training diverges,
    # and the optimizer's state (momentum, Adam's averages) from the same moment
    backup = [np.empty_like(p.data) for p in params]
    state_backup = _copy_state(optimizer.state)
    buffers = _Buffers(model)
    for i in range(iterations):
        buffers.take()
        optimizer.zero_grad()
        cost = loss_fn(model, X, Y)
        value = _cost_value(cost, m)
        if not math.isfinite(value):
            buffers.put_back()
            if i > 0:  # at iteration 0 no parameter was updated yet
                _put_back(params, backup)
                optimizer.state = state_backup
            yield i, value
            return
        cost.backward()
        if m is not None:
            _scale_grads(params, 1 / m)
        for p, saved in zip(params, backup, strict=True):
            np.copyto(saved, p.data)
        if any(optimizer.state):  # plain gradient descent keeps none: nothing to copy
            state_backup = _copy_state(optimizer.state)
        optimizer.step()
        yield i, value


def compiled_iterations(
    model: Any, X: Tensor, Y: Tensor, optimizer: Any, loss_fn: Any, m: int | None, iterations: int
) -> Iterator[tuple[int, float]]:
    """fit's iterations, each one call of a compiled step (`tinygrad_edu.jit`): zero_grad, the
    cost, backward, the course's 1/m and the update, returning the cost (an `item()` inside the
    step would keep it eager). fit reads the cost after the update, so the parameters and the
    optimizer's state are copied before each call, and two copies are kept: iteration i's (the one
    running) and i - 1's. A non-finite cost at iteration i puts back those of i - 1 (at i = 0,
    those the run started from, into the optimizer's own state dicts) and clears the gradients,
    as the eager iterations leave them: the costs, parameters and state are the eager run's.

    Args:
        model, X, Y, optimizer, loss_fn, m, iterations: as for `eager_iterations`.

    Yields:
        (i, the cost of iteration i as a float)."""
    params = list(optimizer.params)

    def fit_step(X: Tensor, Y: Tensor) -> Tensor:
        optimizer.zero_grad()
        cost = loss_fn(model, X, Y)
        cost.backward()
        if m is not None:
            _scale_grads_with_ops(params, 1 / m)
        optimizer.step()
        return cost

    step = compiled.jit(fit_step)
    before = _Backup(params)  # iteration i's parameters and state, taken before its update
    last = _Backup(params)  # iteration i - 1's (the last finite cost, while i's is not known)
    buffers = _Buffers(model)
    for i in range(iterations):
        before.take(params, optimizer.state)
        buffers.take()
        value = _cost_value(step(X, Y), m)
        if not math.isfinite(value):
            buffers.put_back()
            if i == 0:  # the state as fit found it, in the same dicts (eager never touched them)
                before.put_back(params)
                _put_back_state(optimizer.state, before.state)
            else:
                last.put_back(params)
                optimizer.state = last.state
            optimizer.zero_grad()
            yield i, value
            return
        before, last = last, before
        yield i, value


class _Backup:
    """A copy of the parameters (arrays kept from copy to copy) and of the optimizer's state."""

    def __init__(self, params: list[Tensor]) -> None:
        self.arrays = [np.empty_like(p.data) for p in params]
        self.state: list[dict[str, Any]] = []

    def take(self, params: list[Tensor], state: list[dict[str, Any]]) -> None:
        for p, saved in zip(params, self.arrays, strict=True):
            np.copyto(saved, p.data)
        self.state = _copy_state(state)

    def put_back(self, params: list[Tensor]) -> None:
        _put_back(params, self.arrays)


class _Buffers:
    """The model's buffers (BatchNorm's running statistics), copied before each iteration: its
    forward pass moves them, so a non-finite cost puts them back with the parameters."""

    def __init__(self, model: Any) -> None:
        buffers = getattr(model, "buffers", None)  # a Module's; any other model has none
        self.tensors: list[Tensor] = list(buffers()) if callable(buffers) else []
        self.arrays = [np.empty_like(b.data) for b in self.tensors]

    def take(self) -> None:
        for b, saved in zip(self.tensors, self.arrays, strict=True):
            np.copyto(saved, b.data)

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


def _cost_value(cost: Tensor, m: int | None) -> float:
    """The cost as a float: the summed loss divided by m (the course's order), or the mean."""
    return cost.item() / m if m is not None else cost.item()


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
