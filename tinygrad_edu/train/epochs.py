"""`fit(..., epochs=)`: training by epochs of mini-batches, as course 2's "Optimization methods"
notebook runs its `model()`: a new order of the examples every epoch (`data.DataLoader`), one
update per mini-batch, the course's averaged cost printed after the epoch; then what the loop by
iterations does not have: the model measured in eval mode on the training and validation sets
(`EpochStats`), a learning-rate scheduler stepped once an epoch, and a resumed run
(`initial_epoch`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tinygrad_edu._checks import check_positive_int
from tinygrad_edu.data.loader import DataLoader
from tinygrad_edu.engine.grad_mode import no_grad
from tinygrad_edu.nn.predictions import accuracy
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.train.history import EpochStats, History, RiseWatch
from tinygrad_edu.train.iterations import EagerSteps, examples_of
from tinygrad_edu.train.progress import LoopTail, lr_of

__all__ = ["fit_epochs"]


def fit_epochs(
    steps: EagerSteps,
    X: Tensor,
    Y: Tensor,
    epochs: int,
    batch_size: int | None,
    shuffle: bool,
    seed: int | None,
    validation: Any,
    scheduler: Any,
    initial_epoch: int,
    print_every: int,
    progress: bool | None,
    log: Callable[[str], None] | None,
) -> History:
    """Epochs `initial_epoch` to `epochs - 1` of `fit` (its docstring says what they do).

    Args:
        steps: the update of one mini-batch (`EagerSteps` or `CompiledSteps`).
        X, Y: the training set, Tensors (n_x, m) and (n_y, m).
        epochs, batch_size, shuffle, seed, validation, scheduler, initial_epoch, print_every,
            progress, log: as fit takes them, the counts checked.

    Returns:
        The History, with one `EpochStats` per finished epoch.

    Raises:
        ValueError: the validation set does not fit, batch_size is not a whole number >= 1, or
            the scheduler is not over the optimizer.
    """
    optimizer = steps.optimizer
    if scheduler is not None and getattr(scheduler, "optimizer", None) is not optimizer:
        raise ValueError(
            f"fit: the scheduler {scheduler!r} sets the rate of another optimizer than the one "
            "fit trains with: make it over the optimizer you pass (optimizer=...)"
        )
    held_out = None if validation is None else _validation_set(validation, X, Y)
    m = examples_of(X)
    size = m if batch_size is None else check_positive_int("fit", "batch_size", batch_size)
    loader = DataLoader(X, Y, size, shuffle, seed)
    loader.epoch = initial_epoch  # epoch k's order: random_mini_batches(seed + k)
    n_batches = len(loader)
    rising = RiseWatch(lr_of(optimizer), "epoch", stacklevel=4)
    i = 0  # the iteration (mini-batch update) of this call
    with LoopTail(max(epochs - initial_epoch, 0) * n_batches, progress, log) as tail:
        for epoch in range(initial_epoch, epochs):
            lr = optimizer.lr if scheduler is not None else None
            cost_total, stop = 0.0, False
            for j, (X_batch, Y_batch) in enumerate(loader):
                value = steps(X_batch, Y_batch)
                where = f" (mini-batch {j} of epoch {epoch})"
                if not tail.keep(i, value, optimizer, where):
                    return tail.history
                cost_total += steps.summed  # the course's cost_total: the batches' summed losses
                i += 1
                stop = tail.advance()
                if stop and j < n_batches - 1:
                    tail.interrupted(f"iteration {i - 1}{where}")
                    return tail.history
            stats = _measure(steps, epoch, cost_total / m, (X, Y), held_out, lr)
            tail.history.epochs.append(stats)
            rising.update(epoch, stats.cost)
            if print_every and (epoch % print_every == 0 or epoch == epochs - 1):
                tail.log(_line(stats))
            if scheduler is not None:
                scheduler.step()
            if stop:
                tail.interrupted(f"epoch {epoch}")
                break
    return tail.history


def _measure(
    steps: EagerSteps,
    epoch: int,
    cost: float,
    train: tuple[Tensor, Tensor],
    held_out: tuple[Tensor, Tensor] | None,
    lr: float | None,
) -> EpochStats:
    """The epoch's numbers: the model in eval mode, with no graph, then in its mode again."""
    model = steps.model
    training = getattr(model, "training", None)
    if training is not None:
        model.eval()
    try:
        train_cost, train_accuracy = _evaluate(steps, *train)
        val_cost, val_accuracy = (None, None) if held_out is None else _evaluate(steps, *held_out)
    finally:
        if training is not None:
            model.train(training)
    return EpochStats(epoch, cost, train_cost, train_accuracy, val_cost, val_accuracy, lr)


def _evaluate(steps: EagerSteps, X: Tensor, Y: Tensor) -> tuple[float, float | None]:
    """The cost (fit's: the summed loss / m for a named cost) and the accuracy on (X, Y)."""
    with no_grad():
        cost = steps.loss_fn(steps.model, X, Y).item()
    if steps.course_order:
        cost /= examples_of(X)
    try:
        return cost, accuracy(steps.model, X, Y)
    except ValueError:
        if steps.course_order:  # the course's costs are classifications: a real error
            raise
        return cost, None  # a loss of the user's, a model whose outputs are not classes


def _line(stats: EpochStats) -> str:
    """The course's printed line, with the validation numbers after it."""
    line = f"Cost after epoch {stats.epoch}: {stats.cost}"
    if stats.val_cost is not None:
        line += f"; validation cost: {stats.val_cost}"
        if stats.val_accuracy is not None:
            line += f", validation accuracy: {stats.val_accuracy} %"
    return line


def _validation_set(validation: Any, X: Tensor, Y: Tensor) -> tuple[Tensor, Tensor]:
    """validation=(X_val, Y_val) as Tensors, checked against the training set's rows."""
    if not isinstance(validation, (tuple, list)) or len(validation) != 2:
        raise ValueError(
            f"fit: validation must be a pair (X_val, Y_val), got {type(validation).__name__}"
        )
    X_val, Y_val = (v if isinstance(v, Tensor) else Tensor(v) for v in validation)
    if X_val.ndim != 2 or Y_val.ndim != 2 or X_val.shape[1] != Y_val.shape[1]:
        raise ValueError(
            f"fit: validation X_val has shape {X_val.shape} and Y_val {Y_val.shape}; expected "
            "(n_x, m_val) and (n_y, m_val), one example per column"
        )
    if X_val.shape[0] != X.shape[0] or Y_val.shape[0] != Y.shape[0]:
        raise ValueError(
            f"fit: validation X_val {X_val.shape} and Y_val {Y_val.shape} do not fit the training "
            f"set's X {X.shape} and Y {Y.shape}: they need the same rows"
        )
    return X_val, Y_val
