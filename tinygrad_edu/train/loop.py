"""`fit`, the training loop: forward, cost, backward, update, as the course's `model()` functions do, with
the course's printing, a progress bar (terminal or notebook), the cost history, and a clean stop on Ctrl-C;
by full-batch iterations here, or by epochs of mini-batches (epochs.py).

    >>> from tinygrad_edu.data import flower
    >>> from tinygrad_edu.nn import ShallowNet
    >>> X, Y = flower()
    >>> model = ShallowNet(2, 4, 1, hidden="tanh", seed=2)
    >>> history = fit(model, X, Y, iterations=10, lr=1.2, print_every=0)
    >>> round(history.costs[0], 6)
    0.693048
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tinygrad_edu import optim
from tinygrad_edu._checks import is_int
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.train.epochs import fit_epochs
from tinygrad_edu.train.history import History, RiseWatch
from tinygrad_edu.train.iterations import CompiledSteps, EagerSteps
from tinygrad_edu.train.losses import COURSE_LOSSES, LossFn
from tinygrad_edu.train.progress import LoopTail, lr_of

__all__ = ["fit"]


def fit(
    model: Any,
    X: Any,
    Y: Any,
    iterations: int | None = None,
    lr: float | None = None,
    optimizer: optim.Optimizer | None = None,
    loss: str | LossFn = "bce_logits",
    print_every: int = 100,
    progress: bool | None = None,
    log: Callable[[str], None] | None = None,
    jit: bool = False,
    *,
    epochs: int | None = None,
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: int | None = None,
    validation: tuple[Any, Any] | None = None,
    scheduler: Any = None,
    initial_epoch: int = 0,
) -> History:
    """Train `model` on (X, Y) for `iterations` full-batch steps, or for `epochs` passes over
    mini-batches, and return the `History`.

    Each iteration: the cost, backward, `optimizer.step()` (plain gradient descent with `lr` unless
    an optimizer is given). `loss` is one of the course's costs by name, or `loss(model, X, Y)`
    returning the cost J to differentiate (a PyTorch-style mean):

    - "bce_logits" (default): the cross-entropy on the model's logits, dZ[L] = A - Y (weeks 2, 3);
    - "bce": the cross-entropy on its output A, dAL = -(Y/AL - (1-Y)/(1-AL)) (week 4);
    - "cross_entropy": softmax cross-entropy on the logits for several classes, the classes along
      axis 0 (Z[L] is (n_classes, m)), Y one-hot (n_classes, m) or integer labels (1, m).

    The logits are `model.logits(X)`; a model without that method works when it is a Sequential
    ending in Linear (its output is the logits) or in Linear then Sigmoid.

    The named costs follow the course's order of arithmetic: backward from the summed loss, then
    dW = (1/m) * (...). It is the same math as differentiating the mean, but over thousands of
    iterations the last bits of rounding grow into the printed digits (at lr 1.2 the planar model
    differs in the 4th decimal by iteration 9000), and in this order the parameters equal those of
    the course's hand-written numpy run on the same machine, bit for bit, after every iteration (so
    the printed costs are the course's wherever its digits do not depend on the machine).

    Prints `Cost after iteration i: c` every `print_every` iterations and at the last one (0 prints
    nothing). `progress=None` shows a bar on a terminal and in a Jupyter notebook (tqdm's widget with
    ipywidgets, else a text bar), and none in a log file or a pipe. Ctrl-C stops after the iteration
    in progress, so the parameters are always those of a finished iteration. A cost that becomes
    NaN or inf stops training before that update, with a message suggesting a smaller learning
    rate; the parameters and the optimizer's state are then those of the last iteration whose cost
    was finite (and the model's buffers, such as BatchNorm's running statistics, those it left).
    A cost that stays more than 10 % above its lowest value for 100 iterations in a row warns once
    (`RisingCostWarning`, naming lr).

    `epochs=E` trains by epochs instead (pass `iterations` or `epochs`, not both): each epoch walks a
    `data.DataLoader` over the columns of (X, Y) in mini-batches of `batch_size` (None: the full
    batch), every mini-batch one iteration as above, the course's 1/m being the batch's size. With
    `seed=s` epoch k is the course's `random_mini_batches(X, Y, batch_size, s + k)` (the
    "Optimization methods" notebook's order is `seed=11`: it adds 1 to its 10 before each epoch);
    with `seed=None` the orders come from the library's generator (`tinygrad_edu.manual_seed`);
    `shuffle=False` keeps the columns in order. After each epoch, in eval mode and with no graph
    (the model's mode is then put back), fit measures the cost and accuracy on all of X, and on
    `validation=(X_val, Y_val)` if given, and records an `EpochStats` in `history.epochs`; its
    `cost` is the course's averaged cost of the epoch's mini-batches (`cost_total / m`, each batch
    measured in training mode before its update), printed every `print_every` epochs and at the
    last as `Cost after epoch i: c` (the float's repr, as the course prints it), with the
    validation cost and accuracy after it. A `scheduler` (`optim.lr_scheduler`'s, over
    `optimizer`) steps once after every epoch; the lr each epoch trained with is recorded.
    `initial_epoch=k` resumes a run at epoch k (epoch k's order): restore a checkpoint saved after
    epoch k - 1 (`io.save_checkpoint(..., epoch=k)`), and the resumed run ends where the
    uninterrupted one does, bit for bit. Ctrl-C stops after the mini-batch in progress (an epoch
    it completes is recorded); a non-finite cost stops before its update, as above; the rising-cost
    warning watches the epochs' costs (mini-batch costs are noisy).

    `jit=True` runs each iteration as one compiled step (`tinygrad_edu.jit`): zero_grad, the cost,
    backward, the course's 1/m and `optimizer.step()` are traced at iteration 0, checked against
    eager mode bit for bit at iteration 1, and replayed as straight-line numpy from iteration 2 on.
    The costs, the printed lines, the History, the final parameters and the optimizer's state are
    those of `jit=False`, bit for bit, after a divergence or a Ctrl-C too (the step returns the cost
    and fit reads it after the update: a non-finite cost puts back the parameters and state copied
    before the last finite iteration). The loss runs as Python only at iterations 0 and 1, so its
    side effects (printing, counting calls) are not repeated after that. A step that cannot be
    replayed faithfully (a loss that calls `item()` or reads `.data`, or draws random numbers, as
    dropout does) runs eagerly with one `JitWarning` saying why, and gives the same results. By
    epochs, a smaller last mini-batch is a second program, traced and checked once (and warned
    about once more, in the same words, if it cannot be replayed).

    Args:
        model: the Module to train.
        X: the inputs, (n_x, m).
        Y: the labels, (n_y, m) (or integer labels (1, m) for "cross_entropy").
        iterations: the number of full-batch steps, an int >= 0 (a numpy integer too).
        lr: the learning rate of plain gradient descent (when no optimizer is given).
        optimizer: an optimizer over the model's parameters, instead of lr.
        loss: a course cost by name, or a callable loss(model, X, Y).
        print_every: print the cost every this many iterations, or epochs (0: never).
        progress: show a progress bar (None: on a terminal or in a notebook).
        log: where the printed lines go (default: print), called with each line.
        jit: run each iteration as a compiled step (`tinygrad_edu.jit`), with the same results.
        epochs: the number of epochs to train to, an int >= 0, instead of iterations.
        batch_size: the examples per mini-batch (None: all of them); with epochs only.
        shuffle: a new order of the examples every epoch (False: in order); with epochs only.
        seed: the course's seed of epoch 0's order (epoch k's is seed + k), or None for the
            library's generator; with epochs only.
        validation: (X_val, Y_val), measured after every epoch; with epochs only.
        scheduler: a learning-rate scheduler over `optimizer`, stepped after every epoch.
        initial_epoch: the epoch to start at when resuming (epochs counts from 0, not from it).

    Returns:
        The History: the cost of each finished iteration, one `EpochStats` per finished epoch (by
        epochs), and why training stopped early.

    Raises:
        TypeError: both or neither of iterations and epochs, or an argument of epochs with
            iterations.
        ValueError: iterations, epochs, batch_size or initial_epoch is not a whole number in
            range, neither lr nor optimizer is given, the loss is unknown, the model cannot give
            what the named loss needs, the validation set does not fit X and Y, or the scheduler
            is not over the optimizer.

    Examples:
        >>> from tinygrad_edu.data import flower
        >>> from tinygrad_edu.nn import ShallowNet
        >>> X, Y = flower()
        >>> history = fit(ShallowNet(2, 4, 1), X, Y, iterations=3, lr=1.2, print_every=5)
        Cost after iteration 0: 0.693048
        Cost after iteration 2: ...
        >>> len(history), history.stopped
        (3, None)
        >>> history = fit(ShallowNet(2, 4, 1), X, Y, epochs=2, batch_size=64, seed=1, lr=1.2,
        ...               validation=(X[:, :100], Y[:, :100]), print_every=1, progress=False)
        Cost after epoch 0: 0.69...; validation cost: 0.7..., validation accuracy: ... %
        Cost after epoch 1: 0.69...; validation cost: 0.6..., validation accuracy: ... %
        >>> len(history), [stats.epoch for stats in history.epochs]
        (14, [0, 1])
    """
    by_epochs = _check_schedule(iterations, epochs, batch_size, shuffle, seed, validation,
                                scheduler, initial_epoch)  # fmt: skip
    count = _count(epochs, "epochs") if by_epochs else _count(iterations, "iterations")
    initial_epoch = _count(initial_epoch, "initial_epoch")
    if optimizer is None:
        if lr is None:
            raise ValueError("fit: pass lr (the learning rate) or an optimizer")
        optimizer = optim.SGD(model.parameters(), lr=lr)
    if isinstance(loss, str):
        if loss not in COURSE_LOSSES:
            raise ValueError(
                f"fit: loss must be one of {sorted(COURSE_LOSSES)} or a callable, got {loss!r}"
            )
        loss_fn, course_order = COURSE_LOSSES[loss], True
    else:
        loss_fn, course_order = loss, False
    X = X if isinstance(X, Tensor) else Tensor(X)
    Y = Y if isinstance(Y, Tensor) else Tensor(Y)
    steps = (CompiledSteps if jit else EagerSteps)(model, optimizer, loss_fn, course_order)
    if by_epochs:
        return fit_epochs(
            steps, X, Y, count, batch_size, shuffle, seed, validation, scheduler, initial_epoch,
            print_every, progress, log,
        )  # fmt: skip
    iterations = count
    rising = RiseWatch(lr_of(optimizer))
    full = (X, Y)
    with LoopTail(iterations, progress, log) as tail:
        for i in range(iterations):
            # a non-finite cost ends the run, with the parameters and the optimizer's state
            # already put back to those of the last finite cost
            value = steps(*full)
            if not tail.keep(i, value, optimizer):
                break
            rising.update(i, value)
            if print_every and (i % print_every == 0 or i == iterations - 1):
                tail.log(f"Cost after iteration {i}: {value:.6f}")
            if tail.advance():
                tail.interrupted(f"iteration {i}")
                break
    return tail.history


# the arguments that only training by epochs reads, and their defaults
_EPOCH_ONLY = {"batch_size": None, "shuffle": True, "seed": None, "validation": None,
               "scheduler": None, "initial_epoch": 0}  # fmt: skip


def _check_schedule(iterations: Any, epochs: Any, *epoch_args: Any) -> bool:
    """True to train by epochs; the TypeError of a call that mixes the two ways."""
    if (iterations is None) == (epochs is None):
        given = "both" if epochs is not None else "neither"
        raise TypeError(
            f"fit: pass exactly one of iterations= (full-batch steps) and epochs= (passes over "
            f"mini-batches), got {given}"
        )
    if iterations is not None:
        named = dict(zip(_EPOCH_ONLY, epoch_args, strict=True))
        extra = [k for k, v in named.items() if v is not _EPOCH_ONLY[k] and v != _EPOCH_ONLY[k]]
        if extra:
            raise TypeError(
                f"fit: {', '.join(f'{k}=' for k in extra)} go with epochs=, not iterations= "
                "(full-batch steps)"
            )
    return epochs is not None


def _count(value: Any, name: str) -> int:
    """value as an int: any integer (numpy's too), not a bool, a float or a negative."""
    if not is_int(value):
        raise ValueError(
            f"fit: {name} must be a whole number >= 0 (an int), got {value!r} of type "
            f"{type(value).__name__}"
        )
    if value < 0:
        raise ValueError(f"fit: {name} must be >= 0, got {int(value)}")
    return int(value)
